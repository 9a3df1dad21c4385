"""The retention rule: training records older than the retention period are deleted, and people
who have gone are anonymised (training/data_protection/anonymisation.py).

Who trained when is personal data. Past the period (RETENTION_YEARS, default 6) a session's
bookings, attendance (rows, raw Teams reports and records), calendar invitations, feedback
(comments, scores and requests) go, and so do completions, e-learning claims, audit entries,
messages and conversations with no known person older than it. Files kept for download by link
(exports) go once their link has expired, whatever their age: nothing can fetch them any more,
and a roster in one holds names and emails. The session rows stay, without who facilitated
them or a cancellation's reason, so historical session counts remain. Run
by the scheduler; safe to run any number of times.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Delete, delete, or_, select, update
from sqlmodel import Session as DbSession
from sqlmodel import col

from database.engine import rows_changed
from training.data_protection import audit
from training.data_protection.anonymisation import ANONYMOUS, anonymise, gone_people
from training.models import (
    AttendanceRecordCopy,
    AttendanceReportCopy,
    AttendanceSync,
    AuditEntry,
    Booking,
    CalendarInvite,
    CalendarSync,
    Completion,
    ConversationReference,
    DeliveryBlock,
    ElearningClaim,
    ExportDownload,
    FeedbackRequest,
    FeedbackResponse,
    HandledRequest,
    OutboxMessage,
    SeatOffer,
    Session,
    SessionAttendance,
    SessionFacilitator,
    StoredCertificate,
)

__all__ = ["ANONYMOUS", "RetentionResult", "apply_retention", "retention_due"]

HANDLED_REQUEST_DAYS = 30  # long past any redelivery Teams would attempt


@dataclass
class RetentionResult:
    deleted: dict[str, int] = field(default_factory=dict)
    anonymised_people: int = 0
    certificate_files: list[str] = field(default_factory=list)  # deleted: no claim names them


def retention_due(db: DbSession, now: datetime) -> bool:
    """Once a day is enough: due when no run is recorded in the last 23 hours."""
    last = db.scalars(
        select(col(AuditEntry.at))
        .where(col(AuditEntry.action) == "retention.run")
        .order_by(col(AuditEntry.at).desc())
        .limit(1)
    ).first()
    return last is None or last < now - timedelta(hours=23)


class _OfSession(Protocol):
    """A table whose every row belongs to one session."""

    session_id: int


def _old_records(now: datetime, cutoff: datetime) -> list[tuple[str, Delete]]:
    """What goes, in an order that deletes what points at a row before the row."""
    old_sessions = select(col(Session.id)).where(col(Session.ends_at) < cutoff)
    old_reports = select(col(AttendanceReportCopy.id)).where(
        col(AttendanceReportCopy.session_id).in_(old_sessions)
    )
    old_bookings = select(col(Booking.id)).where(col(Booking.session_id).in_(old_sessions))
    handled_long_ago = now - timedelta(days=HANDLED_REQUEST_DAYS)

    def of_old_sessions(model: type[_OfSession]) -> Delete:
        return delete(model).where(col(model.session_id).in_(old_sessions))

    return [
        (
            "handled_request",
            delete(HandledRequest).where(
                (col(HandledRequest.handled_at) < handled_long_ago)
                | col(HandledRequest.booking_id).in_(old_bookings)
            ),
        ),
        (
            "attendance_record_copy",
            delete(AttendanceRecordCopy).where(
                col(AttendanceRecordCopy.report_copy_id).in_(old_reports)
            ),
        ),
        ("attendance_report_copy", of_old_sessions(AttendanceReportCopy)),
        ("session_attendance", of_old_sessions(SessionAttendance)),
        ("attendance_sync", of_old_sessions(AttendanceSync)),
        ("calendar_invite", of_old_sessions(CalendarInvite)),
        ("calendar_sync", of_old_sessions(CalendarSync)),
        ("feedback_request", of_old_sessions(FeedbackRequest)),
        ("feedback_response", of_old_sessions(FeedbackResponse)),
        ("seat_offer", of_old_sessions(SeatOffer)),
        ("booking", delete(Booking).where(col(Booking.id).in_(old_bookings))),
        ("completion", delete(Completion).where(col(Completion.completed_at) < cutoff)),
        ("elearning_claim", delete(ElearningClaim).where(col(ElearningClaim.claimed_at) < cutoff)),
        ("audit_log", delete(AuditEntry).where(col(AuditEntry.at) < cutoff)),
        ("outbox", delete(OutboxMessage).where(col(OutboxMessage.created_at) < cutoff)),
        # A person's own reference stays while they do (it changes only when Teams's does, so its
        # age says nothing); one nobody is known by goes with the period.
        (
            "conversation_reference",
            delete(ConversationReference).where(
                col(ConversationReference.updated_at) < cutoff,
                col(ConversationReference.staff_id).is_(None),
            ),
        ),
        ("delivery_block", delete(DeliveryBlock).where(col(DeliveryBlock.blocked_at) < cutoff)),
        ("export_download", delete(ExportDownload).where(col(ExportDownload.expires_at) <= now)),
    ]


def apply_retention(
    db: DbSession,
    now: datetime,
    years: int,
    *,
    coordinators: Iterable[str] = (),
    anonymise_people: bool = True,
) -> RetentionResult:
    """Delete what is past the period and anonymise whoever has gone. `coordinators`: their
    object ids and emails (never anonymised); `anonymise_people` False when who the
    coordinators are is not known yet (their Entra group not read): nobody is then."""
    cutoff = now - timedelta(days=round(365.25 * years))
    result = RetentionResult()
    claims_going = select(col(ElearningClaim.certificate_file)).where(
        col(ElearningClaim.claimed_at) < cutoff
    )
    going = [name for name in db.scalars(claims_going) if name]
    for name, statement in _old_records(now, cutoff):
        result.deleted[name] = rows_changed(db, statement)
    db.execute(
        update(Session)
        .where(
            col(Session.ends_at) < cutoff,
            or_(col(Session.facilitators) != "", col(Session.cancel_reason).is_not(None)),
        )
        .values(facilitators="", cancel_reason=None)
    )
    ended_long_ago = select(col(Session.id)).where(col(Session.ends_at) < cutoff)
    db.execute(
        delete(SessionFacilitator).where(col(SessionFacilitator.session_id).in_(ended_long_ago))
    )
    still_used = set(db.scalars(select(col(ElearningClaim.certificate_file))))
    result.certificate_files = [n for n in going if n not in still_used]
    result.deleted["stored_certificate"] = rows_changed(
        db,
        delete(StoredCertificate).where(col(StoredCertificate.name).in_(result.certificate_files)),
    )
    if anonymise_people:
        people = gone_people(db, cutoff, coordinators, now)
        anonymise(db, people, now)
        result.anonymised_people = len(people)
    audit.record(
        db,
        None,
        "retention.run",
        now,
        subject=f"before {cutoff.date().isoformat()}",
        detail=f"deleted {result.deleted}; anonymised {result.anonymised_people}",
    )
    return result
