"""What a coordinator sees of a session's attendance: the sheet (who came, for how long, who
completed, who did not come, who ran it) and what one sync found. Read from the session's
attendance rows and the bookings derived from them, as the roster and the totals are."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
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
    # The register's decision (present, left_early, absent), who made it, when and why; None:
    # the result is the Teams report's.
    decision: str | None = None
    decided_by: str = ""
    decided_at: datetime | None = None
    reason: str = ""

    @property
    def guest(self) -> bool:
        return self.role == AttendanceRole.GUEST

    @property
    def source(self) -> str:
        return "register" if self.decision is not None else "Teams report"


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
    online: bool = True  # in person: the register is the only source


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
    rows = [r for r in found if r.role not in (AttendanceRole.FACILITATOR, AttendanceRole.ABSENT)]
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
        facilitators=sum(1 for r in found if r.role == AttendanceRole.FACILITATOR),
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
    marked_absent = {r.staff_id for r in lines if r.role == AttendanceRole.ABSENT}
    absent = db.exec(
        select(Staff.id, Staff.display_name)
        .join(Booking)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.NO_SHOW)
        .order_by(col(Staff.display_name))
    ).all()
    deciders = {
        s.id: s.display_name
        for s in db.exec(
            select(Staff).where(
                col(Staff.id).in_({r.decided_by_staff_id for r in lines if r.decided_by_staff_id})
            )
        ).all()
    }
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
        attendees=[
            attendee_line(r, deciders.get(r.decided_by_staff_id or -1, ""))
            for r in lines
            if r.role != AttendanceRole.FACILITATOR
        ],
        # Those the register marked absent are listed with the attendees, with who said so.
        no_shows=[name for staff_id, name in absent if staff_id not in marked_absent],
        facilitators=[r.display_name for r in running],
        online=session.online,
    )


def attendee_line(row: SessionAttendance, decided_by: str = "") -> AttendeeLine:
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
        decision=row.decision,
        decided_by=decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
    )
