"""Build real rows for tests: courses, sessions, people."""

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session as DbSession

from training.models import Course, Delivery, Session, Staff


def add_course(db: DbSession, code: str = "WRAP", title: str = "WRAP") -> Course:
    course = Course(
        code=code,
        title=title,
        delivery=Delivery.LIVE,
        default_duration_minutes=120,
        refresher_months=24,
    )
    db.add(course)
    db.flush()
    return course


def add_session(
    db: DbSession,
    course: Course,
    starts_at: datetime,
    *,
    capacity: int = 10,
    online: bool = True,
    cutoff_hours: int = 24,
) -> Session:
    session = Session(
        course_id=course.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        online=online,
        join_url="https://teams.microsoft.com/l/meetup-join/abc" if online else None,
        location=None if online else "Hendon Town Hall",
        capacity=capacity,
        cancellation_cutoff_hours=cutoff_hours,
        created_at=starts_at - timedelta(days=30),
    )
    db.add(session)
    db.flush()
    return session


def add_staff(
    db: DbSession,
    name: str,
    now: datetime,
    team: str = "Family Services",
    aad_object_id: str | None = None,
) -> Staff:
    email = name.lower().replace(" ", ".") + "@example.gov.uk"
    staff = Staff(
        display_name=name,
        email=email,
        team=team,
        aad_object_id=aad_object_id,
        created_at=now,
        updated_at=now,
    )
    db.add(staff)
    db.flush()
    return staff


def leases_age(db: DbSession, seconds: float) -> None:
    """Time passes for the outbox's leases: on PostgreSQL they are judged by the database's own
    clock, which a test cannot move, so the leases are moved back instead (on SQLite the test
    moves the `now` it passes)."""
    if db.get_bind().dialect.name != "postgresql":
        return
    db.execute(
        text(
            "UPDATE outbox SET lease_until = lease_until - make_interval(secs => :seconds)"
            " WHERE lease_until IS NOT NULL"
        ),
        {"seconds": seconds},
    )
