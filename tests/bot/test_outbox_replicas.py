"""Several replicas of the bot (separate processes, `python -m bot`) on one PostgreSQL database:
together they keep Teams's one per-tenant rate, and a replica killed mid-broadcast loses
nothing, doubles at most the sends it had in flight, and its claims are taken back at once."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from database.engine import Database
from delivery import outbox
from delivery.outbox import OutgoingMessage
from training.models import ConversationReference, Staff

ROOT = Path(__file__).resolve().parents[2]
TENANT = "replica-tenant"


class CountingConnector:
    """A Bot Connector that takes every send and notes when it came, per conversation."""

    def __init__(self, answer_after: float = 0.0) -> None:
        self.answer_after = answer_after
        self.arrivals: list[float] = []
        self.delivered: Counter[str] = Counter()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _send(self, request: web.Request) -> web.Response:
        await request.read()
        self.arrivals.append(time.monotonic())
        if self.answer_after:
            await asyncio.sleep(self.answer_after)
        self.delivered[request.match_info["conv"]] += 1
        return web.json_response({"id": f"m{len(self.arrivals)}"})

    def busiest_second(self) -> int:
        """The most sends that arrived within any one second (a sliding window)."""
        arrivals, busiest, first = sorted(self.arrivals), 0, 0
        for last, at in enumerate(arrivals):
            while arrivals[first] <= at - 1.0:
                first += 1
            busiest = max(busiest, last - first + 1)
        return busiest

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conv}/activities", self._send)
        app.router.add_post("/v3/conversations/{conv}/activities/{reply}", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def replicas(database: Database, count: int, **settings: str) -> Iterator[list[subprocess.Popen]]:
    """`count` bot processes on the database, each sending from the outbox."""
    ports = [free_port() for _ in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env={
                "PATH": os.environ.get("PATH", ""),
                "DATABASE_URL": database.url,
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "SCHEDULER_ENABLED": "false",
                "OUTBOX_POLL_SECONDS": "0.2",
                "LOG_LEVEL": "WARNING",
                **settings,
            },
            stdout=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_until_up(port, process)
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()


def wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the bot process ended on start-up"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the bot process did not start listening")


def seed(database: Database, people: int, service_url: str, now: datetime) -> None:
    """`people` staff, each in a personal chat with the bot, and one message to each."""
    with database.unit_of_work() as db:
        staff = [
            Staff(display_name=f"Person {i}", created_at=now, updated_at=now) for i in range(people)
        ]
        db.add_all(staff)
        db.flush()
        for person in staff:
            conversation = f"a:replica-{person.id}"
            reference = {
                "user": {"id": f"29:{person.id}"},
                "bot": {"id": "28:bot"},
                "conversation": {"id": conversation, "tenantId": TENANT},
                "channelId": "msteams",
                "serviceUrl": service_url,
            }
            db.add(
                ConversationReference(
                    staff_id=person.id,
                    conversation_id=conversation,
                    tenant_id=TENANT,
                    service_url=service_url,
                    reference_json=json.dumps(reference),
                    updated_at=now,
                )
            )
        db.flush()
        messages = [
            OutgoingMessage(
                key=f"broadcast:to:{p.id}",
                kind="test",
                staff_id=p.id,
                summary=f"to {p.id}",
                card={"type": "AdaptiveCard"},
            )
            for p in staff
        ]
        outbox.enqueue(db, messages, now)


async def until(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.1)
    return condition()


@asynccontextmanager
async def counting_connector(answer_after: float = 0.0) -> AsyncIterator[CountingConnector]:
    connector = CountingConnector(answer_after)
    await connector.start()
    try:
        yield connector
    finally:
        await connector.stop()


def postgres_only(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("several processes share PostgreSQL; SQLite is for one process only")


def pending(database: Database) -> int:
    with database.unit_of_work() as db:
        return outbox.counts(db).get("pending", 0)


async def test_two_replicas_together_stay_under_the_tenants_50_a_second(database):
    postgres_only(database)
    async with counting_connector() as connector:
        with replicas(database, 2):
            seed(database, 400, connector.url, datetime.now(UTC))
            assert await until(lambda: pending(database) == 0, 60)

    assert len(connector.delivered) == 400 and set(connector.delivered.values()) == {1}
    busiest = connector.busiest_second()
    assert busiest <= 50, f"{busiest} sends arrived within one second"


async def test_a_replica_killed_mid_broadcast_doubles_at_most_its_sends_in_flight(database):
    postgres_only(database)
    lease = {"OUTBOX_LEASE_SECONDS": "600"}  # far longer than the test may take
    async with counting_connector(answer_after=0.05) as connector:
        with replicas(database, 1, **lease) as [first]:
            seed(database, 300, connector.url, datetime.now(UTC))
            assert await until(lambda: len(connector.arrivals) >= 60, 60)
            first.send_signal(signal.SIGKILL)
            first.wait()
        with replicas(database, 1, **lease):
            # The dead process's claims are taken back at once, not after the lease.
            done = await until(lambda: pending(database) == 0, 60)
            assert done, f"{pending(database)} still waiting, {len(connector.delivered)} delivered"

    assert len(connector.delivered) == 300  # none lost
    doubled = sum(n - 1 for n in connector.delivered.values())
    assert doubled <= 8, f"{doubled} sent twice"  # OUTBOX_CONCURRENCY: in flight when it died
