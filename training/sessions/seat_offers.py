"""Seat offers: the person a freed seat is held for accepts it, declines it, or lets it run out.

Offers are made by the one promotion rule (`training.sessions.booking.promote_from_waiting_list`).
Every answer, and the sweep that passes on offers nobody answered, locks the session's row
first (as every change to its seats does) and then reads the offer again: two presses, a
press racing the sweep, or two replicas take turns, and only the first changes anything; the
others are told how the offer ended. Offers live in the database, so a restart loses none.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.errors import NotYourOffer, UnknownOffer
from training.models import Booking, BookingStatus, OfferState, SeatOffer, Session, Staff
from training.sessions.booking import (
    end_booking,
    handled_request,
    passed_at,
    promote_from_waiting_list,
    remember_request,
)
from training.sessions.offer_rule import OfferPolicy
from training.sessions.queries import booking_summary, load_session, person
from training.views import BookingSummary, Person, SeatPassed


@dataclass(frozen=True)
class OfferAnswer:
    """How an offer stands after someone answered it.

    `changed` is false when the offer had already ended (a stale card, a second press): the
    answer then only says how it ended. `passed` is who the seat went to next when this answer
    passed it on (also when a late press found the offer run out), so they can be told.
    """

    booking: BookingSummary
    state: str
    expires_at: datetime
    passed: tuple[SeatPassed, ...] = ()
    changed: bool = True
    repeated: bool = False


@dataclass(frozen=True)
class OfferLapse:
    """An offer nobody answered in time: the person it was held for, and who had it next."""

    offer_id: int
    person: Person
    booking: BookingSummary
    expires_at: datetime
    passed: tuple[SeatPassed, ...]


def notice_key(passed: SeatPassed) -> str:
    """The outbox key of the message telling someone a seat is theirs or is offered to them:
    the same whoever sends it (the turn that freed the seat, or the sweep), so it goes once."""
    booking = passed.booking
    if booking.offer_id is not None:
        return f"seat-offer:{booking.offer_id}:to:{passed.person.staff_id}"
    return f"seat-given:{booking.id}:to:{passed.person.staff_id}"


def notice_summary(passed: SeatPassed) -> str:
    course = passed.booking.session.course_title
    if passed.booking.status == BookingStatus.OFFERED:
        return f"A seat is free on {course}: accept it by the time on the card."
    return f"A seat came free on {course}: you're booked."


def lapse_key(lapse: OfferLapse) -> str:
    return f"seat-offer:{lapse.offer_id}:lapsed:to:{lapse.person.staff_id}"


def _locked(db: DbSession, staff_id: int, offer_id: int) -> tuple[Session, SeatOffer, Booking]:
    """The offer and its booking, read again under the session's lock; only the person it was
    made to may answer it (a card forwarded to someone else is refused)."""
    probe = db.get(SeatOffer, offer_id)
    if probe is None:
        raise UnknownOffer()
    session = load_session(db, probe.session_id, lock=True)
    db.refresh(probe)
    booking = db.get(Booking, probe.booking_id)
    assert booking is not None
    db.refresh(booking)
    if booking.staff_id != staff_id:
        raise NotYourOffer()
    return session, probe, booking


def _lapse(
    db: DbSession,
    session: Session,
    offer: SeatOffer,
    booking: Booking,
    now: datetime,
    offers: OfferPolicy,
) -> list[SeatPassed]:
    end_booking(db, booking, now, OfferState.EXPIRED)
    return promote_from_waiting_list(db, session, now, offers=offers)


def _answer(
    db: DbSession,
    offer: SeatOffer,
    booking: Booking,
    *,
    passed: tuple[SeatPassed, ...] | list[SeatPassed] = (),
    changed: bool,
    repeated: bool = False,
) -> OfferAnswer:
    return OfferAnswer(
        booking=booking_summary(db, booking),
        state=offer.state,
        expires_at=offer.expires_at,
        passed=tuple(passed),
        changed=changed,
        repeated=repeated,
    )


def _as_before(db: DbSession, offer: SeatOffer, booking: Booking) -> OfferAnswer:
    """A redelivered answer: as the first time, with whoever it passed the seat to."""
    passed: tuple[SeatPassed, ...] = ()
    if offer.state != OfferState.ACCEPTED and offer.answered_at is not None:
        passed = passed_at(db, booking, offer.answered_at)
    return _answer(db, offer, booking, passed=passed, changed=False, repeated=True)


def accept_offer(
    db: DbSession,
    staff_id: int,
    offer_id: int,
    now: datetime,
    *,
    offers: OfferPolicy,
    request_key: str | None = None,
) -> OfferAnswer:
    """Take the seat held for `staff_id`, if the offer is still open and has not run out."""
    session, offer, booking = _locked(db, staff_id, offer_id)
    if handled_request(db, request_key) is not None:
        return _as_before(db, offer, booking)
    if offer.state != OfferState.OPEN:
        return _answer(db, offer, booking, changed=False)
    if now >= offer.expires_at:  # the sweep has not got to it yet: it lapses here, once
        passed = _lapse(db, session, offer, booking, now, offers)
        return _answer(db, offer, booking, passed=passed, changed=False)
    offer.state, offer.answered_at = OfferState.ACCEPTED, now
    booking.status, booking.seat_given_at, booking.updated_at = BookingStatus.BOOKED, now, now
    db.add(offer)
    db.add(booking)
    remember_request(db, request_key, booking, now)
    db.flush()
    return _answer(db, offer, booking, changed=True)


def decline_offer(
    db: DbSession,
    staff_id: int,
    offer_id: int,
    now: datetime,
    *,
    offers: OfferPolicy,
    request_key: str | None = None,
) -> OfferAnswer:
    """Say no to the seat held for `staff_id`: it goes to the next person waiting, and the
    decliner leaves the waiting list."""
    session, offer, booking = _locked(db, staff_id, offer_id)
    if handled_request(db, request_key) is not None:
        return _as_before(db, offer, booking)
    if offer.state != OfferState.OPEN:
        return _answer(db, offer, booking, changed=False)
    if now >= offer.expires_at:
        passed = _lapse(db, session, offer, booking, now, offers)
        return _answer(db, offer, booking, passed=passed, changed=False)
    end_booking(db, booking, now, OfferState.DECLINED)
    remember_request(db, request_key, booking, now)
    passed = promote_from_waiting_list(db, session, now, offers=offers)
    return _answer(db, offer, booking, passed=passed, changed=True)


def pass_on_expired_offers(
    db: DbSession, now: datetime, *, offers: OfferPolicy, limit: int = 200
) -> list[OfferLapse]:
    """Every open offer whose time is up ends, and its seat goes to the next person waiting
    (offered again while the session is close, never past the cut-off). Sessions are locked in
    id order, so two sweeps at once cannot deadlock; an offer already answered is skipped."""
    due = db.exec(
        select(SeatOffer.session_id)
        .where(SeatOffer.state == OfferState.OPEN, col(SeatOffer.expires_at) <= now)
        .order_by(col(SeatOffer.session_id))
        .limit(limit)
    ).all()
    lapses = []
    for session_id in sorted(set(due)):
        session = load_session(db, session_id, lock=True)
        expired = db.exec(
            select(SeatOffer, Booking)
            .join(Booking, col(Booking.id) == col(SeatOffer.booking_id))
            .where(
                SeatOffer.session_id == session_id,
                SeatOffer.state == OfferState.OPEN,
                col(SeatOffer.expires_at) <= now,
            )
            .order_by(col(SeatOffer.expires_at), col(SeatOffer.id))
            .execution_options(populate_existing=True)
        ).all()
        for offer, booking in expired:
            assert offer.id is not None
            passed = _lapse(db, session, offer, booking, now, offers)
            staff = db.get(Staff, booking.staff_id)
            assert staff is not None
            lapses.append(
                OfferLapse(
                    offer.id,
                    person(staff),
                    booking_summary(db, booking),
                    offer.expires_at,
                    tuple(passed),
                )
            )
    return lapses


def open_offers(db: DbSession) -> list[SeatPassed]:
    """Every offer waiting for an answer, with the person it is held for."""
    rows = db.exec(
        select(Booking, Staff)
        .join(SeatOffer, col(SeatOffer.booking_id) == col(Booking.id))
        .join(Staff, col(Staff.id) == col(Booking.staff_id))
        .where(SeatOffer.state == OfferState.OPEN)
        .order_by(col(SeatOffer.id))
    ).all()
    return [SeatPassed(person(staff), booking_summary(db, booking)) for booking, staff in rows]


def offer_on_session(
    db: DbSession, staff_id: int, session_id: int, request_key: str | None = None
) -> int | None:
    """The offer a typed 'accept 12' means: the one held for `staff_id` on the session, or
    the one this same request answered already (a redelivery)."""
    handled = handled_request(db, request_key)
    mine = select(SeatOffer.id).join(Booking, col(Booking.id) == col(SeatOffer.booking_id))
    mine = mine.where(Booking.staff_id == staff_id, SeatOffer.session_id == session_id)
    if handled is not None and handled.booking_id is not None:
        answered = db.exec(mine.where(SeatOffer.booking_id == handled.booking_id)).first()
        if answered is not None:
            return answered
    return db.exec(mine.where(SeatOffer.state == OfferState.OPEN)).first()
