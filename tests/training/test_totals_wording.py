"""Totals and feedback in plain words: plurals, responses against people, 'since' periods
(issue 14). Only the words change: the figures are the ones the oracle checks."""

from datetime import date, timedelta

from tests.conftest import NOW
from tests.factories import add_course, add_session, add_staff
from tests.training.report_world import add_booking
from training.dates.periods import since
from training.figures.feedback import (
    FeedbackAnswers,
    FeedbackScope,
    FeedbackSummary,
    feedback_summary,
    submit_feedback,
)
from training.figures.report import feedback_sentence, headline, scope_phrase
from training.figures.totals import Figures, Totals, TotalsScope

GOOD = FeedbackAnswers(5, 4, 2, 4, "", "", False)


NO_FEEDBACK = FeedbackSummary(0, 0, None, None, None, None, [])


def _totals(figures: Figures, period=None) -> Totals:
    scope = TotalsScope(period=period, start=None, end=None, team=None, course_code=None)
    return Totals(scope, figures, [], [], [], NO_FEEDBACK, 0, NOW)


def test_one_of_anything_is_singular():
    said = headline(_totals(Figures(1, 1, 1, 1, 1, 1, 0, 1)))
    assert said[0].startswith("1 session was delivered to date, with 1 person attending")
    assert "(1 attendance; 1 no-show)" in said[0]
    assert said[1].startswith("1 person completed training")


def test_a_since_period_reads_since_not_in_since():
    period = since(date(2026, 7, 1), date(2026, 11, 29))
    assert scope_phrase(_totals(Figures(), period)) == "since 1 July 2026"
    assert "delivered since 1 July 2026," in headline(_totals(Figures(2), period))[0]


def test_responses_are_counted_against_the_people_who_gave_them(database):
    with database.unit_of_work() as db:
        course = add_course(db)
        people = [add_staff(db, f"Person {n}", NOW) for n in range(5)]
        for days in (3, 4):
            session = add_session(db, course, NOW - timedelta(days=days, hours=2))
            for person in people:
                add_booking(db, session, person, "attended")
                submit_feedback(db, person.id, session.id, GOOD, NOW, edit_days=5)
    with database.unit_of_work() as db:
        summary = feedback_summary(db, FeedbackScope(), NOW)
    assert (summary.responses, summary.respondents) == (10, 5)
    assert feedback_sentence(summary).startswith(
        "10 responses from 5 people (100% of those asked): overall 5.0 out of 5"
    )
