"""The register, through the bot's HTTP endpoint: an in-person session's attendance taken by
hand becomes attended, no-shows and completions that `my training`, the sheet and the totals
follow, and every bad press (too early, twice, stale, by the wrong person) is answered plainly
and changes nothing it should not."""

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from tests.bot.harness import button, card_from_invoke, card_text, cards_in, texts_in
from tests.factories import add_course, add_session
from training.figures.plain_words import TotalsQuery
from training.figures.totals import compute_totals, scope_of
from training.models import AuditEntry, Booking, Completion, Session, SessionAttendance, Staff

UK = ZoneInfo("Europe/London")
PEOPLE = ["Ann Able", "Bob Baker", "Cat Cole", "Dev Dean"]


@pytest.fixture
def in_person(chat) -> int:
    """An in-person WRAP session two days ahead, at Hendon Town Hall."""
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
        session = add_session(db, course, chat.clock.now() + timedelta(days=2), online=False)
        return session.id


async def _booked_and_started(chat, session_id: int, names=PEOPLE) -> list:
    people = [chat.user(name) for name in names]
    for person in people:
        await person.says(f"book {session_id}")
    with chat.database.unit_of_work() as db:
        session = db.get(Session, session_id)
        chat.clock.move_to(session.starts_at + timedelta(hours=3))
    return people


def _staff_id(chat, name: str) -> int:
    with chat.database.unit_of_work() as db:
        return db.exec(select(Staff.id).where(Staff.display_name == name)).one()


def _key(chat, name: str) -> str:
    return f"m_s{_staff_id(chat, name)}"


def _audited(chat, action: str) -> int:
    with chat.database.unit_of_work() as db:
        return db.exec(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        ).one()


def _statuses(chat, session_id: int) -> dict[str, str]:
    with chat.database.unit_of_work() as db:
        rows = db.exec(
            select(Staff.display_name, Booking.status)
            .join(Booking)
            .where(Booking.session_id == session_id)
        ).all()
        return dict(rows)


def _completed(chat, session_id: int) -> set[str]:
    with chat.database.unit_of_work() as db:
        return set(
            db.exec(
                select(Staff.display_name)
                .join(Completion, Completion.staff_id == Staff.id)
                .where(Completion.session_id == session_id)
            ).all()
        )


async def test_an_in_person_register_gives_completions_my_training_and_the_sheet_follow(
    chat, in_person
):
    people = await _booked_and_started(chat, in_person)
    await chat.user("Gus Gray").says("hello")  # known to the bot, but never booked
    pat = chat.coordinator()
    [roster] = cards_in(await pat.says(f"roster {in_person}"))
    register = card_from_invoke(await pat.presses(button(roster, "Register")))
    shown = card_text(register)
    assert "Register: WRAP (Workshop to Raise Awareness of Prevent)" in shown
    assert all(name in shown for name in PEOPLE)
    assert "4 on the register: 0 came (0 completed), 0 absent, 4 not recorded" in shown

    body = await pat.presses(
        button(register, "Save register"),
        inputs={
            "everyone": "true",
            _key(chat, "Cat Cole"): "left_early",
            _key(chat, "Dev Dean"): "absent",
            "walk_in": "gus.gray@example.gov.uk\nSam Visitor",
        },
    )
    saved = card_text(card_from_invoke(body))
    assert "Saved: 6 changes recorded." in saved
    assert "6 on the register: 5 came (4 completed), 1 absent, 0 not recorded" in saved

    assert _statuses(chat, in_person) == {
        "Ann Able": "attended",
        "Bob Baker": "attended",
        "Cat Cole": "attended",
        "Dev Dean": "no_show",
    }
    assert _completed(chat, in_person) == {"Ann Able", "Bob Baker", "Gus Gray"}
    [mine] = cards_in(await people[0].says("my training"))
    assert "✅ WRAP (Workshop to Raise Awareness of Prevent): 13 Jan 2027" in card_text(mine)
    [left] = cards_in(await people[2].says("my training"))
    assert "No completed training on record yet" in card_text(left)

    [sheet] = cards_in(await pat.says(f"session {in_person} attendance"))
    on_sheet = card_text(sheet)
    assert "Status: in person: taken on the register" in on_sheet
    ann = "• Ann Able: ✅ present, completed (register: Pat Coordinator, 13 Jan 2027 12:00)"
    assert ann in on_sheet
    assert "• Cat Cole: ✗ left early, not completed (register: Pat Coordinator" in on_sheet
    assert "• Dev Dean: ✗ absent (register: Pat Coordinator" in on_sheet
    assert "• Gus Gray: ✅ present, completed (walk-in) (register" in on_sheet
    assert "• Sam Visitor: ✅ present, completed (unmatched) (register" in on_sheet
    assert "No-shows" not in on_sheet  # Dev is listed as absent, with who said so
    [unmatched] = cards_in(await pat.says("unmatched"))
    assert "Sam Visitor (no email)" in card_text(unmatched)
    assert _audited(chat, "register.mark") == 4 and _audited(chat, "register.walk_in") == 2


