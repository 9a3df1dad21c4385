"""Integration point for session feedback.

The reminder sweep calls each hook once per session that has ended (within 14 days of its end),
and remembers that it did so only when the hook returns without raising, so a hook that fails is
called again at the next sweep.

- `request_feedback_for_session(db, session, now)` runs inside the sweep's database transaction.
  It returns the messages to send; they are written to the outbox in that same transaction (each
  key must be unique; keep the 'feedback:session:<id>:to:<staff id>' form). The feedback feature
  replaces the body (e.g. with its own card and its own records); today it sends a placeholder.

Attendance sync and retention are not hooks: the sweep is given them as callables (bot/app.py),
because they need the Graph client and file storage, which live outside the domain.
"""

from datetime import datetime

from sqlmodel import Session as DbSession

from bot.cards.elements import card, heading, text
from training.due import EndedSession
from training.outbox import OutgoingMessage

FEEDBACK_STEP = "feedback"


def request_feedback_for_session(
    db: DbSession, session: EndedSession, now: datetime
) -> list[OutgoingMessage]:
    """Ask each person booked on an ended session for feedback (placeholder until wired)."""
    placeholder = card(
        [
            heading(f"How was {session.course_title}?"),
            text("Thank you for coming. The feedback form will appear here."),
        ]
    )
    return [
        OutgoingMessage(
            key=f"feedback:session:{session.session_id}:to:{staff_id}",
            kind="feedback_request",
            staff_id=staff_id,
            summary=f"How was {session.course_title}?",
            card=placeholder,
        )
        for staff_id in session.attendee_staff_ids
    ]
