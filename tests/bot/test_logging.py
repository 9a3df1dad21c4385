"""Logs carry a request id per activity and never a secret."""

import json
import logging

from bot.logs import JsonFormatter, RequestIdFilter
from config.settings import Settings

SECRET = "s3cr3t-app-password-value"


async def test_every_line_of_a_turn_carries_the_request_id_and_no_secret(chat, caplog):
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    lines: list[str] = []
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        user = chat.user("Megan Bowen")
        response = await user.post(user.activity(text="x" * 5000))
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    wanted = response.headers["X-Request-Id"]
    mine = [json.loads(line) for line in lines if wanted in line]
    assert any("refused input" in entry["message"] for entry in mine)
    assert all(entry["request_id"] == wanted for entry in mine)


def test_settings_never_show_the_app_password():
    settings = Settings(_env_file=None, microsoft_app_id="x", microsoft_app_password=SECRET)
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    assert settings.microsoft_app_password.get_secret_value() == SECRET


def test_certificate_links_are_redacted_from_every_log_line():
    from bot.logs import RedactSignedLinks

    record = logging.LogRecord(
        "aiohttp.access",
        logging.INFO,
        __file__,
        1,
        '%s "GET /certificates/%s HTTP/1.1" 200',
        ("127.0.0.1", "7.3.1790000000.ab12.sig"),
        None,
    )
    assert RedactSignedLinks().filter(record)
    assert record.getMessage() == '127.0.0.1 "GET /certificates/[redacted] HTTP/1.1" 200'
