"""A session's whole life in chat: changing it keeps its bookings and tells its people, the
coordinator writes to them, and takes away its sign-in sheet and roster. The real bot over
HTTP with the local Bot Connector, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from sqlmodel import select

from tests.bot.harness import (
    COMMONMARK,
    button,
    card_from_invoke,
    card_markup,
    card_text,
    cards_in,
    texts_in,
)
from tests.bot.test_totals_chat import CONSENT, UploadServer, answer_consent, attachments_of
from training.models import AuditEntry, Booking, Session

NOT_A_COORDINATOR = "Only the Prevent coordinators can do that."


@pytest.fixture
async def onedrive() -> AsyncIterator[UploadServer]:
    """Where the person's OneDrive takes the upload (as in the totals' export tests)."""
    server = UploadServer()
    app = web.Application()
    app.router.add_put("/upload/{name}", server.put)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/upload"  # type: ignore[union-attr]
    yield server
    await runner.cleanup()


def inputs_of(card: dict) -> dict:
    """What Teams sends for the card's inputs if the person changes nothing."""
    found = {}
    for node in card["body"]:
        if str(node.get("type", "")).startswith("Input."):
            found[node["id"]] = node.get("value", "")
    return found


def audit_actions(chat) -> list[str]:
    with chat.database.unit_of_work() as db:
        return [e.action for e in db.exec(select(AuditEntry).order_by(AuditEntry.id))]


def statuses(chat, session_id: int) -> dict[int, str]:
    with chat.database.unit_of_work() as db:
        rows = db.exec(select(Booking).where(Booking.session_id == session_id)).all()
        return {b.staff_id: b.status for b in rows}


def session_row(chat, session_id: int) -> Session:
    with chat.database.unit_of_work() as db:
        found = db.get(Session, session_id)
        db.expunge(found)
        return found


async def full_small_session(chat, small: int):
    """Ann and Bob hold the two seats; Cat and Dan wait, in that order."""
    people = [chat.user(n) for n in ("Ann Able", "Bob Baker", "Cat Cole", "Dan Dee")]
    for person in people:
        await person.says(f"book {small}" if person.name < "C" else f"wait {small}")
    return people


async def edit_form(chat, session_id: int) -> dict:
    [form] = cards_in(await chat.coordinator().says(f"edit session {session_id}"))
    return form


async def test_a_new_time_and_more_seats_keep_every_booking_and_tell_everyone(chat, wrap_sessions):
    small = wrap_sessions[1]
    ann, bob, cat, dan = await full_small_session(chat, small)
    before = session_row(chat, small)
    pat = chat.coordinator()

    form = await edit_form(chat, small)
    assert "Change WRAP (Workshop to Raise Awareness of Prevent)" in card_text(form)
    shown = inputs_of(form)
    assert shown["capacity"] == 2 and shown["duration"] == 120 and shown["time"] == "09:00"
    later_day = (before.starts_at + timedelta(days=1)).date().isoformat()
    saved = card_from_invoke(
        await pat.presses(
            button(form, "Save and tell people"),
            {**shown, "date": later_day, "time": "14:00", "capacity": "3"},
        )
    )
    await chat.notices_sent()

    assert "Session #" in card_text(saved) and "Cat Cole" in card_text(saved)
    assert "Dan Dee" not in card_text(saved).split("Given seats")[1]
    after = session_row(chat, small)
    assert after.starts_at == before.starts_at + timedelta(days=1, hours=5)
    assert after.ends_at - after.starts_at == timedelta(hours=2)
    assert after.capacity == 3
    by_name = {p.name: p for p in (ann, bob, cat, dan)}
    assert sorted(statuses(chat, small).values()) == ["booked", "booked", "booked", "waitlisted"]

    for name, meaning in [
        ("Ann Able", "You're still booked"),
        ("Bob Baker", "You're still booked"),
        ("Cat Cole", "one is yours"),
        ("Dan Dee", "number 1 on the waiting list"),
    ]:
        [notice] = cards_in(by_name[name].new_replies())
        said = card_text(notice)
        assert "has changed" in said and meaning in said
        assert "Was" in said and "Now" in said and "14:00" in said and "09:00" in said
    assert "session.edit" in audit_actions(chat)


async def test_the_cancellation_cut_off_follows_the_new_time(chat, wrap_sessions):
    small = wrap_sessions[1]
    ann, *_ = await full_small_session(chat, small)
    start = session_row(chat, small).starts_at
    form = await edit_form(chat, small)
    await chat.coordinator().presses(
        button(form, "Save and tell people"),
        {**inputs_of(form), "date": (start + timedelta(days=2)).date().isoformat()},
    )
    await chat.notices_sent()
    # 12 hours before the old start: inside the old cut-off, two days before the new one.
    chat.clock.move_to(start - timedelta(hours=12))
    [answer] = cards_in(await ann.says(f"cancel {small}"))
    assert "is cancelled" in card_text(answer)
    # Less than three days before: the freed seat is offered to Cat, not given (seat offers).
    assert sorted(statuses(chat, small).values()) == [
        "booked",
        "cancelled",
        "offered",
        "waitlisted",
    ]