async def test_the_register_corrected_later_moves_the_completion_and_the_totals(chat, in_person):
    people = await _booked_and_started(chat, in_person, PEOPLE[:2])
    pat = chat.coordinator()
    [register] = cards_in(await pat.says(f"register {in_person}"))
    first = card_from_invoke(
        await pat.presses(button(register, "Save register"), inputs={"everyone": "true"})
    )
    assert _completed(chat, in_person) == {"Ann Able", "Bob Baker"}
    assert _figures(chat).completed_live == 2 and _figures(chat).people_attended == 2

    # Ann in fact left at the break: corrected from the card the save drew.
    body = await pat.presses(
        button(first, "Save register"),
        inputs={_key(chat, "Ann Able"): "left_early", "reason": "left at the break"},
    )
    assert "Saved: 1 change recorded." in card_text(card_from_invoke(body))
    assert _completed(chat, in_person) == {"Bob Baker"}
    figures = _figures(chat)
    assert (figures.completed_live, figures.people_attended, figures.no_shows) == (1, 2, 0)
    [mine] = cards_in(await people[0].says("my training"))
    assert "No completed training on record yet" in card_text(mine)
    [log] = cards_in(await pat.says("audit log"))
    assert "Ann Able (staff" in card_text(log)
    assert "present -> left early; reason: left at the break" in card_text(log)


def _figures(chat):
    """All-time totals, counted from the same rows the register writes."""
    with chat.database.unit_of_work() as db:
        scope = scope_of(TotalsQuery(), UK)
        return compute_totals(db, scope, chat.clock.now(), UK).figures


async def test_a_register_before_the_session_starts_is_refused(chat, in_person):
    await chat.user("Ann Able").says(f"book {in_person}")
    pat = chat.coordinator()
    assert texts_in(await pat.says(f"register {in_person}")) == [
        f"Session {in_person} hasn't started yet: its register opens when it starts."
    ]


async def test_a_register_submitted_twice_records_once(chat, in_person):
    await _booked_and_started(chat, in_person)
    pat = chat.coordinator()
    [register] = cards_in(await pat.says(f"register {in_person}"))
    inputs = {"everyone": "true", _key(chat, "Dev Dean"): "absent", "walk_in": "Sam Visitor"}
    save = button(register, "Save register")
    once = card_text(card_from_invoke(await pat.presses(save, inputs=inputs)))
    twice = card_text(card_from_invoke(await pat.presses(save, inputs=inputs)))
    assert "Saved: 5 changes recorded." in once
    assert "Nothing new to record." in twice
    assert "5 on the register: 4 came (4 completed), 1 absent, 0 not recorded" in twice
    # Teams delivering the same press again (same activity id) records nothing either.
    pat.new_replies()
    again = pat.activity(
        "invoke",
        id="redelivered-press-1",
        name="adaptiveCard/action",
        value={
            "action": {
                "type": "Action.Execute",
                "verb": save["verb"],
                "data": {**save["data"], **inputs},
            }
        },
    )
    for _ in range(2):
        response = await pat.post(again)
        assert response.status == 200
    with chat.database.unit_of_work() as db:
        rows = db.exec(
            select(func.count())
            .select_from(SessionAttendance)
            .where(SessionAttendance.session_id == in_person)
        ).one()
    assert rows == 5
    assert _audited(chat, "register.mark") == 4 and _audited(chat, "register.walk_in") == 1
    assert len(_completed(chat, in_person)) == 3


