"""A coordinator writes to the people booked on a session (and, if they choose, to those
waiting): who it goes to, and the record that it was sent."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
from training.errors import InvalidSessionDetails
from training.models import (
    SEATED_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    HandledRequest,
    SessionStatus,
    Staff,
)
from training.sessions.queries import load_session, person, session_summary
from training.views import Person, SessionSummary

MAX_MESSAGE = 1000


@dataclass(frozen=True)
class MessageAudience:
    """Who a message about a session can go to: people holding seats (also after the
    session, as attended or not), and people waiting, each in booking order."""

    session: SessionSummary
    booked: list[Person]
    waiting: list[Person]
    repeated: bool = False

    def recipients(self, include_waiting: bool) -> list[Person]:
        return self.booked + (self.waiting if include_waiting else [])


def _in_order(db: DbSession, session_id: int, statuses: tuple[str, ...]) -> list[Person]:
    rows = db.exec(
        select(Staff)
        .join(Booking, col(Booking.staff_id) == col(Staff.id))
        .where(Booking.session_id == session_id, col(Booking.status).in_(statuses))
        .order_by(col(Booking.requested_at), col(Booking.id))
    ).all()
    return [person(s) for s in rows]


def _checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidSessionDetails("Write the message first: it can't be empty.")
    if len(text) > MAX_MESSAGE:
        raise InvalidSessionDetails(f"A message can be at most {MAX_MESSAGE} characters.")
    return text


def audience(db: DbSession, session_id: int, text: str = "") -> MessageAudience:
    """Who would get a message about the session (a cancelled one has nobody to write to)."""
    session = load_session(db, session_id)
    if session.status == SessionStatus.CANCELLED:
        raise InvalidSessionDetails(
            f"Session {session_id} is cancelled: everyone on it was told, and nobody is booked."
        )
    if text:
        _checked_text(text)
    return MessageAudience(
        session_summary(db, session_id),
        _in_order(db, session_id, SEATED_BOOKING_STATUSES),
        # Someone a seat is held for is still waiting for it, until they accept.
        _in_order(db, session_id, (BookingStatus.OFFERED, BookingStatus.WAITLISTED)),
    )


def record_message(
    db: DbSession,
    session_id: int,
    text: str,
    now: datetime,
    *,
    include_waiting: bool,
    draft: str,
    actor_staff_id: int | None = None,
) -> MessageAudience:
    """Record (audited) that the message is going to the session's people; a `draft` sent
    already returns the same people marked `repeated`, so pressing Send twice sends once."""
    text = _checked_text(text)
    found = audience(db, session_id)
    key = f"session-message:{session_id}:{draft}"[:200]
    if db.get(HandledRequest, key) is not None:
        return MessageAudience(found.session, found.booked, found.waiting, repeated=True)
    people = found.recipients(include_waiting)
    if not people:
        raise InvalidSessionDetails(
            f"Nobody is booked on session {session_id} yet, so there's nobody to send it to."
        )
    db.add(HandledRequest(key=key, handled_at=now))
    audit.record(
        db,
        actor_staff_id,
        "session.message",
        now,
        subject=f"session {session_id}",
        detail=f"to {len(people)} ({len(found.booked)} booked"
        + (f", {len(found.waiting)} waiting" if include_waiting else "")
        + f"): {text[:300]}",
    )
    return found
