"""Session reminders broadcast to many people through a connector that enforces Teams's limit.

`make bench-broadcast` (or `python -m bench.broadcast [--people N]`). The local Bot Connector
answers 429 (Retry-After: 1) to any request beyond 50 per second per tenant, measured over a
sliding second, as Teams documents. Prints the achieved send rate as a fraction of that limit,
how many 429s came back and how many reminders were lost (must be 0) or sent twice.

`--faults` makes the connector faulty as well: at random 20% of sends get 429, 5% get 503 and 1%
have their connection reset. `--replicas N --database-url postgresql://...` sends from N bot
processes (`python -m bot`) on one database instead of from this process; `--kill-after K`
kills the first of them with SIGKILL once K sends have arrived and starts another in its place.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from sqlmodel import select

from bench.turns import free_port
from bot.adapter import create_adapter
from bot.bootstrap import reminder_policy
from bot.cards.reminders import reminder_card
from bot.ratelimit import TeamsRateLimiter
from bot.sender import BotConnectorDelivery, ProactiveSender
from config.settings import Settings
from database import migrate
from database.engine import Database
from delivery import outbox
from scheduler.sweep import ReminderSweep
from training.dates.clock import SystemClock
from training.models import Booking, BookingStatus, ConversationReference, Course, Session, Staff

TENANT = "bench-tenant"


class ThrottlingConnector:
    """A Bot Connector that takes at most `limit` sends per sliding second per tenant."""

    def __init__(self, limit: int, faults: bool = False) -> None:
        self.limit = limit
        self.faults = random.Random(13) if faults else None
        self.fault_counts: Counter[str] = Counter()
        self.arrivals: list[float] = []
        self.first_delivered: dict[str, float] = {}
        self.accepted: deque[float] = deque()
        self.delivered: Counter[str] = Counter()
        self.throttled = 0
        self.first = self.last = 0.0
        self.peak_in_window = 0

    async def send(self, request: web.Request) -> web.Response:
        await request.read()
        now = time.monotonic()
        self.arrivals.append(now)
        if self.faults is not None:
            roll = self.faults.random()
            if roll < 0.01:
                self.fault_counts["reset"] += 1
                assert request.transport is not None
                request.transport.close()
                return web.Response(status=500)
            if roll < 0.06:
                self.fault_counts["503"] += 1
                return web.json_response({"error": {"code": "ServiceError"}}, status=503)
            if roll < 0.26:
                self.fault_counts["429"] += 1
                return web.json_response(
                    {"error": {"code": "Throttled"}}, status=429, headers={"Retry-After": "1"}
                )
        while self.accepted and self.accepted[0] <= now - 1.0:
            self.accepted.popleft()
        if len(self.accepted) >= self.limit:
            self.throttled += 1
            return web.json_response(
                {"error": {"code": "Throttled"}}, status=429, headers={"Retry-After": "1"}
            )
        self.accepted.append(now)
        self.peak_in_window = max(self.peak_in_window, len(self.accepted))
        self.first = self.first or now
        self.last = now
        self.delivered[request.match_info["conv"]] += 1
        self.first_delivered.setdefault(request.match_info["conv"], now)
        return web.json_response({"id": f"m{sum(self.delivered.values())}"})

    async def start(self) -> tuple[web.AppRunner, str]:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conv}/activities", self.send)
        app.router.add_post("/v3/conversations/{conv}/activities/{reply}", self.send)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner, f"http://127.0.0.1:{port}/"


def seed(database: Database, people: int, service_url: str, now) -> None:  # type: ignore[no-untyped-def]
    """A session tomorrow with `people` booked, each reachable in a personal chat."""
    with database.unit_of_work() as db:
        course = Course(code="WRAP", title="WRAP")
        db.add(course)
        db.flush()
        starts = now + timedelta(hours=20)
        session = Session(
            course_id=course.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            online=True,
            join_url="https://teams.microsoft.com/l/meetup-join/bench",
            capacity=people,
            created_at=now,
        )
        db.add(session)
        db.add_all(
            Staff(display_name=f"Person {i}", created_at=now, updated_at=now) for i in range(people)
        )
        db.flush()
        for staff in db.exec(select(Staff)).all():
            conversation = f"a:bench-{staff.id}"
            reference = {
                "activityId": None,
                "user": {"id": f"29:{staff.id}"},
                "bot": {"id": "28:bot"},
                "conversation": {"id": conversation, "tenantId": TENANT},
                "channelId": "msteams",
                "locale": "en-GB",
                "serviceUrl": service_url,
            }
            db.add(
                ConversationReference(
                    staff_id=staff.id,
                    conversation_id=conversation,
                    tenant_id=TENANT,
                    service_url=service_url,
                    reference_json=json.dumps(reference),
                    updated_at=now,
                )
            )
            db.add(
                Booking(
                    session_id=session.id,
                    staff_id=staff.id,
                    status=BookingStatus.BOOKED,
                    requested_at=now,
                    seat_given_at=now,
                    updated_at=now,
                )
            )


class Replicas:
    """Bot processes sending from the outbox of one PostgreSQL database."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        port = free_port()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DATABASE_URL": self.database_url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "SCHEDULER_ENABLED": "false",
            "OUTBOX_POLL_SECONDS": "0.5",
            "LOG_LEVEL": "ERROR",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"], env=env, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        self.processes.append(process)

    def kill_first(self) -> None:
        self.processes[0].send_signal(signal.SIGKILL)
        self.processes.pop(0).wait()

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
            process.wait()


