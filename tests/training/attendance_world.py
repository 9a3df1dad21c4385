"""Build attendance as a sync does, without Graph: Teams' reports go through the services that
store our copies and recompute the session (`training.attendance.reports`), so a world made
here has the same rows, bookings and completions as one read from Teams."""

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session as DbSession

from tests.graph.local_graph import iso, record
from training.attendance import reports as attendance_reports
from training.attendance.completion import CompletionPolicy
from training.attendance.sheet import SyncResult
from training.models import Booking, BookingStatus, Session, Staff


def book(db: DbSession, session: Session, staff: Staff, status: str = BookingStatus.BOOKED) -> None:
    """A seat taken before the session (the booking rules are tested on their own)."""
    db.add(
        Booking(
            session_id=session.id,
            staff_id=staff.id,
            status=status,
            requested_at=session.starts_at - timedelta(days=10),
            seat_given_at=session.starts_at - timedelta(days=10),
            updated_at=session.starts_at - timedelta(days=10),
        )
    )
    db.flush()


def attendee(
    name: str,
    start: datetime,
    minutes: tuple[float, float],
    *,
    aad: str | None = None,
    email: str = "",
    role: str = "Attendee",
    record_id: str | None = None,
) -> dict[str, Any]:
    """One attendance record: joined `minutes[0]` and left `minutes[1]` after `start`."""
    join = start + timedelta(minutes=minutes[0])
    leave = start + timedelta(minutes=minutes[1])
    return record(
        name, aad=aad, email=email, intervals=[(join, leave)], role=role, record_id=record_id
    )


def read_reports(
    db: DbSession,
    session: Session,
    reports: list[list[dict[str, Any]]],
    *,
    organiser: str = "",
    percent: int = 75,
    now: datetime | None = None,
) -> SyncResult:
    """Store each list of records as one Teams report of the session and settle it (final)."""
    assert session.id is not None
    now = now or session.ends_at + timedelta(days=2)
    for number, records in enumerate(reports, 1):
        raw = {
            "id": f"report-{session.id}-{number}",
            "totalParticipantCount": len(records),
            "meetingStartDateTime": iso(session.starts_at),
            "meetingEndDateTime": iso(session.ends_at),
            "externalEventInformation": [],
            "attendanceRecords": [],
        }
        copy = attendance_reports.open_report(db, session.id, raw, "first-page", now)
        attendance_reports.store_page(db, copy.copy_id, records, None, now)
    return attendance_reports.finish_sync(
        db,
        session.id,
        now,
        reports_listed=len(reports),
        retry_offsets=[],
        completion=CompletionPolicy(percent),
        organiser=organiser,
    )
