"""Reminders reach people through Teams once each, in order, through restarts and faults."""

import asyncio
from datetime import UTC, date, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import select

from bot.app import WRAPBOT, create_app
from bot.bootstrap import reminder_policy
from bot.cards.reminders import reminder_card
from bot.ratelimit import TeamsRateLimiter
from config.settings import Settings
from delivery import outbox
from scheduler.sweep import ReminderSweep
from tests.bot.conftest import COORDINATOR_AAD
from tests.bot.harness import TENANT, LocalConnector, TeamsUser, card_text, cards_in
from tests.factories import add_course, add_session
from training.governance import boards
from training.governance.boards import BoardDetails
from training.models import Booking, BookingStatus, DeliveryBlock, Staff


class FakeTime:
    """A monotonic clock and a sleep that moves it instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def reminder_headlines(user: TeamsUser) -> list[str]:
    return [card_text(c).splitlines()[0] for c in cards_in(user.new_replies())]


def add_board(database, clock, due: date, lead_email: str, name: str = "Adult Safeguarding Board"):
    details = BoardDetails(
        name=name, frequency="annual", next_due_on=due, lead_emails=(lead_email,)
    )
    with database.unit_of_work() as db:
        return boards.save_board(db, details, clock.now()).id


def book(database, session_id: int, staff_ids: list[int], now: datetime) -> None:
    with database.unit_of_work() as db:
        for staff_id in staff_ids:
            db.add(
                Booking(
                    session_id=session_id,
                    staff_id=staff_id,
                    status=BookingStatus.BOOKED,
                    requested_at=now,
                    seat_given_at=now,
                    updated_at=now,
                )
            )


async def tick(chat) -> None:
    """One scheduler run at the clock's time, then delivery of whatever it wrote."""
    await chat.app[WRAPBOT].sweep.run()
    await chat.notices_sent()


async def test_moving_the_clock_sends_each_reminder_once_in_order(chat):
    megan, pat = chat.user("Megan Bowen"), chat.coordinator()
    await megan.says("hi")
    await pat.says("hi")
    add_board(chat.database, chat.clock, date(2027, 2, 15), megan.email)
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP")
        session = add_session(db, course, datetime(2027, 1, 20, 10, tzinfo=UTC))
    await megan.says(f"book {session.id}")
    megan.new_replies()
    pat.new_replies()

    received: list[tuple[str, str]] = []
    moment = chat.clock.now()
    while moment <= datetime(2027, 2, 18, tzinfo=UTC):
        chat.clock.move_to(moment)
        await tick(chat)
        received += [(moment.date().isoformat(), h) for h in reminder_headlines(megan)]
        received += [(moment.date().isoformat(), "pat: " + h) for h in reminder_headlines(pat)]
        moment += timedelta(hours=12)

    assert received == [
        ("2027-01-18", "🗓️ Prevent update to Adult Safeguarding Board is due on Mon 15 Feb 2027"),
        ("2027-01-19", "⏰ Tomorrow: WRAP"),
        ("2027-01-20", "How was WRAP?"),
        ("2027-02-08", "🗓️ Prevent update to Adult Safeguarding Board is due on Mon 15 Feb 2027"),
        ("2027-02-14", "🗓️ Prevent update to Adult Safeguarding Board is due on Mon 15 Feb 2027"),
        ("2027-02-16", "⚠️ Overdue: Adult Safeguarding Board was due on 15 Feb 2027"),
        ("2027-02-16", "pat: ⚠️ Overdue: Adult Safeguarding Board was due on 15 Feb 2027"),
    ]
    await tick(chat)
    assert reminder_headlines(megan) == [] and reminder_headlines(pat) == []


async def test_a_reminder_tells_the_link_of_tomorrows_session(chat):
    megan = chat.user("Megan Bowen")
    await megan.says("hi")
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP")
        session = add_session(db, course, chat.clock.now() + timedelta(days=1, hours=1))
    await megan.says(f"book {session.id}")
    megan.new_replies()
    await tick(chat)
    [card] = cards_in(megan.new_replies())
    assert "Teams meeting link" in card_text(card)
    assert card["actions"][0]["url"].startswith("https://teams.microsoft.com/")


@pytest.fixture
async def connector():
    local = LocalConnector()
    await local.start()
    yield local
    await local.stop()


async def start_app(database, clock, **overrides):
    settings = Settings(
        _env_file=None,
        database_url=database.url,
        coordinators=[COORDINATOR_AAD],
        allowed_tenant_ids=[TENANT],
        scheduler_enabled=False,
        outbox_poll_seconds=3600,  # only start-up and wake-ups deliver, so the test decides when
        **overrides,
    )
    app = create_app(settings, database, clock)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return app, runner, f"http://127.0.0.1:{port}/api/messages", settings


