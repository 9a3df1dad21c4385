"""What a card showed is what a button does: a stale button says what is true now and does
nothing else; Cancel is offered only where it will be accepted, and a booking can be undone."""

from datetime import timedelta

from sqlmodel import select

from tests.bot.harness import button, buttons, card_from_invoke, card_text, cards_in, texts_in
from tests.factories import add_course, add_session
from training.models import Booking, BookingStatus


async def test_a_stale_leave_button_never_cancels_a_seat_given_since(chat, wrap_sessions):
    _, small, _ = wrap_sessions
    ann, bob, cat = chat.user("Ann Able"), chat.user("Bob Baker"), chat.user("Cat Cole")
    await ann.says(f"book {small}")
    await bob.says(f"book {small}")
    [waiting] = cards_in(await cat.says(f"wait {small}"))
    leave = button(waiting, "Leave the waiting list")

    await ann.says(f"cancel {small}")  # Cat is given Ann's seat
    await chat.notices_sent()
    body = await cat.presses(leave)  # the old card, pressed afterwards

    [said] = texts_in(cat.new_replies())
    assert said == (
        "Since that card was sent you were given a seat on WRAP (Workshop to Raise Awareness "
        "of Prevent): you're booked. I haven't changed anything."
    )
    with chat.database.unit_of_work() as db:
        live = db.exec(
            select(Booking).where(Booking.session_id == small, Booking.status != "cancelled")
        ).all()
    assert len(live) == 2 and all(b.status == BookingStatus.BOOKED for b in live)
    # The answer shows what is true now, with the button that is right for it.
    card = card_from_invoke(body)
    assert "You're booked" in card_text(card)
    assert [b["title"] for b in buttons(card)] == ["Cancel my booking"]


async def test_a_stale_leave_button_after_leaving_says_so(chat, wrap_sessions):
    _, small, _ = wrap_sessions
    for name in ("Ann Able", "Bob Baker"):
        await chat.user(name).says(f"book {small}")
    cat = chat.user("Cat Cole")
    [waiting] = cards_in(await cat.says(f"wait {small}"))
    leave = button(waiting, "Leave the waiting list")
    await cat.presses(leave)
    again = await cat.presses(leave)  # pressed again: a new activity, not a redelivery
    [said] = texts_in(cat.new_replies())
    assert "already cancelled" in said
    assert "is cancelled" in card_text(card_from_invoke(again))


async def test_a_booking_is_undone_within_the_grace_period_inside_the_cutoff(chat):
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
        soon = add_session(db, course, chat.clock.now() + timedelta(hours=6), capacity=5).id
    megan = chat.user("Megan Bowen")
    [booked] = cards_in(await megan.says(f"book {soon}"))
    assert "You can undo this booking until" in card_text(booked)

    chat.clock.move_to(chat.clock.now() + timedelta(minutes=20))
    body = await megan.presses(button(booked, "Cancel my booking"))
    assert "is cancelled" in card_text(card_from_invoke(body))

    [again] = cards_in(await megan.says(f"book {soon}"))
    # Past the 30 minutes: the cut-off rules again.
    chat.clock.move_to(chat.clock.now() + timedelta(minutes=31))
    [mine] = cards_in(await megan.says("my bookings"))
    assert buttons(mine) == []
    assert "too late to cancel" in card_text(mine)
    [refused] = texts_in(await megan.says(f"cancel {soon}"))
    assert "can't be cancelled in the last 24 hours" in refused
    body = await megan.presses(button(again, "Cancel my booking"))
    assert "can't be cancelled" in body["value"]


async def test_no_cancel_button_is_offered_inside_the_cutoff(chat):
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
        later = add_session(db, course, chat.clock.now() + timedelta(days=2), capacity=5).id
    megan = chat.user("Megan Bowen")
    [booked] = cards_in(await megan.says(f"book {later}"))
    assert [b["title"] for b in buttons(booked)] == ["Cancel my booking"]
    # Inside the 24-hour cut-off, the undo time long gone.
    chat.clock.move_to(chat.clock.now() + timedelta(days=1, hours=2))
    [mine] = cards_in(await megan.says("my bookings"))
    assert buttons(mine) == [] and "too late to cancel" in card_text(mine)


async def test_a_session_that_has_started_offers_no_cancel_or_edit(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    pat = chat.coordinator()
    [before] = cards_in(await pat.says(f"roster {roomy}"))
    titles = [b["title"] for b in buttons(before)]
    assert "Cancel this session" in titles
    chat.clock.move_to(chat.clock.now() + timedelta(days=7, hours=3))  # it ended an hour ago
    [after] = cards_in(await pat.says(f"roster {roomy}"))
    titles = [b["title"] for b in buttons(after)]
    assert "Cancel this session" not in titles
    assert not any(t.lower().startswith(("edit", "change")) for t in titles)
    body = await pat.presses(button(before, "Cancel this session"))  # the old card still refuses
    assert body["value"] == f"Session {roomy} has already started, so it can't be called off."
