"""Start the real bot app on a loopback port, with a local Bot Connector as its serviceUrl."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import WRAPBOT, create_app
from config.settings import Settings
from database.engine import Database
from tests.bot.harness import TENANT, LocalConnector, TeamsUser
from tests.factories import add_course, add_session
from training.dates.clock import FixedClock

COORDINATOR_AAD = "c0000000-0000-0000-0000-000000000001"
# Not a command's calls: every turn records who is talking before the command runs, and the
# outbox sender works beside the turns.
NOT_COMMANDS = ("training.people.staff.record_contact", "delivery.outbox.")


@dataclass
class Chat:
    app: web.Application
    url: str
    connector: LocalConnector
    http: aiohttp.ClientSession
    database: Database
    clock: FixedClock

    def user(
        self,
        name: str,
        aad_object_id: str | None = None,
        tenant: str = TENANT,
        email: str | None = None,
    ) -> TeamsUser:
        return TeamsUser(self.http, self.url, self.connector, name, aad_object_id, tenant, email)

    def coordinator(self) -> TeamsUser:
        return self.user("Pat Coordinator", COORDINATOR_AAD)

    async def notices_sent(self) -> None:
        await self.app[WRAPBOT].notifier.drain()

    async def background_done(self) -> None:
        """Wait for work a turn started without waiting for it (exports, Graph calls)."""
        await self.app[WRAPBOT].background.drain()


@pytest.fixture
def chat_settings() -> dict:
    """Settings a test gives its chat (`chat`, `graph_chat`): parametrize this name, or override
    the fixture in a module, to change them."""
    return {}


@pytest.fixture
async def chat(database: Database, clock: FixedClock, chat_settings: dict) -> AsyncIterator[Chat]:
    settings = Settings(
        _env_file=None,
        database_url=database.url,
        **{
            "coordinators": [COORDINATOR_AAD],
            "allowed_tenant_ids": [TENANT],
            "scheduler_enabled": False,  # tests that need reminders run the sweep themselves
            # The local connector plays Teams, which takes file consent (local mode would
            # otherwise give download links, as for the Agents Playground).
            "export_delivery": "consent",
            **chat_settings,
        },
    )
    connector = LocalConnector()
    await connector.start()
    app = create_app(settings, database, clock)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http:
        yield Chat(app, f"http://127.0.0.1:{port}/api/messages", connector, http, database, clock)
    await runner.cleanup()
    await connector.stop()


@pytest.fixture
def wrap_sessions(database: Database, clock: FixedClock) -> list[int]:
    """Three WRAP sessions: a roomy one, a two-seat one, and one next month in person."""
    with database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
        roomy = add_session(db, course, clock.now() + timedelta(days=7), capacity=20)
        small = add_session(db, course, clock.now() + timedelta(days=8), capacity=2)
        later = add_session(db, course, clock.now() + timedelta(days=40), capacity=15, online=False)
    return [roomy.id, small.id, later.id]


@pytest.fixture
def services(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The services commands run through `Database.run`, by module and name, in order."""
    ran: list[str] = []
    run = database.run

    async def counted(service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        name = f"{service.__module__}.{service.__qualname__}"
        if not name.startswith(NOT_COMMANDS):
            ran.append(name)
        return await run(service, *args, **kwargs)

    monkeypatch.setattr(database, "run", counted)
    return ran