async def test_a_stale_card_never_applies_to_the_wrong_people(chat, in_person):
    await _booked_and_started(chat, in_person)
    pat = chat.coordinator()
    [old] = cards_in(await pat.says(f"register {in_person}"))
    [other] = cards_in(await pat.says(f"register {in_person}"))
    # Someone else records Bob absent from their own card, and Cat cancels meanwhile.
    await pat.presses(button(other, "Save register"), inputs={_key(chat, "Bob Baker"): "absent"})
    cat = _staff_id(chat, "Cat Cole")
    with chat.database.unit_of_work() as db:
        booking = db.exec(
            select(Booking).where(Booking.session_id == in_person, Booking.staff_id == cat)
        ).one()
        booking.status = "cancelled"
        db.add(booking)

    body = await pat.presses(
        button(old, "Save register"),
        inputs={
            _key(chat, "Ann Able"): "present",
            _key(chat, "Bob Baker"): "present",
            _key(chat, "Cat Cole"): "present",
        },
    )
    shown = card_text(card_from_invoke(body))
    assert "Saved: 1 change recorded." in shown
    assert (
        "Bob Baker was changed to 'absent' by Pat Coordinator after this card was drawn: "
        "left as it is." in shown
    )
    assert "Cat Cole is no longer on the register: not recorded." in shown
    assert _statuses(chat, in_person)["Bob Baker"] == "no_show"
    assert _completed(chat, in_person) == {"Ann Able"}


async def test_only_coordinators_and_the_sessions_facilitators_take_its_register(chat, in_person):
    await _booked_and_started(chat, in_person, PEOPLE[:1])
    refusal = "Only the Prevent coordinators or the session's facilitators can take its register."
    ann = chat.user("Ann Able")
    assert texts_in(await ann.says(f"register {in_person}")) == [refusal]
    [register] = cards_in(await chat.coordinator().says(f"register {in_person}"))
    pressed = await ann.presses(
        button(register, "Save register"), inputs={_key(chat, "Ann Able"): "present"}
    )
    assert refusal in str(pressed["value"])
    assert _completed(chat, in_person) == set()

    sarah = chat.user("Sarah Whitfield")
    await sarah.says("hello")
    await chat.coordinator().says(f"facilitators {in_person} add SARAH.WHITFIELD@example.gov.uk")
    [hers] = cards_in(await sarah.says(f"register {in_person}"))
    body = await sarah.presses(
        button(hers, "Save register"), inputs={_key(chat, "Ann Able"): "present"}
    )
    assert "Saved: 1 change recorded." in card_text(card_from_invoke(body))
    assert _completed(chat, in_person) == {"Ann Able"}
    # A name alone admits nobody: someone else called Sarah Whitfield is not her.
    namesake = chat.user("Sarah Whitfield", "dddddddd-0000-0000-0000-000000000009")
    chat.connector.members[namesake.user_id]["email"] = "sarah.whitfield@probation.gov.uk"
    chat.connector.members[namesake.user_id]["userPrincipalName"] = "sw@probation.gov.uk"
    assert texts_in(await namesake.says(f"register {in_person}")) == [refusal]


async def test_a_large_roster_is_paged_and_each_page_saves_its_own_people(chat, in_person):
    names = [f"Person {i:02d}" for i in range(30)]
    with chat.database.unit_of_work() as db:
        session = db.get(Session, in_person)
        session.capacity = 40
        db.add(session)
    await _booked_and_started(chat, in_person, names)
    pat = chat.coordinator()
    [first] = cards_in(await pat.says(f"register {in_person}"))
    assert "Page 1 of 2" in card_text(first) and "Person 24" in card_text(first)
    assert "Person 25" not in card_text(first)
    body = await pat.presses(
        button(first, "Save, next page ›"), inputs={_key(chat, "Person 00"): "present"}
    )
    second = card_from_invoke(body)
    assert "Page 2 of 2" in card_text(second) and "Person 29" in card_text(second)
    body = await pat.presses(
        button(second, "‹ Save, previous page"), inputs={_key(chat, "Person 29"): "absent"}
    )
    assert "Page 1 of 2" in card_text(card_from_invoke(body))
    statuses = _statuses(chat, in_person)
    assert statuses["Person 00"] == "attended" and statuses["Person 29"] == "no_show"
    assert statuses["Person 10"] == "booked"  # not recorded yet: never a no-show


