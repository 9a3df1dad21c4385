"""Seat offers on a real database: made close to a session, held, accepted, declined, run out,
passed on, and answered once however many presses, sweeps and threads meet."""

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.factories import add_course, add_session, add_staff
from training.errors import NotYourOffer, SessionFull, UnknownOffer
from training.models import Booking, BookingStatus, OfferState, SeatOffer
from training.sessions.booking import book_seat, cancel_booking, my_bookings
from training.sessions.offer_rule import OfferPolicy
from training.sessions.schedule import cancel_session, roster
from training.sessions.seat_offers import (
    accept_offer,
    decline_offer,
    offer_on_session,
    pass_on_expired_offers,
)

OFFERS = OfferPolicy()  # offered within 3 days of the session, for 12 hours
NAMES = ("Ann", "Bob", "Cat", "Dev", "Eve")


def full_session(database, clock, days: float = 2, label: str = ""):
    """A two-seat session `days` away: Ann and Bob booked, Cat, Dev and Eve waiting in order."""
    now = clock.now()
    with database.unit_of_work() as db:
        course = add_course(db, f"WRAP{label}")
        session = add_session(db, course, now + timedelta(days=days), capacity=2)
        people = {n: add_staff(db, f"{n}{label}", now).id for n in NAMES}
        seats = {}
        for i, name in enumerate(NAMES):
            made = book_seat(
                db, people[name], session.id, now + timedelta(seconds=i), join_waiting_list=True
            )
            seats[name] = made.booking.id
    return session.id, people, seats


@pytest.fixture
def close(database, clock):
    return full_session(database, clock)


def cancel(database, clock, people, seats, name, at=None):
    with database.unit_of_work() as db:
        return cancel_booking(db, people[name], seats[name], at or clock.now(), offers=OFFERS)


def status(database, booking_id):
    with database.unit_of_work() as db:
        return db.get(Booking, booking_id).status


def test_a_seat_freed_two_days_before_is_offered_and_held(database, clock, close):
    session_id, people, seats = close
    result = cancel(database, clock, people, seats, "Ann")
    [offer] = result.passed
    assert offer.person.staff_id == people["Cat"] and offer.booking.status == "offered"
    assert offer.booking.offer_expires_at == clock.now() + timedelta(hours=12)
    assert offer.booking.session.seats_left == 0 and offer.booking.session.offered == 1

    with database.unit_of_work() as db:
        newcomer = add_staff(db, "Fay", clock.now()).id
    with pytest.raises(SessionFull), database.unit_of_work() as db:
        book_seat(db, newcomer, session_id, clock.now())
    with database.unit_of_work() as db:
        listed = roster(db, session_id)
        [mine] = my_bookings(db, people["Cat"], clock.now())
    assert [line.person.display_name for line in listed.offered] == ["Cat"]
    assert listed.offered[0].offer_expires_at == offer.booking.offer_expires_at
    assert [line.person.display_name for line in listed.waitlisted] == ["Dev", "Eve"]
    assert mine.status == "offered" and mine.offer_id == offer.booking.offer_id


def test_a_seat_freed_a_week_before_is_given_as_before(database, clock):
    _, people, seats = full_session(database, clock, days=7)
    [given] = cancel(database, clock, people, seats, "Ann").passed
    assert given.booking.status == "booked" and given.booking.offer_id is None
    assert status(database, seats["Cat"]) == BookingStatus.BOOKED


def test_accepting_books_the_seat(database, clock, close):
    _, people, seats = close
    [offer] = cancel(database, clock, people, seats, "Ann").passed
    with database.unit_of_work() as db:
        answer = accept_offer(
            db,
            people["Cat"],
            offer.booking.offer_id,
            clock.now() + timedelta(hours=1),
            offers=OFFERS,
        )
    assert answer.changed and answer.state == "accepted" and answer.passed == ()
    assert answer.booking.status == "booked" and answer.booking.session.seats_left == 0
    assert status(database, seats["Dev"]) == BookingStatus.WAITLISTED


def test_declining_passes_the_seat_down_the_list_until_nobody_is_left(database, clock, close):
    session_id, people, seats = close
    [offer] = cancel(database, clock, people, seats, "Ann").passed
    for name, after in (("Cat", "Dev"), ("Dev", "Eve"), ("Eve", None)):
        with database.unit_of_work() as db:
            answer = decline_offer(
                db, people[name], offer.booking.offer_id, clock.now(), offers=OFFERS
            )
        assert answer.changed and answer.state == "declined"
        assert answer.booking.status == "cancelled"  # off the waiting list
        if after is None:
            assert answer.passed == ()
            break
        [offer] = answer.passed
        assert offer.person.staff_id == people[after] and offer.booking.status == "offered"
    with database.unit_of_work() as db:
        listed = roster(db, session_id)
    assert listed.session.seats_left == 1 and listed.offered == () and listed.waitlisted == []


