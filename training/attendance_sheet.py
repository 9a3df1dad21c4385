"""What a coordinator sees of a session's attendance: the sheet (who came, for how long, who
completed, who did not come, who ran it) and what one sync found. Read from the session's
attendance rows and the bookings derived from them, as the roster and the totals are."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training import audit
from training.errors import UnknownSession
from training.models import (
    AttendanceReportCopy,
    AttendanceRole,
    AttendanceSync,
    Booking,
    BookingStatus,
    Course,
    Session,
    SessionAttendance,
    Staff,
)


@dataclass(frozen=True)
class SyncResult:
    """What one session's sync found, in the coordinator's terms."""

    session_id: int
    state: str
    reports: int
    records: int
    people: int
    completed: int  # people known to us who met the threshold (each has a completion)
    unmatched: int
    no_shows: int
    walk_ins: int
    next_attempt_at: datetime | None
    problem: str = ""
    guests: int = 0  # external guests (counted apart)
    facilitators: int = 0  # the organiser and facilitators (not counted)


@dataclass(frozen=True)
class AttendeeLine:
    attendance_id: int
    display_name: str
    email: str | None
    staff_id: int | None
    attended_seconds: int
    completed: bool
    walk_in: bool
    data_gaps: bool
    resolution: str | None
    role: str = AttendanceRole.ATTENDEE

    @property
    def guest(self) -> bool:
        return self.role == AttendanceRole.GUEST


@dataclass(frozen=True)
class AttendanceSheet:
    session_id: int
    course_title: str
    starts_at: datetime
    ends_at: datetime
    required_seconds: int
    state: str
    next_attempt_at: datetime | None
    problem: str
    attendees: list[AttendeeLine]  # everyone who came to be trained, guests and unmatched too
    no_shows: list[str]
    facilitators: list[str] = field(default_factory=list)  # the organiser and facilitators


def sync_result(db: DbSession, session: Session, sync: AttendanceSync) -> SyncResult:
    """The session's sync in figures, counted from what is stored now."""
    assert session.id is not None
    reports = db.exec(
        select(func.count(), func.coalesce(func.sum(AttendanceReportCopy.records_read), 0)).where(
            AttendanceReportCopy.session_id == session.id
        )
    ).one()
    found = db.exec(
        select(SessionAttendance).where(SessionAttendance.session_id == session.id)
    ).all()
    rows = [r for r in found if r.role != AttendanceRole.FACILITATOR]
    no_shows = db.exec(
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == session.id, Booking.status == BookingStatus.NO_SHOW)
    ).one()
    return SyncResult(
        session_id=session.id,
        state=sync.state,
        reports=int(reports[0]),
        records=int(reports[1]),
        people=len(rows),
        completed=sum(1 for r in rows if r.completed and r.staff_id is not None),
        unmatched=sum(1 for r in rows if r.staff_id is None),
        no_shows=int(no_shows),
        walk_ins=sum(1 for r in rows if r.walk_in),
        next_attempt_at=sync.next_attempt_at,
        problem=sync.last_error,
        guests=sum(1 for r in rows if r.role == AttendanceRole.GUEST),
        facilitators=len(found) - len(rows),
    )


def attendance_sheet(
    db: DbSession, session_id: int, *, viewer_staff_id: int | None, now: datetime
) -> AttendanceSheet:
    """Who attended a session, for how long, and whether they completed; audited."""
    row = db.exec(select(Session, Course).join(Course).where(Session.id == session_id)).first()
    if row is None:
        raise UnknownSession(session_id)
    session, course = row
    sync = db.exec(select(AttendanceSync).where(AttendanceSync.session_id == session_id)).first()
    lines = db.exec(
        select(SessionAttendance)
        .where(SessionAttendance.session_id == session_id)
        .order_by(col(SessionAttendance.display_name), col(SessionAttendance.id))
    ).all()
    absent = db.exec(
        select(Staff.display_name)
        .join(Booking)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.NO_SHOW)
        .order_by(col(Staff.display_name))
    ).all()
    audit.record(db, viewer_staff_id, "attendance.view", now, subject=f"session {session_id}")
    needed = lines[0].required_seconds if lines else 0
    running = [r for r in lines if r.role == AttendanceRole.FACILITATOR]
    return AttendanceSheet(
        session_id=session_id,
        course_title=course.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        required_seconds=needed,
        state=sync.state if sync else "not read yet",
        next_attempt_at=sync.next_attempt_at if sync else None,
        problem=sync.last_error if sync else "",
        attendees=[attendee_line(r) for r in lines if r.role != AttendanceRole.FACILITATOR],
        no_shows=list(absent),
        facilitators=[r.display_name for r in running],
    )


def attendee_line(row: SessionAttendance) -> AttendeeLine:
    assert row.id is not None
    return AttendeeLine(
        attendance_id=row.id,
        display_name=row.display_name,
        email=row.email,
        staff_id=row.staff_id,
        attended_seconds=row.attended_seconds,
        completed=row.completed,
        walk_in=row.walk_in,
        data_gaps=row.data_gaps,
        resolution=row.resolution,
        role=row.role,
    )
