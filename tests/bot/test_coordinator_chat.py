"""The coordinator puts sessions on, reads rosters and calls sessions off, in chat."""

from tests.bot.harness import button, card_from_invoke, card_text, cards_in


async def test_create_a_session_with_the_form(chat, wrap_sessions):
    pat = chat.coordinator()
    [form] = cards_in(await pat.says("new session"))
    body = await pat.presses(
        button(form, "Create session"),
        inputs={
            "course": "WRAP",
            "date": "2027-06-15",
            "time": "14:30",
            "duration": "90",
            "capacity": "12",
            "mode": "in_person",
            "location": "Colindale Office, Room 2",
            "audience": "Family Services",
        },
    )
    created = card_from_invoke(body)
    assert "created" in card_text(created)
    assert "Tue 15 Jun 2027, 14:30–16:00" in card_text(created)  # British Summer Time
    [listing] = cards_in(await chat.user("Megan Bowen").says("sessions june 2027"))
    assert "Colindale Office, Room 2" in card_text(listing)
    assert "12 of 12 left" in card_text(listing)


async def test_the_roster_shows_booked_and_the_waiting_list_in_order(chat, wrap_sessions):
    _, small, _ = wrap_sessions
    for name in ("Ann Able", "Bob Baker"):
        await chat.user(name).says(f"book {small}")
    for name in ("Cat Cole", "Dev Dean"):
        await chat.user(name).says(f"wait {small}")
    [roster] = cards_in(await chat.coordinator().says(f"roster {small}"))
    shown = card_text(roster)
    assert "Booked (2)" in shown and "Waiting list (2)" in shown
    assert shown.index("1. Cat Cole") < shown.index("2. Dev Dean")


async def test_cancelling_a_session_tells_everyone_booked(chat, wrap_sessions):
    _, small, _ = wrap_sessions
    people = [chat.user(n) for n in ("Ann Able", "Bob Baker", "Cat Cole")]
    for person in people[:2]:
        await person.says(f"book {small}")
    await people[2].says(f"wait {small}")
    for person in people:
        person.new_replies()

    pat = chat.coordinator()
    [confirm] = cards_in(await pat.says(f"cancel session {small} Trainer unwell"))
    assert "3 people booked or waiting will be told" in card_text(confirm)
    body = await pat.presses(
        button(confirm, "Yes, cancel the session"), inputs={"reason": "Trainer unwell"}
    )
    assert "cancelled" in card_text(card_from_invoke(body))
    await chat.notices_sent()
    for person in people:
        [notice] = cards_in(person.new_replies())
        assert "is cancelled" in card_text(notice) and "Trainer unwell" in card_text(notice)
    again = await pat.presses(button(confirm, "Yes, cancel the session"))
    assert "already cancelled" in again["value"]


async def test_the_audit_log_shows_who_did_what_and_records_the_look(chat, wrap_sessions):
    _, small, _ = wrap_sessions
    pat = chat.coordinator()
    await pat.says(f"roster {small}")
    [log] = cards_in(await pat.says("audit log"))
    assert f"Pat Coordinator viewed the roster of session {small}" in card_text(log)
    [again] = cards_in(await pat.says("audit log"))
    assert "Pat Coordinator viewed the audit log" in card_text(again)
    assert "audit.view" not in card_text(again)
    [refused] = [e["activity"]["text"] for e in await chat.user("Megan Bowen").says("audit log")]
    assert refused == "Only the Prevent coordinators and the auditors can read the audit log."


async def test_people_are_told_even_if_the_first_attempt_never_queued_their_notices(
    chat, wrap_sessions
):
    from training.sessions.schedule import cancel_session

    _, small, _ = wrap_sessions
    ann, bob = chat.user("Ann Able"), chat.user("Bob Baker")
    await ann.says(f"book {small}")
    await bob.says(f"book {small}")
    for person in (ann, bob):
        person.new_replies()
    # The cancellation committed, then the process died before the notices were written.
    with chat.database.unit_of_work() as db:
        cancel_session(db, small, "venue flooded", chat.clock.now())

    pat = chat.coordinator()
    again = await pat.presses({"verb": "cancel_session", "data": {"session_id": small}})
    assert "already cancelled" in again["value"]
    await pat.presses({"verb": "cancel_session", "data": {"session_id": small}})
    await chat.notices_sent()
    for person in (ann, bob):
        [notice] = cards_in(person.new_replies())  # told once, however often it was pressed
        assert "is cancelled" in card_text(notice)


async def test_clock_changes_neither_stretch_a_session_nor_accept_a_time_that_never_happens(
    chat, wrap_sessions
):
    pat = chat.coordinator()
    form = {
        "course": "WRAP",
        "duration": "120",
        "capacity": "10",
        "mode": "online",
        "join_url": "https://teams.microsoft.com/l/meetup-join/x",
    }
    skipped = await pat.presses(
        {"verb": "create_session", "data": {**form, "date": "2027-03-28", "time": "01:30"}}
    )
    assert "doesn't exist on 28 Mar 2027" in card_text(card_from_invoke(skipped))
    twice = await pat.presses(
        {"verb": "create_session", "data": {**form, "date": "2027-10-31", "time": "01:30"}}
    )
    assert "happens twice" in card_text(card_from_invoke(twice))
    # 00:30 BST + 2 hours of real time crosses the change: it ends at 01:30 GMT. (The clocks
    # change on a Sunday: the weekend warning is confirmed.)
    sunday = {**form, "date": "2027-10-31", "time": "00:30", "date_checked": "2027-10-31"}
    across = await pat.presses({"verb": "create_session", "data": sunday})
    assert "Sun 31 Oct 2027, 00:30–01:30" in card_text(card_from_invoke(across))
