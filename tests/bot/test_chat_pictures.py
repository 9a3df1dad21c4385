"""A picture pasted into a Teams chat is fetched from the Bot Connector with the bot's own Bot
Framework token: the real botbuilder credentials and msal, a local HTTPS authority that issues
the token, and a local Bot Connector that serves the picture only to a bearer of it."""

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import select

from bot.app import create_app
from bot.downloads import CANNOT_FETCH, DownloadRules, Downloads, on_bot_connector
from config.settings import Settings
from tests.bot.graph_chat import offer
from tests.bot.harness import LocalConnector, TeamsUser, card_text, cards_in, texts_in
from tests.bot.test_authentication import APP_ID, _signing_keys_server, token
from tests.factories import add_course
from tests.graph.local_authority import TENANT, LocalAuthority
from training.models import ElearningClaim

BOT_SECRET = "bot-secret-for-tests-only"
BOT_SCOPE = "https://api.botframework.com/.default"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500
PDF = b"%PDF-1.7\n" + b"0" * 500


class PictureConnector(LocalConnector):
    """The local Bot Connector, also keeping pictures pasted into chats, which it serves (as
    Teams does) only to a bearer of a token the authority issued."""

    def __init__(self, authority: LocalAuthority) -> None:
        super().__init__()
        self.authority = authority
        self.pictures: dict[str, bytes] = {}
        self.picture_requests: list[str] = []  # the Authorization header of each request
        self.app.router.add_get("/v3/attachments/{id}/views/{view}", self._picture)

    async def _picture(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        self.picture_requests.append(header)
        if not header.startswith("Bearer ") or header[7:] not in self.authority.issued:
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        data = self.pictures.get(request.match_info["id"])
        return web.Response(body=data) if data else web.Response(status=404)

    def paste(self, picture_id: str, data: bytes) -> dict:
        self.pictures[picture_id] = data
        return {
            "contentType": "image/*",
            "contentUrl": f"{self.url}v3/attachments/{picture_id}/views/original",
        }


@dataclass
class SecuredChat:
    http: aiohttp.ClientSession
    url: str
    connector: PictureConnector
    database: object

    async def says(self, user: TeamsUser, text: str, **fields) -> list[dict]:
        """Post as the Bot Connector does: with its signed token for this service URL."""
        user.new_replies()
        headers = {"Authorization": f"Bearer {token(self.connector.url)}"}
        activity = user.activity(text=text, **fields)
        async with self.http.post(self.url, json=activity, headers=headers) as response:
            assert response.status in (200, 201), (response.status, await response.text())
        return user.new_replies()


@pytest.fixture
def authority(pki) -> Iterator[LocalAuthority]:
    """The local authority on its own thread and loop, as Entra ID is another machine: botbuilder
    asks for its token synchronously, on the bot's loop."""
    server = LocalAuthority(pki)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


@pytest.fixture(params=["loopback allowed"])
async def secured_chat(
    request, database, clock, authority, pki, tmp_path
) -> AsyncIterator[SecuredChat]:
    """The authenticated bot. Its connectors are on loopback, which only local mode's download
    rules reach: tests param it "production rules" to keep the rules the settings give."""
    keys, metadata_url = await _signing_keys_server()
    authority.clients[APP_ID] = (BOT_SECRET, BOT_SCOPE)
    connector = PictureConnector(authority)
    await connector.start()
    settings = Settings(
        _env_file=None,
        database_url=database.url,
        microsoft_app_id=APP_ID,
        microsoft_app_password=BOT_SECRET,
        microsoft_app_tenant_id=TENANT,
        bot_openid_metadata_url=metadata_url,
        public_url="https://wrapbot.example.gov.uk",
        certificate_link_secret="a-secret-every-replica-shares-0123456789",
        bot_login_url=f"{authority.url}/{TENANT}",
        bot_ca_bundle=str(pki.ca_file),
        certificate_dir=str(tmp_path / "certificates"),
    )
    with database.unit_of_work() as db:
        add_course(db, "HO-ELEARN", "Home Office online Prevent training")
    downloads = None
    if request.param == "loopback allowed":
        downloads = Downloads(DownloadRules(tuple(settings.download_hosts), local=True))
    app = create_app(settings, database, clock, downloads=downloads)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http:
        yield SecuredChat(http, f"http://127.0.0.1:{port}/api/messages", connector, database)
    await runner.cleanup()
    await connector.stop()
    await keys.cleanup()


def _claims(database) -> list[ElearningClaim]:
    with database.unit_of_work() as db:
        return list(db.exec(select(ElearningClaim)).all())


async def test_a_pasted_picture_is_fetched_with_the_bots_token(secured_chat, authority):
    lee = TeamsUser(
        secured_chat.http, secured_chat.url, secured_chat.connector, "Lee Lone", tenant=TENANT
    )
    picture = secured_chat.connector.paste("0-weu-d1-abc", PNG)

    replies = await secured_chat.says(lee, "record e-learning", attachments=[picture])

    [form] = cards_in(replies)
    assert "couldn't find your manager" in card_text(form)
    [claim] = _claims(secured_chat.database)
    assert (claim.certificate_type, claim.certificate_size) == ("png", len(PNG))
    [header] = secured_chat.connector.picture_requests
    assert header.removeprefix("Bearer ") in authority.issued
    assert authority.refused == []


async def test_the_bots_token_never_goes_to_another_host(secured_chat, authority):
    elsewhere = PictureConnector(authority)  # requires a token too, but is not our connector
    await elsewhere.start()
    try:
        lee = TeamsUser(
            secured_chat.http, secured_chat.url, secured_chat.connector, "Lee Lone", tenant=TENANT
        )
        picture = elsewhere.paste("0-weu-d1-abc", PNG)
        replies = await secured_chat.says(lee, "record e-learning", attachments=[picture])
    finally:
        await elsewhere.stop()

    assert elsewhere.picture_requests == [""]  # asked, with no Authorization header at all
    assert any("wouldn't give me that file" in t for t in texts_in(replies))
    assert _claims(secured_chat.database) == []


@pytest.mark.parametrize("secured_chat", ["production rules"], indirect=True)
async def test_with_production_rules_nothing_on_this_machine_is_fetched(secured_chat, files):
    lee = TeamsUser(
        secured_chat.http, secured_chat.url, secured_chat.connector, "Lee Lone", tenant=TENANT
    )
    picture = secured_chat.connector.paste("0-weu-d1-abc", PNG)  # on loopback, over http
    replies = await secured_chat.says(lee, "record e-learning", attachments=[picture])
    certificate = await secured_chat.says(
        lee, "record e-learning", attachments=offer(files, "c.pdf", PDF)
    )

    assert texts_in(replies) == [CANNOT_FETCH]
    assert texts_in(certificate) == [CANNOT_FETCH]
    assert secured_chat.connector.picture_requests == []
    assert _claims(secured_chat.database) == []


@pytest.mark.parametrize(
    "url, service_url, same",
    [
        ("https://smba.trafficmanager.net/emea/v3/attachments/1/views/original",
         "https://smba.trafficmanager.net/emea/", True),
        ("https://evil.example.com/v3/attachments/1", "https://smba.trafficmanager.net/emea/",
         False),
        ("http://smba.trafficmanager.net/emea/v3/attachments/1",
         "https://smba.trafficmanager.net/emea/", False),
        ("https://smba.trafficmanager.net:8443/x", "https://smba.trafficmanager.net/", False),
        ("https://smba.trafficmanager.net.evil.com/x", "https://smba.trafficmanager.net/", False),
        ("https://[::1/x", "https://smba.trafficmanager.net/", False),
        ("https://smba.trafficmanager.net/x", None, False),
    ],
)  # fmt: skip
def test_only_the_connector_that_sent_the_message_gets_the_token(url, service_url, same):
    assert on_bot_connector(url, service_url) is same
