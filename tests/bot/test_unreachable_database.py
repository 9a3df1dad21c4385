"""A database that stops answering (packets dropped, not refused) costs seconds, not minutes:
`/healthz` says 503 at once and a message gets the apology after the connect timeout."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy.exc import OperationalError

from bot.app import create_app
from bot.bootstrap import open_database
from config.settings import Settings
from database.engine import Database
from tests.bot.harness import TENANT, LocalConnector, TeamsUser, texts_in
from tests.bot.test_authentication import APP_ID, OTHER_TENANT, _signing_keys_server, token
from tests.conftest import POSTGRES_URL
from training.dates.clock import FixedClock

# A client that waits longer than this has been left hanging by the bot.
PATIENCE = aiohttp.ClientTimeout(total=8)
SORRY = "Sorry, something went wrong on my side. Please try again."


class SilentServer:
    """Accepts TCP connections and never says a word, as a database behind a firewall that
    drops packets looks to a client that has connected."""

    def __init__(self) -> None:
        self.held: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.held.append(writer)
        await reader.read()  # until the client gives up

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for writer in self.held:
            writer.close()
        assert self.server is not None
        self.server.close()


async def _serve(settings: Settings, database: Database, clock: FixedClock):  # type: ignore[no-untyped-def]
    runner = web.AppRunner(create_app(settings, database, clock), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def silent_postgres(clock: FixedClock) -> AsyncIterator[tuple[str, LocalConnector]]:
    silent = SilentServer()
    await silent.start()
    connector = LocalConnector()
    await connector.start()
    settings = Settings(
        _env_file=None,
        database_url=f"postgresql://wrapbot@127.0.0.1:{silent.port}/wrapbot",
        database_connect_timeout_seconds=2,
        scheduler_enabled=False,
        outbox_poll_seconds=3600,
    )
    database = open_database(settings)
    runner, url = await _serve(settings, database, clock)
    yield url, connector
    await runner.cleanup()
    await connector.stop()
    await silent.stop()
    database.dispose()


async def test_healthz_answers_503_at_once_when_postgres_stops_answering(silent_postgres):
    url, _ = silent_postgres
    async with (
        aiohttp.ClientSession(timeout=PATIENCE) as http,
        http.get(f"{url}/healthz") as response,
    ):
        assert response.status == 503
        assert (await response.json())["status"] == "unhealthy"


async def test_a_message_gets_an_apology_when_postgres_stops_answering(silent_postgres):
    url, connector = silent_postgres
    async with aiohttp.ClientSession(timeout=PATIENCE) as http:
        megan = TeamsUser(http, f"{url}/api/messages", connector, "Megan Bowen")
        assert texts_in(await megan.says("sessions")) == [SORRY]


async def test_healthz_answers_503_at_once_while_sqlite_is_locked(
    tmp_path: Path, clock, sqlite_template
):
    path = tmp_path / "locked.db"
    path.write_bytes(sqlite_template.read_bytes())
    settings = Settings(_env_file=None, database_url=f"sqlite:///{path}", scheduler_enabled=False)
    database = open_database(settings)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process mid-write, for a long time
    runner, url = await _serve(settings, database, clock)
    try:
        async with aiohttp.ClientSession(timeout=PATIENCE) as http:
            async with http.get(f"{url}/healthz") as response:
                assert response.status == 503
            holder.execute("ROLLBACK")
            async with http.get(f"{url}/healthz") as response:
                assert response.status == 200
    finally:
        holder.close()
        await runner.cleanup()
        database.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
def test_a_statement_running_past_its_timeout_is_cancelled(postgres_migrated):
    settings = Settings(
        _env_file=None, database_url=postgres_migrated, database_statement_timeout_seconds=0.5
    )
    database = open_database(settings)
    try:
        with (
            pytest.raises(OperationalError, match="statement timeout"),
            database.unit_of_work() as db,
        ):
            db.connection().exec_driver_sql("SELECT pg_sleep(3)")
        with database.unit_of_work() as db:  # the pool's next connection works
            assert db.connection().exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        database.dispose()


def _invoke(user_id: str, tenant: str, service_url: str) -> dict[str, object]:
    return {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "id": f"act-{user_id}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:{user_id}", "aadObjectId": user_id, "name": user_id},
        "recipient": {"id": "28:wrapbot", "name": "wrapbot"},
        "conversation": {"id": f"a:{user_id}", "conversationType": "personal", "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}},
        "value": {"action": {"verb": "list_sessions", "data": {}}},
    }


@pytest.mark.parametrize("hang", ["postgresql stops answering", "sqlite locked"])
async def test_a_turn_that_needs_no_database_answers_at_once_while_the_database_hangs(
    hang, tmp_path: Path, clock, sqlite_template
):
    """Twenty people's turns wait on the database; someone from another tenant is still told
    at once (checking their token and refusing them needs no database)."""
    keys, metadata_url = await _signing_keys_server()
    silent, holder = SilentServer(), None
    if hang == "sqlite locked":
        path = tmp_path / "locked.db"
        path.write_bytes(sqlite_template.read_bytes())
        url = f"sqlite:///{path}"
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process mid-write, for a long time
    else:
        await silent.start()
        url = f"postgresql://wrapbot@127.0.0.1:{silent.port}/wrapbot"
    service_url = "https://smba.example.com/uk/"
    settings = Settings(
        _env_file=None,
        database_url=url,
        database_connect_timeout_seconds=2,
        scheduler_enabled=False,
        outbox_poll_seconds=3600,
        microsoft_app_id=APP_ID,
        microsoft_app_password="not-a-real-secret",
        microsoft_app_tenant_id=TENANT,
        bot_openid_metadata_url=metadata_url,
        public_url="https://wrapbot.example.gov.uk",
        certificate_link_secret="a-secret-every-replica-shares-0123456789",
    )
    database = open_database(settings)
    runner, bot = await _serve(settings, database, clock)
    headers = {"Authorization": f"Bearer {token(service_url)}"}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            waiting = [
                asyncio.create_task(
                    http.post(
                        f"{bot}/api/messages",
                        json=_invoke(f"person-{n}", TENANT, service_url),
                        headers=headers,
                    )
                )
                for n in range(20)
            ]
            await asyncio.sleep(0.5)  # their turns are waiting for the database now
            started = asyncio.get_running_loop().time()
            async with http.post(
                f"{bot}/api/messages",
                json=_invoke("outsider", OTHER_TENANT, service_url),
                headers=headers,
            ) as answer:
                body = await answer.text()
            took = asyncio.get_running_loop().time() - started
            assert answer.status == 200 and "only serves the council's own" in body
            assert took < 1.0
            if holder is not None:
                holder.execute("ROLLBACK")
            for response in await asyncio.gather(*waiting, return_exceptions=True):
                if isinstance(response, aiohttp.ClientResponse):
                    response.release()
    finally:
        if holder is not None:
            holder.close()
        await runner.cleanup()
        if silent.server is not None:
            await silent.stop()
        database.dispose()
        await keys.cleanup()
