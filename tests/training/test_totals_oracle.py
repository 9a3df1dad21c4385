"""Totals against a plain-Python count of a random world, on SQLite and PostgreSQL.

The world is made the way real data is: seats booked, then Teams' attendance reports read
through the services that store our copies and recompute each session, and unmatched guests
resolved by the coordinator. It holds the awkward cases: walk-ins, external guests (marked,
and still unmatched), people known only by a name, the organiser and a named facilitator in
the reports, people seen by Entra id in one report and by email (in capitals) in another,
re-joins, sessions whose report has not come yet, cancelled sessions (one even with a
report), people who change team afterwards (totals use the team on record now), and results
decided by hand on the register (present, left early, absent, walk-ins added by email), with
or without a report, which a later sync leaves as they are.

The expected figures are counted from the plan of the world (who was seated, who came for
which minutes), never from the rows the code under test wrote, with the definitions in
training/figures/totals.py written the obvious way.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from tests.factories import add_course
from tests.graph.local_graph import record
from tests.training.attendance_world import book, read_reports
from training.attendance import register, unmatched
from training.attendance.completion import CompletionPolicy
from training.attendance.results import recompute
from training.dates import periods
from training.dates.periods import add_months
from training.figures.plain_words import TotalsQuery
from training.figures.totals import MAX_CHART_MONTHS, NO_TEAM, Figures, compute_totals, scope_of
from training.models import (
    BookingStatus,
    Completion,
    CompletionSource,
    Decision,
    Delivery,
    Session,
    SessionAttendance,
    SessionFacilitator,
    SessionStatus,
    Staff,
)
from training.people.staff import person_named_by_email

SO15 = "so15.officer@met.police.uk"
UK = ZoneInfo("Europe/London")
NOW = datetime(2021, 6, 1, 9, 0, tzinfo=UTC)
TEAMS = ["Family Services", "Adults MASH", "Schools", None]
ORGANISER = "0rg00000-0000-0000-0000-000000000001"
NEEDED_MINUTES = 90  # 75% of two hours


@dataclass
class Planned:
    """One session as planned: what the world says happened, in plain values."""

    id: int
    course_id: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    read: bool  # Teams' report has been read
    seats: dict[int, str] = field(default_factory=dict)  # staff id -> booking status
    minutes: dict[int, set[int]] = field(default_factory=dict)  # staff id -> minutes present
    guests: set[int] = field(default_factory=set)  # staff ids of guests marked by coordinator
    unmatched: int = 0  # people still matched to nobody
    decided: set[int] = field(default_factory=set)  # staff whose result the register decided


@dataclass
class World:
    staff: dict[int, Staff]
    sessions: list[Planned]
    elearning: list[tuple[int, int, datetime]]  # (staff, course, completed at)
    titles: dict[int, str]
    codes: dict[int, str]


def _minutes(span: tuple[int, int]) -> set[int]:
    """The session's minutes (0-119) someone was in, joining and leaving at `span`."""
    return set(range(max(span[0], 0), min(span[1], 120)))


def _span(rng: random.Random) -> tuple[int, int]:
    start = rng.choice([-10, 0, 0, 5, 30, 60])
    return start, min(start + rng.choice([20, 60, 95, 120, 140]), 130)


def _at(session: Session, minute: int) -> datetime:
    return session.starts_at + timedelta(minutes=minute)


def _records_of(
    rng: random.Random, session: Session, person: Staff, plan: Planned
) -> list[list[dict]]:
    """One person's records over two reports, as Teams might send them."""
    first, second = _span(rng), _span(rng)
    aad = person.aad_object_id
    email = (person.email or "").title()  # as typed in Teams: 'Person.3@Example.Gov.Uk'
    how = rng.choice(["whole", "rejoin", "split"] if aad else ["whole", "rejoin", "split-email"])
    if how == "whole":
        plan.minutes[person.id] = _minutes(first)
        spans = [(_at(session, first[0]), _at(session, first[1]))]
        return [[record(person.display_name, aad=aad, email=email, intervals=spans)], []]
    if how == "rejoin":
        plan.minutes[person.id] = _minutes(first) | _minutes(second)
        spans = [(_at(session, a), _at(session, b)) for a, b in (first, second)]
        return [[record(person.display_name, aad=aad, email=email, intervals=spans)], []]
    # Split over the two reports: by Entra id alone in one, by email alone (capitals) in the
    # other; or by email in both, in different cases.
    plan.minutes[person.id] = _minutes(first) | _minutes(second)
    one = record(
        person.display_name,
        aad=aad,
        email="" if aad else email.lower(),
        intervals=[(_at(session, first[0]), _at(session, first[1]))],
    )
    two = record(
        person.display_name,
        aad=None,
        email=email.upper(),
        intervals=[(_at(session, second[0]), _at(session, second[1]))],
        record_id=f"email-{person.id}-{session.id}",
    )
    return [[one], [two]]


