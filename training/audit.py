"""The audit trail: one call per coordinator action, view or export."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.models import AuditEntry, Staff


def record(
    db: DbSession,
    actor_staff_id: int | None,
    action: str,
    now: datetime,
    *,
    subject: str = "",
    detail: str = "",
) -> None:
    """Write one entry in the caller's transaction, so it stands or falls with the action."""
    db.add(
        AuditEntry(
            at=now,
            actor_staff_id=actor_staff_id,
            action=action[:80],
            subject=subject[:200],
            detail=detail[:2000],
        )
    )


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    subject: str
    detail: str


def recent(
    db: DbSession, viewer_staff_id: int | None, now: datetime, limit: int = 30
) -> list[AuditLine]:
    """The newest entries, with who did each; looking is itself recorded."""
    rows = db.exec(
        select(AuditEntry, Staff)
        .join(Staff, col(AuditEntry.actor_staff_id) == col(Staff.id), isouter=True)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    ).all()
    record(db, viewer_staff_id, "audit.view", now)
    return [
        AuditLine(
            entry.at,
            staff.display_name if staff else "the system",
            entry.action,
            entry.subject,
            entry.detail,
        )
        for entry, staff in rows
    ]