async def test_fewer_seats_than_are_taken_is_refused_with_the_numbers(chat, wrap_sessions):
    small = wrap_sessions[1]
    await full_small_session(chat, small)
    form = await edit_form(chat, small)
    again = card_from_invoke(
        await chat.coordinator().presses(
            button(form, "Save and tell people"), {**inputs_of(form), "capacity": "1"}
        )
    )
    said = card_text(again)
    assert "2 people already have seats" in said and "you asked for 1" in said
    assert inputs_of(again)["capacity"] == "1"  # what they typed is kept to correct
    assert session_row(chat, small).capacity == 2
    assert "session.edit" not in audit_actions(chat)


async def test_a_form_drawn_before_another_change_saves_nothing(chat, wrap_sessions):
    small = wrap_sessions[1]
    ann, *_ = await full_small_session(chat, small)
    pat = chat.coordinator()
    first, second = await edit_form(chat, small), await edit_form(chat, small)
    await pat.presses(button(first, "Save and tell people"), {**inputs_of(first), "time": "11:00"})
    await chat.notices_sent()
    ann.new_replies()

    fresh = card_from_invoke(
        await pat.presses(
            button(second, "Save and tell people"), {**inputs_of(second), "time": "15:00"}
        )
    )
    await chat.notices_sent()
    assert "was changed after this form was made" in card_text(fresh)
    assert inputs_of(fresh)["time"] == "11:00"  # drawn again from the details as they are
    local = session_row(chat, small).starts_at.astimezone(ZoneInfo("Europe/London"))
    assert f"{local:%H:%M}" == "11:00"
    assert ann.new_replies() == []


async def test_a_cancelled_or_past_session_cannot_be_changed(chat, wrap_sessions):
    roomy, small, _ = wrap_sessions
    pat = chat.coordinator()
    stale = await edit_form(chat, small)
    [confirm] = cards_in(await pat.says(f"cancel session {small} trainer unwell"))
    await pat.presses(button(confirm, "Yes, cancel the session"), {"reason": "Trainer unwell"})

    assert texts_in(await pat.says(f"edit session {small}")) == [
        f"Session {small} is cancelled, so it can't be changed. Type 'new session' to put on "
        "another."
    ]
    pressed = await pat.presses(button(stale, "Save and tell people"), inputs_of(stale))
    assert f"Session {small} is cancelled" in pressed["value"]
    assert session_row(chat, small).status == "cancelled"

    chat.clock.move_to(session_row(chat, roomy).starts_at + timedelta(minutes=5))
    assert texts_in(await pat.says(f"edit session {roomy}")) == [
        f"Session {roomy} has already started or taken place, so it can't be changed."
    ]
    assert texts_in(await pat.says("edit session 999999")) != []
    assert "session.edit" not in audit_actions(chat)


async def test_bad_form_values_come_back_on_the_form_and_change_nothing(chat, wrap_sessions):
    small = wrap_sessions[1]
    before = session_row(chat, small)
    form = await edit_form(chat, small)
    pat = chat.coordinator()
    for bad, says in [
        ({"date": "2020-01-01"}, "The start time must be in the future."),
        ({"time": "half ten"}, "'half ten' is not a time: use HH:MM."),
        ({"capacity": "lots"}, "Duration and capacity must be numbers."),
        ({"mode": "in_person", "location": ""}, "An in-person session needs a location."),
        ({"join_url": "http://example.com"}, "A Teams join link must start with https://."),
    ]:
        again = card_from_invoke(
            await pat.presses(button(form, "Save and tell people"), {**inputs_of(form), **bad})
        )
        assert says in card_text(again), bad
    after = session_row(chat, small)
    assert (after.starts_at, after.capacity, after.online) == (
        before.starts_at,
        before.capacity,
        before.online,
    )


async def test_someone_not_a_coordinator_pressing_the_buttons_changes_nothing(
    chat, wrap_sessions, onedrive
):
    small = wrap_sessions[1]
    ann, *_ = await full_small_session(chat, small)
    form = await edit_form(chat, small)
    [preview] = cards_in(await chat.coordinator().says(f"message session {small} Hello"))
    [roster] = cards_in(await chat.coordinator().says(f"roster {small}"))

    for card, title, inputs in [
        (form, "Save and tell people", {**inputs_of(form), "capacity": "9"}),
        (preview, "Send", {}),
        (roster, "Sign-in sheet (Word)", {}),
        (roster, "Change session", {}),
        (roster, "Message people", {}),
    ]:
        answer = await ann.presses(button(card, title), inputs)
        assert answer["value"] == NOT_A_COORDINATOR, title
    assert texts_in(await ann.says(f"edit session {small}")) == [NOT_A_COORDINATOR]
    assert texts_in(await ann.says(f"message session {small} hi all")) == [NOT_A_COORDINATOR]
    await chat.notices_sent()
    assert session_row(chat, small).capacity == 2
    assert all("session" not in a for a in audit_actions(chat) if a != "session.roster.view")