def test_an_offer_nobody_answers_passes_on_and_never_past_the_cut_off(database, clock, close):
    session_id, people, seats = close
    [cats] = cancel(database, clock, people, seats, "Ann").passed
    assert cats.person.staff_id == people["Cat"]
    with database.unit_of_work() as db:
        assert pass_on_expired_offers(db, clock.now() + timedelta(hours=11), offers=OFFERS) == []
    ran_out = clock.now() + timedelta(hours=12)
    with database.unit_of_work() as db:
        [lapse] = pass_on_expired_offers(db, ran_out, offers=OFFERS)
    assert lapse.person.staff_id == people["Cat"] and lapse.booking.status == "cancelled"
    [devs] = lapse.passed
    # Dev's 12 hours would end after the cut-off (24 h before the start): cut short there.
    assert devs.person.staff_id == people["Dev"]
    assert devs.booking.offer_expires_at == clock.now() + timedelta(hours=24)

    cut_off = clock.now() + timedelta(hours=24)
    with database.unit_of_work() as db:
        [lapse] = pass_on_expired_offers(db, cut_off, offers=OFFERS)
    assert lapse.passed == ()  # too late to ask Eve: the seat is free to book
    with database.unit_of_work() as db:
        assert roster(db, session_id).session.seats_left == 1
        eve = book_seat(db, people["Eve"], session_id, cut_off + timedelta(hours=1))
    assert eve.booking.status == "booked" and eve.booking.id == seats["Eve"]


def test_a_stale_press_changes_nothing_and_says_how_the_offer_ended(database, clock, close):
    _, people, seats = close
    [offer] = cancel(database, clock, people, seats, "Ann").passed
    offer_id = offer.booking.offer_id
    with database.unit_of_work() as db:
        decline_offer(db, people["Cat"], offer_id, clock.now(), offers=OFFERS)
    with database.unit_of_work() as db:
        late = accept_offer(db, people["Cat"], offer_id, clock.now(), offers=OFFERS)
    assert (late.changed, late.state, late.booking.status) == (False, "declined", "cancelled")
    assert status(database, seats["Dev"]) == BookingStatus.OFFERED


def test_a_press_after_the_offer_ran_out_passes_it_on_once(database, clock, close):
    _, people, seats = close
    [offer] = cancel(database, clock, people, seats, "Ann").passed
    too_late = clock.now() + timedelta(hours=13)  # the sweep has not run yet
    with database.unit_of_work() as db:
        answer = accept_offer(db, people["Cat"], offer.booking.offer_id, too_late, offers=OFFERS)
    assert (answer.changed, answer.state, answer.booking.status) == (False, "expired", "cancelled")
    assert [p.person.staff_id for p in answer.passed] == [people["Dev"]]
    with database.unit_of_work() as db:
        assert pass_on_expired_offers(db, too_late, offers=OFFERS) == []
    assert status(database, seats["Dev"]) == BookingStatus.OFFERED


def test_only_the_person_offered_the_seat_may_answer(database, clock, close):
    _, people, seats = close
    [offer] = cancel(database, clock, people, seats, "Ann").passed
    for answer in (accept_offer, decline_offer):
        with pytest.raises(NotYourOffer), database.unit_of_work() as db:
            answer(db, people["Dev"], offer.booking.offer_id, clock.now(), offers=OFFERS)
        with pytest.raises(UnknownOffer), database.unit_of_work() as db:
            answer(db, people["Cat"], 987654, clock.now(), offers=OFFERS)
    assert status(database, seats["Cat"]) == BookingStatus.OFFERED


def test_a_redelivered_answer_is_answered_as_the_first_time(database, clock, close):
    session_id, people, seats = close
    [offer] = cancel(database, clock, people, seats, "Ann").passed
    answers = []
    for _ in range(2):
        with database.unit_of_work() as db:
            answers.append(
                decline_offer(
                    db,
                    people["Cat"],
                    offer.booking.offer_id,
                    clock.now(),
                    offers=OFFERS,
                    request_key="a:1",
                )
            )
    first, again = answers
    assert first.changed and not again.changed and again.repeated
    assert first.passed == again.passed and again.passed[0].person.staff_id == people["Dev"]
    with database.unit_of_work() as db:
        # a typed 'decline 12' delivered twice finds the offer it answered
        assert offer_on_session(db, people["Cat"], session_id, "a:1") == offer.booking.offer_id
        assert offer_on_session(db, people["Cat"], session_id) is None


