"""Seven years on: the retention rule (six years) leaves nothing of the people who have gone,
and takes nothing from anyone still about, on SQLite and PostgreSQL.

The world is made through the services, as the bot makes it. In January 2027 a WRAP session is
run (Fay Facilitator named on it, Cora the coordinator organising), Lee Leaver, Siobhán Ní
Leaver and Ann Active book, are invited, come (with Uma Visitor, whom nobody can name), are
asked for feedback and give it; Lee's e-learning is confirmed by Manny Manager; a coordinator
files Pat Partner in a team; Bob Lead is named as a board's lead; a session is called off
because Fay is ill. Messages go to people, about people.

Then nobody but Ann writes to the bot for seven years. Late in 2033 Cal Claimant names Mia
Manager (known from the directory in 2027, never seen since) for his e-learning; Rae Recent
comes to a session, and her comment mentions Lee; Ann asks the bot about her training (she has
no record left in the period); a coordinator files Lee in a team;
a message to Cora names Siobhán. In January 2034 retention runs.

Gone: Lee, Siobhán, Manny and Pat (not seen, nothing left of their own), and the names of Fay
and Uma with the old session. Kept: Ann (still writes), Bob (leads a board), Mia (manager on an
open claim), Cora and Col (coordinators, Col by his Entra id alone), Cal and Rae (records in
the period). The check is independent of the rule: every text column of every table is read
back and searched for every gone person's name, address and Entra id; and the figures of the
financial year in the period are the same after as before.
"""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import String, inspect, text
from sqlmodel import Session as DbSession
from sqlmodel import select

from delivery.outbox import OutgoingMessage, enqueue
from tests.factories import add_course
from tests.graph.local_graph import record
from tests.training.attendance_world import read_reports
from training.data_protection.retention import ANONYMOUS, apply_retention
from training.dates import periods
from training.dates.clock import FixedClock
from training.figures.feedback import FeedbackAnswers, record_feedback_requested, submit_feedback
from training.figures.plain_words import TotalsQuery
from training.figures.totals import compute_totals, scope_of
from training.governance.boards import BoardDetails, save_board
from training.models import (
    CalendarInvite,
    Delivery,
    DeliveryBlock,
    Session,
    SessionAttendance,
    Staff,
    StoredCertificate,
)
from training.people import teams
from training.people.staff import TeamsIdentity, personal_references, record_contact, staff_by_email
from training.records import elearning
from training.records.elearning import Certificate
from training.sessions.booking import book_seat
from training.sessions.schedule import NewSession, cancel_session, create_session

UK = ZoneInfo("Europe/London")
THEN = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
SEVEN_YEARS_ON = THEN + timedelta(days=round(7 * 365.25))
PDF = b"%PDF-1.4\n% a certificate\n"
COORDINATORS = ["cora.ordinator@barnet.gov.uk", "00000000-0000-0000-0000-000000000009".upper()]


@dataclass(frozen=True)
class Someone:
    name: str
    email: str
    aad: str | None


def someone(name: str, email: str, number: int | None) -> Someone:
    aad = None if number is None else f"00000000-0000-0000-0000-{number:012d}"
    return Someone(name, email, aad)


CORA = someone("Cora Ordinator", "cora.ordinator@barnet.gov.uk", 1)
LEE = someone("Lee Leaver", "lee.leaver@barnet.gov.uk", 2)
SIOBHAN = someone("Siobhán Ní Leaver", "siobhan.nileaver@barnet.gov.uk", 3)
ANN = someone("Ann Active", "ann.active@barnet.gov.uk", 4)
MANNY = someone("Manny Manager", "manny.manager@barnet.gov.uk", 5)
MIA = someone("Mia Manager", "mia.manager@barnet.gov.uk", 6)
CAL = someone("Cal Claimant", "cal.claimant@barnet.gov.uk", 7)
RAE = someone("Rae Recent", "rae.recent@barnet.gov.uk", 8)
COL = someone("Col Ordinator", "col.ordinator@barnet.gov.uk", 9)
BOB = someone("Bob Lead", "bob.lead@barnet.gov.uk", None)
PAT = someone("Pat Partner", "pat.partner@probation.example.org", None)
FAY = someone("Fay Facilitator", "fay.facilitator@barnet.gov.uk", None)
UMA = someone("Uma Visitor", "uma.visitor@elsewhere.example.org", None)

# Fay was named a facilitator by email, so has a staff record, as Pat and Bob do (issue 19).
GONE_PEOPLE = [LEE, SIOBHAN, MANNY, PAT, FAY]
GONE_NAMES = [*GONE_PEOPLE, UMA]
KEPT = [CORA, COL, ANN, MIA, CAL, RAE, BOB]


