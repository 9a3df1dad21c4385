"""Where the client cannot take Teams' file consent (local mode: the Agents Playground), an
export or report comes as a signed, short-lived download link from the bot, over real HTTP:
the file is kept in the database (a second replica serves the link), each download is audited
as the file's making is, and a link that is tampered with, expired or someone else's gives
nothing."""

import json
import re
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from markdown_it import MarkdownIt
from sqlmodel import func, select

from bot.app import create_app
from config.settings import Settings
from demo.council import PLAYGROUND_PEOPLE, load_demo_data
from training.models import AuditEntry, ExportDownload, FeedbackResponse

ALEX, ISAIAH = PLAYGROUND_PEOPLE[0], PLAYGROUND_PEOPLE[3]
SECRET = "the same key on every replica, 32 bytes or more"
PUBLIC_URL = "https://wrapbot.example.gov.uk"
LINK = re.compile(r"\((https://wrapbot\.example\.gov\.uk/exports/[^)\s]+)\)")


@pytest.fixture
def chat_settings() -> dict:
    # No app id (local mode) and EXPORT_DELIVERY left at auto: what `make run` does.
    return {
        "coordinators": [ALEX.aad_object_id],
        "export_delivery": "auto",
        "certificate_link_secret": SECRET,
        "public_url": PUBLIC_URL,
    }


@pytest.fixture
def demo(database, clock):
    with database.unit_of_work() as db:
        load_demo_data(db, clock.now(), Settings(_env_file=None).zone)


def _buttons(node: object) -> list[dict]:
    if isinstance(node, dict):
        own = [node] if node.get("type") == "Action.Execute" else []
        return own + [b for value in node.values() for b in _buttons(value)]
    if isinstance(node, list):
        return [b for item in node for b in _buttons(item)]
    return []


async def _link_for(chat, alex, words: str, title: str) -> str:
    [shown] = await alex.says(words)
    card = shown["activity"]["attachments"][0]["content"]
    button = next(b for b in _buttons(card) if b["title"] == title)
    answer = await alex.presses(button)
    found = LINK.search(json.dumps(answer) + json.dumps(alex.new_replies()))
    assert found, answer
    # The link names the bot's public origin; here the bot is on a loopback port.
    return found[1].replace(PUBLIC_URL, chat.url.removesuffix("/api/messages"))


def _audit(chat) -> list[str]:
    with chat.database.unit_of_work() as db:
        return list(db.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all())


async def test_an_export_in_local_mode_is_a_download_link(chat, demo):
    alex = chat.user(ALEX.name, ALEX.aad_object_id, email=ALEX.email)
    url = await _link_for(chat, alex, "totals 2025-26", "CSV")
    assert "File Consent" not in json.dumps(chat.connector.sent)
    async with chat.http.get(url) as response:
        assert response.status == 200
        body = await response.read()
        assert response.headers["Content-Type"].startswith("text/csv")
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="prevent-training-in-2025-26.csv"'
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"2025-26" in body and b"Family Services" in body
    assert _audit(chat)[-2:] == ["export.csv", "export.download"]


async def test_a_report_as_a_word_document_is_a_download_link(chat, demo):
    alex = chat.user(ALEX.name, ALEX.aad_object_id, email=ALEX.email)
    url = await _link_for(chat, alex, "report 2025-26", "Word document")
    async with chat.http.get(url) as response:
        assert response.status == 200
        assert (await response.read()).startswith(b"PK")  # a .docx is a zip
    assert _audit(chat)[-2:] == ["export.docx", "export.download"]


