"""Teams attendance becomes bookings marked attended or no-show, walk-ins and completions.

The Graph adapter reads reports and hands their raw JSON to these services page by page; each
page is stored in its own transaction together with where to resume, so a sync that stops
between pages picks up where it left off and a sync run twice changes nothing. Figures are
always recomputed from our stored copies, never from a running count.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training import audit
from training.completion_rule import gather, merged_seconds, parse_time, required_seconds
from training.errors import TrainingError, UnknownSession
from training.models import (
    AttendanceRecordCopy,
    AttendanceReportCopy,
    AttendanceSync,
    Booking,
    BookingStatus,
    Completion,
    CompletionSource,
    Course,
    Resolution,
    Session,
    SessionAttendance,
    SessionStatus,
    Staff,
    SyncState,
)
from training.queries import load_session

SEATED = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)


class AttendanceProblem(TrainingError):
    """Attendance cannot be read or resolved; the message says why and what to do."""


class UnknownAttendee(TrainingError):
    def __init__(self) -> None:
        super().__init__(
            "I can't find that attendee, or they have already been resolved. "
            "Type 'unmatched' to see who is left."
        )


@dataclass(frozen=True)
class SyncTarget:
    session_id: int
    join_url: str
    online_meeting_id: str | None
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ReportProgress:
    copy_id: int
    next_page_url: str | None
    complete: bool


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
    attendees: list[AttendeeLine]
    no_shows: list[str]


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


# --- which sessions to read -------------------------------------------------------------


def _target(session: Session, sync: AttendanceSync | None) -> SyncTarget:
    assert session.id is not None and session.join_url
    return SyncTarget(
        session.id,
        session.join_url,
        sync.online_meeting_id if sync else None,
        session.starts_at,
        session.ends_at,
    )


def sessions_due(
    db: DbSession, now: datetime, *, lookback_days: int, only_due: bool = True
) -> list[SyncTarget]:
    """Online sessions that ended lately whose next look at attendance is due (or, with
    `only_due=False`, every one not yet settled: a coordinator asked for all of them now)."""
    rows = db.exec(
        select(Session, AttendanceSync)
        .join(AttendanceSync, col(AttendanceSync.session_id) == col(Session.id), isouter=True)
        .where(
            col(Session.online),
            col(Session.join_url).is_not(None),
            Session.status != SessionStatus.CANCELLED,
            Session.ends_at <= now,
            Session.ends_at >= now - timedelta(days=lookback_days),
        )
        .order_by(col(Session.ends_at))
    ).all()
    due = []
    for session, sync in rows:
        if sync is None or (
            sync.state not in (SyncState.FINAL, SyncState.NO_REPORT)
            and (not only_due or sync.next_attempt_at is None or sync.next_attempt_at <= now)
        ):
            due.append(_target(session, sync))
    return due


def session_to_sync(db: DbSession, session_id: int, now: datetime) -> SyncTarget:
    """One session a coordinator asked for; refused plainly when Teams can have no report."""
    session = load_session(db, session_id)
    if session.status == SessionStatus.CANCELLED:
        raise AttendanceProblem(f"Session {session_id} was cancelled, so nobody attended.")
    if not session.online:
        raise AttendanceProblem(
            f"Session {session_id} was in person: Teams has no attendance report for it."
        )
    if not session.join_url:
        raise AttendanceProblem(f"Session {session_id} has no Teams join link to read from.")
    if session.ends_at > now:
        raise AttendanceProblem(
            f"Session {session_id} hasn't finished yet; Teams makes the report after it ends."
        )
    sync = db.exec(select(AttendanceSync).where(AttendanceSync.session_id == session_id)).first()
    return _target(session, sync)


def _sync_row(db: DbSession, session_id: int, now: datetime) -> AttendanceSync:
    sync = db.exec(select(AttendanceSync).where(AttendanceSync.session_id == session_id)).first()
    if sync is None:
        sync = AttendanceSync(session_id=session_id, updated_at=now)
        db.add(sync)
        db.flush()
    return sync


def remember_meeting(db: DbSession, session_id: int, online_meeting_id: str, now: datetime) -> None:
    sync = _sync_row(db, session_id, now)
    if sync.online_meeting_id != online_meeting_id:
        sync.online_meeting_id = online_meeting_id
        sync.updated_at = now
        db.add(sync)


# --- storing what Graph sent -------------------------------------------------------------


def record_key(raw: dict[str, Any]) -> str:
    """A record's own id, or (for a record without one) a digest of its content."""
    record_id = raw.get("id")
    if isinstance(record_id, str) and record_id:
        return record_id[:300]
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    return f"sha256:{digest}"


