"""The outbox under a faulty Bot Connector: transient answers are retried, a 429 holds only its
conversation, and a sender never sends what another sender has taken over."""

import asyncio
from datetime import timedelta

import aiohttp
from sqlmodel import select

from bot.app import WRAPBOT
from bot.ratelimit import TeamsRateLimiter
from delivery import outbox
from delivery.outbox import OutgoingMessage
from tests.bot.harness import TeamsUser, card_text, cards_in
from tests.bot.test_reminders_chat import FakeTime, start_app
from tests.bot.test_reminders_chat import connector as connector  # a fixture
from tests.factories import leases_age
from training.models import OutboxMessage, Staff


async def people(chat, *names: str) -> list[TeamsUser]:
    """People who have opened the bot, so it has a conversation with each."""
    users = [chat.user(name) for name in names]
    for user in users:
        await user.says("hi")
        user.new_replies()
    return users


def enqueue(database, clock, user: TeamsUser, key: str) -> None:
    with database.unit_of_work() as db:
        staff = db.exec(select(Staff).where(Staff.display_name == user.name)).one()
        message = OutgoingMessage(
            key=key, kind="test", staff_id=staff.id, summary=key, card={"type": "AdaptiveCard"}
        )
        outbox.enqueue(db, [message], clock.now())


def statuses(chat, user: TeamsUser) -> list[int]:
    return [status for c, status in chat.connector.attempts if c == user.conversation_id]


def fake_limiter(chat) -> FakeTime:
    fake = FakeTime()
    chat.app[WRAPBOT].sender.limiter = TeamsRateLimiter(monotonic=fake.monotonic, sleep=fake.sleep)
    return fake


async def later(chat, fake: FakeTime, seconds: float) -> None:
    """Time passes (for the outbox and the rate limiter alike), then whatever is due is sent."""
    chat.clock.move_to(chat.clock.now() + timedelta(seconds=seconds))
    fake.now += seconds
    await chat.notices_sent()


async def test_5xx_answers_are_tried_again_and_only_a_final_failure_is_listed(chat):
    fake = fake_limiter(chat)
    ann, bob, cat = await people(chat, "Ann Able", "Bob Baker", "Cat Cole")
    chat.connector.fail(ann.conversation_id, 503)
    chat.connector.fail(bob.conversation_id, 500)
    chat.connector.fail(bob.conversation_id, 502)
    for _ in range(8):  # OUTBOX_MAX_ATTEMPTS
        chat.connector.fail(cat.conversation_id, 503)
    chat.connector.attempts.clear()
    for user in (ann, bob, cat):
        enqueue(chat.database, chat.clock, user, f"to {user.name}")

    await chat.notices_sent()
    for _ in range(8):
        await later(chat, fake, 300)

    assert statuses(chat, ann) == [503, 201]
    assert statuses(chat, bob) == [500, 502, 201]
    assert statuses(chat, cat) == [503] * 8
    assert [len(cards_in(u.new_replies())) for u in (ann, bob, cat)] == [1, 1, 0]
    [listing] = cards_in(await chat.coordinator().says("failed deliveries"))
    assert "Cat Cole" in card_text(listing)
    assert "Ann Able" not in card_text(listing) and "Bob Baker" not in card_text(listing)


async def test_a_send_that_gets_no_answer_in_time_is_tried_again(chat):
    fake = fake_limiter(chat)
    [ann] = await people(chat, "Ann Able")
    chat.app[WRAPBOT].sender.send_timeout_seconds = 0.5
    chat.connector.hang(ann.conversation_id, seconds=60)
    chat.connector.attempts.clear()
    enqueue(chat.database, chat.clock, ann, "to ann")

    await chat.notices_sent()
    assert chat.connector.holding == 1  # the sender stopped waiting; the request is still held
    assert cards_in(ann.new_replies()) == []
    await later(chat, fake, 300)

    assert statuses(chat, ann) == [0, 201]  # no answer, then sent
    with chat.database.unit_of_work() as db:
        assert outbox.counts(db) == {"sent": 1}


async def test_a_429_holds_back_only_its_own_conversation(chat):
    fake = fake_limiter(chat)
    ann, bob = await people(chat, "Ann Able", "Bob Baker")
    chat.connector.fail(ann.conversation_id, 429, retry_after="30")
    enqueue(chat.database, chat.clock, ann, "to ann")
    await chat.notices_sent()

    enqueue(chat.database, chat.clock, bob, "to bob")
    await chat.notices_sent()

    assert len(cards_in(bob.new_replies())) == 1
    assert [s for s in fake.slept if s >= 1] == []  # Bob never waited for Ann's Retry-After
    await later(chat, fake, 31)
    assert len(cards_in(ann.new_replies())) == 1