async def test_a_message_is_previewed_then_sent_once_to_those_booked_and_if_chosen_waiting(
    chat, wrap_sessions
):
    small = wrap_sessions[1]
    ann, bob, cat, dan = await full_small_session(chat, small)
    pat = chat.coordinator()

    [preview] = cards_in(await pat.says(f"message session {small} Please bring a pen."))
    said = card_text(preview)
    assert "Please bring a pen." in said and "Goes to the 2 people booked" in said
    assert ann.new_replies() == []  # nothing goes before Send
    sent = card_from_invoke(
        await pat.presses(button(preview, "Send"), {"include_waiting": "false"})
    )
    assert "on its way to 2 people" in card_text(sent)
    again = card_from_invoke(
        await pat.presses(button(preview, "Send"), {"include_waiting": "false"})
    )
    assert "already sent" in card_text(again)
    await chat.notices_sent()
    for person, expected in [(ann, 1), (bob, 1), (cat, 0), (dan, 0)]:
        got = [card_text(c) for c in cards_in(person.new_replies())]
        assert len(got) == expected and all("Please bring a pen." in g for g in got)
        assert all("Pat Coordinator" in g for g in got)

    [written] = cards_in(await pat.says(f"message session {small}"))  # nothing written yet
    preview = card_from_invoke(
        await pat.presses(button(written, "Preview"), {"message": "Room change: 2nd floor."})
    )
    assert "Also send it to the 2 people waiting" in str(preview)
    await pat.presses(button(preview, "Send"), {"include_waiting": "true"})
    await chat.notices_sent()
    for person in (ann, bob, cat, dan):
        [got] = cards_in(person.new_replies())
        assert "Room change: 2nd floor." in card_text(got)
    assert audit_actions(chat).count("session.message") == 2


async def test_a_message_that_cannot_go_is_refused_plainly(chat, wrap_sessions):
    roomy, small, _ = wrap_sessions
    pat = chat.coordinator()
    [form] = cards_in(await pat.says(f"message session {roomy}"))
    empty = card_from_invoke(await pat.presses(button(form, "Preview"), {"message": "   "}))
    assert "Write the message first" in card_text(empty)
    long = card_from_invoke(await pat.presses(button(form, "Preview"), {"message": "x" * 1001}))
    assert "at most 1000 characters" in card_text(long)
    [nobody] = cards_in(await pat.says(f"message session {roomy} hello"))
    pressed = await pat.presses(button(nobody, "Send"), {})
    assert f"Nobody is booked on session {roomy} yet" in pressed["value"]

    [confirm] = cards_in(await pat.says(f"cancel session {small}"))
    await pat.presses(button(confirm, "Yes, cancel the session"), {"reason": ""})
    assert texts_in(await pat.says(f"message session {small} hello")) == [
        f"Session {small} is cancelled: everyone on it was told, and nobody is booked."
    ]
    assert "session.message" not in audit_actions(chat)


async def test_the_sign_in_sheet_and_roster_files_come_through_the_file_consent_card(
    chat, wrap_sessions, onedrive
):
    from docx import Document
    from openpyxl import load_workbook

    small = wrap_sessions[1]
    await full_small_session(chat, small)
    pat = chat.coordinator()
    [roster] = cards_in(await pat.says(f"roster {small}"))

    files = {}
    for title, fmt in [("Sign-in sheet (Word)", "docx"), ("Roster (CSV)", "csv"),
                       ("Roster (Excel)", "xlsx")]:  # fmt: skip
        answer = await pat.presses(button(roster, title))
        assert "Press Allow" in answer["value"]
        [consent] = attachments_of(pat.connector.to(pat.conversation_id)[-1:], CONSENT)
        context = consent["content"]["acceptContext"]
        assert (context["roster"], context["format"]) == (small, fmt)
        await answer_consent(chat, pat, consent, "accept", onedrive.url)
        files[fmt] = onedrive.received[-1]["body"]

    sheet = Document(io.BytesIO(files["docx"]))
    people, grid = sheet.tables[0], sheet.tables[1]
    assert "WRAP (Workshop to Raise Awareness of Prevent)" in sheet.paragraphs[0].text
    assert [c.text for c in grid.rows[0].cells][-1] == "Signature"
    named = [row.cells[1].text for row in grid.rows[1:]]
    assert named[:2] == ["Ann Able", "Bob Baker"] and named[2:] == [""] * 8  # walk-in lines
    assert any(row.cells[0].text == "Where" for row in people.rows)

    rows = list(csv.reader(io.StringIO(files["csv"].decode("utf-8-sig"))))
    assert [(r[0], r[2]) for r in rows[1:]] == [
        ("Booked", "Ann Able"),
        ("Booked", "Bob Baker"),
        ("Waiting list", "Cat Cole"),
        ("Waiting list", "Dan Dee"),
    ]
    book = load_workbook(io.BytesIO(files["xlsx"]))
    assert [c.value for c in book["People"]["C"]][1:] == [r[2] for r in rows[1:]]
    actions = audit_actions(chat)
    for fmt in ("docx", "csv", "xlsx"):
        assert f"export.offer.roster.{fmt}" in actions and f"export.roster.{fmt}" in actions


