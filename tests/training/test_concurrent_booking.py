"""Fifty people press Book on a ten-seat session at the same moment."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from tests.factories import add_course, add_session, add_staff
from training.models import BookingStatus
from training.sessions.booking import book_seat, cancel_booking
from training.sessions.offer_rule import OfferPolicy
from training.sessions.schedule import roster

OFFERS = OfferPolicy()  # the default: 3 days, 12 hours

PEOPLE = 50
SEATS = 10


def test_fifty_at_once_fill_ten_seats_and_queue_the_rest_in_order(database, clock):
    with database.unit_of_work() as db:
        course = add_course(db)
        session_id = add_session(db, course, clock.now() + timedelta(days=14), capacity=SEATS).id
        staff_ids = [add_staff(db, f"Person {i}", clock.now()).id for i in range(PEOPLE)]

    start = threading.Barrier(PEOPLE)

    def press_book(i: int):
        start.wait()
        with database.unit_of_work() as db:
            return book_seat(
                db,
                staff_ids[i],
                session_id,
                clock.now() + timedelta(milliseconds=i),
                join_waiting_list=True,
                request_key=f"conv:{i}",
            ).booking

    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        outcomes = list(pool.map(press_book, range(PEOPLE)))

    assert sum(b.status == BookingStatus.BOOKED for b in outcomes) == SEATS
    assert sum(b.status == BookingStatus.WAITLISTED for b in outcomes) == PEOPLE - SEATS
    with database.unit_of_work() as db:
        before = roster(db, session_id)
    assert len(before.booked) == SEATS
    everyone = [line.person.staff_id for line in before.booked + before.waitlisted]
    assert sorted(everyone) == sorted(staff_ids)  # nobody twice, nobody lost
    queue_times = [line.requested_at for line in before.waitlisted]
    assert queue_times == sorted(queue_times)

    for line in before.booked[:5]:
        with database.unit_of_work() as db:
            cancel_booking(db, line.person.staff_id, line.booking_id, clock.now(), offers=OFFERS)

    with database.unit_of_work() as db:
        after = roster(db, session_id)
    promoted = {line.person.staff_id for line in after.booked} - {
        line.person.staff_id for line in before.booked
    }
    assert promoted == {line.person.staff_id for line in before.waitlisted[:5]}
    assert [line.person.staff_id for line in after.waitlisted] == [
        line.person.staff_id for line in before.waitlisted[5:]
    ]
    assert len(after.booked) == SEATS
