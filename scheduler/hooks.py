"""Feedback requests: after a session ends, each person who attended (or is still booked, until
attendance is known) gets the feedback card once.

Runs inside the sweep's transaction: the cards go into the outbox and the requests are recorded
together, so a restart or a second replica neither loses nor repeats one.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session as DbSession

from training import outbox
from training.errors import TrainingError
from training.feedback import (
    FeedbackForm,
    feedback_form,
    feedback_requests_due,
    record_feedback_requested,
)
from training.outbox import OutgoingMessage

FeedbackCard = Callable[[FeedbackForm, ZoneInfo], dict[str, Any]]


def request_feedback(
    db: DbSession, now: datetime, edit_days: int, zone: ZoneInfo, feedback_card: FeedbackCard
) -> int:
    """Queue the feedback card (drawn by `feedback_card`) for everyone due one; returns how
    many were queued."""
    messages = []
    asked = []
    for due in feedback_requests_due(db, now, edit_days=edit_days):
        try:
            form = feedback_form(
                db, due.staff_id, due.session_id, now, edit_days=edit_days, zone=zone
            )
        except TrainingError:  # e.g. the window closed a moment ago: nothing to ask
            continue
        messages.append(
            OutgoingMessage(
                key=f"feedback:session:{due.session_id}:to:{due.staff_id}",
                kind="feedback_request",
                staff_id=due.staff_id,
                summary=f"How was {due.course_title}?",
                card=feedback_card(form, zone),
            )
        )
        asked.append((due.session_id, due.staff_id))
    record_feedback_requested(db, asked, now)
    return outbox.enqueue(db, messages, now)
