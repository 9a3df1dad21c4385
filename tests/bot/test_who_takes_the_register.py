"""Who may change a result, through the bot's endpoint with the local Bot Connector and the
local Graph (issue 19): only coordinators and the facilitators named on a session by Entra id or
email take its register. Joining the Teams meeting (where everyone is a presenter) or sharing a
facilitator's name grants nothing; a facilitator never marks themselves, and the register
closes to them REGISTER_OPEN_DAYS after the session."""

from datetime import timedelta

from sqlmodel import func, select

from tests.bot.harness import button, card_from_invoke, card_text, cards_in, texts_in
from tests.factories import add_course, add_session
from tests.graph.local_authority import TENANT
from tests.graph.local_graph import ORGANISER, Report, record
from training.models import AuditEntry, Completion, Session, SessionAttendance, Staff

WRAP = "WRAP (Workshop to Raise Awareness of Prevent)"
REFUSAL = "Only the Prevent coordinators or the session's facilitators can take its register."
OUTSIDER_TENANT = "99999999-8888-7777-6666-555555555555"


def _online_session(chat, names_to_fix: str) -> int:
    """A two-hour online WRAP session that ended an hour ago, with facilitators typed by name
    before they were named by email (issue 19), that matched no one staff record."""
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
        session = add_session(db, course, chat.clock.now() - timedelta(hours=3), capacity=5)
        session.facilitators = names_to_fix
        db.add(session)
        return session.id


def _meeting(graph_chat, graph_server, session_id: int, records: list[dict]) -> None:
    with graph_chat.database.unit_of_work() as db:
        session = db.get(Session, session_id)
        start, end, join_url = session.starts_at, session.ends_at, session.join_url
    graph_server.add_meeting(join_url, [Report("report-1", start, end, records)])


def _whole(graph_chat, session_id: int) -> list:
    with graph_chat.database.unit_of_work() as db:
        session = db.get(Session, session_id)
        return [(session.starts_at, session.ends_at)]


async def _synced(graph_chat, session_id: int):
    pat = graph_chat.coordinator()
    await pat.says(f"sync attendance {session_id}")
    await graph_chat.background_done()
    await graph_chat.notices_sent()
    return pat


def _completed(chat, session_id: int) -> set[str]:
    with chat.database.unit_of_work() as db:
        return set(
            db.exec(
                select(Staff.display_name)
                .join(Completion, Completion.staff_id == Staff.id)
                .where(Completion.session_id == session_id)
            ).all()
        )


def _roles(chat, session_id: int) -> dict[str, str]:
    with chat.database.unit_of_work() as db:
        rows = db.exec(
            select(SessionAttendance).where(SessionAttendance.session_id == session_id)
        ).all()
        return {r.display_name: r.role for r in rows}


async def test_the_presenter_with_no_seat_is_refused_and_completes_as_a_walk_in(
    graph_chat, graph_server
):
    session_id = _online_session(graph_chat, "Sarah Whitfield")
    ann = graph_chat.user("Ann Able")
    await ann.says(f"book {session_id}")
    # Wally joined from the link in a group chat: Teams made him a presenter, as it does
    # everyone when anyone may present. Bob joined for 20 minutes, also as a presenter.
    wally, bob = graph_chat.user("Wally Walker"), graph_chat.user("Bob Baker")
    await wally.says("hello")
    await bob.says("hello")
    # Someone who shares the name of the facilitator typed on the session.
    namesake = graph_chat.user("Sarah Whitfield")
    await namesake.says("hello")
    whole = _whole(graph_chat, session_id)
    start = whole[0][0]
    _meeting(
        graph_chat,
        graph_server,
        session_id,
        [
            record("WRAP organiser", aad=ORGANISER, email="", intervals=whole, role="Organizer"),
            record(
                "Ann Able",
                aad=ann.aad_object_id,
                email=ann.email,
                intervals=whole,
                tenant=TENANT,
            ),
            record(
                "Wally Walker",
                aad=wally.aad_object_id,
                email=wally.email,
                intervals=whole,
                role="Presenter",
                tenant=TENANT,
            ),
            record(
                "Bob Baker",
                aad=bob.aad_object_id,
                email=bob.email,
                intervals=[(start, start + timedelta(minutes=20))],
                role="Presenter",
                tenant=TENANT,
            ),
            record(
                "Sarah Whitfield",
                aad=namesake.aad_object_id,
                email=namesake.email,
                intervals=whole,
                role="Presenter",
                tenant=TENANT,
            ),
        ],
    )
    await _synced(graph_chat, session_id)

    assert texts_in(await wally.says(f"register {session_id}")) == [REFUSAL]
    assert texts_in(await namesake.says(f"register {session_id}")) == [REFUSAL]
    assert _completed(graph_chat, session_id) == {"Ann Able", "Wally Walker", "Sarah Whitfield"}
    roles = _roles(graph_chat, session_id)
    assert roles["WRAP organiser"] == "facilitator"  # the bot's mailbox ran it
    assert {roles[n] for n in ("Wally Walker", "Bob Baker", "Sarah Whitfield")} == {"attendee"}
    [sheet] = cards_in(await graph_chat.coordinator().says(f"session {session_id} attendance"))
    assert "Wally Walker: 120 min, ✅ completed (walk-in)" in card_text(sheet)