async def test_another_replica_serves_the_link(chat, demo, database, clock):
    alex = chat.user(ALEX.name, ALEX.aad_object_id, email=ALEX.email)
    url = await _link_for(chat, alex, "totals 2025-26", "CSV")
    settings = Settings(_env_file=None, database_url=database.url, certificate_link_secret=SECRET)
    runner = web.AppRunner(create_app(settings, database, clock), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        other = re.sub(r"^http://[^/]+", f"http://127.0.0.1:{port}", url)
        async with aiohttp.ClientSession() as http, http.get(other) as response:
            assert response.status == 200
            assert b"2025-26" in await response.read()
    finally:
        await runner.cleanup()


async def test_a_forwarded_link_works_once_on_any_replica(chat, demo, database, clock):
    alex = chat.user(ALEX.name, ALEX.aad_object_id, email=ALEX.email)
    [shown] = await alex.says("totals 2025-26")
    card = shown["activity"]["attachments"][0]["content"]
    button = next(b for b in _buttons(card) if b["title"] == "CSV")
    answer = json.dumps(await alex.presses(button)) + json.dumps(alex.new_replies())
    assert "the link works once" in answer
    found = LINK.search(answer)
    assert found, answer
    url = found[1].replace(PUBLIC_URL, chat.url.removesuffix("/api/messages"))

    async with chat.http.get(url, headers={"User-Agent": "Alex's browser"}) as response:
        assert response.status == 200
    settings = Settings(_env_file=None, database_url=database.url, certificate_link_secret=SECRET)
    runner = web.AppRunner(create_app(settings, database, clock), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        other = re.sub(r"^http://[^/]+", f"http://127.0.0.1:{port}", url)
        async with (
            aiohttp.ClientSession() as http,
            http.get(other, headers={"User-Agent": "someone forwarded it"}) as response,
        ):
            assert response.status == 410
            assert (await response.text()).startswith("This download link has already been used")
    finally:
        await runner.cleanup()

    with chat.database.unit_of_work() as db:
        entries = db.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert db.exec(select(func.count()).select_from(ExportDownload)).one() == 0
    download, reused = entries[-2:]
    assert download.action == "export.download"
    assert "fetched from 127.0.0.1" in download.detail and "Alex's browser" in download.detail
    assert reused.action == "link.reused" and "someone forwarded it" in reused.detail


async def test_a_tampered_expired_or_unknown_link_gives_nothing(chat, demo, clock):
    alex = chat.user(ALEX.name, ALEX.aad_object_id, email=ALEX.email)
    url = await _link_for(chat, alex, "totals 2025-26", "CSV")
    row_id, staff_id, expires, sha, signature = url.rsplit("/", 1)[1].split(".")
    base = url.rsplit("/", 1)[0]
    forged = [
        f"{base}/{row_id}.{int(staff_id) + 1}.{expires}.{sha}.{signature}",  # someone else
        f"{base}/{row_id}.{staff_id}.{int(expires) + 3600}.{sha}.{signature}",  # longer life
        f"{base}/{row_id}.{staff_id}.{expires}.{sha}.{signature[:-2]}xx",
        f"{base}/not-a-token",
    ]
    for link in forged:
        async with chat.http.get(link) as response:
            assert response.status == 404, link
            assert "not valid" in await response.text()
    clock.move_to(clock.now() + timedelta(minutes=11))
    async with chat.http.get(url) as response:
        assert response.status == 410
        assert "expired" in await response.text()
    assert "export.download" not in _audit(chat)
    # The next file made clears the expired one from the database.
    await _link_for(chat, alex, "totals 2025-26", "CSV")
    with chat.database.unit_of_work() as db:
        assert db.exec(select(func.count()).select_from(ExportDownload)).one() == 1


async def test_only_coordinators_get_export_links(chat, demo):
    isaiah = chat.user(ISAIAH.name, ISAIAH.aad_object_id, email=ISAIAH.email)
    answer = await isaiah.presses(
        {"verb": "export_totals", "data": {"query": "totals 2025-26", "format": "csv"}}
    )
    assert "/exports/" not in json.dumps(answer)
    with chat.database.unit_of_work() as db:
        assert db.exec(select(func.count()).select_from(ExportDownload)).one() == 0


async def test_the_report_with_a_hostile_comment_reads_as_the_comment(chat, demo):
    hostile = "Good\n# Heading\n| x | y |\n[link](https://evil.example) ![i](x.png) <b>b</b>"
    with chat.database.unit_of_work() as db:
        answers = db.exec(select(FeedbackResponse)).all()
        assert answers
        for answer in answers:
            answer.most_useful, answer.could_be_better = hostile, ""
    alex = chat.user(ALEX.name, ALEX.aad_object_id, email=ALEX.email)
    url = await _link_for(chat, alex, "report 2025-26", "Markdown")
    async with chat.http.get(url) as response:
        assert response.status == 200
        markdown = (await response.read()).decode("utf-8")
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    items = [
        tokens[i + 2]
        for i, t in enumerate(tokens)
        if t.type == "list_item_open" and tokens[i + 2].type == "inline"
    ]
    assert items
    for item in items:
        assert {c.type for c in item.children or []} == {"text"}  # no link, image, HTML
        said = "".join(c.content for c in item.children or [])
        assert said.startswith(f"Most useful: \u201c{' '.join(hostile.split())}\u201d")
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h2"] + ["h3"] * 4
