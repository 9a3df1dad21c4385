"""After a long tenant-wide 429 with a backlog, the tenant's pace does not run away: every
message goes out soon after Teams allows it again, once each, and never faster than the pace.

Time is simulated: the outbox's clock, the rate limiter's clock and sleep, and (on PostgreSQL)
the shared pace all read one clock that moves when someone waits, so nobody waits for real.
"""

import json
from collections import Counter
from collections.abc import Awaitable
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from botbuilder.schema import ConversationReference as BotReference

from bot.ratelimit import DatabasePace, TeamsRateLimiter
from bot.sender import DeliveryFailed, ProactiveSender
from delivery import outbox
from delivery.outbox import OutgoingMessage
from training.models import ConversationReference, Staff

TENANT = "council-tenant"
PEOPLE = 2000
HOLD_SECONDS = 30.0
RATE = 50 * 0.8  # TEAMS_REQUESTS_PER_SECOND times TEAMS_RATE_HEADROOM


class SimulatedTime:
    """One clock for everyone. A wait moves it on to the wait's end (never back), at once.

    A wait ends `seconds` after the waiter last read the clock (as a real sleep after asking
    for a turn ends that long after the answer), and what the waiter does next happens then:
    other senders' waits meanwhile have moved the clock further on, where in real time they
    would have run alongside."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.seconds = 0.0
        self._read_at: ContextVar[float | None] = ContextVar("read_at", default=None)

    def now(self) -> datetime:
        self._read_at.set(self.seconds)
        return self.start + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        self._read_at.set(self.seconds)
        return self.seconds

    async def sleep(self, seconds: float) -> None:
        woke_at = self.task_time() + seconds
        self._read_at.set(woke_at)
        self.seconds = max(self.seconds, woke_at)

    def task_time(self) -> float:
        """The time as the running task last saw it: when it read the clock or its wait ended."""
        read_at = self._read_at.get()
        return self.seconds if read_at is None else read_at

    def advance(self, seconds: float) -> None:
        self.seconds += max(seconds, 0.0)


class BusyTeams:
    """Answers 429 (Retry-After: 30) to every send until `busy_until`, then takes them all."""

    def __init__(self, time: SimulatedTime, busy_until: float) -> None:
        self.time = time
        self.busy_until = busy_until
        self.requests: list[float] = []
        self.taken: Counter[str] = Counter()
        self.taken_at: list[float] = []

    def send(self, reference: BotReference, card: dict[str, Any], summary: str) -> Awaitable[None]:
        # Noted at the sender's own time (see SimulatedTime), and when it sends, not when the
        # event loop first runs the request.
        at = self.time.task_time()
        self.requests.append(at)

        async def answer() -> None:
            if at < self.busy_until:
                raise DeliveryFailed(429, "Too Many Requests", retry_after=HOLD_SECONDS)
            self.taken[reference.conversation.id] += 1
            self.taken_at.append(at)

        return answer()


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    busiest, first = 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - 1.0 + 1e-9:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest


def seed(database, now: datetime) -> None:
    with database.unit_of_work() as db:
        people = [
            Staff(
                display_name=f"Person {n}",
                email=f"person{n}@example.gov.uk",
                team="Team",
                created_at=now,
                updated_at=now,
            )
            for n in range(PEOPLE)
        ]
        db.add_all(people)
        db.flush()
        for person in people:
            conversation = f"a:person-{person.id}"
            reference = {
                "conversation": {"id": conversation, "tenantId": TENANT},
                "serviceUrl": "https://smba.example/uk/",
                "channelId": "msteams",
                "bot": {"id": "28:bot"},
                "user": {"id": f"29:{person.id}"},
            }
            db.add(
                ConversationReference(
                    staff_id=person.id,
                    conversation_id=conversation,
                    tenant_id=TENANT,
                    service_url="https://smba.example/uk/",
                    reference_json=json.dumps(reference),
                    updated_at=now,
                )
            )
        messages = [
            OutgoingMessage(
                key=f"reminder:{p.id}",
                kind="reminder",
                staff_id=p.id,
                summary="Your WRAP session is tomorrow",
                card={"type": "AdaptiveCard"},
            )
            for p in people
            if p.id is not None
        ]
        outbox.enqueue(db, messages, now)


async def test_a_long_tenant_hold_with_a_backlog_drains_at_the_pace(database, clock):
    time = SimulatedTime(clock.now())
    seed(database, time.now())
    teams = BusyTeams(time, busy_until=HOLD_SECONDS)
    shared = (
        DatabasePace(database, RATE, clock=time.now) if database.dialect == "postgresql" else None
    )
    limiter = TeamsRateLimiter(50, 0.8, shared=shared, monotonic=time.monotonic, sleep=time.sleep)
    sender = ProactiveSender(database, teams, time, limiter=limiter)

    while time.seconds < 600:
        await sender.deliver_until_idle()
        with database.unit_of_work() as db:
            if not outbox.counts(db).get("pending"):
                break
        time.advance(sender.next_look_seconds())

    hold_ended = max(at for at in teams.requests if at < teams.busy_until) + HOLD_SECONDS
    assert len(teams.taken) == PEOPLE  # everyone got theirs
    assert max(teams.taken.values()) == 1  # nobody twice
    assert max(teams.taken_at) <= hold_ended + 60  # within a minute of the hold ending
    assert busiest_second(teams.requests) <= RATE  # never faster than the pace
    assert len([at for at in teams.requests if at < teams.busy_until]) < 10  # few tried early
    with database.unit_of_work() as db:
        assert outbox.counts(db) == {"sent": PEOPLE}
    await sender.stop()
