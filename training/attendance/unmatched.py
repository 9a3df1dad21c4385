"""Attendees nobody could match to a staff record: the list a coordinator works through,
assigning each to a staff member or marking them an external guest, and how many are left
(a gap the totals report)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from database.columns import cut
from training.attendance.completion import CompletionPolicy
from training.attendance.results import has_reports, recompute
from training.attendance.sheet import AttendeeLine, attendee_line
from training.data_protection import audit
from training.errors import AttendanceProblem, UnknownAttendee
from training.models import (
    AttendanceRole,
    Course,
    Resolution,
    Session,
    SessionAttendance,
    SessionStatus,
    Staff,
)
from training.people.staff import normalise_email, staff_by_email
from training.sessions.queries import load_session


@dataclass(frozen=True)
class UnmatchedLine:
    attendance_id: int
    session_id: int
    course_title: str
    starts_at: datetime
    display_name: str
    email: str | None
    attended_seconds: int
    completed: bool


def unmatched(
    db: DbSession, *, viewer_staff_id: int | None, now: datetime, limit: int = 20
) -> list[UnmatchedLine]:
    """Attendees nobody could match to a staff member (not facilitators, not at cancelled
    sessions: the same people `count_unmatched` counts), newest sessions first; audited."""
    rows = db.exec(
        select(SessionAttendance, Session, Course)
        .join(Session, col(Session.id) == col(SessionAttendance.session_id))
        .join(Course, col(Course.id) == col(Session.course_id))
        .where(
            col(SessionAttendance.staff_id).is_(None),
            SessionAttendance.role != AttendanceRole.FACILITATOR,
            Session.status != SessionStatus.CANCELLED,
        )
        .order_by(col(Session.starts_at).desc(), col(SessionAttendance.id))
        .limit(limit)
    ).all()
    audit.record(db, viewer_staff_id, "attendance.unmatched.view", now)
    return [
        UnmatchedLine(
            attendance_id=a.id,
            session_id=s.id,
            course_title=c.title,
            starts_at=s.starts_at,
            display_name=a.display_name,
            email=a.email,
            attended_seconds=a.attended_seconds,
            completed=a.completed,
        )
        for a, s, c in rows
        if a.id is not None and s.id is not None
    ]


def _unresolved(db: DbSession, attendance_id: int) -> tuple[SessionAttendance, Session]:
    row = db.get(SessionAttendance, attendance_id)
    if row is None or row.staff_id is not None:
        raise UnknownAttendee()
    session = load_session(db, row.session_id, lock=True)
    row = db.get(SessionAttendance, attendance_id, populate_existing=True)
    if row is None or row.staff_id is not None or row.role == AttendanceRole.FACILITATOR:
        raise UnknownAttendee()
    return row, session


def _resolve(
    db: DbSession,
    row: SessionAttendance,
    session: Session,
    staff_id: int,
    resolution: Resolution,
    actor_staff_id: int,
    now: datetime,
    completion: CompletionPolicy,
) -> AttendeeLine:
    """The coordinator's answer is kept on the row and the session recomputed from its
    reports: if this person was already there under another identity the two are merged
    (their time together against the threshold), and nobody else's result changes."""
    if (
        not has_reports(db, session)
        and db.exec(
            select(SessionAttendance).where(
                SessionAttendance.session_id == session.id, SessionAttendance.staff_id == staff_id
            )
        ).first()
    ):
        raise AttendanceProblem(
            "That person is already on this session's attendance; "
            "one person is never counted twice."
        )
    row.staff_id, row.resolution = staff_id, resolution
    row.role = AttendanceRole.GUEST if resolution == Resolution.GUEST else AttendanceRole.ATTENDEE
    row.resolved_by_staff_id, row.resolved_at, row.updated_at = actor_staff_id, now, now
    db.add(row)
    db.flush()
    recompute(db, session, now, completion)
    standing = db.exec(
        select(SessionAttendance).where(
            SessionAttendance.session_id == session.id, SessionAttendance.staff_id == staff_id
        )
    ).first()
    assert standing is not None
    return attendee_line(standing)


def assign_attendee(
    db: DbSession,
    attendance_id: int,
    email: str,
    *,
    actor_staff_id: int,
    now: datetime,
    completion: CompletionPolicy,
) -> AttendeeLine:
    """A coordinator says an unmatched attendee is this staff member (by email)."""
    row, session = _unresolved(db, attendance_id)
    wanted = email.strip().lower()
    if "@" not in wanted or len(wanted) > 320:
        raise AttendanceProblem("Please give the staff member's email address.")
    staff = db.exec(select(Staff).where(func.lower(Staff.email) == wanted)).first()
    if staff is None or staff.id is None:
        raise AttendanceProblem(
            f"I don't know a staff member with the email {wanted}. They need to have "
            "said hello to the bot, or be marked as an external guest instead."
        )
    line = _resolve(
        db, row, session, staff.id, Resolution.ASSIGNED, actor_staff_id, now, completion
    )
    audit.record(
        db,
        actor_staff_id,
        "attendance.assign",
        now,
        subject=f"session {session.id}",
        detail=f"attendee {attendance_id} -> staff {staff.id}",
    )
    return line


def mark_guest(
    db: DbSession,
    attendance_id: int,
    organisation: str,
    *,
    actor_staff_id: int,
    now: datetime,
    completion: CompletionPolicy,
) -> AttendeeLine:
    """A coordinator marks an unmatched attendee as an external guest from `organisation`."""
    row, session = _unresolved(db, attendance_id)
    organisation = " ".join(organisation.split())[:200]
    if not organisation:
        raise AttendanceProblem("Please say which organisation the guest is from.")
    guest = _guest(db, row, organisation, now)
    assert guest.id is not None
    line = _resolve(db, row, session, guest.id, Resolution.GUEST, actor_staff_id, now, completion)
    audit.record(
        db,
        actor_staff_id,
        "attendance.guest",
        now,
        subject=f"session {session.id}",
        detail=f"attendee {attendance_id} -> guest {guest.id} ({organisation})",
    )
    return line


def _guest(db: DbSession, row: SessionAttendance, organisation: str, now: datetime) -> Staff:
    """The guest's one record: the one their address already has (a guest seen before), or a
    new one with the address as every record keeps it (trimmed, lower case)."""
    known = staff_by_email(db, row.email)
    if known is not None:
        return known
    guest = Staff(
        display_name=cut(row.display_name or "Guest", Staff.display_name),
        email=normalise_email(row.email),
        organisation=organisation,
        roles="guest",
        created_at=now,
        updated_at=now,
    )
    db.add(guest)
    db.flush()
    return guest


def count_unmatched(db: DbSession, start: datetime | None, end: datetime | None) -> int:
    """Attendees still matched to nobody, at sessions starting in [start, end) that were not
    cancelled (whose attendance counts): a totals gap."""
    query = (
        select(func.count())
        .select_from(SessionAttendance)
        .join(Session, col(Session.id) == col(SessionAttendance.session_id))
        .where(
            col(SessionAttendance.staff_id).is_(None),
            SessionAttendance.role != AttendanceRole.FACILITATOR,
            Session.status != SessionStatus.CANCELLED,
        )
    )
    if start is not None:
        query = query.where(Session.starts_at >= start)
    if end is not None:
        query = query.where(Session.starts_at < end)
    return int(db.exec(query).one())
