"""Integration points for features built elsewhere: session feedback and attendance sync.

The reminder sweep calls each hook once per session that has ended (within 14 days of its end),
and remembers that it did so only when the hook returns without raising, so a hook that fails is
called again at the next sweep.

- `request_feedback_for_session(db, session, now)` runs inside the sweep's database transaction.
  It returns the messages to send; they are written to the outbox in that same transaction (each
  key must be unique; keep the 'feedback:session:<id>:to:<staff id>' form). The feedback feature
  replaces the body (e.g. with its own card and its own records); today it sends a placeholder.
- `sync_attendance_for_session(session, now)` is awaited on the event loop for each online
  session. The attendance feature (Graph attendance reports) replaces the body; until then it
  only logs. It may schedule its own later tries (reports can arrive hours after the meeting).
"""

import logging
from datetime import datetime

from sqlmodel import Session as DbSession

from bot.cards.elements import card, heading, text
from training.due import EndedSession
from training.outbox import OutgoingMessage

log = logging.getLogger(__name__)

FEEDBACK_STEP = "feedback"
ATTENDANCE_STEP = "attendance-sync"


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


async def sync_attendance_for_session(session: EndedSession, now: datetime) -> None:
    """Fetch the Teams attendance report for an ended online session (not wired yet)."""
    log.info(
        "attendance sync for session %s is not wired yet (ended %s)",
        session.session_id,
        session.ends_at.isoformat(),
    )