def _read(db, rng: random.Random, session: Session, plan: Planned, staff: list[Staff]) -> None:
    """Who came (booked or walking in), guests, phones, the organiser and the facilitator,
    as two reports; read through the services; some guests then marked by the coordinator."""
    reports: list[list[dict]] = [[], []]
    booked = [s for s in staff if plan.seats.get(s.id) == BookingStatus.BOOKED]
    came = [s for s in booked if rng.random() < 0.8]
    others = [s for s in staff if s.id not in plan.seats]
    came += rng.sample(others, min(len(others), rng.randrange(0, 3)))  # walk-ins
    for person in came:
        for number, records in enumerate(_records_of(rng, session, person, plan)):
            reports[number] += records
    whole = [(session.starts_at, session.ends_at)]
    reports[0].append(
        record("Pat Prevent", aad=ORGANISER, email="", intervals=whole, role="Organizer")
    )
    # Named on the session by email: a name alone makes nobody a facilitator (issue 19).
    reports[0].append(record("SO15 Officer", aad=None, email=SO15, intervals=whole))
    partners = [f"partner{session.id}x{n}@probation.example.org" for n in range(rng.randrange(3))]
    for address in partners:
        reports[0].append(record("Partner", aad=None, email=address, intervals=whole))
    phones = rng.randrange(3)  # anonymous: each its own person, never merged
    for n in range(phones):
        reports[1].append(
            record("iPhone", aad=None, email="", intervals=whole, record_id=f"p{session.id}-{n}")
        )
    read_reports(db, session, [r for r in reports if r], organiser=ORGANISER)
    marked = [a for a in partners if rng.random() < 0.6]
    for address in marked:
        row = db.exec(
            select(SessionAttendance).where(
                SessionAttendance.session_id == session.id, SessionAttendance.email == address
            )
        ).one()
        line = unmatched.mark_guest(
            db,
            row.id,
            "Probation Service",
            actor_staff_id=1,
            now=NOW,
            completion=CompletionPolicy(75),
        )
        plan.guests.add(line.staff_id)
    plan.unmatched = len(partners) - len(marked) + phones


def _register(db, rng: random.Random, session: Session, plan: Planned, staff: list[Staff]):
    """The coordinator corrects some results on the register (after Teams' reports, or with
    none read), adds someone who came without booking, and a later sync reads the reports
    again. The plan follows the register: present is the whole session, left early a minute,
    absent not there at all."""
    listed = [p for p, st in plan.seats.items() if st in ("booked", "waitlisted")]
    listed += [p for p in plan.minutes if p not in plan.seats]
    chosen = rng.sample(listed, min(len(listed), rng.randrange(0, 5)))
    marks = {f"s{p}": rng.choice(list(Decision)) for p in chosen}
    strangers = [s for s in staff if s.id not in plan.seats and s.id not in plan.minutes]
    walk_ins = rng.sample(strangers, min(len(strangers), rng.randrange(0, 2)))
    register.take_register(
        db,
        session.id,
        register.RegisterEntry(
            marks=marks,
            drawn={key: register.TEAMS for key in marks},
            walk_ins="\n".join(s.email or "" for s in walk_ins),
            reason="corrected by hand",
        ),
        actor_staff_id=1,
        is_coordinator=True,
        now=NOW,
        completion=CompletionPolicy(75),
    )
    for key, decision in marks.items():
        person = int(key[1:])
        plan.decided.add(person)
        if decision == Decision.ABSENT:
            plan.minutes.pop(person, None)
        else:
            plan.minutes[person] = set(range(120)) if decision == Decision.PRESENT else {0}
    for person in walk_ins:
        plan.decided.add(person.id)
        plan.minutes[person.id] = set(range(120))
    # A later sync: the register's decisions stand.
    recompute(db, session, NOW, CompletionPolicy(75))


