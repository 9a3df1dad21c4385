"""The booking rules, on a real database (SQLite, and PostgreSQL when configured)."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tests.factories import add_course, add_session, add_staff
from training.errors import (
    AlreadyBooked,
    CancellationClosed,
    SessionCancelled,
    SessionClosed,
    SessionFull,
    UnknownBooking,
    UnknownSession,
)
from training.models import Booking, BookingStatus
from training.sessions.booking import book_seat, cancel_booking, my_bookings, upcoming_sessions
from training.sessions.offer_rule import OfferPolicy
from training.sessions.schedule import cancel_session, roster

OFFERS = OfferPolicy()  # the default: 3 days, 12 hours


@pytest.fixture
def small_session(database, clock):
    """A two-seat WRAP session a week away, and four colleagues."""
    with database.unit_of_work() as db:
        course = add_course(db)
        session = add_session(db, course, clock.now() + timedelta(days=7), capacity=2)
        people = [add_staff(db, name, clock.now()) for name in ("Ann", "Bob", "Cat", "Dev")]
    return session.id, [p.id for p in people]


def test_booking_takes_a_seat_and_shows_seats_left(database, clock, small_session):
    session_id, (ann, *_) = small_session
    with database.unit_of_work() as db:
        outcome = book_seat(db, ann, session_id, clock.now())
    assert outcome.booking.status == BookingStatus.BOOKED
    assert outcome.booking.session.seats_left == 1


def test_a_full_session_offers_the_waiting_list_and_never_overbooks(database, clock, small_session):
    session_id, (ann, bob, cat, dev) = small_session
    with database.unit_of_work() as db:
        book_seat(db, ann, session_id, clock.now())
        book_seat(db, bob, session_id, clock.now())
    with pytest.raises(SessionFull), database.unit_of_work() as db:
        book_seat(db, cat, session_id, clock.now())
    with database.unit_of_work() as db:
        waiting = book_seat(db, cat, session_id, clock.now(), join_waiting_list=True)
        second = book_seat(
            db, dev, session_id, clock.now() + timedelta(seconds=1), join_waiting_list=True
        )
    assert waiting.booking.status == BookingStatus.WAITLISTED
    assert (waiting.booking.waitlist_position, second.booking.waitlist_position) == (1, 2)
    assert second.booking.session.booked == 2


def test_one_live_booking_per_person(database, clock, small_session):
    session_id, (ann, *_) = small_session
    with database.unit_of_work() as db:
        book_seat(db, ann, session_id, clock.now())
    with pytest.raises(AlreadyBooked), database.unit_of_work() as db:
        book_seat(db, ann, session_id, clock.now(), join_waiting_list=True)


def test_the_database_itself_refuses_a_second_live_booking(database, clock, small_session):
    session_id, (ann, *_) = small_session
    with database.unit_of_work() as db:
        book_seat(db, ann, session_id, clock.now())
    with pytest.raises(IntegrityError), database.unit_of_work() as db:
        db.add(
            Booking(
                session_id=session_id,
                staff_id=ann,
                status=BookingStatus.WAITLISTED,
                requested_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        db.flush()


def test_cancelling_promotes_the_first_waiting(database, clock, small_session):
    session_id, (ann, bob, cat, dev) = small_session
    with database.unit_of_work() as db:
        first = book_seat(db, ann, session_id, clock.now())
        book_seat(db, bob, session_id, clock.now())
        book_seat(db, cat, session_id, clock.now(), join_waiting_list=True)
        book_seat(db, dev, session_id, clock.now() + timedelta(seconds=1), join_waiting_list=True)
    with database.unit_of_work() as db:
        result = cancel_booking(db, ann, first.booking.id, clock.now(), offers=OFFERS)
    assert result.booking.status == BookingStatus.CANCELLED
    [passed] = result.passed
    assert passed.person.staff_id == cat and passed.booking.status == BookingStatus.BOOKED
    with database.unit_of_work() as db:
        mine = my_bookings(db, dev, clock.now())
    assert [(b.status, b.waitlist_position) for b in mine] == [("waitlisted", 1)]


def test_leaving_the_waiting_list_promotes_nobody(database, clock, small_session):
    session_id, (ann, bob, cat, _) = small_session
    with database.unit_of_work() as db:
        book_seat(db, ann, session_id, clock.now())
        book_seat(db, bob, session_id, clock.now())
        waiting = book_seat(db, cat, session_id, clock.now(), join_waiting_list=True)
    with database.unit_of_work() as db:
        result = cancel_booking(db, cat, waiting.booking.id, clock.now(), offers=OFFERS)
    assert result.passed == ()


def test_no_booking_on_past_cancelled_or_closed_sessions(database, clock, small_session):
    session_id, (ann, _bob, *_) = small_session
    with pytest.raises(SessionClosed), database.unit_of_work() as db:
        book_seat(db, ann, session_id, clock.now() + timedelta(days=8))
    with database.unit_of_work() as db:
        cancel_session(db, session_id, "trainer ill", clock.now())
    with pytest.raises(SessionCancelled), database.unit_of_work() as db:
        book_seat(db, ann, session_id, clock.now())
    with pytest.raises(UnknownSession), database.unit_of_work() as db:
        book_seat(db, ann, 99999, clock.now())


def test_cancellation_cut_off(database, clock, small_session):
    session_id, (ann, *_) = small_session
    with database.unit_of_work() as db:
        booked = book_seat(db, ann, session_id, clock.now())
    late = clock.now() + timedelta(days=6, hours=1)
    with pytest.raises(CancellationClosed), database.unit_of_work() as db:
        cancel_booking(db, ann, booked.booking.id, late, offers=OFFERS)


def test_someone_elses_booking_cannot_be_cancelled(database, clock, small_session):
    session_id, (ann, bob, *_) = small_session
    with database.unit_of_work() as db:
        booked = book_seat(db, ann, session_id, clock.now())
    with pytest.raises(UnknownBooking), database.unit_of_work() as db:
        cancel_booking(db, bob, booked.booking.id, clock.now(), offers=OFFERS)
    with database.unit_of_work() as db:
        assert roster(db, session_id).booked[0].person.staff_id == ann


def test_a_redelivered_request_books_once_even_after_a_cancel(database, clock, small_session):
    session_id, (ann, *_) = small_session
    with database.unit_of_work() as db:
        first = book_seat(db, ann, session_id, clock.now(), request_key="conv:activity-1")
    with database.unit_of_work() as db:
        cancel_booking(
            db, ann, first.booking.id, clock.now(), request_key="conv:activity-2", offers=OFFERS
        )
    with database.unit_of_work() as db:
        again = book_seat(db, ann, session_id, clock.now(), request_key="conv:activity-1")
    assert again.repeated
    assert again.booking.status == BookingStatus.CANCELLED
    with database.unit_of_work() as db:
        assert my_bookings(db, ann, clock.now()) == []


def test_cancelling_a_session_cancels_every_booking_and_names_who_to_tell(
    database, clock, small_session
):
    session_id, (ann, bob, cat, _) = small_session
    with database.unit_of_work() as db:
        book_seat(db, ann, session_id, clock.now())
        book_seat(db, bob, session_id, clock.now())
        book_seat(db, cat, session_id, clock.now(), join_waiting_list=True)
    with database.unit_of_work() as db:
        result = cancel_session(db, session_id, "venue closed", clock.now())
    assert sorted(p.staff_id for p in result.people_to_tell) == sorted([ann, bob, cat])
    with database.unit_of_work() as db:
        again = cancel_session(db, session_id, "venue closed", clock.now())
        assert again.repeated and again.people_to_tell == result.people_to_tell
        assert upcoming_sessions(db, clock.now()) == []
        assert my_bookings(db, ann, clock.now()) == []


def test_times_come_back_as_the_same_aware_utc_instant(database, clock, small_session):
    _session_id, _ = small_session
    with database.unit_of_work() as db:
        [found] = upcoming_sessions(db, clock.now())
    assert found.starts_at == clock.now() + timedelta(days=7)
    assert found.starts_at.utcoffset() == timedelta(0)


def test_a_repeated_cancellation_names_the_same_promoted_person(database, clock, small_session):
    session_id, (ann, bob, cat, _) = small_session
    with database.unit_of_work() as db:
        first = book_seat(db, ann, session_id, clock.now())
        book_seat(db, bob, session_id, clock.now())
        book_seat(db, cat, session_id, clock.now(), join_waiting_list=True)
    later = clock.now() + timedelta(hours=1)
    with database.unit_of_work() as db:
        done = cancel_booking(db, ann, first.booking.id, later, request_key="conv:x", offers=OFFERS)
    with database.unit_of_work() as db:
        again = cancel_booking(
            db, ann, first.booking.id, later, request_key="conv:x", offers=OFFERS
        )
    assert again.repeated and done.passed == again.passed
    assert [p.person.staff_id for p in again.passed] == [cat]
