"""Staff-facing services: find sessions, book a seat or join the waiting list, cancel.

Every change starts by locking the session's row (PostgreSQL `FOR UPDATE`; on SQLite the unit
of work already holds the write lock), so counting seats and taking one cannot interleave.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import col, func, select

from training.errors import (
    AlreadyBooked,
    BookingMoved,
    CancellationClosed,
    SessionCancelled,
    SessionClosed,
    SessionFull,
    UnknownBooking,
)
from training.models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Course,
    Delivery,
    HandledRequest,
    OfferState,
    SeatOffer,
    Session,
    SessionStatus,
    Staff,
)
from training.sessions.offer_rule import Filling, OfferPolicy, how_to_fill
from training.sessions.queries import (
    booking_counts,
    booking_summary,
    cancel_closes_at,
    load_session,
    person,
    session_summary,
    summarise,
)
from training.views import (
    BookingOutcome,
    BookingSummary,
    CancellationOutcome,
    CourseChoice,
    SeatPassed,
    SessionSummary,
)


def courses(db: DbSession, *, live_only: bool = False) -> list[CourseChoice]:
    """The courses, by title; `live_only` leaves out e-learning (it has no sessions)."""
    query = select(Course).order_by(col(Course.title))
    if live_only:
        query = query.where(Course.delivery == Delivery.LIVE)
    rows = db.exec(query).all()
    return [
        CourseChoice(c.id, c.code, c.title, c.default_duration_minutes)
        for c in rows
        if c.id is not None
    ]


def _upcoming(
    course_code: str | None, starts_from: datetime | None, starts_before: datetime | None
) -> list[Any]:
    conditions: list[Any] = []
    if course_code:
        conditions.append(Course.code == course_code)
    if starts_from:
        conditions.append(Session.starts_at >= starts_from)
    if starts_before:
        conditions.append(Session.starts_at < starts_before)
    return conditions


def upcoming_sessions(
    db: DbSession,
    now: datetime,
    *,
    course_code: str | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    limit: int = 10,
    skip: int = 0,
) -> list[SessionSummary]:
    """Scheduled sessions that have not started, soonest first, optionally narrowed; `skip`
    passes over the first ones (the next page of a listing)."""
    query = (
        select(Session, Course)
        .join(Course)
        .where(Session.status == SessionStatus.SCHEDULED, Session.starts_at > now)
        .where(*_upcoming(course_code, starts_from, starts_before))
        .order_by(col(Session.starts_at), col(Session.id))
        .offset(skip)
        .limit(limit)
    )
    rows = db.exec(query).all()
    counts = booking_counts(db, [s.id for s, _ in rows if s.id is not None])
    return [summarise(s, c, counts[s.id]) for s, c in rows if s.id is not None]


def count_upcoming(
    db: DbSession,
    now: datetime,
    *,
    course_code: str | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
) -> int:
    """How many sessions `upcoming_sessions` would list with no limit (for "10 of 15")."""
    query = (
        select(func.count())
        .select_from(Session)
        .join(Course)
        .where(Session.status == SessionStatus.SCHEDULED, Session.starts_at > now)
        .where(*_upcoming(course_code, starts_from, starts_before))
    )
    return int(db.exec(query).one())


@dataclass(frozen=True)
class SessionListing:
    """One page of upcoming sessions, as a person sees them: how many there are in all, their
    own status on each (booked, waitlisted, offered) and the course the words named, if any."""

    sessions: tuple[SessionSummary, ...]
    total: int
    my_status: Mapping[int, str]
    course: CourseChoice | None


@dataclass(frozen=True)
class CourseNotMatched:
    """The words named no course (or more than one): the courses there are, to choose from."""

    wanted: str
    choices: tuple[CourseChoice, ...]


def session_listing(
    db: DbSession,
    staff_id: int,
    now: datetime,
    *,
    course_words: str | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    limit: int = 10,
    skip: int = 0,
) -> SessionListing | CourseNotMatched:
    """The sessions listing in one read: the page, the count behind it and the person's own
    bookings, narrowed to the course `course_words` names (by code or title words)."""
    course = None
    if course_words:
        choices = courses(db)
        course = match_course(choices, course_words)
        if course is None:
            return CourseNotMatched(course_words, tuple(choices))
    narrowed: dict[str, Any] = {
        "course_code": course.code if course else None,
        "starts_from": starts_from,
        "starts_before": starts_before,
    }
    found = upcoming_sessions(db, now, limit=limit, skip=skip, **narrowed)
    total = count_upcoming(db, now, **narrowed)
    mine = {b.session.id: b.status for b in my_bookings(db, staff_id, now)}
    return SessionListing(tuple(found), total, mine, course)


def _check_bookable(session: Session, now: datetime) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise SessionCancelled()
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
        raise SessionClosed("that session has already taken place")
    if not session.bookings_open:
        raise SessionClosed()


def handled_request(db: DbSession, request_key: str | None) -> HandledRequest | None:
    if request_key is None:
        return None
    return db.get(HandledRequest, request_key)


def remember_request(
    db: DbSession, request_key: str | None, booking: Booking, now: datetime
) -> None:
    if request_key is not None:
        db.add(HandledRequest(key=request_key, booking_id=booking.id, handled_at=now))


def seats_taken(db: DbSession, session_id: int) -> int:
    """Seats booked, and seats held for someone until they answer an offer."""
    counts = booking_counts(db, [session_id])[session_id]
    return counts.get(BookingStatus.BOOKED, 0) + counts.get(BookingStatus.OFFERED, 0)


def book_seat(
    db: DbSession,
    staff_id: int,
    session_id: int,
    now: datetime,
    *,
    join_waiting_list: bool = False,
    request_key: str | None = None,
    undo: timedelta = timedelta(0),
) -> BookingOutcome:
    """Give `staff_id` a seat, or a waiting-list place when full and they asked for one.

    Raises `SessionFull` when full and `join_waiting_list` is false. A request already handled
    (same `request_key`, e.g. a redelivered Teams activity) returns the booking it made. A seat
    may be given back within `undo` of booking it, even inside the cancellation cut-off.
    """
    session = load_session(db, session_id, lock=True)
    handled = handled_request(db, request_key)
    if handled is not None and handled.booking_id is not None:
        booking = db.get(Booking, handled.booking_id)
        assert booking is not None
        return BookingOutcome(booking_summary(db, booking), repeated=True)

    _check_bookable(session, now)
    existing = db.exec(
        select(Booking).where(
            Booking.session_id == session_id,
            Booking.staff_id == staff_id,
            col(Booking.status).in_(LIVE_BOOKING_STATUSES),
        )
    ).first()
    has_seat = seats_taken(db, session_id) < session.capacity
    if existing is not None and existing.status == BookingStatus.WAITLISTED and has_seat:
        # A seat is free while people wait only once it is too late to offer it (past the
        # cut-off): then whoever asks first takes it, the people waiting as well.
        _give_seat(db, existing, now)
        remember_request(db, request_key, existing, now)
        db.flush()
        return BookingOutcome(booking_summary(db, existing))
    if existing is not None:
        raise AlreadyBooked(existing.status)
    if not has_seat and not join_waiting_list:
        raise SessionFull(session_id)
    booking = Booking(
        session_id=session_id,
        staff_id=staff_id,
        status=BookingStatus.BOOKED if has_seat else BookingStatus.WAITLISTED,
        requested_at=now,
        seat_given_at=now if has_seat else None,
        updated_at=now,
        undo_until=now + undo if has_seat and undo else None,
    )
    db.add(booking)
    db.flush()
    remember_request(db, request_key, booking, now)
    db.flush()
    return BookingOutcome(booking_summary(db, booking))


def _first_waitlisted(db: DbSession, session_id: int) -> Booking | None:
    return db.exec(
        select(Booking)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(col(Booking.requested_at), col(Booking.id))
        .limit(1)
    ).first()


def _give_seat(db: DbSession, booking: Booking, now: datetime) -> None:
    booking.status = BookingStatus.BOOKED
    booking.seat_given_at = now
    booking.updated_at = now
    db.add(booking)


def _passed(db: DbSession, booking: Booking) -> SeatPassed:
    staff = db.get(Staff, booking.staff_id)
    assert staff is not None
    return SeatPassed(person(staff), booking_summary(db, booking))


def promote_from_waiting_list(
    db: DbSession, session: Session, now: datetime, *, offers: OfferPolicy
) -> list[SeatPassed]:
    """Fill every free seat from the waiting list, in order, the one way for every path that
    frees or adds seats: given at once, or offered when the session is close
    (`training.sessions.offer_rule`). The session row must be locked."""
    assert session.id is not None
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
        return []
    rule = how_to_fill(offers, session.starts_at, session.cancellation_cutoff_hours, now)
    if rule.filling == Filling.LEAVE_FREE:
        return []
    passed = []
    while seats_taken(db, session.id) < session.capacity:
        waiting = _first_waitlisted(db, session.id)
        if waiting is None:
            break
        if rule.filling == Filling.GIVE:
            _give_seat(db, waiting, now)
        else:
            assert rule.until is not None and waiting.id is not None
            waiting.status = BookingStatus.OFFERED
            waiting.updated_at = now
            db.add(waiting)
            db.add(
                SeatOffer(
                    booking_id=waiting.id,
                    session_id=session.id,
                    offered_at=now,
                    expires_at=rule.until,
                )
            )
        db.flush()
        passed.append(_passed(db, waiting))
    return passed


def end_booking(db: DbSession, booking: Booking, now: datetime, offer: OfferState) -> None:
    """Cancel `booking`; an open offer on it ends as `offer` (declined, expired, withdrawn):
    an offer that ends without a seat ends the booking, so nobody is offered one seat twice."""
    open_offer = db.exec(
        select(SeatOffer).where(
            SeatOffer.booking_id == booking.id, SeatOffer.state == OfferState.OPEN
        )
    ).first()
    if open_offer is not None:
        open_offer.state = offer
        open_offer.answered_at = now
        db.add(open_offer)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.updated_at = now
    db.add(booking)
    db.flush()


def passed_at(db: DbSession, freed_by: Booking, moment: datetime) -> tuple[SeatPassed, ...]:
    """Who was given or offered a seat of this session at `moment` after waiting for it: what
    the end of `freed_by` (in one transaction, so at one instant) passed on, asked again."""
    session_id = freed_by.session_id
    offered = select(col(SeatOffer.booking_id)).where(
        SeatOffer.session_id == session_id, SeatOffer.offered_at == moment
    )
    rows = db.exec(
        select(Booking)
        .where(
            Booking.session_id == session_id,
            Booking.id != freed_by.id,
            col(Booking.id).in_(offered)
            | ((col(Booking.seat_given_at) == moment) & (col(Booking.requested_at) < moment)),
        )
        .order_by(col(Booking.requested_at), col(Booking.id))
    ).all()
    return tuple(_passed(db, b) for b in rows)


def booking_handled_by(db: DbSession, request_key: str) -> int | None:
    """The booking an already-handled request acted on, if any."""
    handled = handled_request(db, request_key)
    return handled.booking_id if handled is not None else None


def cancel_booking(
    db: DbSession,
    staff_id: int,
    booking_id: int,
    now: datetime,
    *,
    offers: OfferPolicy,
    request_key: str | None = None,
    expected_status: str | None = None,
) -> CancellationOutcome:
    """Cancel one of `staff_id`'s own bookings (or decline the seat held for them); a freed
    seat goes to the waiting list (`promote_from_waiting_list`).

    `expected_status` is what the person saw (a card's Cancel or Leave button): if the booking
    has moved on since (a waiting-list place became a seat), nothing is cancelled and
    `BookingMoved` says what is true now."""
    probe = db.get(Booking, booking_id)
    if probe is None or probe.staff_id != staff_id:
        raise UnknownBooking()
    session = load_session(db, probe.session_id, lock=True)
    db.refresh(probe)
    booking = probe

    handled = handled_request(db, request_key)
    if handled is not None:
        moment = booking.cancelled_at
        passed = passed_at(db, booking, moment) if moment else ()
        return CancellationOutcome(booking_summary(db, booking), passed, repeated=True)
    if booking.status not in LIVE_BOOKING_STATUSES:
        if expected_status is not None:
            raise BookingMoved(booking_summary(db, booking), expected_status)
        raise UnknownBooking()
    if expected_status is not None and booking.status != expected_status:
        raise BookingMoved(booking_summary(db, booking), expected_status)
    closes = cancel_closes_at(booking, session)
    if booking.status == BookingStatus.BOOKED and (closes is None or now >= closes):
        raise CancellationClosed(session.cancellation_cutoff_hours)

    frees_a_seat = booking.status != BookingStatus.WAITLISTED
    end_booking(db, booking, now, OfferState.DECLINED)
    remember_request(db, request_key, booking, now)
    given = promote_from_waiting_list(db, session, now, offers=offers) if frees_a_seat else []
    db.flush()
    return CancellationOutcome(booking=booking_summary(db, booking), passed=tuple(given))


def one_booking(db: DbSession, staff_id: int, booking_id: int) -> BookingSummary:
    """One of `staff_id`'s own bookings as it is now; `UnknownBooking` for anyone else's."""
    found = db.get(Booking, booking_id)
    if found is None or found.staff_id != staff_id:
        raise UnknownBooking()
    return booking_summary(db, found)


def my_bookings(db: DbSession, staff_id: int, now: datetime) -> list[BookingSummary]:
    """A person's live bookings on sessions still to come, soonest first."""
    rows = db.exec(
        select(Booking)
        .join(Session)
        .where(
            Booking.staff_id == staff_id,
            col(Booking.status).in_(LIVE_BOOKING_STATUSES),
            Session.ends_at > now,
        )
        .order_by(col(Session.starts_at))
    ).all()
    return [booking_summary(db, b) for b in rows]


def session_overview(db: DbSession, session_id: int) -> SessionSummary:
    """One session with its seats and waiting list counted; `UnknownSession` if there is none."""
    return session_summary(db, session_id)


def match_course(choices: list[CourseChoice], wanted: str) -> CourseChoice | None:
    """The course someone means by a code or a few words of its title, if exactly one fits."""
    wanted = wanted.strip().lower()
    for choice in choices:
        if choice.code.lower() == wanted:
            return choice
    words = wanted.split()
    fits = [c for c in choices if all(w in c.title.lower() or w in c.code.lower() for w in words)]
    return fits[0] if len(fits) == 1 else None
