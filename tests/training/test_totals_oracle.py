"""Totals against a plain-Python count of a random world, on SQLite and PostgreSQL.

The hand-counted tests (test_totals.py) pin the definitions on a small year; this one checks
the SQL (per-person grouping, team sums, unions of live and e-learning) against the same
definitions written the obvious way, over worlds too large to count by hand.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import add_course
from training import periods
from training.models import (
    SEATED_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Completion,
    CompletionSource,
    Delivery,
    Session,
    SessionStatus,
    Staff,
)
from training.totals import NO_TEAM, Figures, compute_totals, scope_of
from training.totals_language import TotalsQuery

UK = ZoneInfo("Europe/London")
NOW = datetime(2021, 6, 1, 9, 0, tzinfo=UTC)
TEAMS = ["Family Services", "Adults MASH", "Schools", None]


@dataclass
class Rows:
    staff: list[Staff]
    sessions: list[Session]
    bookings: list[Booking]
    completions: list[Completion]
    titles: dict[int, str]
    codes: dict[int, str]


def build(db, seed: int) -> Rows:
    rng = random.Random(seed)
    wrap = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
    erw = add_course(db, "ERW", "Extreme right-wing awareness briefing")
    online = add_course(db, "HO-ELEARN", "Home Office online Prevent training")
    online.delivery = Delivery.ELEARNING
    staff = [
        Staff(
            display_name=f"Person {i}",
            email=f"person{i}@example.gov.uk",
            team=rng.choice(TEAMS),
            created_at=NOW,
            updated_at=NOW,
        )
        for i in range(40)
    ]
    db.add_all([online, *staff])
    db.flush()
    sessions = []
    for _ in range(30):
        day = datetime(2019, 6, 1).date() + timedelta(days=rng.randrange(850))
        # 00:30 and 23:30 UK time land on the other UTC date, and in summer in the other month
        starts = datetime.combine(day, rng.choice([time(0, 30), time(9), time(23, 30)]), UK)
        past = starts + timedelta(hours=2) <= NOW
        cancelled = rng.random() < 0.15
        status = SessionStatus.CANCELLED if cancelled else SessionStatus.SCHEDULED
        if past and not cancelled and rng.random() < 0.5:
            status = SessionStatus.DELIVERED
        sessions.append(
            Session(
                course_id=rng.choice([wrap.id, wrap.id, erw.id]),
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                online=True,
                capacity=40,
                status=status,
                created_at=starts - timedelta(days=30),
            )
        )
    db.add_all(sessions)
    db.flush()
    bookings, completions = [], []
    for session in sessions:
        past = session.ends_at <= NOW
        for person in rng.sample(staff, rng.randrange(0, 12)):
            if session.status == SessionStatus.CANCELLED:
                status = BookingStatus.CANCELLED
            elif past:
                status = rng.choice(["attended"] * 4 + ["no_show", "booked", "cancelled"])
            else:
                status = rng.choice(["booked", "booked", "waitlisted", "cancelled"])
            bookings.append(
                Booking(
                    session_id=session.id,
                    staff_id=person.id,
                    status=status,
                    requested_at=session.starts_at - timedelta(days=10),
                    updated_at=session.starts_at - timedelta(days=10),
                )
            )
            # Most attenders complete; a stray completion on a cancelled session must not count.
            if (status == BookingStatus.ATTENDED and rng.random() < 0.8) or (
                session.status == SessionStatus.CANCELLED and rng.random() < 0.1
            ):
                completions.append(
                    Completion(
                        staff_id=person.id,
                        course_id=session.course_id,
                        session_id=session.id,
                        source=CompletionSource.ATTENDANCE,
                        completed_at=session.ends_at,
                        recorded_at=session.ends_at,
                    )
                )
    for person in rng.sample(staff, 8):
        at = datetime(2019, 6, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(850 * 24))
        completions.append(
            Completion(
                staff_id=person.id,
                course_id=online.id,
                source=CompletionSource.ELEARNING,
                completed_at=at,
                recorded_at=at,
            )
        )
    db.add_all(bookings + completions)
    db.flush()
    titles = {c.id: c.title for c in (wrap, erw, online)}
    codes = {c.id: c.code for c in (wrap, erw, online)}
    return Rows(staff, sessions, bookings, completions, titles, codes)


def expected(rows: Rows, query: TotalsQuery) -> tuple[Figures, dict, dict]:
    """The documented definitions (training/totals.py), counted row by row."""
    scope = scope_of(query, UK)
    course_ids = None
    if query.course_code:
        course_ids = {i for i, code in rows.codes.items() if code == query.course_code}
    team_of = {p.id: p.team or NO_TEAM for p in rows.staff}
    in_team = {p.id for p in rows.staff if not query.team or p.team == query.team}

    def in_period(moment: datetime) -> bool:
        utc = moment.astimezone(UTC)
        return (scope.start is None or utc >= scope.start) and (
            scope.end is None or utc < scope.end
        )

    by_id = {s.id: s for s in rows.sessions}
    live = {
        s.id
        for s in rows.sessions
        if s.status != SessionStatus.CANCELLED
        and in_period(s.starts_at)
        and (course_ids is None or s.course_id in course_ids)
    }
    delivered = {
        i for i in live if by_id[i].status == SessionStatus.DELIVERED or by_id[i].ends_at <= NOW
    }
    seated = [
        b for b in rows.bookings if b.session_id in live and b.status in SEATED_BOOKING_STATUSES
    ]
    seated = [b for b in seated if b.staff_id in in_team]
    done = [
        (c.staff_id, c.source, by_id[c.session_id].course_id if c.session_id else c.course_id)
        for c in rows.completions
        if c.staff_id in in_team
        and (
            (c.source == CompletionSource.ATTENDANCE and c.session_id in live)
            or (
                c.source == CompletionSource.ELEARNING
                and in_period(c.completed_at)
                and (course_ids is None or c.course_id in course_ids)
            )
        )
    ]

    def figures(key, sessions: set[int]) -> Figures:
        mine = [b for b in seated if key(b.staff_id, by_id[b.session_id].course_id)]
        finished = [d for d in done if key(d[0], d[2])]
        live_people = {d[0] for d in finished if d[1] == CompletionSource.ATTENDANCE}
        online_people = {d[0] for d in finished if d[1] == CompletionSource.ELEARNING}
        return Figures(
            sessions_delivered=len(sessions),
            people_booked=len({b.staff_id for b in mine}),
            people_attended=len({b.staff_id for b in mine if b.status == "attended"}),
            attendances=sum(b.status == "attended" for b in mine),
            no_shows=sum(b.status == "no_show" for b in mine),
            completed_live=len(live_people),
            completed_elearning=len(online_people),
            completed_any=len(live_people | online_people),
        )

    attended_by = defaultdict(set)  # session -> teams of people in scope who attended it
    for b in seated:
        if b.status == "attended" and b.session_id in delivered:
            attended_by[b.session_id].add(team_of[b.staff_id])
    whole_sessions = set(attended_by) if query.team else delivered
    whole = figures(lambda staff, course: True, whole_sessions)

    teams = {team_of[b.staff_id] for b in seated} | {team_of[d[0]] for d in done}
    by_team = {
        t: figures(
            lambda staff, course, t=t: team_of[staff] == t,
            {s for s, ts in attended_by.items() if t in ts},
        )
        for t in teams
    }
    course_sessions = defaultdict(set)
    for s in whole_sessions:
        course_sessions[by_id[s].course_id].add(s)
    courses = (
        {by_id[b.session_id].course_id for b in seated}
        | {d[2] for d in done}
        | set(course_sessions)
    )
    by_course = {
        rows.titles[c]: figures(lambda staff, course, c=c: course == c, course_sessions[c])
        for c in courses
    }
    return whole, by_team, by_course


QUERIES = [
    TotalsQuery(),
    TotalsQuery(period=periods.financial_year(2020)),
    TotalsQuery(period=periods.financial_year(2019), team="Family Services"),
    TotalsQuery(team="Adults MASH"),
    TotalsQuery(course_code="WRAP"),
    TotalsQuery(period=periods.financial_year(2020), course_code="HO-ELEARN"),
    TotalsQuery(period=periods.month(2020, 7)),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_totals_match_a_count_row_by_row(database, seed):
    with database.unit_of_work() as db:
        rows = build(db, seed)
    for query in QUERIES:
        whole, by_team, by_course = expected(rows, query)
        with database.unit_of_work() as db:
            totals = compute_totals(db, scope_of(query, UK), NOW, UK)
        label = query.words()
        assert totals.figures == whole, label
        assert {line.name: line.figures for line in totals.by_team} == by_team, label
        assert {line.name: line.figures for line in totals.by_course} == by_course, label
