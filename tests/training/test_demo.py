"""The demo is a believable council programme relative to today: every financial year since
the history starts, every team, online and in person, feedback, e-learning and board updates;
the Playground's people have histories; and it loads only once."""

import random
from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from config.settings import Settings
from demo.council import PLAYGROUND_PEOPLE, TEAMS, load_demo_data
from demo.history import history_start
from training.attendance.results import settle_bookings_and_completions
from training.data_protection.retention import apply_retention
from training.dates.periods import financial_year_of
from training.figures import feedback
from training.figures.feedback import feedback_requests_due
from training.models import (
    Board,
    BoardUpdate,
    Booking,
    BookingStatus,
    ClaimStatus,
    Completion,
    CompletionSource,
    ElearningClaim,
    FeedbackResponse,
    Session,
    SessionAttendance,
    SessionStatus,
    Staff,
)
from training.sessions.booking import upcoming_sessions

ZONE = Settings(_env_file=None).zone


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


@pytest.fixture
def demo(database, clock):
    with database.unit_of_work() as db:
        assert load_demo_data(db, clock.now(), ZONE)
    return database


def test_demo_data_loads_once(demo, clock):
    with demo.unit_of_work() as db:
        assert not load_demo_data(db, clock.now(), ZONE)
        assert _count(db, Board) == 7


def test_every_financial_year_since_the_history_starts_has_sessions_and_completions(demo, clock):
    today = clock.now().astimezone(ZONE).date()
    first = financial_year_of(history_start(clock.now(), ZONE))
    with demo.unit_of_work() as db:
        delivered = db.exec(select(Session).where(Session.status == SessionStatus.DELIVERED)).all()
        years = {financial_year_of(s.starts_at.astimezone(ZONE).date()).label for s in delivered}
        completions = db.exec(select(Completion)).all()
    year = first
    while year.start <= today:
        assert year.label in years, year.label
        assert any(
            year.start <= c.completed_at.astimezone(ZONE).date() < year.end for c in completions
        )
        year = financial_year_of(year.end)
    assert {True, False} == {s.online for s in delivered}
    assert {CompletionSource.ATTENDANCE, CompletionSource.ELEARNING} == {
        c.source for c in completions
    }


def test_every_team_has_people_trained(demo):
    with demo.unit_of_work() as db:
        trained = db.exec(
            select(Staff.team).join(Completion, col(Completion.staff_id) == col(Staff.id))
        ).all()
        no_team = _count(db, Staff, col(Staff.team).is_(None))
    assert set(TEAMS) <= set(trained)
    assert no_team == 3  # partners, for 'no team'


def test_the_readme_sessions_are_what_the_readme_says(demo, clock):
    now = clock.now()
    with demo.unit_of_work() as db:
        upcoming = {s.id: s for s in upcoming_sessions(db, now, limit=100)}
        assert set(range(1, 22)) <= set(upcoming)
        assert upcoming[2].seats_left == 0 and upcoming[2].waitlisted == 1
        assert upcoming[12].seats_left > 0
        # Some session in every one of the next twelve months ('sessions march').
        months = {s.starts_at.astimezone(ZONE).strftime("%Y-%m") for s in upcoming.values()}
        assert len(months) >= 12
        recent = db.get(Session, 22)
        assert recent.status == SessionStatus.DELIVERED
        assert now - timedelta(days=5) < recent.ends_at < now


def test_the_playground_people_have_a_history(demo, clock):
    now = clock.now()
    with demo.unit_of_work() as db:
        people = {
            p.aad_object_id: p
            for p in db.exec(
                select(Staff).where(
                    col(Staff.aad_object_id).in_([p.aad_object_id for p in PLAYGROUND_PEOPLE])
                )
            ).all()
        }
        assert [people[p.aad_object_id].email for p in PLAYGROUND_PEOPLE] == [
            p.email for p in PLAYGROUND_PEOPLE
        ]
        staff = [people[p.aad_object_id] for p in PLAYGROUND_PEOPLE[3:]]
        due = {(d.session_id, d.staff_id) for d in feedback_requests_due(db, now, edit_days=5)}
        for person in staff:
            assert _count(db, Completion, Completion.staff_id == person.id) >= 2, person.email
            # Asked already (the scheduler sends nobody a second card), still open to answer.
            assert (22, person.id) not in due
            assert feedback.feedback_form(db, person.id, 22, now, edit_days=5).answers is None
        claim = db.exec(select(ElearningClaim)).one()
        assert claim.status == ClaimStatus.PENDING
        assert claim.manager_staff_id == people[PLAYGROUND_PEOPLE[2].aad_object_id].id
        assert _count(db, BoardUpdate) > 20
        assert _count(db, FeedbackResponse) > 500


def test_the_history_is_what_its_attendance_rows_give(demo, clock):
    """Bookings, walk-ins and completions were written in bulk; settling each session again
    from its rows, as the product does, changes none of them."""

    def state(db, session_id):
        bookings = sorted(
            (b.staff_id, b.status)
            for b in db.exec(select(Booking).where(Booking.session_id == session_id))
        )
        completions = sorted(
            c.staff_id
            for c in db.exec(select(Completion).where(Completion.session_id == session_id))
        )
        walk_ins = sorted(
            r.staff_id
            for r in db.exec(
                select(SessionAttendance).where(
                    SessionAttendance.session_id == session_id, col(SessionAttendance.walk_in)
                )
            )
        )
        return bookings, completions, walk_ins

    with demo.unit_of_work() as db:
        ids = db.exec(select(Session.id).where(col(Session.id) > 23)).all()
        for session_id in [*random.Random(7).sample(list(ids), 25), ids[0]]:
            session = db.get(Session, session_id)
            rows = list(
                db.exec(select(SessionAttendance).where(SessionAttendance.session_id == session_id))
            )
            before = state(db, session_id)
            settle_bookings_and_completions(db, session, rows, clock.now())
            assert state(db, session_id) == before
            assert any(status == BookingStatus.NO_SHOW for _, status in before[0])


def test_the_retention_rule_deletes_none_of_the_demo(demo, clock):
    with demo.unit_of_work() as db:
        sessions, completions = _count(db, Session), _count(db, Completion)
        apply_retention(db, clock.now() + timedelta(days=7), 6)
        assert (_count(db, Session), _count(db, Completion)) == (sessions, completions)