def build(db, seed: int) -> World:
    rng = random.Random(seed)
    wrap = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
    erw = add_course(db, "ERW", "Extreme right-wing awareness briefing")
    online = add_course(db, "HO-ELEARN", "Home Office online Prevent training")
    online.delivery = Delivery.ELEARNING
    organiser = Staff(
        display_name="Pat Prevent",
        email="pat.prevent@example.gov.uk",
        aad_object_id=ORGANISER,
        team="Prevent",
        created_at=NOW,
        updated_at=NOW,
    )
    staff = [
        Staff(
            display_name=f"Person {i}",
            email=f"person.{i}@example.gov.uk",
            aad_object_id=f"aaaaaaaa-0000-0000-0000-{i:012d}" if rng.random() < 0.7 else None,
            team=rng.choice(TEAMS),
            created_at=NOW,
            updated_at=NOW,
        )
        for i in range(40)
    ]
    db.add_all([online, organiser, *staff])
    db.flush()
    plans = []
    for _ in range(30):
        day = date(2019, 6, 1) + timedelta(days=rng.randrange(850))
        # 00:30 and 23:30 UK time land on the other UTC date, and in summer in the other month
        starts = datetime.combine(day, rng.choice([time(0, 30), time(9), time(23, 30)]), UK)
        session = Session(
            course_id=rng.choice([wrap.id, wrap.id, erw.id]),
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            online=True,
            capacity=40,
            created_at=starts - timedelta(days=30),
        )
        db.add(session)
        db.flush()
        # Named by email (issue 19): a staff record is found or made from it, as for leads.
        so15 = person_named_by_email(db, SO15, starts - timedelta(days=30))
        db.add(SessionFacilitator(session_id=session.id, staff_id=so15.id))
        past = session.ends_at <= NOW
        cancelled = rng.random() < 0.15
        plan = Planned(
            session.id,
            session.course_id,
            session.starts_at,
            session.ends_at,
            cancelled,
            read=past and rng.random() < 0.85,
        )
        for person in rng.sample(staff, rng.randrange(0, 12)):
            if past:
                status = rng.choice(["booked"] * 5 + ["cancelled", "waitlisted"])
            else:
                status = rng.choice(["booked", "booked", "waitlisted", "cancelled"])
            plan.seats[person.id] = status
            book(db, session, person, status)
        if plan.read and (not cancelled or rng.random() < 0.3):
            _read(db, rng, session, plan, staff)
        else:
            plan.read = False
        if past and not cancelled and rng.random() < 0.4:
            _register(db, rng, session, plan, staff)
        if cancelled:  # called off in the bot (the meeting may still have happened)
            session.status = SessionStatus.CANCELLED
            db.add(session)
        plans.append(plan)
    elearning = []
    for person in rng.sample(staff, 8):
        at = datetime(2019, 6, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(850 * 24))
        db.add(
            Completion(
                staff_id=person.id,
                course_id=online.id,
                source=CompletionSource.ELEARNING,
                completed_at=at,
                recorded_at=at,
            )
        )
        elearning.append((person.id, online.id, at))
    for person in rng.sample(staff, 8):  # moved team since: counted in the team they are in now
        person.team = rng.choice(TEAMS)
        db.add(person)
    db.flush()
    courses = (wrap, erw, online)
    return World(
        staff={s.id: s for s in [organiser, *staff]},
        sessions=plans,
        elearning=elearning,
        titles={c.id: c.title for c in courses},
        codes={c.id: c.code for c in courses},
    )


@dataclass(frozen=True)
class Expected:
    figures: Figures
    by_team: dict[str, Figures]
    by_course: dict[str, Figures]
    by_month: list[tuple[date, int, int]]
    external_guests: int
    unmatched: int
    booked_split: tuple[int, int] = (0, 0)  # people booked on sessions held, and to come


