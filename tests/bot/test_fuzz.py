"""Hypothesis throws odd activity JSON at /api/messages: never a 5xx, never a broken rule."""

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from bot.app import WRAPBOT, create_app
from bot.router import Feature
from config.settings import Settings
from tests.bot.conftest import COORDINATOR_AAD
from tests.bot.harness import TENANT, LocalConnector
from tests.factories import add_course, add_session
from training.models import Booking, Session

CARD_VERBS = {
    declared.verb
    for feature in Feature.__subclasses__()
    for declared in feature.declared().values()
    if declared.from_cards
}
PEOPLE = ["p-1", "p-2", "p-3", COORDINATOR_AAD]


class ThreadedBot:
    """The real app and a local connector on their own loop, for synchronous Hypothesis tests."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.connector = LocalConnector()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.url = ""

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        await self.connector.start()
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/api/messages"

    def __enter__(self) -> "ThreadedBot":
        self.thread.start()
        self.ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            await self.app[WRAPBOT].notifier.drain()
            await self.runner.cleanup()
            await self.connector.stop()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def running_bot(database, clock) -> Iterator[ThreadedBot]:
    with database.unit_of_work() as db:
        course = add_course(db)
        for days, capacity in ((3, 2), (10, 1), (20, 5)):
            add_session(db, course, clock.now() + timedelta(days=days), capacity=capacity)
    app = create_app(
        Settings(
            _env_file=None,
            database_url=database.url,
            coordinators=[COORDINATOR_AAD],
            allowed_tenant_ids=[TENANT],
            rate_limit_burst=1000,
        ),
        database,
        clock,
    )
    with ThreadedBot(app) as bot:
        yield bot


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
card_data = st.fixed_dictionaries(
    {},
    optional={
        "session_id": st.one_of(st.integers(-2, 5), st.text(max_size=5), json_value),
        "booking_id": st.one_of(st.integers(-2, 60), json_value),
        "reason": st.text(max_size=40),
        "course": st.sampled_from(["WRAP", "NOPE", ""]),
        "date": st.sampled_from(["2027-02-01", "2027-13-40", "", "yesterday"]),
        "time": st.sampled_from(["10:00", "25:61", ""]),
        "capacity": st.one_of(st.integers(-5, 600), st.text(max_size=4)),
        "duration": st.one_of(st.integers(-5, 600), st.text(max_size=4)),
        "mode": st.sampled_from(["online", "in_person", "?"]),
    },
)
card_action = st.builds(
    lambda verb, data: {"action": {"type": "Action.Execute", "verb": verb, "data": data}},
    st.one_of(st.sampled_from(sorted(CARD_VERBS)), st.text(max_size=10)),
    card_data,
)


def mostly(common: list, rare: list) -> st.SearchStrategy:
    """Plausible values most of the time, so the fuzz gets past the front door and into handlers."""
    return st.one_of(
        st.sampled_from(common),
        st.sampled_from(common),
        st.sampled_from(common),
        st.sampled_from(rare),
    )


COMMANDS = [
    "sessions",
    "sessions wrap",
    "book 1",
    "book 2",
    "wait 2",
    "cancel 1",
    "my bookings",
    "roster 1",
    "new session",
    "cancel session 3 because",
    "help",
]


@st.composite
def activities(draw: st.DrawFn, service_url: str) -> object:
    person = draw(st.sampled_from(PEOPLE))
    kind = draw(
        mostly(
            ["message", "invoke"],
            ["conversationUpdate", "installationUpdate", "event", "typing", "weird"],
        )
    )
    activity: dict = {
        "type": kind,
        "id": draw(st.sampled_from(["a1", "a2", "a3"]) | st.text(max_size=12)),
        "channelId": draw(mostly(["msteams"], ["webchat", ""])),
        "serviceUrl": service_url,
        "from": {"id": f"29:{person}", "name": person, "aadObjectId": person},
        "recipient": {"id": "28:wrapbot"},
        "conversation": {
            "id": f"a:{person}",
            "conversationType": "personal",
            "tenantId": draw(mostly([TENANT], ["other-tenant"])),
        },
        "membersAdded": draw(st.one_of(st.none(), st.just([{"id": "28:wrapbot"}]))),
    }
    if kind == "invoke":
        activity["name"] = draw(mostly(["adaptiveCard/action"], ["fileConsent/invoke", "x"]))
        activity["value"] = draw(st.one_of(card_action, card_action, json_value))
    elif draw(st.booleans()):
        activity["text"] = draw(st.one_of(st.sampled_from(COMMANDS), st.text(max_size=60)))
    else:  # an Action.Submit: the card's data arrives as the message's value
        activity["value"] = draw(
            st.one_of(
                card_action.map(lambda a: {"verb": a["action"]["verb"], **a["action"]["data"]}),
                json_value,
            )
        )
    if draw(st.integers(0, 9)) == 0:
        for key in draw(st.lists(st.sampled_from(sorted(activity)), max_size=3)):
            activity.pop(key, None)
    if draw(st.integers(0, 9)) == 0:
        activity[draw(st.sampled_from(sorted(activity) or ["type"]))] = draw(json_value)
    return draw(mostly([activity], [None, [], "activity", 5]))


def test_random_activities_never_break_the_bot(running_bot, database, caplog):
    session = requests.Session()
    statuses: list[int] = []

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(activities(running_bot.connector.url))
    def post(activity: object) -> None:
        response = session.post(
            running_bot.url,
            data=json.dumps(activity),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert response.status_code < 500, (response.status_code, activity)
        statuses.append(response.status_code)

    with caplog.at_level(logging.ERROR):
        post()
    crashes = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert crashes == [], crashes[0].getMessage()
    assert {200, 201, 400} <= set(statuses)  # the run reached the bot, not just the front door
    with database.unit_of_work() as db:
        for found in db.exec(select(Session)).all():
            booked = db.exec(
                select(func.count())
                .select_from(Booking)
                .where(Booking.session_id == found.id, Booking.status == "booked")
            ).one()
            assert booked <= found.capacity
        duplicates = db.exec(
            select(Booking.session_id, Booking.staff_id, func.count())
            .where(Booking.status.in_(["booked", "waitlisted"]))  # type: ignore[attr-defined]
            .group_by(Booking.session_id, Booking.staff_id)
            .having(func.count() > 1)
        ).all()
        assert duplicates == []