async def test_an_outsider_tenants_record_with_a_council_email_stays_unmatched(
    graph_chat, graph_server
):
    session_id = _online_session(graph_chat, "")
    gus = graph_chat.user("Gus Gray")
    await gus.says("hello")
    whole = _whole(graph_chat, session_id)
    _meeting(
        graph_chat,
        graph_server,
        session_id,
        [
            # Another tenant's administrator may give an account any address at all.
            record(
                "Gus Gray",
                aad="77777777-0000-0000-0000-000000000007",
                email="GUS.GRAY@example.gov.uk",
                intervals=whole,
                tenant=OUTSIDER_TENANT,
            ),
        ],
    )
    pat = await _synced(graph_chat, session_id)

    assert _completed(graph_chat, session_id) == set()
    [listing] = cards_in(await pat.says("unmatched"))
    assert "Gus Gray" in card_text(listing)
    with graph_chat.database.unit_of_work() as db:
        [row] = db.exec(
            select(SessionAttendance).where(SessionAttendance.session_id == session_id)
        ).all()
        assert row.staff_id is None


async def _in_person_started(chat, facilitator_email: str) -> tuple[int, list]:
    with chat.database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
        session = add_session(db, course, chat.clock.now() + timedelta(days=2), online=False)
        session_id = session.id
    await chat.coordinator().says(f"facilitators {session_id} add {facilitator_email}")
    people = [chat.user(name) for name in ("Ann Able", "Sarah Whitfield")]
    for person in people:
        await person.says(f"book {session_id}")
    with chat.database.unit_of_work() as db:
        chat.clock.move_to(db.get(Session, session_id).starts_at + timedelta(hours=3))
    return session_id, people


def _key(chat, name: str) -> str:
    with chat.database.unit_of_work() as db:
        return f"m_s{db.exec(select(Staff.id).where(Staff.display_name == name)).one()}"


def _audited(chat, action: str) -> int:
    with chat.database.unit_of_work() as db:
        return db.exec(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        ).one()


async def test_a_facilitator_cannot_mark_or_add_themselves(chat):
    session_id, (_, sarah) = await _in_person_started(chat, "sarah.whitfield@example.gov.uk")
    [register] = cards_in(await sarah.says(f"register {session_id}"))
    body = await sarah.presses(
        button(register, "Save register"),
        inputs={_key(chat, "Ann Able"): "present", _key(chat, "Sarah Whitfield"): "present"},
    )
    shown = card_text(card_from_invoke(body))
    assert "You cannot mark or add yourself: ask a coordinator or another facilitator." in shown
    assert "Saved: 1 change recorded." in shown
    [again] = cards_in(await sarah.says(f"register {session_id}"))
    body = await sarah.presses(
        button(again, "Save register"), inputs={"walk_in": "sarah.whitfield@example.gov.uk"}
    )
    assert "You cannot mark or add yourself" in card_text(card_from_invoke(body))
    assert _completed(chat, session_id) == {"Ann Able"}