def expected(world: World, query: TotalsQuery) -> Expected:
    """The documented definitions (training/figures/totals.py), counted from the plan."""
    scope = scope_of(query, UK)
    team_of = {i: s.team or NO_TEAM for i, s in world.staff.items()}

    def in_period(moment: datetime) -> bool:
        utc = moment.astimezone(UTC)
        return (scope.start is None or utc >= scope.start) and (
            scope.end is None or utc < scope.end
        )

    def in_team(person: int) -> bool:
        return not query.team or world.staff[person].team == query.team

    live = [
        p
        for p in world.sessions
        if not p.cancelled
        and in_period(p.starts_at)
        and (not query.course_code or world.codes[p.course_id] == query.course_code)
    ]
    delivered = {p.id for p in live if p.ends_at <= NOW}
    # (session, person, course) facts, each once
    seats, came, done = [], [], []
    for p in live:
        for person, status in p.seats.items():
            if status not in ("booked", "attended", "no_show") or not in_team(person):
                continue
            if p.read or person in p.decided:  # unread, undecided: booked, never a no-show
                status = "attended" if person in p.minutes else "no_show"
            seats.append((p.id, person, p.course_id, status))
        for person, minutes in p.minutes.items():
            if in_team(person):
                came.append((p.id, person, p.course_id))
                if len(minutes) >= NEEDED_MINUTES:
                    done.append((person, "live", p.course_id))
    for person, course, at in world.elearning:
        if (
            in_team(person)
            and in_period(at)
            and (not query.course_code or world.codes[course] == query.course_code)
        ):
            done.append((person, "elearning", course))

    def figures(key, sessions: set[int]) -> Figures:
        mine = [s for s in seats if key(s[1], s[2])]
        here = [c for c in came if key(c[1], c[2])]
        finished = [d for d in done if key(d[0], d[2])]
        live_people = {d[0] for d in finished if d[1] == "live"}
        online_people = {d[0] for d in finished if d[1] == "elearning"}
        return Figures(
            sessions_delivered=len(sessions),
            people_booked=len({s[1] for s in mine}),
            people_attended=len({c[1] for c in here}),
            attendances=len(here),
            no_shows=sum(s[3] == "no_show" for s in mine),
            completed_live=len(live_people),
            completed_elearning=len(online_people),
            completed_any=len(live_people | online_people),
        )

    teams_at = defaultdict(set)  # session -> teams of people (in scope) who attended it
    for session, person, _ in came:
        if session in delivered:
            teams_at[session].add(team_of[person])
    whole_sessions = set(teams_at) if query.team else delivered
    whole = figures(lambda person, course: True, whole_sessions)
    teams = {team_of[s[1]] for s in seats} | {team_of[c[1]] for c in came}
    teams |= {team_of[d[0]] for d in done}
    by_team = {
        t: figures(
            lambda person, course, t=t: team_of[person] == t,
            {s for s, ts in teams_at.items() if t in ts},
        )
        for t in teams
    }
    course_sessions = defaultdict(set)
    by_id = {p.id: p for p in world.sessions}
    for s in whole_sessions:
        course_sessions[by_id[s].course_id].add(s)
    courses = {s[2] for s in seats} | {c[2] for c in came} | {d[2] for d in done}
    by_course = {
        world.titles[c]: figures(lambda person, course, c=c: course == c, course_sessions[c])
        for c in courses | set(course_sessions)
    }
    return Expected(
        whole,
        by_team,
        by_course,
        _months(world, query, live, delivered, came),
        0 if query.team else len({g for p in live for g in p.guests}),
        sum(p.unmatched for p in world.sessions if not p.cancelled and in_period(p.starts_at)),
        (
            len({s[1] for s in seats if s[0] in delivered}),
            len({s[1] for s in seats if s[0] not in delivered}),
        ),
    )


def _months(world, query, live, delivered, came) -> list[tuple[date, int, int]]:
    """The monthly chart: delivered sessions (with a team: those its people attended) and
    distinct people attending, per UK month of the period up to this month (at most 36)."""
    month_of = {p.id: p.starts_at.astimezone(UK).date().replace(day=1) for p in live}
    this_month = NOW.astimezone(UK).date().replace(day=1)
    if query.period is not None:
        months = query.period.months()
    elif live:
        first, months = min(month_of.values()), []
        while first <= this_month:
            months.append(first)
            first = add_months(first, 1)
    else:
        months = []
    months = [m for m in months if m <= this_month][-MAX_CHART_MONTHS:]
    people, sessions = defaultdict(set), defaultdict(set)
    for session, person, _ in came:
        if session in delivered:
            people[month_of[session]].add(person)
            if query.team:
                sessions[month_of[session]].add(session)
    if not query.team:
        for session in delivered:
            sessions[month_of[session]].add(session)
    return [(m, len(sessions[m]), len(people[m])) for m in months]


QUERIES = [
    TotalsQuery(),
    TotalsQuery(period=periods.financial_year(2020)),
    TotalsQuery(period=periods.financial_year(2019), team="Family Services"),
    TotalsQuery(team="Adults MASH"),
    TotalsQuery(period=periods.calendar_year(2020), team="Schools"),
    TotalsQuery(course_code="WRAP"),
    TotalsQuery(period=periods.financial_year(2020), course_code="HO-ELEARN"),
    TotalsQuery(period=periods.month(2020, 7)),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_totals_match_a_count_of_the_world(database, seed):
    with database.unit_of_work() as db:
        world = build(db, seed)
    for query in QUERIES:
        want = expected(world, query)
        with database.unit_of_work() as db:
            totals = compute_totals(db, scope_of(query, UK), NOW, UK)
        label = query.words()
        assert totals.figures == want.figures, label
        assert {line.name: line.figures for line in totals.by_team} == want.by_team, label
        assert {line.name: line.figures for line in totals.by_course} == want.by_course, label
        months = [(m.month, m.sessions_delivered, m.people_attended) for m in totals.by_month]
        assert months == want.by_month, label
        assert totals.external_guests == want.external_guests, label
        assert totals.unmatched_attendees == want.unmatched, label
        assert (totals.booked_held, totals.booked_to_come) == want.booked_split, label
        for line in [*totals.by_team, *totals.by_course]:
            assert line.figures.completed_live <= line.figures.people_attended, (label, line)