async def test_429s_from_many_conversations_at_once_hold_the_whole_tenant(chat):
    fake = fake_limiter(chat)
    names = ("Ann Able", "Bob Baker", "Cat Cole", "Dan Dare")
    *throttled, dan = await people(chat, *names)
    for user in throttled:
        chat.connector.fail(user.conversation_id, 429, retry_after="5")
        enqueue(chat.database, chat.clock, user, f"to {user.name}")
    await chat.notices_sent()

    enqueue(chat.database, chat.clock, dan, "to dan")
    await chat.notices_sent()

    assert len(cards_in(dan.new_replies())) == 1
    assert max(fake.slept) >= 4.9  # Dan waited for the tenant, as Teams asked


async def test_a_claim_is_given_back_rather_than_held_past_its_lease(chat):
    fake = fake_limiter(chat)
    [ann] = await people(chat, "Ann Able")
    chat.connector.fail(ann.conversation_id, 429, retry_after="900")
    enqueue(chat.database, chat.clock, ann, "1 to ann")
    enqueue(chat.database, chat.clock, ann, "2 to ann")
    chat.connector.attempts.clear()

    await chat.notices_sent()

    assert statuses(chat, ann) == [429]
    assert [s for s in fake.slept if s >= 60] == []  # nobody sat on a claim for 900 s
    with chat.database.unit_of_work() as db:
        second = db.exec(select(OutboxMessage).where(OutboxMessage.key == "2 to ann")).one()
    assert second.attempts == 0 and second.leased_by is None  # given back, not counted as a try
    assert second.next_attempt_at >= chat.clock.now() + timedelta(seconds=899)
    await later(chat, fake, 901)
    assert [r["activity"]["summary"] for r in ann.new_replies()] == ["1 to ann", "2 to ann"]


class StalledSleep(FakeTime):
    """A rate limiter's sleep that does not return until the test lets it."""

    def __init__(self) -> None:
        super().__init__()
        self.stalled = asyncio.Event()
        self.go_on = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.stalled.set()
        await self.go_on.wait()
        await super().sleep(seconds)


async def test_a_sender_stalled_past_its_lease_does_not_send_what_another_sender_sent(
    database, clock, connector
):
    slow, quick = [await start_app(type(database)(database.url), clock) for _ in range(2)]
    async with aiohttp.ClientSession() as http:
        ann = TeamsUser(http, slow[2], connector, "Ann Able")
        await ann.says("hi")
    connector.sent.clear()
    stall = StalledSleep()
    slow_sender = slow[0][WRAPBOT].sender
    slow_sender.limiter = TeamsRateLimiter(monotonic=stall.monotonic, sleep=stall.sleep)
    slow_sender.limiter.conversations.pause(ann.conversation_id, 5)
    enqueue(database, clock, ann, "to ann")

    stalled = asyncio.create_task(slow_sender.deliver_until_idle())
    await stall.stalled.wait()  # the slow sender holds the claim and waits for the limiter...
    clock.move_to(clock.now() + timedelta(seconds=slow_sender.lease_seconds + 1))
    with database.unit_of_work() as db:
        leases_age(db, slow_sender.lease_seconds + 1)
    await quick[0][WRAPBOT].sender.deliver_until_idle()  # ...past its lease: the quick one sends
    stall.go_on.set()
    report = await stalled

    assert [s["activity"]["summary"] for s in connector.sent] == ["to ann"]
    assert report.sent == 0 and report.lease_lost == 1
    with database.unit_of_work() as db:
        assert outbox.counts(db) == {"sent": 1}
    for _, runner, _, _ in (slow, quick):
        await runner.cleanup()


class RecordingPace:
    """A shared pace that notes which tenant each turn was taken for."""

    def __init__(self) -> None:
        self.tenants: list[str] = []

    async def reserve(self, tenant_id: str, at_most: float | None = None) -> float:
        self.tenants.append(tenant_id)
        return 0.0

    async def hold(self, tenant_id: str, seconds: float) -> None:
        pass


async def test_a_conversation_reference_keeps_its_tenant_and_is_paced_with_it(chat):
    """botbuilder-python reads a conversation's tenant only as `tenantID`, so Teams's
    `tenantId` never reached a stored reference: every message was paced as no tenant's."""
    pace = RecordingPace()
    chat.app[WRAPBOT].sender.limiter = TeamsRateLimiter(shared=pace)
    [ann] = await people(chat, "Ann Able")
    enqueue(chat.database, chat.clock, ann, "to ann")

    await chat.notices_sent()

    [sent] = [r for r in ann.new_replies() if r["activity"].get("summary") == "to ann"]
    # The Bot Connector reads property names in any case (botbuilder writes `tenantID`).
    conversation = {name.lower(): value for name, value in sent["activity"]["conversation"].items()}
    assert conversation["tenantid"] == ann.tenant
    assert pace.tenants == [ann.tenant]  # paced with its own tenant's sends
