"""Totals against a hand-counted year (tests/training/report_world.py), on SQLite and PostgreSQL."""

from datetime import date

import pytest
from sqlmodel import select

from tests.training.report_world import NOW, UK, build_world
from training.dates import periods
from training.figures.plain_words import TotalsQuery
from training.figures.totals import Figures, compute_totals, scope_of, view_totals
from training.models import AuditEntry, SessionAttendance

FY_2020_21 = periods.financial_year(2020)
FY_2021_22 = periods.financial_year(2021)


@pytest.fixture
def world(database):
    with database.unit_of_work() as db:
        return build_world(db)


def totals_for(database, **query):
    with database.unit_of_work() as db:
        return compute_totals(db, scope_of(TotalsQuery(**query), UK), NOW, UK)


def test_a_financial_year_counted_by_hand(database, world):
    totals = totals_for(database, period=FY_2020_21)
    # Sessions S1, S2, S3, S7 (S4 was cancelled; S6 starts 00:30 BST on 1 April: next year).
    # Seats: S1 Ann Bob Cat(no-show); S2 Ann Cat; S3 Ann Dev Bob(booked) Fay(booked); S7 Eve.
    # Ann attended three sessions: once in people attended, three times in attendances.
    assert totals.figures == Figures(
        sessions_delivered=4,
        people_booked=6,  # Ann Bob Cat Fay Dev Eve
        people_attended=5,  # Ann Bob Cat Dev Eve
        attendances=7,  # 2 + 2 + 2 + 1
        no_shows=1,  # Cat at S1
        completed_live=5,  # Ann Bob Cat Dev Eve (Bob's completion on cancelled S4 ignored)
        completed_elearning=2,  # Gus, Ann
        completed_any=6,  # Ann Bob Cat Dev Eve Gus
    )


def test_the_boundary_session_belongs_to_the_new_financial_year(database, world):
    totals = totals_for(database, period=FY_2021_22)
    # S6 (00:30 BST 1 April = 23:30 UTC 31 March) and Hal's e-learning at the same moment are
    # 2021-22; S8 is still to come, so Ann is booked but nothing more.
    assert totals.figures == Figures(
        sessions_delivered=1,
        people_booked=2,  # Dev (S6), Ann (S8)
        people_attended=1,
        attendances=1,
        no_shows=0,
        completed_live=1,
        completed_elearning=1,
        completed_any=2,
    )


def test_breakdown_by_team(database, world):
    totals = totals_for(database, period=FY_2020_21)
    by_team = {line.name: line.figures for line in totals.by_team}
    assert by_team["Family Services"] == Figures(3, 2, 2, 4, 0, 2, 1, 2)
    assert by_team["Adults MASH"] == Figures(1, 2, 1, 1, 1, 1, 0, 1)
    assert by_team["Barnet Homes"] == Figures(1, 1, 1, 1, 0, 1, 1, 2)
    assert by_team["(no team recorded)"] == Figures(1, 1, 1, 1, 0, 1, 0, 1)
    assert totals.by_team[0].name == "Family Services"  # most attended first


def test_breakdown_by_course(database, world):
    totals = totals_for(database, period=FY_2020_21)
    by_course = {line.name: line.figures for line in totals.by_course}
    wrap = by_course["WRAP (Workshop to Raise Awareness of Prevent)"]
    assert wrap == Figures(3, 4, 4, 5, 1, 4, 0, 4)
    erw = by_course["Extreme right-wing radicalisation awareness briefing"]
    assert erw == Figures(1, 4, 2, 2, 0, 1, 0, 1)  # Bob and Fay booked, not yet marked
    online = by_course["Home Office online Prevent training"]
    assert online == Figures(0, 0, 0, 0, 0, 0, 2, 2)


def test_one_team_counts_only_sessions_its_people_attended(database, world):
    totals = totals_for(database, period=FY_2020_21, team="Family Services")
    assert totals.figures.sessions_delivered == 3  # S1, S2, S3 (Ann); not S7
    assert totals.figures.people_attended == 2
    assert totals.figures.attendances == 4


def test_one_course(database, world):
    totals = totals_for(database, period=FY_2020_21, course_code="ERW")
    assert totals.figures.sessions_delivered == 1
    assert totals.figures.people_booked == 4
    assert totals.figures.completed_live == 1
    assert totals.figures.completed_elearning == 0


def test_all_time_and_cancelled_sessions_never_delivered(database, world):
    totals = totals_for(database)
    # S1 S2 S3 S6 S7 delivered; S4 cancelled; S8 still to come.
    assert totals.figures.sessions_delivered == 5
    assert totals.figures.attendances == 8


def test_months_fall_on_uk_dates(database, world):
    totals = totals_for(database, period=FY_2020_21)
    months = {
        line.month: (line.sessions_delivered, line.people_attended) for line in totals.by_month
    }
    assert len(months) == 12
    assert months[date(2020, 7, 1)] == (1, 2)
    assert months[date(2020, 9, 1)] == (1, 2)
    assert months[date(2021, 1, 1)] == (1, 2)
    assert months[date(2021, 3, 1)] == (1, 1)  # S7 at 23:30 BST on 31 March
    assert months[date(2020, 8, 1)] == (0, 0)


def test_viewing_totals_is_audited(database, world):
    with database.unit_of_work() as db:
        view_totals(db, TotalsQuery(period=FY_2020_21), NOW, UK, viewer_staff_id=world.staff["Ann"])
    with database.unit_of_work() as db:
        [entry] = db.exec(select(AuditEntry)).all()
    assert entry.action == "totals.view"
    assert entry.actor_staff_id == world.staff["Ann"]
    assert "2020-21" in entry.subject


def test_unmatched_attendees_are_counted_for_the_period(database, world):
    def stranger(session: str, name: str) -> SessionAttendance:
        return SessionAttendance(
            session_id=world.sessions[session],
            person_key=f"record:{name}",
            display_name=name,
            attended_seconds=7200,
            updated_at=NOW,
        )

    assert totals_for(database, period=FY_2020_21).unmatched_attendees == 0
    with database.unit_of_work() as db:
        db.add(stranger("S1", "iPhone"))  # 2020-21
        db.add(stranger("S6", "Unknown guest"))  # 2021-22
    assert totals_for(database, period=FY_2020_21).unmatched_attendees == 1
    assert totals_for(database).unmatched_attendees == 2
