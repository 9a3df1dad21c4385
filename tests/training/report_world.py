"""A small hand-counted training year (2020-21 and the start of 2021-22) for totals tests.

Every figure the tests expect is worked out by hand in the test that checks it. UK time:
S6 starts 00:30 BST on 1 April 2021 (23:30 UTC on 31 March): financial year 2021-22.
S7 starts 23:30 BST on 31 March 2021 (22:30 UTC): financial year 2020-21.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session as DbSession
from sqlmodel import select

from tests.factories import add_course, add_session, add_staff
from training.models import (
    Booking,
    Completion,
    CompletionSource,
    Course,
    Delivery,
    Session,
    SessionAttendance,
    SessionStatus,
    Staff,
)

UK = ZoneInfo("Europe/London")
NOW = datetime(2021, 6, 1, 9, 0, tzinfo=UTC)


def uk(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UK)  # type: ignore[misc]


def add_booking(db: DbSession, session: Session, staff: Staff, status: str) -> Booking:
    """A seat; 'attended' also records them in the session's attendance (what attended means
    in every figure)."""
    if status == "attended":
        db.add(
            SessionAttendance(
                session_id=session.id,
                person_key=f"aad:{staff.id}",
                identity_keys=f"aad:{staff.id}",
                staff_id=staff.id,
                display_name=staff.display_name,
                attended_seconds=7200,
                required_seconds=5400,
                updated_at=session.ends_at,
            )
        )
    booking = Booking(
        session_id=session.id,
        staff_id=staff.id,
        status=status,
        requested_at=session.starts_at - timedelta(days=10),
        updated_at=session.starts_at - timedelta(days=10),
    )
    db.add(booking)
    db.flush()
    return booking


def add_completion(
    db: DbSession,
    staff: Staff,
    course: Course,
    *,
    session: Session | None = None,
    at: datetime | None = None,
) -> None:
    completed = at or (session.ends_at if session else NOW)
    if session is not None:
        row = db.exec(
            select(SessionAttendance).where(
                SessionAttendance.session_id == session.id,
                SessionAttendance.staff_id == staff.id,
            )
        ).one()
        row.completed = True
        db.add(row)
    db.add(
        Completion(
            staff_id=staff.id,
            course_id=course.id,
            session_id=session.id if session else None,
            source=CompletionSource.ATTENDANCE if session else CompletionSource.ELEARNING,
            completed_at=completed,
            recorded_at=completed,
        )
    )
    db.flush()


@dataclass
class World:
    sessions: dict[str, int]
    staff: dict[str, int]


def build_world(db: DbSession) -> World:
    wrap = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
    erw = add_course(db, "ERW", "Extreme right-wing radicalisation awareness briefing")
    online = add_course(db, "HO-ELEARN", "Home Office online Prevent training")
    online.delivery = Delivery.ELEARNING
    db.add(online)

    people = {
        "Ann": add_staff(db, "Ann Able", NOW, "Family Services"),
        "Bob": add_staff(db, "Bob Baker", NOW, "Family Services"),
        "Cat": add_staff(db, "Cat Cole", NOW, "Adults MASH"),
        "Fay": add_staff(db, "Fay Ford", NOW, "Adults MASH"),
        "Dev": add_staff(db, "Dev Dean", NOW, "Barnet Homes"),
        "Gus": add_staff(db, "Gus Grey", NOW, "Barnet Homes"),
        "Eve": add_staff(db, "Eve Evans", NOW, "Family Services"),
        "Hal": add_staff(db, "Hal Hart", NOW, "Barnet Homes"),
    }
    people["Eve"].team = None  # a guest with no team recorded
    db.add(people["Eve"])

    s = {
        "S1": add_session(db, wrap, uk(2020, 7, 15, 10, 0)),
        "S2": add_session(db, wrap, uk(2020, 9, 10, 10, 0)),
        "S3": add_session(db, erw, uk(2021, 1, 20, 14, 0)),
        "S4": add_session(db, wrap, uk(2021, 2, 1, 10, 0)),
        "S6": add_session(db, wrap, uk(2021, 4, 1, 0, 30)),
        "S7": add_session(db, wrap, uk(2021, 3, 31, 23, 30)),
        "S8": add_session(db, wrap, uk(2021, 6, 10, 10, 0)),
    }
    s["S4"].status = SessionStatus.CANCELLED
    db.add(s["S4"])

    p = people
    for session, person, status in [
        ("S1", "Ann", "attended"),
        ("S1", "Bob", "attended"),
        ("S1", "Cat", "no_show"),
        ("S1", "Dev", "cancelled"),
        ("S2", "Ann", "attended"),
        ("S2", "Cat", "attended"),
        ("S2", "Eve", "waitlisted"),
        ("S3", "Ann", "attended"),
        ("S3", "Dev", "attended"),
        ("S3", "Bob", "booked"),
        ("S3", "Fay", "booked"),
        # A cancelled session: even a stray 'attended' record must not count.
        ("S4", "Bob", "attended"),
        ("S4", "Cat", "cancelled"),
        ("S6", "Dev", "attended"),
        ("S7", "Eve", "attended"),
        ("S8", "Ann", "booked"),
    ]:
        add_booking(db, s[session], p[person], status)

    for person, course, session in [
        ("Ann", wrap, "S1"),
        ("Ann", wrap, "S2"),
        ("Bob", wrap, "S1"),
        ("Cat", wrap, "S2"),
        ("Dev", erw, "S3"),
        ("Eve", wrap, "S7"),
        ("Dev", wrap, "S6"),
        ("Bob", wrap, "S4"),  # on the cancelled session: not counted
    ]:
        add_completion(db, p[person], course, session=s[session])
    add_completion(db, p["Gus"], online, at=uk(2020, 11, 5, 12, 0))
    add_completion(db, p["Ann"], online, at=uk(2020, 12, 1, 12, 0))
    add_completion(db, p["Hal"], online, at=uk(2021, 4, 1, 0, 30))  # 2021-22
    return World(
        sessions={k: v.id for k, v in s.items()},  # type: ignore[misc]
        staff={k: v.id for k, v in people.items()},  # type: ignore[misc]
    )
