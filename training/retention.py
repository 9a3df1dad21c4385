"""The retention rule: training records older than the retention period are deleted or anonymised.

Who trained when is personal data. Past the period (RETENTION_YEARS, default 6) the bookings,
completions, e-learning claims, raw attendance copies and audit entries go, and a person with
nothing left is anonymised. Session rows stay (they hold no personal data) so historical session
counts remain. Run by the scheduler; safe to run any number of times.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import CompoundSelect, Delete, delete, select, union, update
from sqlmodel import Session as DbSession
from sqlmodel import col

from training import audit
from training.db import rows_changed
from training.models import (
    AttendanceRecordCopy,
    AttendanceReportCopy,
    AttendanceSync,
    AuditEntry,
    Booking,
    Completion,
    ConversationReference,
    ElearningClaim,
    HandledRequest,
    Session,
    SessionAttendance,
    Staff,
)

HANDLED_REQUEST_DAYS = 30  # long past any redelivery Teams would attempt
ANONYMOUS = "Former member of staff"


@dataclass
class RetentionResult:
    deleted: dict[str, int] = field(default_factory=dict)
    anonymised_people: int = 0
    certificate_files: list[str] = field(default_factory=list)  # for the caller to remove


def _delete(db: DbSession, result: RetentionResult, name: str, statement: Delete) -> None:
    result.deleted[name] = rows_changed(db, statement)


def retention_due(db: DbSession, now: datetime) -> bool:
    """Once a day is enough: due when no run is recorded in the last 23 hours."""
    last = db.scalars(
        select(col(AuditEntry.at))
        .where(col(AuditEntry.action) == "retention.run")
        .order_by(col(AuditEntry.at).desc())
        .limit(1)
    ).first()
    return last is None or last < now - timedelta(hours=23)


def apply_retention(db: DbSession, now: datetime, years: int) -> RetentionResult:
    cutoff = now - timedelta(days=round(365.25 * years))
    result = RetentionResult()
    old_sessions = select(col(Session.id)).where(col(Session.ends_at) < cutoff)
    old_reports = select(col(AttendanceReportCopy.id)).where(
        col(AttendanceReportCopy.session_id).in_(old_sessions)
    )
    old_bookings = select(col(Booking.id)).where(col(Booking.session_id).in_(old_sessions))

    result.certificate_files = [
        name
        for name in db.scalars(
            select(col(ElearningClaim.certificate_file)).where(
                col(ElearningClaim.claimed_at) < cutoff
            )
        )
        if name
    ]
    _delete(
        db,
        result,
        "handled_request",
        delete(HandledRequest).where(
            (col(HandledRequest.handled_at) < now - timedelta(days=HANDLED_REQUEST_DAYS))
            | col(HandledRequest.booking_id).in_(old_bookings)
        ),
    )
    _delete(
        db,
        result,
        "attendance_record_copy",
        delete(AttendanceRecordCopy).where(
            col(AttendanceRecordCopy.report_copy_id).in_(old_reports)
        ),
    )
    _delete(
        db,
        result,
        "attendance_report_copy",
        delete(AttendanceReportCopy).where(col(AttendanceReportCopy.session_id).in_(old_sessions)),
    )
    _delete(
        db,
        result,
        "session_attendance",
        delete(SessionAttendance).where(col(SessionAttendance.session_id).in_(old_sessions)),
    )
    _delete(
        db,
        result,
        "attendance_sync",
        delete(AttendanceSync).where(col(AttendanceSync.session_id).in_(old_sessions)),
    )
    _delete(db, result, "booking", delete(Booking).where(col(Booking.id).in_(old_bookings)))
    _delete(
        db, result, "completion", delete(Completion).where(col(Completion.completed_at) < cutoff)
    )
    _delete(
        db,
        result,
        "elearning_claim",
        delete(ElearningClaim).where(col(ElearningClaim.claimed_at) < cutoff),
    )
    _delete(db, result, "audit_log", delete(AuditEntry).where(col(AuditEntry.at) < cutoff))
    still_used = set(db.scalars(select(col(ElearningClaim.certificate_file))))
    result.certificate_files = [n for n in result.certificate_files if n not in still_used]
    result.anonymised_people = _anonymise_people_with_nothing_left(db, cutoff, now)
    audit.record(
        db,
        None,
        "retention.run",
        now,
        subject=f"before {cutoff.date().isoformat()}",
        detail=f"deleted {result.deleted}; anonymised {result.anonymised_people}",
    )
    return result


def _anonymise_people_with_nothing_left(db: DbSession, cutoff: datetime, now: datetime) -> int:
    still_referenced: CompoundSelect[int | None] = union(
        select(col(Booking.staff_id)),
        select(col(Completion.staff_id)),
        select(col(ElearningClaim.staff_id)),
        select(col(SessionAttendance.staff_id)).where(col(SessionAttendance.staff_id).is_not(None)),
    )
    stale = select(col(Staff.id)).where(
        col(Staff.updated_at) < cutoff,
        col(Staff.display_name) != ANONYMOUS,
        col(Staff.id).not_in(still_referenced),
    )
    ids = list(db.scalars(stale))
    if not ids:
        return 0
    db.execute(delete(ConversationReference).where(col(ConversationReference.staff_id).in_(ids)))
    db.execute(
        update(Staff)
        .where(col(Staff.id).in_(ids))
        .values(
            display_name=ANONYMOUS,
            email=None,
            aad_object_id=None,
            team=None,
            team_source=None,
            department=None,
            department_read_at=None,
            organisation=None,
            roles="",
            updated_at=now,
        )
    )
    return len(ids)
