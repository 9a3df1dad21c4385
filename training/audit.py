"""The audit trail: one call per coordinator action, view or export."""

from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.models import AuditEntry


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


def recent(db: DbSession, limit: int = 50) -> list[AuditEntry]:
    return list(db.exec(select(AuditEntry).order_by(col(AuditEntry.at).desc()).limit(limit)))
