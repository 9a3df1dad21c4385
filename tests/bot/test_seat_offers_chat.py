"""Seat offers in Teams, over HTTP with the local Bot Connector: a seat freed two days before a
session is offered with Accept and Decline; stale cards, presses by others and redeliveries
change nothing; an offer nobody answers passes on from the scheduler's sweep after a restart."""

import asyncio
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import text
from sqlmodel import select

from bot.app import WRAPBOT, create_app
from config.settings import Settings
from tests.bot.conftest import COORDINATOR_AAD
from tests.bot.harness import TENANT, button, card_from_invoke, card_text, cards_in, texts_in
from tests.factories import add_course, add_session
from training.dates.clock import FixedClock
from training.models import Booking, BookingStatus, OfferState, OutboxMessage, SeatOffer


@pytest.fixture
async def close(chat):
    """A two-seat WRAP two days away (Wed 13 Jan 09:00): Ann and Bob booked, Cat and Dev wait."""
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
        session = add_session(db, course, chat.clock.now() + timedelta(days=2), capacity=2)
    people = [chat.user(n) for n in ("Ann Able", "Bob Baker", "Cat Cole", "Dev Dawes")]
    for person in people[:2]:
        await person.says(f"book {session.id}")
    for person in people[2:]:
        await person.says(f"wait {session.id}")
    for person in people:
        person.new_replies()
    return session.id, people


async def ann_cancels(chat, ann):
    [mine] = cards_in(await ann.says("my bookings"))
    await ann.presses(button(mine, "Cancel booking"))
    await chat.notices_sent()


def statuses(chat) -> list[str]:
    with chat.database.unit_of_work() as db:
        return [b.status for b in db.exec(select(Booking).order_by(Booking.id)).all()]


async def test_the_first_person_waiting_is_offered_the_seat_and_accepts(chat, close):
    session_id, (ann, _, cat, dev) = close
    await ann_cancels(chat, ann)

    [offer] = cards_in(cat.new_replies())
    shown = card_text(offer)
    assert "A seat on WRAP" in shown and "is held for you" in shown
    assert "Answer by: Mon 11 Jan 21:00" in shown  # 12 hours, in UK time
    assert dev.new_replies() == []

    [full] = texts_in(await chat.user("Fay Fox").says(f"book {session_id}"))
    assert "full" in full  # the held seat counts as taken
    [listed] = cards_in(await chat.coordinator().says(f"roster {session_id}"))
    assert "Offered a seat (1)" in card_text(listed)
    assert "Cat Cole: until 11 Jan 2027 21:00" in card_text(listed)
    [mine] = cards_in(await cat.says("my bookings"))
    assert "A seat is held for you: answer by Mon 11 Jan 21:00" in card_text(mine)

    body = await cat.presses(button(mine, "Accept the seat"))
    accepted = card_text(card_from_invoke(body))
    assert "You're booked" in accepted and "You accepted this seat." in accepted
    again = card_text(card_from_invoke(await cat.presses(button(offer, "Accept the seat"))))
    assert "You had already accepted it." in again
    assert statuses(chat) == ["cancelled", "booked", "booked", "waitlisted"]


async def test_declining_offers_the_seat_to_the_next_person(chat, close):
    session_id, (ann, _, cat, dev) = close
    await ann_cancels(chat, ann)
    [offer] = cards_in(cat.new_replies())

    body = await cat.presses(button(offer, "Decline"))
    assert "You declined the seat" in card_text(card_from_invoke(body))
    await chat.notices_sent()
    [devs] = cards_in(dev.new_replies())
    assert "is held for you" in card_text(devs)

    late = card_text(card_from_invoke(await cat.presses(button(offer, "Accept the seat"))))
    assert "You had already declined" in late
    [nothing] = texts_in(await cat.says(f"accept {session_id}"))
    assert f"No seat on session {session_id} is held for you" in nothing
    body = await dev.presses(button(devs, "Decline"))  # nobody left: the seat is free
    [listing] = cards_in(await chat.user("Fay Fox").says("sessions"))
    assert "1 of 2 left" in card_text(listing)


async def test_a_card_pressed_after_the_offer_ran_out_says_so_and_passes_it_on(chat, close):
    _, (ann, _, cat, dev) = close
    await ann_cancels(chat, ann)
    [offer] = cards_in(cat.new_replies())
    chat.clock.move_to(chat.clock.now() + timedelta(hours=13))

    body = await cat.presses(button(offer, "Accept the seat"))
    assert "This offer ran out at 11 Jan 2027 21:00" in card_text(card_from_invoke(body))
    await chat.notices_sent()
    [devs] = cards_in(dev.new_replies())
    # Dev's 12 hours would pass the cut-off (Tue 12 Jan 09:00): the offer ends there.
    assert "Answer by: Tue 12 Jan 09:00" in card_text(devs)
    assert statuses(chat) == ["cancelled", "booked", "cancelled", "offered"]


