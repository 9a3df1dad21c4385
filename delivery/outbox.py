"""The outbox: every message to a person is written here before it is sent and marked after.

A sender claims due rows with a lease (PostgreSQL `FOR UPDATE SKIP LOCKED`, so replicas never
take the same row; SQLite's unit of work already holds the write lock). Immediately before
sending one it renews the claim, which succeeds only while the row is still its own: a row
another sender has taken over meanwhile is never sent a second time by a late first one. It then
marks each sent, to retry, failed or blocked, again only while the row is its own. A row whose
sender died is claimed again once its lease runs out, or at once when the dead sender's claims
are released (`release_claims`), so nothing is dropped.

Whether a row is due is judged by the `now` passed in (the bot's clock: when a reminder falls
due). Whether a lease has run out is judged, on PostgreSQL, by the database's own clock: the
replicas share it, so one whose clock runs fast never takes over a claim another replica has
just renewed. SQLite serves one process, whose clock is the `now` passed in.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Update, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from database.engine import rows_changed
from training.data_protection import audit
from training.errors import UnknownDelivery
from training.models import (
    DeliveryBlock,
    OutboxMessage,
    OutboxState,
    Staff,
)
from training.people.staff import personal_references
from training.sessions.queries import person
from training.views import Person


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to write to the outbox. `card` is Adaptive Card JSON, built by the adapter."""

    key: str
    kind: str
    staff_id: int
    summary: str
    card: dict[str, Any]
    not_before: datetime | None = None


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    key: str
    staff_id: int
    summary: str
    card: dict[str, Any]
    attempts: int
    reference_json: str | None
    blocked: bool


@dataclass(frozen=True)
class DeliveryProblem:
    id: int
    key: str
    kind: str
    person: Person
    summary: str
    state: str
    attempts: int
    last_error: str
    created_at: datetime


def enqueue(db: DbSession, messages: list[OutgoingMessage], now: datetime) -> int:
    """Write each message unless its key is already there; returns how many were new."""
    if not messages:
        return 0
    rows = [
        {
            "key": m.key[:300],
            "kind": m.kind[:40],
            "staff_id": m.staff_id,
            "summary": m.summary[:500],
            "card_json": json.dumps(m.card),
            "state": OutboxState.PENDING.value,
            "attempts": 0,
            "next_attempt_at": m.not_before or now,
            "last_error": "",
            "created_at": now,
        }
        for m in messages
    ]
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    written = 0
    for start in range(0, len(rows), 200):
        statement = (
            insert(OutboxMessage)
            .values(rows[start : start + 200])
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(col(OutboxMessage.id))
        )
        written += len(db.execute(statement).all())
    return written


def lease_clock(db: DbSession, now: datetime) -> datetime | ColumnElement[datetime]:
    """The time leases are judged by: the database's clock on PostgreSQL, else `now`."""
    if db.get_bind().dialect.name == "postgresql":
        return func.statement_timestamp(type_=DateTime(timezone=True))
    return now


def claim(
    db: DbSession, worker: str, now: datetime, *, lease_seconds: int, limit: int
) -> list[ClaimedMessage]:
    """Take up to `limit` rows due by `now` for `worker`, for `lease_seconds`, oldest first."""
    clock = lease_clock(db, now)
    rows = db.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.state == OutboxState.PENDING,
            col(OutboxMessage.next_attempt_at) <= now,
            col(OutboxMessage.lease_until).is_(None) | (col(OutboxMessage.lease_until) <= clock),
        )
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return []
    until = clock + timedelta(seconds=lease_seconds)
    ids = [row.id for row in rows]
    db.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids))
        .values(lease_until=until, leased_by=worker)
        .execution_options(synchronize_session=False)
    )
    staff_ids = list({r.staff_id for r in rows})
    references = personal_references(db, staff_ids)
    blocked = set(
        db.exec(
            select(DeliveryBlock.staff_id).where(col(DeliveryBlock.staff_id).in_(staff_ids))
        ).all()
    )
    return [
        ClaimedMessage(
            id=r.id,
            key=r.key,
            staff_id=r.staff_id,
            summary=r.summary,
            card=json.loads(r.card_json),
            attempts=r.attempts,
            reference_json=references.get(r.staff_id),
            blocked=r.staff_id in blocked,
        )
        for r in rows
        if r.id is not None
    ]


def _mine(message_id: int, worker: str) -> Update:
    """An update of the row, only while `worker` still holds its lease."""
    return (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.leased_by) == worker,
            col(OutboxMessage.state) == OutboxState.PENDING,
        )
        .execution_options(synchronize_session=False)
    )


def renew(
    db: DbSession, message_id: int, worker: str, now: datetime, *, lease_seconds: int
) -> bool:
    """Extend the claim just before sending; False when the row is no longer this sender's."""
    until = lease_clock(db, now) + timedelta(seconds=lease_seconds)
    return rows_changed(db, _mine(message_id, worker).values(lease_until=until)) == 1


def give_back(db: DbSession, message_id: int, worker: str, not_before: datetime) -> bool:
    """Hand the row back untried, due again at `not_before` (rather than hold it that long)."""
    changed = rows_changed(
        db,
        _mine(message_id, worker).values(
            next_attempt_at=not_before, lease_until=None, leased_by=None
        ),
    )
    return changed == 1