def chat(db: DbSession, who: Someone, now: datetime) -> int:
    staff = record_contact(
        db,
        TeamsIdentity(who.aad, who.name, who.email),
        now,
        conversation_id=f"a:{who.email}",
        conversation_type="personal",
        tenant_id="tenant",
        service_url="https://smba.example/",
        reference_json=json.dumps({"user": {"name": who.name, "aadObjectId": who.aad}}),
    )
    assert staff is not None and staff.id is not None
    return staff.id


def came(who: Someone, session: Session, role: str = "Attendee") -> dict:
    return record(
        who.name,
        aad=who.aad,
        email=who.email,
        intervals=[(session.starts_at, session.ends_at)],
        role=role,
    )


def a_session(db: DbSession, when: datetime, by: int, facilitators: str = "") -> Session:
    summary = create_session(
        db,
        NewSession(
            course_code="WRAP",
            starts_at=when,
            duration_minutes=120,
            capacity=20,
            online=True,
            join_url="https://teams.microsoft.com/l/meetup-join/wrap",
            facilitators=facilitators,
        ),
        when - timedelta(days=30),
        created_by_staff_id=by,
    )
    session = db.get(Session, summary.id)
    assert session is not None
    return session


def message(db: DbSession, key: str, to: int, about: Someone, now: datetime) -> None:
    card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": about.name}]}
    enqueue(db, [OutgoingMessage(key, "notice", to, f"About {about.name}", card)], now)


def build_2027(db: DbSession, clock: FixedClock) -> dict[str, int]:
    now = clock.now()
    add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
    add_course(db, "HO-ELEARN", "Home Office online Prevent training").delivery = Delivery.ELEARNING
    ids = {p.name: chat(db, p, now) for p in (CORA, COL, LEE, SIOBHAN, ANN)}
    for manager in (MANNY, MIA):
        ids[manager.name] = elearning.upsert_directory_person(
            db, manager.aad or "", manager.name, manager.email, "Family Services", now
        )
    # Facilitators are named by email (issue 19): Fay gets a staff record from it.
    session = a_session(db, THEN + timedelta(days=14), ids[CORA.name], FAY.email)
    called_off = a_session(db, THEN + timedelta(days=21), ids[CORA.name], FAY.email)
    cancel_session(db, called_off.id or 0, f"{FAY.name} is ill", now)
    for person in (LEE, SIOBHAN, ANN):
        book_seat(db, ids[person.name], session.id or 0, now)
        db.add(
            CalendarInvite(
                session_id=session.id, staff_id=ids[person.name], email=person.email, synced_at=now
            )
        )
    read_reports(
        db,
        session,
        [[came(p, session) for p in (LEE, SIOBHAN, ANN, UMA)] + [came(CORA, session, "Organizer")]],
        organiser=CORA.aad or "",
    )
    after = session.ends_at + timedelta(hours=2)
    record_feedback_requested(
        db, [(session.id or 0, ids[p.name]) for p in (LEE, SIOBHAN, ANN)], after
    )
    for person in (LEE, SIOBHAN):
        answers = FeedbackAnswers(5, 5, 2, 4, f"Met {FAY.name}", f"{person.name} wants more")
        submit_feedback(db, ids[person.name], session.id or 0, answers, after, edit_days=5)
    message(db, "feedback:lee", ids[LEE.name], LEE, after)
    message(db, "feedback:cora", ids[CORA.name], SIOBHAN, after)
    db.add(DeliveryBlock(staff_id=ids[SIOBHAN.name], status_code=403, blocked_at=after))
    claim = elearning.attach_certificate(
        db,
        ids[LEE.name],
        Certificate(f"{LEE.name} certificate.pdf", PDF),
        after,
        course_code="HO-ELEARN",
        max_bytes=100_000,
        manager_staff_id=ids[MANNY.name],
    )
    message(db, "confirm:manny", ids[MANNY.name], LEE, after)
    elearning.decide(db, claim.claim_id, ids[MANNY.name], True, after, note=f"Well done {LEE.name}")
    teams.set_team(db, PAT.email, "Probation", after, actor_staff_id=ids[CORA.name])
    save_board(
        db,
        BoardDetails("Safer Communities Partnership Board", lead_emails=(BOB.email,)),
        after,
        actor_staff_id=ids[CORA.name],
    )
    for named in (PAT, BOB, FAY):
        found = staff_by_email(db, named.email)
        assert found is not None and found.id is not None
        ids[named.name] = found.id
    return ids


