"""A session's results, recomputed from every complete Teams report we hold: each person's
time in the meeting against the course's threshold, matched to a staff record; then bookings
settle to attended or no-show, walk-ins are marked and completions recorded. Always from our
stored copies, never from a running count, so running it again changes nothing.
"""

import json
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.completion_rule import gather, merged_seconds, required_seconds
from training.models import (
    SEATED_BOOKING_STATUSES,
    AttendanceRecordCopy,
    AttendanceReportCopy,
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
)


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
    settle_bookings_and_completions(db, session, list(existing.values()), now)


def settle_bookings_and_completions(
    db: DbSession, session: Session, rows: list[SessionAttendance], now: datetime
) -> None:
    """Bookings to attended or no-show from who is in `rows` (the session's attendance),
    walk-ins marked, and a completion for each person who met the threshold and has none."""
    assert session.id is not None
    # In a report at all means they came, even when Teams lost their times (`data_gaps`).
    present = {r.staff_id for r in rows if r.staff_id is not None}
    bookings = db.exec(
        select(Booking).where(
            Booking.session_id == session.id, col(Booking.status).in_(SEATED_BOOKING_STATUSES)
        )
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
