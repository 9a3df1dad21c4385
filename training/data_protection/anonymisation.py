"""Who has gone, and taking them out: the people the retention rule anonymises.

A person is gone when they have not been seen (`Staff.last_seen_at`, else when their record was
made) for the whole retention period and nothing still needs them: no record of their own is
left (a booking, a completion, a claim, an attendance, feedback, an invitation, a message still
to send them), they lead no board, they facilitate no session that has not ended, they are not
the manager on an open e-learning claim, and they are not a coordinator. Their staff record
stays, as a former member of staff (what points at it keeps pointing), and whatever else names
them is scrubbed: where to reach them, their delivery blocks, the messages sent to them, and
their address, Entra id and full name wherever a text still holds them (the audit log, other
people's messages, feedback comments, names of facilitators still to fix, e-learning
certificate names and notes, reasons given on a register).
"""

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    delete,
    false,
    func,
    or_,
    select,
    union,
    update,
)
from sqlmodel import Session as DbSession
from sqlmodel import col

from database.columns import cut
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
    SessionFacilitator,
    Staff,
)

ANONYMOUS = "Former member of staff"
BATCH = 200  # people anonymised at a time
# Rows read at a time while searching a table's texts. The search is done here, not in SQL: a
# substring test in Python costs a tenth of a LIKE per mark (SQLite lower-cases the column for
# each one, and refuses an expression deeper than 1,000 marks).
SCAN_ROWS = 5000

# Text columns that may name someone other than the row's own person.
TEXTS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (AuditEntry, ("subject", "detail")),
    (OutboxMessage, ("summary", "card_json")),
    (FeedbackResponse, ("most_useful", "could_be_better")),
    (Session, ("facilitators", "cancel_reason")),
    (AttendanceSync, ("organiser", "last_error")),
    (ElearningClaim, ("certificate_name", "decision_note")),
    (SessionAttendance, ("reason",)),  # a coordinator's word on someone's attendance
)


def _still_needed(now: datetime) -> Select[tuple[int | None]]:
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
            select(col(SessionFacilitator.staff_id))
            .join(Session, col(Session.id) == col(SessionFacilitator.session_id))
            .where(col(Session.ends_at) > now),
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


def gone_people(
    db: DbSession, cutoff: datetime, coordinators: Iterable[str], now: datetime
) -> list[Gone]:
    seen = func.coalesce(col(Staff.last_seen_at), col(Staff.created_at))
    rows = db.execute(
        select(
            col(Staff.id), col(Staff.email), col(Staff.aad_object_id), col(Staff.display_name)
        ).where(
            seen < cutoff,
            col(Staff.display_name) != ANONYMOUS,
            col(Staff.id).not_in(_still_needed(now)),
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
    audit entry still says whose it was without saying who they were. A mark counts only as a
    whole: 'Lee Leaver' is not in 'Lee Leaverton', nor 'jo@x.org' in 'anjo@x.org'."""
    replacements = {mark.lower(): f"staff {p.staff_id}" for p in batch for mark in p.marks()}
    if not replacements:
        return
    # Longest first, so a name is not replaced inside the address that holds it.
    alternatives = "|".join(re.escape(m) for m in sorted(replacements, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.+@-])(?:{alternatives})(?![\w@-])", re.IGNORECASE)

    def scrubbed(value: str | None, column: Any) -> str | None:
        if not value:
            return value
        return cut(pattern.sub(lambda m: replacements[m.group(0).lower()], value), column)

    for model, names in TEXTS:
        table = model.__table__
        columns = [table.c[name] for name in names]
        changes = []
        for row in _every_row(db, table.c.id, columns, or_(*(c != "" for c in columns))):
            lowered = "\n".join(value for value in row[1:] if value).lower()
            if not any(mark in lowered for mark in replacements):
                continue  # the cheap test first: most rows name nobody who has gone
            new = [scrubbed(value, c) for value, c in zip(row[1:], columns, strict=True)]
            if new != list(row[1:]):
                changes.append(
                    {
                        "row": row[0],
                        **{f"new_{c.name}": v for c, v in zip(columns, new, strict=True)},
                    }
                )
        if changes:
            statement = (
                update(table)
                .where(table.c.id == bindparam("row"))
                .values({c.name: bindparam(f"new_{c.name}") for c in columns})
            )
            db.execute(statement, changes)


def _every_row(
    db: DbSession, key: Any, columns: list[Any], where: ColumnElement[bool]
) -> Iterator[Any]:
    """The key and `columns` of every row where `where` holds, a page at a time in key order."""
    last = None
    while True:
        page = select(key, *columns).where(where).order_by(key).limit(SCAN_ROWS)
        rows = db.execute(page if last is None else page.where(key > last)).all()
        yield from rows
        if len(rows) < SCAN_ROWS:
            return
        last = rows[-1][0]