def open_report(
    db: DbSession,
    session_id: int,
    raw_report: dict[str, Any],
    first_page_url: str,
    now: datetime,
) -> ReportProgress:
    """Start (or resume) reading one report; stores our copy of the report itself."""
    report_id = str(raw_report.get("id") or "")[:300]
    if not report_id:
        raise AttendanceProblem("Teams sent an attendance report without an id.")
    copy = db.exec(
        select(AttendanceReportCopy).where(
            AttendanceReportCopy.session_id == session_id,
            AttendanceReportCopy.report_id == report_id,
        )
    ).first()
    if copy is None:
        copy = AttendanceReportCopy(
            session_id=session_id,
            report_id=report_id,
            meeting_start=parse_time(raw_report.get("meetingStartDateTime")),
            meeting_end=parse_time(raw_report.get("meetingEndDateTime")),
            raw_json=json.dumps(raw_report),
            next_page_url=first_page_url,
            first_read_at=now,
            updated_at=now,
        )
        db.add(copy)
        db.flush()
    assert copy.id is not None
    return ReportProgress(copy.id, copy.next_page_url, copy.complete)


def store_page(
    db: DbSession,
    copy_id: int,
    raw_records: list[dict[str, Any]],
    next_page_url: str | None,
    now: datetime,
) -> int:
    """Keep one page of records and where to go next, in one transaction; returns new records."""
    copy = db.get(AttendanceReportCopy, copy_id)
    if copy is None:
        raise AttendanceProblem("That attendance report copy has gone.")
    keyed = {record_key(raw): raw for raw in raw_records}
    known = set(
        db.exec(
            select(AttendanceRecordCopy.record_key).where(
                AttendanceRecordCopy.report_copy_id == copy_id,
                col(AttendanceRecordCopy.record_key).in_(list(keyed)),
            )
        ).all()
    )
    fresh = [
        AttendanceRecordCopy(
            report_copy_id=copy_id, record_key=key, raw_json=json.dumps(raw), read_at=now
        )
        for key, raw in keyed.items()
        if key not in known
    ]
    db.add_all(fresh)
    copy.records_read += len(fresh)
    copy.next_page_url = next_page_url
    copy.complete = next_page_url is None
    copy.updated_at = now
    db.add(copy)
    db.flush()
    return len(fresh)


# --- after reading: state, retries and figures ---------------------------------------------


def _next_try(ends_at: datetime, now: datetime, offsets: list[int]) -> datetime | None:
    for minutes in offsets:
        moment = ends_at + timedelta(minutes=minutes)
        if moment > now:
            return moment
    return None


def finish_sync(
    db: DbSession,
    session_id: int,
    now: datetime,
    *,
    reports_listed: int,
    retry_offsets: list[int],
    default_percent: int,
    problem: str = "",
    blocked: bool = False,
) -> SyncResult:
    """Record how this look went and when to look again; recompute figures from our copies.

    No report yet is never "nobody came": the session stays waiting until the last scheduled
    try, and after that is flagged for a person (`no_report`), with no one marked absent.
    """
    session = load_session(db, session_id, lock=True)
    sync = _sync_row(db, session_id, now)
    sync.attempts += 1
    sync.last_attempt_at = now
    sync.updated_at = now
    sync.last_error = problem[:1000]
    next_try = _next_try(session.ends_at, now, retry_offsets)
    complete_reports = _complete_reports(db, session_id)
    if blocked or problem:
        sync.state = SyncState.BLOCKED if blocked else sync.state
        # Graph refused or failed: try again soon, but not sooner than the policy can apply.
        sync.next_attempt_at = now + timedelta(minutes=30 if blocked else 15)
    elif not complete_reports and reports_listed == 0:
        sync.state = SyncState.WAITING if next_try else SyncState.NO_REPORT
        sync.next_attempt_at = next_try
    else:
        sync.state = SyncState.PROVISIONAL if next_try else SyncState.FINAL
        sync.next_attempt_at = next_try
    db.add(sync)
    db.flush()
    if complete_reports:
        recompute(db, session, now, default_percent)
    return _result(db, session, sync)


def _complete_reports(db: DbSession, session_id: int) -> list[int]:
    return [
        i
        for i in db.exec(
            select(AttendanceReportCopy.id).where(
                AttendanceReportCopy.session_id == session_id, col(AttendanceReportCopy.complete)
            )
        ).all()
        if i is not None
    ]