async def main(
    people: int, database_url: str | None, faults: bool, replicas: int, kill_after: int | None
) -> None:
    connector = ThrottlingConnector(limit=50, faults=faults)
    runner, service_url = await connector.start()
    scratch = tempfile.mkdtemp(prefix="wrapbot-broadcast-")
    url = database_url or f"sqlite:///{Path(scratch) / 'broadcast.db'}"
    settings = Settings(_env_file=None, database_url=url)
    migrate.upgrade(url)
    database = Database(url)
    clock = SystemClock()
    # Reminders fall due the day before at 09:00; the bench sends them now, as a late sweep would.
    now = clock.now()
    seed(database, people, service_url, now)
    policy = reminder_policy(settings)
    policy = type(policy)(zone=policy.zone, offsets_days=policy.offsets_days, hour=0)

    bots = Replicas(url) if replicas else None
    for _ in range(replicas):
        assert bots is not None
        await asyncio.to_thread(bots.start)
    started = time.perf_counter()
    report = await ReminderSweep(database, clock, policy, [], reminder_card=reminder_card).run()
    written_in = time.perf_counter() - started
    sender = None
    if bots is None:
        sender = ProactiveSender(
            database,
            BotConnectorDelivery(create_adapter(settings), ""),
            clock,
            limiter=TeamsRateLimiter(
                settings.teams_requests_per_second, settings.teams_rate_headroom
            ),
            poll_seconds=0.5,
        )
        sender.start()
    started = time.perf_counter()
    killed_at = restarted_in = None
    # The outbox is the source of truth (retries included), so the bench polls it.
    while (await database.run(outbox.counts)).get("pending", 0):
        arrived = sum(connector.delivered.values())
        if bots and kill_after is not None and killed_at is None and arrived >= kill_after:
            killed_at = time.perf_counter()
            bots.kill_first()
            await asyncio.to_thread(bots.start)
            restarted_in = time.perf_counter() - killed_at
        await asyncio.sleep(0.25)
    elapsed = time.perf_counter() - started
    if sender is not None:
        await sender.stop()
    if bots is not None:
        bots.stop()
    counts = await database.run(outbox.counts)
    await runner.cleanup()
    database.dispose()

    delivered = sum(connector.delivered.values())
    span = max(connector.last - connector.first, 1e-9)
    rate = (delivered - 1) / span if delivered > 1 else 0.0
    lost = people - len(connector.delivered)
    doubled = sum(n - 1 for n in connector.delivered.values() if n > 1)
    print(f"\nbroadcast of session reminders to {people} people, limit 50 requests/s per tenant")
    if faults:
        print(f"connector faults                   {dict(connector.fault_counts)}")
    if bots is not None:
        print(f"sent by                            {replicas} bot processes on one database")
    if killed_at is not None:
        print(
            f"one killed (SIGKILL) after         {kill_after} sends, restarted in "
            f"{restarted_in:.1f} s, all done {elapsed - (killed_at - started):.1f} s after"
        )
    print(f"outbox rows written by the sweep   {report.written} in {written_in:.1f} s")
    print(f"delivered                          {delivered} in {elapsed:.1f} s")
    print(f"achieved rate                      {rate:.1f} /s = {rate / 50:.2f} of the limit")
    firsts = sorted(connector.first_delivered.values())
    most = int(len(firsts) * 0.95)
    if most > 1:
        pace = (most - 1) / max(firsts[most - 1] - firsts[0], 1e-9)
        print(f"rate until 95% had theirs          {pace:.1f} /s (retries' long tail left out)")
    print(f"busiest second seen by connector   {busiest_second(connector.arrivals)} requests")
    print(f"requests that reached it           {len(connector.arrivals)}")
    print(f"429 answers for the tenant limit   {connector.throttled}")
    print(f"lost                               {lost}")
    print(f"sent twice                         {doubled}")
    print(f"outbox states                      {dict(counts)}")


def busiest_second(arrivals: list[float]) -> int:
    """The most sends taken within any one second (a sliding window)."""
    busiest, first = 0, 0
    for last, at in enumerate(arrivals):
        while arrivals[first] <= at - 1.0:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--database-url", default=None, help="default: a scratch SQLite file")
    parser.add_argument("--faults", action="store_true", help="a faulty connector as well")
    parser.add_argument("--replicas", type=int, default=0, help="bot processes (PostgreSQL)")
    parser.add_argument("--kill-after", type=int, default=None, help="SIGKILL one after K sends")
    args = parser.parse_args()
    asyncio.run(main(args.people, args.database_url, args.faults, args.replicas, args.kill_after))