def test_cancelling_the_session_withdraws_the_offer(database, clock, close):
    session_id, people, seats = close
    [offer] = cancel(database, clock, people, seats, "Ann").passed
    with database.unit_of_work() as db:
        called_off = cancel_session(db, session_id, "trainer unwell", clock.now())
    assert people["Cat"] in {p.staff_id for p in called_off.people_to_tell}
    with database.unit_of_work() as db:
        answer = accept_offer(db, people["Cat"], offer.booking.offer_id, clock.now(), offers=OFFERS)
        assert pass_on_expired_offers(db, clock.now() + timedelta(days=1), offers=OFFERS) == []
    assert (answer.changed, answer.state) == (False, "withdrawn")


def test_cancelling_an_offered_booking_declines_it(database, clock, close):
    _, people, seats = close
    cancel(database, clock, people, seats, "Ann")
    result = cancel(database, clock, people, seats, "Cat")
    assert [p.person.staff_id for p in result.passed] == [people["Dev"]]
    with database.unit_of_work() as db:
        offer = db.exec(select(SeatOffer).where(SeatOffer.booking_id == seats["Cat"])).one()
    assert offer.state == OfferState.DECLINED


def race(*jobs):
    """Run each job on its own thread, all released at once; returns results or exceptions."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        start.wait()
        try:
            results[i] = job()
        except Exception as problem:  # reported to the test
            results[i] = problem

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_many_presses_at_once_accept_once(database, clock, close):
    _, people, seats = close
    [offer] = cancel(database, clock, people, seats, "Ann").passed

    def press(i):
        def job():
            with database.unit_of_work() as db:
                return accept_offer(
                    db,
                    people["Cat"],
                    offer.booking.offer_id,
                    clock.now(),
                    offers=OFFERS,
                    request_key=f"p{i}",
                )

        return job

    answers = race(*(press(i) for i in range(8)))
    assert all(a.state == "accepted" for a in answers), answers
    assert sum(a.changed for a in answers) == 1
    with database.unit_of_work() as db:
        booked = db.exec(select(Booking).where(Booking.status == "booked")).all()
    assert len(booked) == 2


def press_at(database, answer, staff_id, offer_id, at):
    def job():
        with database.unit_of_work() as db:
            return answer(db, staff_id, offer_id, at, offers=OFFERS)

    return job


def sweep_at(database, at):
    def job():
        with database.unit_of_work() as db:
            return pass_on_expired_offers(db, at, offers=OFFERS)

    return job


def test_accept_and_decline_racing_the_expiry_sweep_give_one_outcome(database, clock):
    for round_ in range(6):
        _, people, seats = full_session(database, clock, label=f"-{round_}")
        [offer] = cancel(database, clock, people, seats, "Ann").passed
        offer_id = offer.booking.offer_id
        expiry = offer.booking.offer_expires_at
        answer = accept_offer if round_ % 2 == 0 else decline_offer
        just_in_time = expiry - timedelta(seconds=1)
        pressed, swept = race(
            press_at(database, answer, people["Cat"], offer_id, just_in_time),
            sweep_at(database, expiry),
        )
        assert not isinstance(pressed, Exception) and not isinstance(swept, Exception)
        with database.unit_of_work() as db:
            ended = db.get(SeatOffer, offer_id)
            offers_to_dev = db.exec(
                select(SeatOffer).where(SeatOffer.booking_id == seats["Dev"])
            ).all()
        if pressed.changed:  # the press came first: the sweep found nothing to pass on
            assert swept == [] and ended.state == pressed.state
            assert len(offers_to_dev) == (1 if answer is decline_offer else 0)
        else:  # the sweep came first: the press was told it had run out
            assert len(swept) == 1 and ended.state == "expired" == pressed.state
            assert len(offers_to_dev) == 1
        assert status(database, seats["Eve"]) == BookingStatus.WAITLISTED


def test_two_replicas_sweeping_at_once_pass_an_offer_on_once(database, clock, close):
    _, people, seats = close
    [offer] = cancel(database, clock, people, seats, "Ann").passed
    ran_out = offer.booking.offer_expires_at
    replicas = [type(database)(database.url) for _ in range(2)]  # each its own connections
    try:
        swept = race(*(sweep_at(replica, ran_out) for replica in replicas))
    finally:
        for replica in replicas:
            replica.dispose()
    assert sorted(len(lapses) for lapses in swept) == [0, 1], swept
    with database.unit_of_work() as db:
        offers = db.exec(select(SeatOffer).order_by(SeatOffer.id)).all()
    assert [(o.booking_id, o.state) for o in offers] == [
        (seats["Cat"], OfferState.EXPIRED),
        (seats["Dev"], OfferState.OPEN),
    ]
