"""Plain words and short answers: listings say how many there are, unknown words get the
closest commands, and what the bot says reads as sentences (issue 14)."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.app import WRAPBOT
from tests.bot.harness import button, buttons, card_from_invoke, card_text, cards_in
from tests.factories import add_course, add_session, add_staff
from tests.training.report_world import add_booking
from training.models import Booking, BookingStatus, Staff


def _fifteen_sessions(chat) -> list[int]:
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
        made = [
            add_session(db, course, chat.clock.now() + timedelta(days=2 + day), capacity=20)
            for day in range(15)
        ]
        return [session.id for session in made]


async def test_sessions_says_10_of_15_and_more_shows_the_other_5(chat):
    ids = _fifteen_sessions(chat)
    megan = chat.user("Megan Bowen")
    [first] = cards_in(await megan.says("sessions"))
    shown = card_text(first)
    assert "10 of 15 sessions" in shown
    assert [f"#{i})" in shown for i in ids] == [True] * 10 + [False] * 5
    rest = card_from_invoke(await megan.presses(button(first, "More sessions")))
    shown = card_text(rest)
    assert "11–15 of 15 sessions" in shown
    assert [f"#{i})" in shown for i in ids] == [False] * 10 + [True] * 5
    assert "More sessions" not in [b["title"] for b in buttons(rest)]


async def test_more_keeps_the_course_and_month_asked_for(chat):
    _fifteen_sessions(chat)
    with chat.database.unit_of_work() as db:
        other = add_course(db, "EL", "Prevent e-learning follow-up")
        add_session(db, other, chat.clock.now() + timedelta(days=3))
    megan = chat.user("Megan Bowen")
    [first] = cards_in(await megan.says("sessions wrap"))
    assert "10 of 15" in card_text(first)
    rest = card_from_invoke(await megan.presses(button(first, "More sessions")))
    assert "11–15 of 15" in card_text(rest) and "e-learning" not in card_text(rest)


async def test_ten_sessions_or_fewer_need_no_count_or_more(chat, wrap_sessions):
    [listing] = cards_in(await chat.user("Megan Bowen").says("sessions"))
    assert " of 3 sessions" not in card_text(listing)
    assert not [b for b in buttons(listing) if b["title"] == "More sessions"]


async def test_unknown_words_get_two_lines_and_the_closest_commands_as_buttons(chat, wrap_sessions):
    megan = chat.user("Megan Bowen")
    [card] = cards_in(await megan.says("sesions please"))
    lines = card_text(card).splitlines()
    assert lines[0] == 'Sorry, I didn\'t understand "sesions please".'
    assert lines[1].startswith("Closest: sessions") and "Type help for everything" in lines[1]
    assert len(lines) == 2  # not the whole help card
    listing = card_from_invoke(await megan.presses(button(card, "Show sessions")))
    assert card_text(listing).count("#") == 3


async def test_nothing_near_offers_the_everyday_commands_and_never_coordinator_ones(chat):
    [card] = cards_in(await chat.user("Megan Bowen").says("make me a sandwich"))
    assert [b["title"] for b in buttons(card)] == ["Show sessions", "My bookings", "My training"]
    [card] = cards_in(await chat.user("Megan Bowen").says("audti lgo"))
    assert "audit" not in card_text(card)


async def test_a_coordinator_is_offered_coordinator_commands_that_are_near(chat):
    pat = chat.coordinator()
    [card] = cards_in(await pat.says("audti lgo"))
    assert "Closest: audit log" in card_text(card)
    [card] = cards_in(await pat.says("new sesion"))
    assert "New session" in [b["title"] for b in buttons(card)]
    form = card_from_invoke(await pat.presses(button(card, "New session")))
    assert "Create session" in [b["title"] for b in buttons(form)]


async def test_book_session_4_cancel_my_booking_on_4_and_a_leading_emoji_are_understood(
    chat, wrap_sessions
):
    roomy = wrap_sessions[0]
    megan = chat.user("Megan Bowen")
    [booked] = cards_in(await megan.says(f"👍 book session {roomy}"))
    assert "You're booked" in card_text(booked)
    [cancelled] = cards_in(await megan.says(f"cancel my booking on {roomy}"))
    assert "is cancelled" in card_text(cancelled)
    [listing] = cards_in(await megan.says("📅 sessions"))
    assert "20 of 20 left" in card_text(listing)


async def _reminder_for_session_at(chat, starts_at, now) -> str:
    megan = chat.user("Megan Bowen")
    await megan.says("hi")
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP")
        session = add_session(db, course, starts_at)
        staff_id = db.exec(select(Staff.id).where(Staff.email == megan.email)).one()
        db.add(
            Booking(
                session_id=session.id,
                staff_id=staff_id,
                status=BookingStatus.BOOKED,
                requested_at=now,
                seat_given_at=now,
                updated_at=now,
            )
        )
    chat.clock.move_to(now)
    megan.new_replies()
    await chat.app[WRAPBOT].sweep.run()
    await chat.notices_sent()
    [card] = cards_in(megan.new_replies())
    return card_text(card).splitlines()[0]


async def test_a_reminder_sent_on_the_day_of_the_session_says_today(chat):
    # Booked at 08:00 on the day for a 14:00 session: yesterday's reminder goes out late.
    starts = datetime(2027, 1, 11, 14, tzinfo=UTC)
    assert await _reminder_for_session_at(chat, starts, starts - timedelta(hours=6)) == (
        "⏰ Today: WRAP"
    )


async def test_a_reminder_reads_the_sessions_uk_date_not_its_utc_date(chat):
    # 00:30 on 1 July in London is 23:30 on 30 June in UTC: sent on 30 June, it is tomorrow.
    starts = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)
    sent = datetime(2027, 6, 30, 8, 0, tzinfo=UTC)  # 09:00 in London
    assert await _reminder_for_session_at(chat, starts, sent) == "⏰ Tomorrow: WRAP"


async def _save_board(pat, leads: str) -> dict:
    [form] = cards_in(await pat.says("new board"))
    inputs = {"name": "Adult Safeguarding Board", "frequency": "annual", "leads": leads}
    return card_from_invoke(await pat.presses(button(form, "Save"), inputs=inputs))


async def test_a_lead_the_bot_has_never_met_is_named_as_such_not_given_a_made_up_name(chat):
    saved = await _save_board(chat.coordinator(), "nobody@nowhere")
    shown = card_text(saved)
    assert (
        "I don't know nobody@nowhere yet: they will be linked when they first message me." in shown
    )
    assert "Nobody" not in shown
    with chat.database.unit_of_work() as db:
        lead = db.exec(select(Staff).where(Staff.email == "nobody@nowhere")).one()
    assert lead.display_name == "nobody@nowhere"
    [listing] = cards_in(await chat.coordinator().says("boards"))
    assert "Nobody" not in card_text(listing)


async def test_a_lead_who_has_messaged_the_bot_is_named_and_not_called_unknown(chat):
    megan = chat.user("Megan Bowen")
    await megan.says("hi")
    saved = await _save_board(chat.coordinator(), f"{megan.email.upper()}; nobody@nowhere")
    shown = card_text(saved)
    assert "Megan Bowen" in shown and f"I don't know {megan.email}" not in shown
    assert "I don't know nobody@nowhere yet" in shown


async def test_board_lead_emails_are_checked_as_emails_and_nothing_is_saved(chat):
    pat = chat.coordinator()
    for typed in ("jo bloggs", "jo@@barnet.gov.uk", "@barnet.gov.uk", "jo@", "<jo>@x.uk"):
        refused = card_text(await _save_board(pat, typed))
        assert "is not an email address" in refused, typed
    with chat.database.unit_of_work() as db:
        assert db.exec(select(Staff).where(Staff.display_name.contains("@"))).all() == []


async def test_a_board_lead_is_shown_only_the_buttons_they_may_press(chat):
    megan = chat.user("Megan Bowen")
    await megan.says("hi")
    await _save_board(chat.coordinator(), megan.email)
    [listing] = cards_in(await megan.says("boards"))
    shown = buttons(listing)
    assert [b["title"] for b in shown] == ["Update delivered"]
    refused = "Only the Prevent coordinators can do that."
    pressed = [listing]
    while pressed:
        card = pressed.pop()
        for each in buttons(card):
            body = await megan.presses(each)
            assert body.get("value") != refused, each["title"]
            if body["type"] == "application/vnd.microsoft.card.adaptive":
                if each["verb"] != "list_boards":
                    pressed.append(card_from_invoke(body))
                else:
                    assert [b["title"] for b in buttons(card_from_invoke(body))] == shown_titles(
                        shown
                    )


def shown_titles(shown: list[dict]) -> list[str]:
    return [b["title"] for b in shown]


def _inputs(form: dict) -> dict:
    return {n["id"]: n.get("value") for n in form["body"] if "id" in n}


async def test_the_new_session_form_starts_on_wrap_the_next_working_day_at_ten(chat):
    with chat.database.unit_of_work() as db:
        add_course(db, "ERW", "Extreme right-wing radicalisation awareness briefing")
        add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
    pat = chat.coordinator()
    chat.clock.move_to(datetime(2027, 3, 25, 9, tzinfo=UTC))  # the Thursday before Easter
    [form] = cards_in(await pat.says("new session"))
    given = _inputs(form)
    assert (given["course"], given["date"], given["time"]) == ("WRAP", "2027-03-30", "10:00")


async def test_a_weekend_or_bank_holiday_is_warned_of_and_created_only_when_confirmed(chat):
    with chat.database.unit_of_work() as db:
        add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
    pat = chat.coordinator()
    [form] = cards_in(await pat.says("new session"))
    in_person = {"mode": "in_person", "location": "Hendon Town Hall"}
    holiday = {**_inputs(form), **in_person, "date": "2027-05-31"}
    warned = card_from_invoke(await pat.presses(button(form, "Create session"), holiday))
    assert "Mon 31 May 2027 is a bank holiday (Spring bank holiday)" in card_text(warned)
    assert _inputs(warned)["date"] == "2027-05-31"
    saturday = {**_inputs(warned), "date": "2027-06-05"}
    again = card_from_invoke(await pat.presses(button(warned, "Create anyway"), saturday))
    assert "Sat 5 Jun 2027 is a Saturday" in card_text(again)  # a new date is checked anew
    created = card_from_invoke(await pat.presses(button(again, "Create anyway"), saturday))
    assert "created" in card_text(created) and "Sat 5 Jun 2027" in card_text(created)
    [listing] = cards_in(await chat.user("Megan Bowen").says("sessions"))
    assert card_text(listing).count("#") == 1


async def test_the_new_session_form_names_the_required_field_left_empty(chat):
    with chat.database.unit_of_work() as db:
        add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
    pat = chat.coordinator()
    [form] = cards_in(await pat.says("new session"))
    for empty, said in [
        ("course", "Choose a course."),
        ("date", "Give the date of the session."),
        ("time", "Give the time it starts."),
    ]:
        sent = {**_inputs(form), empty: ""}
        again = card_from_invoke(await pat.presses(button(form, "Create session"), sent))
        assert said in card_text(again), empty
    bad = {**_inputs(form), "date": "next tuesday"}
    again = card_from_invoke(await pat.presses(button(form, "Create session"), bad))
    assert "'next tuesday' is not a date" in card_text(again)
    [listing] = cards_in(await chat.user("Megan Bowen").says("sessions"))
    assert "No sessions match" in card_text(listing)


async def test_totals_split_people_booked_into_sessions_held_and_to_come(chat):
    now = chat.clock.now()
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
        held = add_session(db, course, now - timedelta(days=3))
        to_come = add_session(db, course, now + timedelta(days=3))
        ann, bob, cat = (add_staff(db, name, now) for name in ("Ann", "Bob", "Cat"))
        add_booking(db, held, ann, "attended")
        add_booking(db, held, bob, "booked")
        add_booking(db, to_come, ann, "booked")
        add_booking(db, to_come, cat, "booked")
    [totals] = cards_in(await chat.coordinator().says("totals"))
    shown = card_text(totals)
    assert "People booked on sessions held: 2" in shown
    assert "People booked on sessions to come: 2" in shown
    assert "People booked:" not in shown
    assert "Sessions delivered: 1" in shown and "People attended: 1 (1 attendance)" in shown
    assert "Overall: no answers yet" in shown