async def test_the_register_closes_to_facilitators_and_a_coordinator_corrects_it_with_a_reason(
    chat,
):
    session_id, (_, sarah) = await _in_person_started(chat, "sarah.whitfield@example.gov.uk")
    with chat.database.unit_of_work() as db:
        ends_at = db.get(Session, session_id).ends_at
    chat.clock.move_to(ends_at + timedelta(days=14, minutes=1))
    said = texts_in(await sarah.says(f"register {session_id}"))
    assert len(said) == 1 and "register closed to facilitators on" in said[0]
    assert "ask a Prevent coordinator to correct it" in said[0]

    pat = chat.coordinator()
    [register] = cards_in(await pat.says(f"register {session_id}"))
    ann_key = _key(chat, "Ann Able")
    refused = card_text(
        card_from_invoke(
            await pat.presses(button(register, "Save register"), inputs={ann_key: "present"})
        )
    )
    assert "say why you are correcting it" in refused and "Nothing was saved." in refused
    assert _completed(chat, session_id) == set()
    body = await pat.presses(
        button(register, "Save register"),
        inputs={ann_key: "present", "reason": "signed the paper register"},
    )
    assert "Saved: 1 change recorded." in card_text(card_from_invoke(body))
    assert _completed(chat, session_id) == {"Ann Able"}
    assert _audited(chat, "register.correct") == 1 and _audited(chat, "register.mark") == 0


async def test_the_coordinator_names_facilitators_by_email_and_fixes_names_typed_before(chat):
    session_id = _online_session(chat, "Dee Trainer")
    pat, dee = chat.coordinator(), chat.user("Dee Trainer")
    await dee.says("hello")
    [shown] = texts_in(await pat.says(f"facilitators {session_id}"))
    assert f"No facilitators are named on {WRAP} (#{session_id})." in shown
    assert "Named by name only, so they cannot take the register: Dee Trainer." in shown
    assert texts_in(await dee.says(f"register {session_id}")) == [REFUSAL]
    # Only coordinators name facilitators, and only by email.
    assert texts_in(await dee.says(f"facilitators {session_id} add {dee.email}")) == [
        "Only the Prevent coordinators can do that."
    ]
    [refused] = texts_in(await pat.says(f"facilitators {session_id} add Dee Trainer"))
    assert "'Dee Trainer' is not an email address: facilitators are named by email" in refused

    [added] = texts_in(await pat.says(f"facilitators {session_id} add {dee.email.upper()}"))
    assert f"Added Dee Trainer ({dee.email})." in added
    [fixed] = texts_in(await pat.says(f"facilitators {session_id} remove dee trainer"))
    assert "Removed the name 'dee trainer'." in fixed and "Named by name only" not in fixed
    assert f"Facilitators of {WRAP} (#{session_id}): Dee Trainer ({dee.email})." in fixed
    [register] = cards_in(await dee.says(f"register {session_id}"))
    assert "Register: WRAP" in card_text(register)

    [removed] = texts_in(await pat.says(f"facilitators {session_id} remove {dee.email}"))
    assert f"Removed Dee Trainer ({dee.email})." in removed
    assert texts_in(await dee.says(f"register {session_id}")) == [REFUSAL]
    assert _audited(chat, "session.facilitator.add") == 1
    assert _audited(chat, "session.facilitator.remove") == 2


async def test_the_new_session_and_edit_forms_name_facilitators_by_email(chat):
    with chat.database.unit_of_work() as db:
        add_course(db, "WRAP", "WRAP")
    pat = chat.coordinator()
    typed = {
        "course": "WRAP",
        "date": "2027-02-15",
        "time": "10:00",
        "duration": "120",
        "capacity": "10",
        "mode": "online",
        "join_url": "https://teams.microsoft.com/l/meetup-join/wrap",
    }
    [form] = cards_in(await pat.says("new session"))
    refused = card_from_invoke(
        await pat.presses(
            button(form, "Create session"),
            {**typed, "facilitators": "sarah.whitfield@example.gov.uk, Dee Trainer"},
        )
    )
    assert "'Dee Trainer' is not an email address" in card_text(refused)
    await pat.presses(
        button(form, "Create session"),
        {**typed, "facilitators": "Sarah.Whitfield@example.gov.uk"},
    )
    with chat.database.unit_of_work() as db:
        session_id = db.exec(select(Session.id)).one()
    [shown] = texts_in(await pat.says(f"facilitators {session_id}"))
    assert "sarah.whitfield@example.gov.uk" in shown

    [edit] = cards_in(await pat.says(f"edit session {session_id}"))
    inputs = {i["id"]: i["value"] for i in edit["body"] if i["type"].startswith("Input.")}
    assert inputs["facilitators"] == "sarah.whitfield@example.gov.uk"
    await pat.presses(
        button(edit, "Save and tell people"),
        {**inputs, "facilitators": "dee.trainer@example.gov.uk"},
    )
    [after] = texts_in(await pat.says(f"facilitators {session_id}"))
    assert "dee.trainer@example.gov.uk" in after and "sarah.whitfield" not in after
    assert _audited(chat, "session.facilitators") == 2