def _threshold(db: DbSession, session: Session, default_percent: int) -> int:
    course = db.get(Course, session.course_id)
    percent = course.completion_threshold_percent if course else None
    return percent or default_percent


def _matches(
    db: DbSession, aads: set[str], emails: set[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Staff ids by lower-case Entra id and by lower-case email, in two queries."""
    by_aad: dict[str, int] = {}
    by_email: dict[str, int] = {}
    if aads:
        for staff_id, aad in db.exec(
            select(Staff.id, Staff.aad_object_id).where(
                func.lower(Staff.aad_object_id).in_(sorted(aads))
            )
        ).all():
            if staff_id is not None and aad:
                by_aad[aad.lower()] = staff_id
    if emails:
        for staff_id, email in db.exec(
            select(Staff.id, Staff.email).where(func.lower(Staff.email).in_(sorted(emails)))
        ).all():
            if staff_id is not None and email:
                by_email.setdefault(email.lower(), staff_id)
    return by_aad, by_email


def recompute(db: DbSession, session: Session, now: datetime, default_percent: int) -> None:
    """Figures for one session from every complete report we hold; safe to run again."""
    assert session.id is not None
    raws = db.exec(
        select(AttendanceRecordCopy.raw_json)
        .join(AttendanceReportCopy)
        .where(AttendanceReportCopy.session_id == session.id, col(AttendanceReportCopy.complete))
    ).all()
    people = gather(json.loads(raw) for raw in raws)
    needed = required_seconds(
        session.starts_at, session.ends_at, _threshold(db, session, default_percent)
    )
    existing = {
        row.person_key: row
        for row in db.exec(
            select(SessionAttendance).where(SessionAttendance.session_id == session.id)
        ).all()
    }
    by_aad, by_email = _matches(
        db,
        {p.aad_object_id for p in people.values() if p.aad_object_id},
        {p.email for p in people.values() if p.email},
    )
    for key, person in people.items():
        seconds = merged_seconds(person.intervals, session.starts_at, session.ends_at)
        row = existing.get(key)
        if row is None:
            row = SessionAttendance(session_id=session.id, person_key=key, updated_at=now)
            existing[key] = row
        if row.staff_id is None:
            # By Entra object id first, then by email (case-insensitive).
            row.staff_id = by_aad.get(person.aad_object_id or "") or by_email.get(
                person.email or ""
            )
            row.resolution = Resolution.MATCHED if row.staff_id is not None else None
        values = (person.display_name[:200], person.email, seconds, needed, seconds >= needed)
        if (row.display_name, row.email, row.attended_seconds, row.required_seconds) != values[
            :4
        ] or (row.completed, row.data_gaps) != (values[4], person.data_gaps):
            row.display_name, row.email, row.attended_seconds, row.required_seconds = values[:4]
            row.completed, row.data_gaps = values[4], person.data_gaps
            row.updated_at = now
        db.add(row)
    db.flush()
    _settle_bookings_and_completions(db, session, list(existing.values()), now)


def _settle_bookings_and_completions(
    db: DbSession, session: Session, rows: list[SessionAttendance], now: datetime
) -> None:
    assert session.id is not None
    # In a report at all means they came, even when Teams lost their times (`data_gaps`).
    present = {r.staff_id for r in rows if r.staff_id is not None}
    bookings = db.exec(
        select(Booking).where(Booking.session_id == session.id, col(Booking.status).in_(SEATED))
    ).all()
    booked = {b.staff_id for b in bookings}
    for booking in bookings:
        status = BookingStatus.ATTENDED if booking.staff_id in present else BookingStatus.NO_SHOW
        if booking.status != status:
            booking.status, booking.updated_at = status, now
            db.add(booking)
    recorded = set(
        db.exec(select(Completion.staff_id).where(Completion.session_id == session.id)).all()
    )
    for row in rows:
        walk_in = row.staff_id is not None and row.staff_id not in booked
        if row.walk_in != walk_in:
            row.walk_in, row.updated_at = walk_in, now
            db.add(row)
        if row.staff_id is not None and row.completed and row.staff_id not in recorded:
            _record_completion(db, session, row, now)
            recorded.add(row.staff_id)
    if session.status == SessionStatus.SCHEDULED:
        session.status = SessionStatus.DELIVERED
        db.add(session)
    db.flush()


def _record_completion(
    db: DbSession, session: Session, row: SessionAttendance, now: datetime
) -> None:
    assert row.staff_id is not None
    db.add(
        Completion(
            staff_id=row.staff_id,
            course_id=session.course_id,
            session_id=session.id,
            source=CompletionSource.ATTENDANCE,
            completed_at=session.ends_at,
            attended_seconds=row.attended_seconds,
            recorded_at=now,
        )
    )


def _result(db: DbSession, session: Session, sync: AttendanceSync) -> SyncResult:
    assert session.id is not None
    reports = db.exec(
        select(func.count(), func.coalesce(func.sum(AttendanceReportCopy.records_read), 0)).where(
            AttendanceReportCopy.session_id == session.id
        )
    ).one()
    rows = db.exec(
        select(SessionAttendance).where(SessionAttendance.session_id == session.id)
    ).all()
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
    )


# --- what coordinators see and resolve ------------------------------------------------------


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
    return AttendanceSheet(
        session_id=session_id,
        course_title=course.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        required_seconds=needed,
        state=sync.state if sync else "not read yet",
        next_attempt_at=sync.next_attempt_at if sync else None,
        problem=sync.last_error if sync else "",
        attendees=[_line(r) for r in lines],
        no_shows=list(absent),
    )


def _line(row: SessionAttendance) -> AttendeeLine:
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
    )


def unmatched(
    db: DbSession, *, viewer_staff_id: int | None, now: datetime, limit: int = 20
) -> list[UnmatchedLine]:
    """Attendees nobody could match to a staff member, newest sessions first; audited."""
    rows = db.exec(
        select(SessionAttendance, Session, Course)
        .join(Session, col(Session.id) == col(SessionAttendance.session_id))
        .join(Course, col(Course.id) == col(Session.course_id))
        .where(col(SessionAttendance.staff_id).is_(None))
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
    db.refresh(row)
    if row.staff_id is not None:
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
) -> AttendeeLine:
    other = db.exec(
        select(SessionAttendance).where(
            SessionAttendance.session_id == session.id, SessionAttendance.staff_id == staff_id
        )
    ).first()
    if other is not None:
        raise AttendanceProblem(
            "That person is already on this session's attendance; "
            "one person is never counted twice."
        )
    row.staff_id, row.resolution = staff_id, resolution
    row.resolved_by_staff_id, row.resolved_at, row.updated_at = actor_staff_id, now, now
    db.add(row)
    db.flush()
    rows = list(
        db.exec(select(SessionAttendance).where(SessionAttendance.session_id == session.id)).all()
    )
    _settle_bookings_and_completions(db, session, rows, now)
    db.refresh(row)
    return _line(row)


def assign_attendee(
    db: DbSession, attendance_id: int, email: str, *, actor_staff_id: int, now: datetime
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
    line = _resolve(db, row, session, staff.id, Resolution.ASSIGNED, actor_staff_id, now)
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
    db: DbSession, attendance_id: int, organisation: str, *, actor_staff_id: int, now: datetime
) -> AttendeeLine:
    """A coordinator marks an unmatched attendee as an external guest from `organisation`."""
    row, session = _unresolved(db, attendance_id)
    organisation = " ".join(organisation.split())[:200]
    if not organisation:
        raise AttendanceProblem("Please say which organisation the guest is from.")
    guest = Staff(
        display_name=row.display_name or "Guest",
        email=row.email,
        organisation=organisation,
        roles="guest",
        created_at=now,
        updated_at=now,
    )
    db.add(guest)
    db.flush()
    assert guest.id is not None
    line = _resolve(db, row, session, guest.id, Resolution.GUEST, actor_staff_id, now)
    audit.record(
        db,
        actor_staff_id,
        "attendance.guest",
        now,
        subject=f"session {session.id}",
        detail=f"attendee {attendance_id} -> guest {guest.id} ({organisation})",
    )
    return line


def count_unmatched(db: DbSession, start: datetime | None, end: datetime | None) -> int:
    """Attendees still matched to nobody, at sessions starting in [start, end): a totals gap."""
    query = (
        select(func.count())
        .select_from(SessionAttendance)
        .join(Session, col(Session.id) == col(SessionAttendance.session_id))
        .where(col(SessionAttendance.staff_id).is_(None))
    )
    if start is not None:
        query = query.where(Session.starts_at >= start)
    if end is not None:
        query = query.where(Session.starts_at < end)
    return int(db.exec(query).one())
