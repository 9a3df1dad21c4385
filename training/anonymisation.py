"""Who has gone, and taking them out: the people the retention rule anonymises.

A person is gone when they have not been seen (`Staff.last_seen_at`, else when their record was
made) for the whole retention period and nothing still needs them: no record of their own is
left (a booking, a completion, a claim, an attendance, feedback, an invitation, a message still
to send them), they lead no board, they are not the manager on an open e-learning claim, and
they are not a coordinator. Their staff record stays, as a former member of staff (what points
at it keeps pointing), and whatever else names them is scrubbed: where to reach them, their
delivery blocks, the messages sent to them, and their address, Entra id and full name wherever
a text still holds them (the audit log, other people's messages, feedback comments, sessions'
facilitators, e-learning certificate names and notes).
"""

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, false, func, or_, select, union, update
from sqlmodel import Session as DbSession
from sqlmodel import col

from training.columns import cut
from training.models import (
    OPEN_CLAIM_STATUSES,
    AttendanceSync,
    AuditEntry,
    BoardLead,
    Booking,
    CalendarInvite,
    Completion,
    ConversationReference,
    DeliveryBlock,
    ElearningClaim,
    FeedbackRequest,
    FeedbackResponse,
    OutboxMessage,
    OutboxState,
    Session,
    SessionAttendance,
    Staff,
)

ANONYMOUS = "Former member of staff"
BATCH = 200  # people anonymised at a time
# Marks looked for in one query: SQLite refuses an expression deeper than 1,000, and each mark is
# a LIKE per column.
MARKS_PER_QUERY = 40

# Text columns that may name someone else than the row's own person, by model and key column.
TEXTS: tuple[tuple[Any, Any, tuple[str, ...]], ...] = (
    (AuditEntry, AuditEntry.id, ("subject", "detail")),
    (OutboxMessage, OutboxMessage.id, ("summary", "card_json")),
    (FeedbackResponse, FeedbackResponse.id, ("most_useful", "could_be_better")),
    (Session, Session.id, ("facilitators", "cancel_reason")),
    (AttendanceSync, AttendanceSync.id, ("organiser", "last_error")),
    (ElearningClaim, ElearningClaim.id, ("certificate_name", "decision_note")),
)


def _still_needed() -> Select[tuple[int | None]]:
    """The staff ids that something still needs (see the module's docstring)."""
    return select(
        union(
            select(col(Booking.staff_id)),
            select(col(Completion.staff_id)),
            select(col(ElearningClaim.staff_id)),
            select(col(SessionAttendance.staff_id)).where(
                col(SessionAttendance.staff_id).is_not(None)
            ),
            select(col(FeedbackResponse.staff_id)),
            select(col(FeedbackRequest.staff_id)),
            select(col(CalendarInvite.staff_id)),
            select(col(BoardLead.staff_id)),
            select(col(ElearningClaim.manager_staff_id)).where(
                col(ElearningClaim.status).in_(OPEN_CLAIM_STATUSES),
                col(ElearningClaim.manager_staff_id).is_not(None),
            ),
            select(col(OutboxMessage.staff_id)).where(
                col(OutboxMessage.state) == OutboxState.PENDING
            ),
        ).subquery()
    )


def _is_coordinator(coordinators: Iterable[str]) -> ColumnElement[bool]:
    keys = sorted({c.strip().lower() for c in coordinators if c.strip()})
    if not keys:
        return false()
    # Compared through coalesce: a missing address must be a no, never an unknown.
    return or_(
        func.coalesce(col(Staff.email), "").in_(keys),
        func.coalesce(col(Staff.aad_object_id), "").in_(keys),
    )


@dataclass(frozen=True)
class Gone:
    """A person being anonymised, and the strings that identify them in a text."""

    staff_id: int
    email: str | None
    aad_object_id: str | None
    display_name: str

    def marks(self) -> list[str]:
        """Their address and Entra id, and their name when it is a full name (a one-word name
        such as 'Manager' or 'Unknown' would scrub ordinary words); a name as JSON writes it
        too (a card holds 'Siobh\\u00e1n')."""
        marks = [m for m in (self.email, self.aad_object_id) if m]
        name = self.display_name.strip()
        if len(name.split()) >= 2:
            marks += {name, json.dumps(name)[1:-1]}
        return marks


def gone_people(db: DbSession, cutoff: datetime, coordinators: Iterable[str]) -> list[Gone]:
    seen = func.coalesce(col(Staff.last_seen_at), col(Staff.created_at))
    rows = db.execute(
        select(
            col(Staff.id), col(Staff.email), col(Staff.aad_object_id), col(Staff.display_name)
        ).where(
            seen < cutoff,
            col(Staff.display_name) != ANONYMOUS,
            col(Staff.id).not_in(_still_needed()),
            ~_is_coordinator(coordinators),
        )
    ).all()
    return [Gone(*row) for row in rows]


def anonymise(db: DbSession, people: Sequence[Gone], now: datetime) -> None:
    """Scrub every trace of `people` (all of them gone), in the caller's transaction."""
    for batch in _batches(people):
        ids = [p.staff_id for p in batch]
        db.execute(
            delete(ConversationReference).where(col(ConversationReference.staff_id).in_(ids))
        )
        db.execute(delete(DeliveryBlock).where(col(DeliveryBlock.staff_id).in_(ids)))
        db.execute(delete(OutboxMessage).where(col(OutboxMessage.staff_id).in_(ids)))
        _scrub_texts(db, batch)
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


def _batches(people: Sequence[Gone]) -> Iterator[Sequence[Gone]]:
    for start in range(0, len(people), BATCH):
        yield people[start : start + BATCH]


def _scrub_texts(db: DbSession, batch: Sequence[Gone]) -> None:
    """Each mark becomes 'staff N' (the record it was, now a former member of staff), so an
    audit entry still says whose it was without saying who they were."""
    replacements = {mark: f"staff {p.staff_id}" for p in batch for mark in p.marks()}
    if not replacements:
        return
    # Longest first, so a name is not replaced inside the address that holds it.
    pattern = re.compile(
        "|".join(re.escape(m) for m in sorted(replacements, key=len, reverse=True)),
        re.IGNORECASE,
    )
    folded = {mark.lower(): value for mark, value in replacements.items()}

    def scrubbed(value: str, column: Any) -> str:
        return cut(pattern.sub(lambda m: folded[m.group(0).lower()], value), column)

    marks = list(replacements)
    for model, key, names in TEXTS:
        columns = [model.__table__.c[name] for name in names]
        for start in range(0, len(marks), MARKS_PER_QUERY):
            chunk = marks[start : start + MARKS_PER_QUERY]
            mentions = or_(*(c.icontains(m, autoescape=True) for c in columns for m in chunk))
            for row in db.execute(select(key, *columns).where(mentions)).all():
                changed = {
                    c.name: scrubbed(value, c)
                    for c, value in zip(columns, row[1:], strict=True)
                    if value
                }
                db.execute(update(model).where(key == row[0]).values(**changed))