def build_2033(db: DbSession, clock: FixedClock, ids: dict[str, int]):
    now = clock.now()
    ids[CAL.name] = chat(db, CAL, now)
    ids[RAE.name] = chat(db, RAE, now)
    ids[ANN.name] = chat(db, ANN, now)
    elearning.start_claim(db, ids[CAL.name], now, course_code="HO-ELEARN")
    claim = elearning.attach_certificate(
        db,
        ids[CAL.name],
        Certificate("certificate.pdf", PDF + b"cal"),
        now,
        course_code="HO-ELEARN",
        max_bytes=100_000,
        manager_staff_id=None,
    )
    elearning.name_manager(db, claim.claim_id, ids[CAL.name], MIA.email, now)
    session = a_session(db, now + timedelta(days=60), ids[CORA.name])
    book_seat(db, ids[RAE.name], session.id or 0, now)
    read_reports(db, session, [[came(RAE, session)]], organiser=CORA.aad or "")
    [rae] = db.exec(select(SessionAttendance).where(SessionAttendance.staff_id == ids[RAE.name]))
    rae.reason = f"Came in place of {LEE.name}"  # a coordinator's word on the register
    db.add(rae)
    after = session.ends_at + timedelta(hours=2)
    record_feedback_requested(db, [(session.id or 0, ids[RAE.name])], after)
    answers = FeedbackAnswers(4, 5, 3, 5, f"{LEE.name} told me to come", "")
    submit_feedback(db, ids[RAE.name], session.id or 0, answers, after, edit_days=5)
    teams.set_team(db, LEE.email, "Adults MASH", after, actor_staff_id=ids[CORA.name])
    message(db, "failed:cora", ids[CORA.name], SIOBHAN, after)
    clock.move_to(SEVEN_YEARS_ON - timedelta(days=3))
    chat(db, ANN, clock.now())


def recent_figures(db: DbSession, now: datetime) -> tuple:
    scope = scope_of(TotalsQuery(period=periods.financial_year_of(date(2033, 12, 1))), UK)
    found = compute_totals(db, scope, now, UK)
    feedback = found.feedback
    return (
        found.figures,
        found.by_team,
        found.by_course,
        found.by_month,
        (feedback.invited, feedback.responses, feedback.average_overall, feedback.average_after),
    )


def every_text(db: DbSession) -> list[tuple[str, str, str]]:
    """(table, column, value) for every non-empty text in the database, found by reading the
    schema itself, so a table added later is searched too."""
    found = []
    connection = db.connection()
    inspector = inspect(connection)
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            if not isinstance(column["type"], String):
                continue
            name = column["name"]
            rows = connection.execute(text(f'SELECT "{name}" FROM "{table}"')).scalars()
            found += [(table, name, value) for value in rows if value]
    return found


def marks(who: Someone) -> list[str]:
    return [
        m.lower()
        for m in (who.name, json.dumps(who.name)[1:-1], who.email, who.aad, who.email.split("@")[0])
        if m
    ]


def test_seven_years_on_nothing_is_left_of_who_has_gone(database, tmp_path):
    clock = FixedClock(THEN)
    with database.unit_of_work() as db:
        ids = build_2027(db, clock)
    clock.move_to(SEVEN_YEARS_ON - timedelta(days=200))
    with database.unit_of_work() as db:
        build_2033(db, clock, ids)
    clock.move_to(SEVEN_YEARS_ON)
    with database.unit_of_work() as db:
        before = recent_figures(db, clock.now())
        kept_before = {p.name: who_they_are(db, ids[p.name]) for p in KEPT}

    with database.unit_of_work() as db:
        result = apply_retention(db, clock.now(), 6, coordinators=COORDINATORS)

    with database.unit_of_work() as db:
        left = [
            (table, column, value)
            for table, column, value in every_text(db)
            for gone in GONE_NAMES
            if any(mark in value.lower() for mark in marks(gone))
        ]
        assert left == []
        # The 2027 certificate goes with its claim; the 2033 one is still needed.
        assert db.exec(select(StoredCertificate.content)).all() == [PDF + b"cal"]
        assert {p.name: who_they_are(db, ids[p.name]) for p in KEPT} == kept_before
        anonymous = db.exec(select(Staff.id).where(Staff.display_name == ANONYMOUS)).all()
        assert sorted(anonymous) == sorted(ids[p.name] for p in GONE_PEOPLE)
        assert recent_figures(db, clock.now()) == before
        # Ann's chat has not changed since 2027, and she can still be reached in it.
        assert personal_references(db, [ids[ANN.name]]) != {}
    assert result.anonymised_people == len(GONE_PEOPLE)

    with database.unit_of_work() as db:
        again = apply_retention(db, clock.now(), 6, coordinators=COORDINATORS)
    assert again.anonymised_people == 0 and sum(again.deleted.values()) == 0


def who_they_are(db: DbSession, staff_id: int) -> tuple:
    staff = db.get(Staff, staff_id)
    assert staff is not None
    return (staff.display_name, staff.email, staff.aad_object_id, staff.team)
