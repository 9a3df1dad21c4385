"""Two of the sweep's steps that only need the database: seat offers nobody answered passed on,
and feedback requests (after a session ends, each person who attended, or is still booked until
attendance is known, gets the feedback card once).

Each runs in one transaction: the cards go into the outbox and what was done is recorded
together, so a restart or a second replica neither loses nor repeats one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession

from database.engine import Database
from delivery import outbox
from delivery.outbox import OutgoingMessage
from scheduler.sweep import SweepStep
from training.errors import TrainingError
from training.figures.feedback import (
    FeedbackForm,
    feedback_form,
    feedback_requests_due,
    record_feedback_requested,
)
from training.models import BookingStatus
from training.sessions.offer_rule import OfferPolicy
from training.sessions.seat_offers import (
    OfferLapse,
    lapse_key,
    notice_key,
    notice_summary,
    open_offers,
    pass_on_expired_offers,
)
from training.views import BookingSummary, SeatPassed

FeedbackCard = Callable[[FeedbackForm, ZoneInfo], dict[str, Any]]
SeatCard = Callable[[BookingSummary, ZoneInfo, datetime], dict[str, Any]]
LapseCard = Callable[[OfferLapse, ZoneInfo], dict[str, Any]]


@dataclass(frozen=True)
class SeatCards:
    """The cards that tell people about seats, drawn by the bot."""

    offer: SeatCard
    given: SeatCard
    lapsed: LapseCard


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


def _seat_message(
    passed: SeatPassed, zone: ZoneInfo, cards: SeatCards, now: datetime
) -> OutgoingMessage:
    offered = passed.booking.status == BookingStatus.OFFERED
    return OutgoingMessage(
        key=notice_key(passed),
        kind="seat_offer" if offered else "seat_given",
        staff_id=passed.person.staff_id,
        summary=notice_summary(passed),
        card=(cards.offer if offered else cards.given)(passed.booking, zone, now),
    )


def pass_on_seat_offers(
    db: DbSession, now: datetime, offers: OfferPolicy, zone: ZoneInfo, cards: SeatCards
) -> int:
    """Offers nobody answered in time pass to the next person waiting, and each person is told,
    in the same transaction. Every open offer's card is queued again too (a no-op once it is
    there), so an offer whose turn stopped before queueing its card is still sent."""
    messages = []
    for lapse in pass_on_expired_offers(db, now, offers=offers):
        messages.append(
            OutgoingMessage(
                key=lapse_key(lapse),
                kind="seat_offer_lapsed",
                staff_id=lapse.person.staff_id,
                summary=f"The seat held for you on {lapse.booking.session.course_title} has gone.",
                card=cards.lapsed(lapse, zone),
            )
        )
        messages += [
            _seat_message(p, zone, cards, now) for p in lapse.passed if p.booking.offer_id is None
        ]
    messages += [_seat_message(p, zone, cards, now) for p in open_offers(db)]
    return outbox.enqueue(db, messages, now)


def seat_offer_step(
    database: Database, offers: OfferPolicy, zone: ZoneInfo, cards: SeatCards
) -> SweepStep:
    """Seats freed by offers nobody answered, passed on; counts the messages queued."""

    async def pass_on(now: datetime) -> int:
        return await database.run(pass_on_seat_offers, now, offers, zone, cards)

    return SweepStep("seat offers", pass_on)


def feedback_step(
    database: Database, edit_days: int, zone: ZoneInfo, card: FeedbackCard
) -> SweepStep:
    """The feedback card for everyone due one; counts the cards queued."""

    async def ask(now: datetime) -> int:
        try:
            return await database.run(request_feedback, now, edit_days, zone, card)
        except IntegrityError:  # another replica queued the same requests in the same moment
            return 0

    return SweepStep("feedback", ask)