async def test_a_restart_between_writing_and_sending_loses_and_doubles_nothing(
    database, clock, connector
):
    app, runner, url, settings = await start_app(database, clock)
    async with aiohttp.ClientSession() as http:
        people = [
            TeamsUser(http, url, connector, name) for name in ("Ann Able", "Bob Baker", "Cat Cole")
        ]
        for person in people:
            await person.says("hi")
    with database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP")
        session = add_session(db, course, clock.now() + timedelta(hours=26))
        staff_ids = [s.id for s in db.exec(select(Staff)).all()]
    book(database, session.id, staff_ids, clock.now())
    add_board(database, clock, (clock.now() + timedelta(days=7)).date(), people[0].email)
    connector.sent.clear()

    # The scheduler writes the reminders and the process dies before sending any; one sender
    # had even claimed two of them.
    written = await ReminderSweep(
        database,
        clock,
        reminder_policy(settings),
        settings.coordinators,
        reminder_card=reminder_card,
    ).run()
    assert written.written == 4
    with database.unit_of_work() as db:
        outbox.claim(db, "dead-replica", clock.now(), lease_seconds=300, limit=2)
    await runner.cleanup()
    assert connector.sent == []

    app, runner, _, _ = await start_app(database, clock)  # start again
    await app[WRAPBOT].sender.deliver_until_idle()
    assert len(connector.sent) == 4  # the dead sender's claims are taken back, not waited out
    await runner.cleanup()

    app, runner, _, _ = await start_app(database, clock)  # and once more: nothing is sent twice
    await app[WRAPBOT].sender.deliver_until_idle()
    await ReminderSweep(
        database,
        clock,
        reminder_policy(settings),
        settings.coordinators,
        reminder_card=reminder_card,
    ).run()
    await app[WRAPBOT].sender.deliver_until_idle()
    await runner.cleanup()
    summaries = sorted((s["conversation"], s["activity"]["summary"]) for s in connector.sent)
    assert len(summaries) == 4 and len(set(summaries)) == 4
    with database.unit_of_work() as db:
        assert outbox.counts(db) == {"sent": 4}


async def test_two_instances_on_one_database_send_each_reminder_once(database, clock, connector):
    with database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP")
        session = add_session(db, course, clock.now() + timedelta(hours=26), capacity=40)
    apps = [await start_app(type(database)(database.url), clock) for _ in range(2)]
    async with aiohttp.ClientSession() as http:
        people = [TeamsUser(http, apps[0][2], connector, f"Person {i}") for i in range(30)]
        await asyncio.gather(*(p.says("hi") for p in people))
    with database.unit_of_work() as db:
        staff_ids = [s.id for s in db.exec(select(Staff)).all()]
    book(database, session.id, staff_ids, clock.now())
    connector.sent.clear()

    await asyncio.gather(*(app[WRAPBOT].sweep.run() for app, *_ in apps))
    await asyncio.gather(*(app[WRAPBOT].sender.deliver_until_idle() for app, *_ in apps))
    for _, runner, _, _ in apps:
        await runner.cleanup()

    conversations = [s["conversation"] for s in connector.sent]
    assert len(conversations) == 30 and len(set(conversations)) == 30
    with database.unit_of_work() as db:
        assert outbox.counts(db) == {"sent": 30}


async def test_throttling_and_failures_are_retried_and_a_blocked_person_is_recorded(chat):
    fake = FakeTime()
    chat.app[WRAPBOT].sender.limiter = TeamsRateLimiter(monotonic=fake.monotonic, sleep=fake.sleep)
    ann, bob, cat = (chat.user(n) for n in ("Ann Able", "Bob Baker", "Cat Cole"))
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP")
        session = add_session(db, course, chat.clock.now() + timedelta(hours=25))
    for person in (ann, bob, cat):
        await person.says(f"book {session.id}")
        person.new_replies()
    chat.connector.fail(ann.conversation_id, 429, retry_after="2")
    chat.connector.fail(ann.conversation_id, 502)
    chat.connector.gone[bob.conversation_id] = 403
    chat.connector.attempts.clear()

    await tick(chat)
    assert [len(cards_in(p.new_replies())) for p in (ann, bob, cat)] == [0, 0, 1]
    for _ in range(3):  # time passes; each retry falls due in turn
        chat.clock.move_to(chat.clock.now() + timedelta(seconds=3))
        await chat.notices_sent()
    chat.clock.move_to(chat.clock.now() + timedelta(hours=1))
    await chat.notices_sent()

    assert [len(cards_in(p.new_replies())) for p in (ann, bob, cat)] == [1, 0, 0]
    attempts = {
        p.name: [s for c, s in chat.connector.attempts if c == p.conversation_id]
        for p in (ann, bob)
    }
    assert attempts == {"Ann Able": [429, 502, 201], "Bob Baker": [403]}
    assert sum(fake.slept) >= 2  # the 429's Retry-After held the sender back
    with chat.database.unit_of_work() as db:
        assert outbox.counts(db) == {"sent": 2, "blocked": 1}
        [block] = db.exec(select(DeliveryBlock)).all()
    assert block.status_code == 403

    pat = chat.coordinator()
    [listing] = cards_in(await pat.says("failed deliveries"))
    assert "Bob Baker" in card_text(listing) and "blocked" in card_text(listing)
