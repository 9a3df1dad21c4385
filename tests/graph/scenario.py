"""One WRAP session as Teams saw it: messy real-world attendance in two reports, several pages."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from database.engine import Database
from tests.factories import add_course, add_session, add_staff
from tests.graph.local_authority import TENANT
from tests.graph.local_graph import LocalGraph, Meeting, Report, at, record
from training.models import Booking, BookingStatus, Session

START = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)  # a week before the tests' NOW
END = START + timedelta(hours=2)
AAD = {name: f"aaaaaaaa-0000-0000-0000-{i:012d}" for i, name in enumerate("ABCDEFGH", 1)}
BOOKED = ["Ann Able", "Bob Baker", "Cat Cole", "Dev Dean", "Eve Evans", "Fay Fox", "Hal Hunt"]


@dataclass
class WrapScenario:
    session_id: int
    meeting: Meeting
    staff: dict[str, int]


def messy_reports() -> list[Report]:
    """What Teams really sends: re-joins, a null leave time, a guest with no id or email,
    someone known only by email (in capitals), and a person in both reports. The council's
    staff come from its tenant, which vouches for their emails."""
    first = [
        record(
            "Ann Able",
            aad=AAD["A"],
            email="ann.able@example.gov.uk",
            tenant=TENANT,
            intervals=[(START, END)],
        ),
        record(
            "Bob Baker",
            aad=AAD["B"],
            email="bob.baker@example.gov.uk",
            tenant=TENANT,
            intervals=[
                (START, at(START, 40)),
                (at(START, 45), at(START, 80)),
                (at(START, 85), at(START, 130)),
            ],
        ),
        record(
            "Cat Cole",
            aad=AAD["C"],
            email="cat.cole@example.gov.uk",
            tenant=TENANT,
            intervals=[(START, None)],
        ),
        record(
            "Dev Dean",
            aad=AAD["D"],
            email="dev.dean@example.gov.uk",
            tenant=TENANT,
            intervals=[(START, at(START, 50))],
        ),
        record(
            "Eve Evans",
            aad=AAD["E"],
            email="eve.evans@example.gov.uk",
            tenant=TENANT,
            intervals=[(START, at(START, 30))],
        ),
        record(
            "Fay Fox",
            aad="ffffffff-9999-9999-9999-999999999999",
            email="FAY.FOX@example.gov.uk",
            tenant=TENANT,
            intervals=[(at(START, -10), END)],
        ),
        record(
            "Gus Gray",
            aad=AAD["G"],
            email="gus.gray@example.gov.uk",
            tenant=TENANT,
            intervals=[(START, END)],
        ),
        record(
            "Sam Guest (External)",
            aad=None,
            email="",
            intervals=[(START, END)],
            record_id="guest-record-1",
        ),
    ]
    second = [
        record(
            "Dev Dean",
            aad=AAD["D"],
            email="dev.dean@example.gov.uk",
            tenant=TENANT,
            intervals=[(at(START, 40), at(START, 100))],
        ),
        record(
            "Ann Able",
            aad=AAD["A"],
            email="ann.able@example.gov.uk",
            tenant=TENANT,
            intervals=[(at(START, 60), END)],
        ),
    ]
    return [
        Report("report-1", START, at(START, 55), first),
        Report("report-2", at(START, 38), END, second),
    ]


def seed(database: Database, graph_server: LocalGraph, now: datetime) -> WrapScenario:
    """The session, the staff (Fay has no Entra id on file), bookings and Teams' reports."""
    with database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP")
        session = add_session(db, course, START, capacity=20)
        session.created_at = START - timedelta(days=30)
        staff = {}
        for letter, name in zip("ABCDEFGH", [*BOOKED[:6], "Gus Gray", "Hal Hunt"], strict=True):
            person = add_staff(db, name, now, aad_object_id=None if letter == "F" else AAD[letter])
            staff[name] = person.id
        for name in BOOKED:
            db.add(
                Booking(
                    session_id=session.id,
                    staff_id=staff[name],
                    status=BookingStatus.BOOKED,
                    requested_at=START - timedelta(days=10),
                    seat_given_at=START - timedelta(days=10),
                    updated_at=START - timedelta(days=10),
                )
            )
        join_url = session.join_url
        session_id = session.id
    meeting = graph_server.add_meeting(join_url, messy_reports())
    return WrapScenario(session_id, meeting, staff)


def booking_statuses(database: Database, session_id: int) -> dict[int, str]:
    with database.unit_of_work() as db:
        rows = db.exec(select(Booking).where(Booking.session_id == session_id)).all()
        return {b.staff_id: b.status for b in rows}


def session_status(database: Database, session_id: int) -> str:
    with database.unit_of_work() as db:
        found = db.get(Session, session_id)
        assert found is not None
        return found.status
