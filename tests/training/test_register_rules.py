"""The role a register decision leaves a person in: absent is never attended, whatever Teams
said; present or left early keeps the role they came in."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from tests.factories import add_course, add_session, add_staff
from tests.training.attendance_world import book
from training.attendance import register
from training.attendance.completion import CompletionPolicy
from training.attendance.results import decided_role
from training.figures.plain_words import TotalsQuery
from training.figures.totals import compute_totals, scope_of
from training.models import SessionAttendance

UK = ZoneInfo("Europe/London")

CASES = [
    # decision, role before, role after
    ("absent", "attendee", "absent"),
    ("absent", "guest", "absent"),
    ("present", "attendee", "attendee"),
    ("present", "guest", "guest"),
    ("present", "absent", "attendee"),  # recorded absent before, present now
    ("left_early", "absent", "attendee"),
    ("left_early", "guest", "guest"),
]


@pytest.mark.parametrize(("decision", "before", "after"), CASES)
def test_the_role_a_decision_leaves(decision, before, after):
    assert decided_role(decision, before) == after


def test_a_guest_recorded_absent_then_present_is_a_guest_again(database, clock):
    """An external guest on the register stays out of the staff figures whatever they are
    marked in turn: counted apart as a guest when present, nowhere when absent."""
    now = clock.now()
    with database.unit_of_work() as db:
        session = add_session(db, add_course(db), now - timedelta(hours=3), online=False)
        guest = add_staff(db, "Sgt Dave Murphy", now)
        guest.roles = "guest"
        book(db, session, guest)
        session_id, key = session.id, f"s{guest.id}"
    seen = []
    for before, after in (("", "present"), ("present", "absent"), ("absent", "present")):
        with database.unit_of_work() as db:
            register.take_register(
                db,
                session_id,
                register.RegisterEntry(marks={key: after}, drawn={key: before}),
                actor_staff_id=guest.id,
                is_coordinator=True,
                now=now,
                completion=CompletionPolicy(75),
            )
            row = db.exec(select(SessionAttendance)).one()
            totals = compute_totals(db, scope_of(TotalsQuery(), UK), now, UK)
            seen.append((row.role, totals.external_guests, totals.figures.people_attended))
    assert seen == [("guest", 1, 0), ("absent", 0, 0), ("guest", 1, 0)]