async def test_bad_walk_ins_are_named_and_kept_in_the_field(chat, in_person):
    await _booked_and_started(chat, in_person, PEOPLE[:1])
    pat = chat.coordinator()
    [register] = cards_in(await pat.says(f"register {in_person}"))
    body = await pat.presses(
        button(register, "Save register"), inputs={"walk_in": "jo.bloggs@\nSam Visitor"}
    )
    shown = card_from_invoke(body)
    assert "'jo.bloggs@' is not an email address: not added." in card_text(shown)
    [field] = [n for n in _inputs(shown) if n["id"] == "walk_in"]
    assert field["value"] == "jo.bloggs@"


def _inputs(card: dict) -> list[dict]:
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


async def test_a_tampered_choice_is_a_stale_card(chat, in_person):
    await _booked_and_started(chat, in_person, PEOPLE[:1])
    pat = chat.coordinator()
    [register] = cards_in(await pat.says(f"register {in_person}"))
    body = await pat.presses(
        button(register, "Save register"), inputs={_key(chat, "Ann Able"): "maybe"}
    )
    assert "That card is out of date or has been changed, so I did nothing." in body["value"]
    assert _completed(chat, in_person) == set()


async def test_three_presses_at_once_record_once(chat, in_person):
    await _booked_and_started(chat, in_person)
    pat = chat.coordinator()
    [register] = cards_in(await pat.says(f"register {in_person}"))
    save = button(register, "Save register")
    inputs = {"everyone": "true", "walk_in": "Sam Visitor"}
    answers = await asyncio.gather(*(pat.presses(save, inputs=inputs) for _ in range(3)))
    notes = sorted(
        line
        for body in answers
        for line in card_text(card_from_invoke(body)).splitlines()
        if line.startswith("✅")
    )
    assert notes == ["✅ Nothing new to record."] * 2 + ["✅ Saved: 5 changes recorded."]
    assert _audited(chat, "register.mark") == 4 and _audited(chat, "register.walk_in") == 1
    assert len(_completed(chat, in_person)) == 4


async def test_a_cancelled_or_unknown_session_has_no_register(chat, in_person):
    await _booked_and_started(chat, in_person, PEOPLE[:1])
    with chat.database.unit_of_work() as db:
        session = db.get(Session, in_person)
        session.status = "cancelled"
        db.add(session)
    pat = chat.coordinator()
    assert texts_in(await pat.says(f"register {in_person}")) == [
        f"Session {in_person} was cancelled, so it has no register."
    ]
    assert texts_in(await pat.says("register 999")) == [
        "I can't find session 999. Type 'sessions' to see what's on."
    ]


async def test_someone_added_by_an_unknown_address_is_assigned_as_unmatched_attendees_are(
    chat, in_person
):
    await _booked_and_started(chat, in_person, PEOPLE[:1])
    pat = chat.coordinator()
    [register] = cards_in(await pat.says(f"register {in_person}"))
    await pat.presses(
        button(register, "Save register"), inputs={"walk_in": "Jo.Bloggs@Probation.gov.uk"}
    )
    assert _completed(chat, in_person) == set()  # nobody has that address yet
    jo = chat.user("Jo Bloggs")
    chat.connector.members[jo.user_id]["email"] = "jo.bloggs@probation.gov.uk"
    await jo.says("hello")
    [listing] = cards_in(await pat.says("unmatched"))
    assert "Jo.Bloggs@Probation.gov.uk (jo.bloggs@probation.gov.uk)" in card_text(listing)
    assign = button(listing, "Assign to staff")
    await pat.presses(
        assign, inputs={f"who_{assign['data']['attendance_id']}": "jo.bloggs@probation.gov.uk"}
    )
    assert _completed(chat, in_person) == {"Jo Bloggs"}
    [mine] = cards_in(await jo.says("my training"))
    assert "✅ WRAP (Workshop to Raise Awareness of Prevent)" in card_text(mine)
