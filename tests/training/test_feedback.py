"""Feedback after a session: who may answer, for how long, and what the coordinator reads."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tests.conftest import NOW
from tests.factories import add_course, add_session, add_staff
from tests.training.report_world import add_booking
from training.errors import (
    FeedbackClosed,
    FeedbackNotOpen,
    InvalidFeedback,
    NotInvitedToFeedback,
    UnknownSession,
)
from training.figures.feedback import (
    FeedbackAnswers,
    FeedbackScope,
    feedback_form,
    feedback_requests_due,
    feedback_summary,
    record_feedback_requested,
    session_feedback,
    submit_feedback,
)
from training.models import FeedbackResponse, Session, SessionStatus

DAYS = 5
GOOD = FeedbackAnswers(5, 4, 2, 4, "The case studies", "More time for questions", True)


@pytest.fixture
def past(database):
    """A WRAP session that ended three days ago, and who was on it."""
    with database.unit_of_work() as db:
        course = add_course(db)
        session = add_session(db, course, NOW - timedelta(days=3, hours=2))
        people = {}
        for name, status in [
            ("Ann", "attended"),
            ("Bob", "booked"),
            ("Cat", "no_show"),
            ("Dev", "waitlisted"),
            ("Eve", "cancelled"),
        ]:
            staff = add_staff(db, f"{name} Test", NOW)
            add_booking(db, session, staff, status)
            people[name] = staff.id
        people["Fay"] = add_staff(db, "Fay Stranger", NOW, team="Barnet Homes").id
        return session.id, people


def submit(database, staff_id, session_id, answers=GOOD, now=NOW):
    with database.unit_of_work() as db:
        return submit_feedback(db, staff_id, session_id, answers, now, edit_days=DAYS)


def stored(database):
    with database.unit_of_work() as db:
        return [
            (r.staff_id, r.overall, r.most_useful)
            for r in db.exec(select(FeedbackResponse).order_by(FeedbackResponse.id))
        ]


def test_someone_who_attended_gives_feedback_and_can_change_it(database, past):
    session_id, people = past
    first = submit(database, people["Ann"], session_id)
    assert first.changed is False
    later = FeedbackAnswers(4, 4, 2, 5, "Case studies", "", False)
    second = submit(database, people["Ann"], session_id, later, NOW + timedelta(days=1))
    assert second.changed is True
    assert stored(database) == [(people["Ann"], 4, "Case studies")]
    with database.unit_of_work() as db:
        form = feedback_form(db, people["Ann"], session_id, NOW, edit_days=DAYS)
    assert form.answers == later


def test_someone_still_booked_may_answer_while_attendance_is_unknown(database, past):
    session_id, people = past
    submit(database, people["Bob"], session_id)
    assert [s for s, *_ in stored(database)] == [people["Bob"]]


@pytest.mark.parametrize("who", ["Cat", "Dev", "Eve", "Fay"])
def test_no_shows_waiting_cancelled_and_strangers_are_refused(database, past, who):
    session_id, people = past
    with pytest.raises(NotInvitedToFeedback):
        submit(database, people[who], session_id)
    assert stored(database) == []


def test_not_before_the_session_ends(database, past):
    session_id, people = past
    with pytest.raises(FeedbackNotOpen):
        submit(database, people["Ann"], session_id, now=NOW - timedelta(days=4))
    assert stored(database) == []


def test_late_answers_are_refused_politely_and_change_nothing(database, past):
    session_id, people = past
    submit(database, people["Ann"], session_id)
    too_late = NOW + timedelta(days=DAYS)  # the session ended 3 days before NOW
    with pytest.raises(FeedbackClosed) as refused:
        submit(database, people["Ann"], session_id, FeedbackAnswers(1, 1, 1, 1), too_late)
    assert "Thank you" in str(refused.value) and "closed on Wednesday 13 January 2027" in str(
        refused.value
    )
    assert stored(database) == [(people["Ann"], 5, "The case studies")]


@pytest.mark.parametrize(
    "answers",
    [
        FeedbackAnswers(0, 4, 2, 4),
        FeedbackAnswers(6, 4, 2, 4),
        FeedbackAnswers(5, "4", 2, 4),  # type: ignore[arg-type]
        FeedbackAnswers(5, 4, True, 4),
        FeedbackAnswers(5, 4, 2, 4, "x" * 1001),
        FeedbackAnswers(5, 4, 2, 4, consent_to_attribute="yes"),  # type: ignore[arg-type]
    ],
)
def test_answers_outside_the_form_are_refused(database, past, answers):
    session_id, people = past
    with pytest.raises(InvalidFeedback):
        submit(database, people["Ann"], session_id, answers)
    assert stored(database) == []


def test_cancelled_and_unknown_sessions(database, past):
    session_id, people = past
    with pytest.raises(UnknownSession):
        submit(database, people["Ann"], 99999)
    with database.unit_of_work() as db:
        session = db.get(Session, session_id)
        session.status = SessionStatus.CANCELLED
        db.add(session)
    with pytest.raises(InvalidFeedback):
        submit(database, people["Ann"], session_id)


def test_the_database_keeps_one_response_per_person_per_session(database, past):
    session_id, people = past
    submit(database, people["Ann"], session_id)
    with pytest.raises(IntegrityError), database.unit_of_work() as db:
        db.add(
            FeedbackResponse(
                session_id=session_id,
                staff_id=people["Ann"],
                overall=1,
                usefulness=1,
                confidence_before=1,
                confidence_after=1,
                submitted_at=NOW,
                updated_at=NOW,
            )
        )
        db.flush()


def test_who_to_ask_for_feedback(database, past):
    session_id, people = past
    with database.unit_of_work() as db:
        due = feedback_requests_due(db, NOW, edit_days=DAYS)
    assert [(d.session_id, d.staff_id) for d in due] == [
        (session_id, people["Ann"]),
        (session_id, people["Bob"]),
    ]
    assert due[0].respond_by == due[0].ends_at + timedelta(days=DAYS)

    submit(database, people["Bob"], session_id)  # answered before being asked: not asked
    with database.unit_of_work() as db:
        record_feedback_requested(db, [(session_id, people["Ann"])], NOW)
        record_feedback_requested(db, [(session_id, people["Ann"])], NOW)  # repeat: harmless
    with database.unit_of_work() as db:
        assert feedback_requests_due(db, NOW, edit_days=DAYS) == []
        # Once the window has closed nobody is asked any more.
        assert feedback_requests_due(db, NOW + timedelta(days=DAYS), edit_days=DAYS) == []


def test_the_coordinator_reads_rates_averages_and_consented_names(database, past):
    session_id, people = past
    submit(
        database, people["Ann"], session_id, FeedbackAnswers(5, 4, 2, 4, "Case studies", "", True)
    )
    submit(database, people["Bob"], session_id, FeedbackAnswers(3, 2, 3, 4, "", "Shorter", False))
    with database.unit_of_work() as db:
        _session, summary = session_feedback(db, session_id, NOW, viewer_staff_id=people["Fay"])
    # Invited: Ann (attended) and Bob (booked); Cat was a no-show, Dev waiting, Eve cancelled.
    assert (summary.invited, summary.responses, summary.response_rate) == (2, 2, 1.0)
    assert summary.average_overall == 4.0
    assert summary.average_usefulness == 3.0
    assert (summary.average_before, summary.average_after) == (2.5, 4.0)
    assert summary.confidence_change == 1.5
    by = {c.most_useful or c.could_be_better: c.by for c in summary.comments}
    assert by == {"Case studies": "Ann Test", "Shorter": None}


def test_a_team_scope_counts_only_that_team(database, past):
    session_id, people = past
    submit(database, people["Ann"], session_id)
    with database.unit_of_work() as db:
        summary = feedback_summary(db, FeedbackScope(team="Barnet Homes"), NOW)
    assert (summary.invited, summary.responses, summary.response_rate) == (0, 0, None)