async def test_a_forwarded_card_pressed_by_someone_else_is_refused(chat, close):
    _, (ann, _, cat, dev) = close
    await ann_cancels(chat, ann)
    [offer] = cards_in(cat.new_replies())
    for title in ("Accept the seat", "Decline"):
        body = await dev.presses(button(offer, title))
        assert "That seat was offered to someone else" in body["value"]
    assert statuses(chat) == ["cancelled", "booked", "offered", "waitlisted"]
    bogus = {"verb": "accept_seat_offer", "data": {"verb": "accept_seat_offer", "offer_id": "x"}}
    assert "card" in (await cat.presses(bogus))["value"].lower()  # not one we sent: stale


async def test_a_redelivered_press_declines_once_and_tells_the_next_person_once(chat, close):
    _, (ann, _, cat, dev) = close
    await ann_cancels(chat, ann)
    [offer] = cards_in(cat.new_replies())
    first = await cat.presses(button(offer, "Decline"), id="teams-retry-9")
    again = await cat.presses(button(offer, "Decline"), id="teams-retry-9")
    assert card_text(card_from_invoke(first)) == card_text(card_from_invoke(again))
    await chat.notices_sent()
    assert len(cards_in(dev.new_replies())) == 1
    with chat.database.unit_of_work() as db:
        states = [o.state for o in db.exec(select(SeatOffer).order_by(SeatOffer.id)).all()]
    assert states == [OfferState.DECLINED, OfferState.OPEN]


async def test_a_typed_accept_takes_the_seat(chat, close):
    session_id, (ann, _, cat, _) = close
    await ann_cancels(chat, ann)
    [card] = cards_in(await cat.says(f"accept {session_id}"))
    assert "You're booked" in card_text(card)
    assert statuses(chat)[2] == BookingStatus.BOOKED


async def test_after_a_restart_the_scheduler_passes_on_an_offer_nobody_answered(chat, close):
    _, (ann, _, cat, dev) = close
    await ann_cancels(chat, ann)
    cat.new_replies()
    dev.new_replies()
    before = len(chat.connector.to(dev.conversation_id))
    with chat.database.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))

    # A new instance, its persistent scheduler on, 13 hours later: nobody pressed anything.
    settings = Settings(
        _env_file=None,
        database_url=chat.database.url,
        coordinators=[COORDINATOR_AAD],
        allowed_tenant_ids=[TENANT],
        scheduler_enabled=True,
        outbox_poll_seconds=0.05,
    )
    later = FixedClock(chat.clock.now() + timedelta(hours=13))
    app = create_app(settings, type(chat.database)(chat.database.url), later)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()  # starts the scheduler, whose first sweep runs at once
    try:
        for _ in range(500):
            if len(chat.connector.to(dev.conversation_id)) > before:
                break
            await asyncio.sleep(0.02)
        await app[WRAPBOT].sender.deliver_until_idle()
    finally:
        await runner.cleanup()
    [devs] = cards_in(dev.new_replies())
    assert "is held for you" in card_text(devs) and button(devs, "Accept the seat")
    [gone] = cards_in(cat.new_replies())
    assert "has gone" in card_text(gone) and "no longer on the waiting list" in card_text(gone)
    with chat.database.unit_of_work() as db:
        kinds = sorted(m.kind for m in db.exec(select(OutboxMessage)).all())
    assert kinds.count("seat_offer_lapsed") == 1 and kinds.count("seat_offer") == 1


async def test_presses_arriving_together_accept_once(chat, close):
    _, (ann, _, cat, _) = close
    await ann_cancels(chat, ann)
    [offer] = cards_in(cat.new_replies())
    accept = button(offer, "Accept the seat")
    bodies = await asyncio.gather(*(cat.presses(accept) for _ in range(5)))
    said = sorted(card_text(card_from_invoke(b)).splitlines()[-1] for b in bodies)
    assert said.count("You accepted this seat.") == 1
    assert said.count("You had already accepted it.") == 4
    assert statuses(chat) == ["cancelled", "booked", "booked", "waitlisted"]


async def test_more_seats_two_days_before_are_offered_in_order(chat, close):
    session_id, (_, _, cat, dev) = close
    pat = chat.coordinator()
    [form] = cards_in(await pat.says(f"edit session {session_id}"))
    inputs = {n["id"]: n.get("value", "") for n in form["body"] if "Input." in n.get("type", "")}
    body = await pat.presses(button(form, "Save and tell people"), {**inputs, "capacity": "3"})
    assert "Seats offered to the people waiting, in order: Cat Cole" in card_text(
        card_from_invoke(body)
    )
    await chat.notices_sent()
    told = [card_text(c) for c in cards_in(cat.new_replies())]
    assert any("one is held for you" in t for t in told)
    [offer] = [c for c in cards_in(chat.connector.to(cat.conversation_id)) if buttons_of(c)]
    assert "Answer by: Mon 11 Jan 21:00" in card_text(offer)
    assert all("held for you" not in card_text(c) for c in cards_in(dev.new_replies()))
    accepted = card_from_invoke(await cat.presses(button(offer, "Accept the seat")))
    assert "You're booked" in card_text(accepted)
    assert statuses(chat) == ["booked", "booked", "booked", "waitlisted"]


def buttons_of(card: dict) -> list[str]:
    return [b["title"] for b in card.get("actions", []) if b["title"] == "Accept the seat"]
