"""Staff book, wait and cancel by chatting with the bot, as Teams would send it."""

from sqlmodel import select

from tests.bot.harness import button, card_from_invoke, card_text, cards_in, texts_in
from training.models import Booking, Staff


async def test_first_contact_records_the_person_and_answers_help(chat, wrap_sessions):
    megan = chat.user("Megan Bowen")
    replies = await megan.says("hello")
    [card] = cards_in(replies)
    assert "sessions" in card_text(card)
    with chat.database.unit_of_work() as db:
        staff = db.exec(select(Staff)).one()
    assert (staff.display_name, staff.email) == ("Megan Bowen", "megan.bowen@example.gov.uk")
    assert staff.aad_object_id == megan.aad_object_id


async def test_an_unknown_command_gets_a_short_answer(chat, wrap_sessions):
    [card] = cards_in(await chat.user("Megan Bowen").says("make me a sandwich"))
    assert "didn't understand" in card_text(card)
    assert "my bookings" in card_text(card)


async def test_sessions_lists_seats_left_in_uk_time(chat, wrap_sessions):
    [card] = cards_in(await chat.user("Megan Bowen").says("sessions"))
    shown = card_text(card)
    assert shown.count("WRAP (Workshop to Raise Awareness of Prevent)") == 3
    assert "20 of 20 left" in shown and "2 of 2 left" in shown
    assert "Mon 18 Jan 2027, 09:00–11:00" in shown  # 09:00 UTC in winter is 09:00 in London
    assert "Hendon Town Hall" in shown


async def test_sessions_can_be_narrowed_by_month_and_course(chat, wrap_sessions):
    megan = chat.user("Megan Bowen")
    [card] = cards_in(await megan.says("sessions february 2027"))
    assert card_text(card).count("#") == 1 and "February 2027" in card_text(card)
    [card] = cards_in(await megan.says("sessions wrap"))
    assert card_text(card).count("#") == 3
    [unknown] = texts_in(await megan.says("sessions knitting"))
    assert "don't know a course called 'knitting'" in unknown


async def test_pressing_book_replaces_the_card_with_the_booking(chat, wrap_sessions):
    megan = chat.user("Megan Bowen")
    [card] = cards_in(await megan.says("sessions"))
    body = await megan.presses(button(card, "Book a seat"))
    booked = card_from_invoke(body)
    assert "You're booked" in card_text(booked)
    assert "Teams meeting link" in card_text(booked)
    assert button(booked, "Cancel my booking")
    [listing] = cards_in(await megan.says("sessions"))
    assert "19 of 20 left" in card_text(listing)
    assert "You're booked" in card_text(listing)


async def test_a_full_session_offers_the_waiting_list(chat, wrap_sessions):
    _, small, _ = wrap_sessions
    for name in ("Ann Able", "Bob Baker"):
        await chat.user(name).says(f"book {small}")
    cat = chat.user("Cat Cole")
    replies = await cat.says(f"book {small}")
    assert "full" in texts_in(replies)[0]
    [offer] = cards_in(replies)
    body = await cat.presses(button(offer, "Join waiting list"))
    assert "number 1 on the waiting list" in card_text(card_from_invoke(body))


async def test_cancelling_gives_the_seat_to_the_first_waiting_and_tells_them(chat, wrap_sessions):
    _, small, _ = wrap_sessions
    ann, bob, cat = chat.user("Ann Able"), chat.user("Bob Baker"), chat.user("Cat Cole")
    await ann.says(f"book {small}")
    await bob.says(f"book {small}")
    await cat.says(f"wait {small}")
    cat.new_replies()

    [mine] = cards_in(await ann.says("my bookings"))
    body = await ann.presses(button(mine, "Cancel booking"))
    assert "is cancelled" in card_text(card_from_invoke(body))
    await chat.notices_sent()

    [notice] = cards_in(cat.new_replies())
    assert "You're booked" in card_text(notice) and "seat came free" in card_text(notice)
    [cats] = cards_in(await cat.says("my bookings"))
    assert "Booked" in card_text(cats)


async def test_typed_cancel_names_the_session(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    megan = chat.user("Megan Bowen")
    await megan.says(f"book {roomy}")
    [card] = cards_in(await megan.says(f"cancel {roomy}"))
    assert "is cancelled" in card_text(card)
    [nothing] = texts_in(await megan.says(f"cancel {roomy}"))
    assert "no booking on session" in nothing


async def test_action_submit_fallback_updates_the_card_in_place(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    megan = chat.user("Megan Bowen")
    replies = await megan.submits({"verb": "book", "session_id": roomy}, reply_to_id="card-7")
    [update] = [r for r in replies if r["op"] == "update"]
    assert update["id"] == "card-7"
    assert "You're booked" in card_text(cards_in([update])[0])


async def test_the_same_activity_delivered_twice_books_once(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    megan = chat.user("Megan Bowen")
    activity = megan.activity(text=f"book {roomy}", id="teams-retry-1")
    first = await megan.post(activity)
    [card] = cards_in(megan.new_replies())
    await megan.presses(button(card, "Cancel my booking"))
    second = await megan.post(activity)
    assert (first.status, second.status) == (201, 201)
    with chat.database.unit_of_work() as db:
        bookings = db.exec(select(Booking)).all()
    assert [b.status for b in bookings] == ["cancelled"]


async def test_a_redelivered_typed_cancel_gets_the_same_answer(chat, wrap_sessions):
    roomy, _, _ = wrap_sessions
    megan = chat.user("Megan Bowen")
    await megan.says(f"book {roomy}")
    typed = megan.activity(text=f"cancel {roomy}", id="teams-cancel-1")
    await megan.post(typed)
    [first] = cards_in(megan.new_replies())
    await megan.post(typed)
    [again] = cards_in(megan.new_replies())
    assert "is cancelled" in card_text(first) and card_text(again) == card_text(first)


async def test_sessions_narrowed_by_course_is_one_read(chat, wrap_sessions, services):
    megan = chat.user("Megan Bowen")
    [card] = cards_in(await megan.says("sessions wrap february 2027"))
    await megan.presses(button(card, "Book a seat"))
    services.clear()
    [card] = cards_in(await megan.says("sessions wrap february 2027"))
    assert "February 2027" in card_text(card) and "You're booked" in card_text(card)
    assert services == ["training.sessions.booking.session_listing"]
    [unknown] = texts_in(await megan.says("sessions knitting"))
    assert "don't know a course called 'knitting'" in unknown
    assert services[1:] == ["training.sessions.booking.session_listing"]