async def test_a_tampered_roster_file_offer_is_refused(chat, wrap_sessions, onedrive):
    small = wrap_sessions[1]
    pat = chat.coordinator()
    [roster] = cards_in(await pat.says(f"roster {small}"))
    await pat.presses(button(roster, "Roster (CSV)"))
    [consent] = attachments_of(pat.connector.to(pat.conversation_id)[-1:], CONSENT)
    offer = consent["content"]["acceptContext"]["offer"]
    for context in (
        {"roster": small, "format": "md", "offer": offer},
        {"roster": "twelve", "format": "csv", "offer": offer},
        {"roster": small, "query": "totals", "format": "csv", "offer": offer},
        {"roster": small, "format": "csv"},
    ):
        answered = await answer_consent(
            chat, pat, consent, "accept", onedrive.url, tamper={"context": context}
        )
        assert "out of date" in texts_in(answered["replies"])[0]
    assert onedrive.received == []
    await answer_consent(chat, pat, consent, "accept", onedrive.url)  # as it was sent
    assert len(onedrive.received) == 1


async def test_a_redelivered_save_changes_once_and_a_tampered_form_is_stale(chat, wrap_sessions):
    small = wrap_sessions[1]
    ann, *_ = await full_small_session(chat, small)
    form = await edit_form(chat, small)
    pat = chat.coordinator()
    save = button(form, "Save and tell people")
    inputs = {**inputs_of(form), "time": "12:00"}

    first = await pat.presses(save, inputs, id="act-save-once")
    again = await pat.presses(save, inputs, id="act-save-once")  # Teams delivers it again
    assert "changed" in card_text(card_from_invoke(first))
    assert again["value"] == f"That change to session {small} was already saved."
    await chat.notices_sent()
    assert len(cards_in(ann.new_replies())) == 1
    assert audit_actions(chat).count("session.edit") == 1

    tampered = {**save, "data": {**save["data"], "seen": "not-a-mark"}}
    stale = await pat.presses(tampered, inputs)
    assert "out of date" in stale["value"]


async def test_a_pasted_join_link_can_be_replaced_and_people_get_the_new_one(chat, wrap_sessions):
    roomy = wrap_sessions[0]
    ann = chat.user("Ann Able")
    await ann.says(f"book {roomy}")
    await chat.notices_sent()
    ann.new_replies()
    form = await edit_form(chat, roomy)
    new_link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_new%40thread.v2/0"
    await chat.coordinator().presses(
        button(form, "Save and tell people"), {**inputs_of(form), "join_url": new_link}
    )
    await chat.notices_sent()
    assert session_row(chat, roomy).join_url == new_link
    [notice] = cards_in(ann.new_replies())
    assert "Join link" in card_text(notice) and new_link in card_text(notice)
    rendered = "".join(COMMONMARK.render(markup) for markup in card_markup(notice))
    assert f'<a href="{new_link}">Join the Teams meeting</a>' in rendered


async def test_two_coordinators_saving_at_once_change_the_session_once(chat, wrap_sessions):
    import asyncio

    small = wrap_sessions[1]
    ann, *_ = await full_small_session(chat, small)
    pat = chat.coordinator()  # two forms in two windows, Save pressed in both at once
    first, second = await edit_form(chat, small), await edit_form(chat, small)
    answers = await asyncio.gather(
        pat.presses(button(first, "Save and tell people"), {**inputs_of(first), "capacity": "5"}),
        pat.presses(button(second, "Save and tell people"), {**inputs_of(second), "capacity": "4"}),
    )
    said = sorted(card_text(card_from_invoke(a)) for a in answers)
    assert sum("was changed after this form was made" in s for s in said) == 1
    assert session_row(chat, small).capacity in (4, 5)
    assert audit_actions(chat).count("session.edit") == 1
    await chat.notices_sent()
    assert len(cards_in(ann.new_replies())) == 0  # a change of seats alone: not for the booked