def claim_holders(db: DbSession, now: datetime) -> list[str]:
    """The senders holding unexpired claims on rows still to send."""
    holders = db.exec(
        select(OutboxMessage.leased_by)
        .where(
            OutboxMessage.state == OutboxState.PENDING,
            col(OutboxMessage.leased_by).is_not(None),
            col(OutboxMessage.lease_until) > lease_clock(db, now),
        )
        .distinct()
    ).all()
    return [holder for holder in holders if holder]


def release_claims(db: DbSession, worker: str) -> int:
    """Release every row `worker` holds (it is known to be dead); returns how many."""
    return rows_changed(
        db,
        update(OutboxMessage)
        .where(
            col(OutboxMessage.leased_by) == worker,
            col(OutboxMessage.state) == OutboxState.PENDING,
        )
        .values(lease_until=None, leased_by=None)
        .execution_options(synchronize_session=False),
    )


def mark_sent(db: DbSession, message_id: int, worker: str, now: datetime) -> bool:
    """False when the lease was lost (another sender took the row over)."""
    changed = rows_changed(
        db,
        _mine(message_id, worker).values(
            state=OutboxState.SENT,
            sent_at=now,
            attempts=col(OutboxMessage.attempts) + 1,
            lease_until=None,
            last_error="",
        ),
    )
    return changed == 1


def mark_retry(
    db: DbSession,
    message_id: int,
    worker: str,
    now: datetime,
    *,
    delay_seconds: float,
    error: str,
    max_attempts: int,
) -> str:
    """Count a failed try; try again after the delay, or give up (failed) after `max_attempts`."""
    row = db.get(OutboxMessage, message_id)
    if row is None or row.leased_by != worker or row.state != OutboxState.PENDING:
        return "lost"
    attempts = row.attempts + 1
    state = OutboxState.FAILED if attempts >= max_attempts else OutboxState.PENDING
    db.execute(
        _mine(message_id, worker).values(
            state=state,
            attempts=attempts,
            next_attempt_at=now + timedelta(seconds=delay_seconds),
            lease_until=None,
            last_error=error[:500],
        )
    )
    return state.value


def mark_failed(db: DbSession, message_id: int, worker: str, error: str) -> bool:
    """Give up at once (nobody to send it to, or a refusal that retrying cannot fix)."""
    changed = rows_changed(
        db,
        _mine(message_id, worker).values(
            state=OutboxState.FAILED,
            attempts=col(OutboxMessage.attempts) + 1,
            lease_until=None,
            last_error=error[:500],
        ),
    )
    return changed == 1


def mark_blocked(
    db: DbSession,
    message_id: int,
    worker: str,
    staff_id: int,
    now: datetime,
    *,
    status_code: int,
    reason: str,
) -> bool:
    """Teams refused (403/404): record it against the person so we stop trying them."""
    changed = rows_changed(
        db,
        _mine(message_id, worker).values(
            state=OutboxState.BLOCKED,
            attempts=col(OutboxMessage.attempts) + 1,
            lease_until=None,
            last_error=f"{status_code}: {reason}"[:500],
        ),
    )
    block = db.get(DeliveryBlock, staff_id)
    if block is None:
        db.add(
            DeliveryBlock(
                staff_id=staff_id, status_code=status_code, reason=reason[:500], blocked_at=now
            )
        )
    db.flush()
    return changed == 1


def clear_block(db: DbSession, staff_id: int) -> None:
    """The person wrote to the bot again, so messages can reach them once more."""
    block = db.get(DeliveryBlock, staff_id)
    if block is not None:
        db.delete(block)
        db.flush()


def failed_deliveries(
    db: DbSession,
    *,
    viewer_staff_id: int | None = None,
    now: datetime | None = None,
    limit: int = 30,
) -> list[DeliveryProblem]:
    """Messages that could not be delivered, newest first; audited when `now` is given."""
    rows = db.exec(
        select(OutboxMessage, Staff)
        .join(Staff, col(Staff.id) == col(OutboxMessage.staff_id))
        .where(col(OutboxMessage.state).in_([OutboxState.FAILED, OutboxState.BLOCKED]))
        .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
        .limit(limit)
    ).all()
    if now is not None:
        audit.record(db, viewer_staff_id, "deliveries.failed.view", now, subject="outbox")
    return [
        DeliveryProblem(
            id=m.id,
            key=m.key,
            kind=m.kind,
            person=person(s),
            summary=m.summary,
            state=m.state,
            attempts=m.attempts,
            last_error=m.last_error,
            created_at=m.created_at,
        )
        for m, s in rows
        if m.id is not None
    ]


def retry_delivery(
    db: DbSession, message_id: int, now: datetime, *, actor_staff_id: int | None = None
) -> None:
    """A coordinator asks to try a failed or blocked message again (e.g. after a reinstall)."""
    row = db.get(OutboxMessage, message_id)
    if row is None or row.state not in (OutboxState.FAILED, OutboxState.BLOCKED):
        raise UnknownDelivery()
    clear_block(db, row.staff_id)
    row.state, row.attempts, row.next_attempt_at = OutboxState.PENDING, 0, now
    row.lease_until, row.leased_by = None, None
    db.add(row)
    audit.record(db, actor_staff_id, "deliveries.retry", now, subject=f"outbox {message_id}")
    db.flush()


def counts(db: DbSession) -> dict[str, int]:
    """How many messages are in each state (for benchmarks, health and tests)."""
    rows = db.exec(
        select(OutboxMessage.state, func.count()).group_by(col(OutboxMessage.state))
    ).all()
    return {state: int(n) for state, n in rows}
