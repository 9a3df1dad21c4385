"""A realistic year, counted by hand (issue 11), on SQLite and PostgreSQL.

Financial year 2025-26: nine monthly WRAP sessions for Family Services (May to January) and
an ERW briefing for Adults MASH in November, all put on, booked and read from Teams through
the services (with the clock in the past), a WRAP session called off in February, one to come,
and one WRAP in March 2025 (the year before).

Family Services are fs001..fs111 (every one with an Entra id), Adults MASH am01..am06, Barnet
Homes bh01..bh03. WRAP session n (n = 0..8) seats fs(12n+1)..fs(12n+12):
- the first ten stay the whole two hours (completed), the eleventh leaves after an hour (not
  completed), the twelfth never comes (no-show);
- walk-ins, all for the whole time: fs109 (n=0), fs110 (n=1), fs012 (n=3; a no-show at n=0),
  am01 (n=4), fs024 (n=5), fs111 (n=7), fs036 and fs001 (n=8; fs001 comes back);
- n=2 has two partners from the Probation Service, marked external guests; n=6 an "iPhone"
  nobody can name (unmatched), and everybody there known by email alone, in capitals;
- n=4 is split over two reports: by Entra id alone for 0-50 min, by email alone for 55-120 (115
  minutes: completed), the eleventh 0-30 and 90-110 (50 minutes: not);
- the organiser (Pat Prevent, a staff member in the Prevent team) is in every report.
ERW seats am01..am06: am06 never comes; bh01 walks in; everyone there stays.
E-learning confirmed in the year: bh02, bh03, fs100. Afterwards fs110 moves to Adults MASH.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from tests.factories import add_course
from tests.graph.local_graph import record
from tests.training.attendance_world import read_reports
from training.attendance import unmatched
from training.attendance.completion import CompletionPolicy
from training.dates import periods
from training.figures.plain_words import TotalsQuery
from training.figures.report import headline
from training.figures.totals import Figures, compute_totals, scope_of
from training.models import (
    Completion,
    CompletionSource,
    Delivery,
    Session,
    SessionAttendance,
    Staff,
)
from training.sessions.booking import book_seat
from training.sessions.schedule import NewSession, cancel_session, create_session

UK = ZoneInfo("Europe/London")
NOW = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
FY = periods.financial_year(2025)
ORGANISER = "0rg00000-0000-0000-0000-000000000001"
WRAP_DAYS = [date(2025, m, 14) for m in range(5, 13)] + [date(2026, 1, 14)]
WALK_INS = {0: ["fs109"], 1: ["fs110"], 3: ["fs012"], 4: ["am01"], 5: ["fs024"], 7: ["fs111"]}
WALK_INS[8] = ["fs036", "fs001"]


class Year:
    def __init__(self, db) -> None:
        self.db = db
        self.wrap = add_course(db, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)")
        self.erw = add_course(db, "ERW", "Extreme right-wing radicalisation awareness briefing")
        online = add_course(db, "HO-ELEARN", "Home Office online Prevent training")
        online.delivery = Delivery.ELEARNING
        self.online = online
        self.people: dict[str, Staff] = {}
        for n in range(1, 112):
            self.person(f"fs{n:03d}", "Family Services", aad=True)
        for n in range(1, 7):
            self.person(f"am{n:02d}", "Adults MASH")
        for n in range(1, 4):
            self.person(f"bh{n:02d}", "Barnet Homes")
        self.pat = self.person("pat.prevent", "Prevent team", aad=True)
        self.pat.aad_object_id = ORGANISER

    def person(self, code: str, team: str, aad: bool = False) -> Staff:
        staff = Staff(
            display_name=code,
            email=f"{code}@example.gov.uk",
            aad_object_id=f"aaaaaaaa-0000-0000-0000-{len(self.people):012d}" if aad else None,
            team=team,
            created_at=NOW - timedelta(days=500),
            updated_at=NOW - timedelta(days=500),
        )
        self.db.add(staff)
        self.db.flush()
        self.people[code] = staff
        return staff

    def session(self, code: str, day: date, number: int) -> int:
        starts = datetime.combine(day, time(10), UK)
        summary = create_session(
            self.db,
            NewSession(
                course_code=code,
                starts_at=starts,
                duration_minutes=120,
                capacity=30,
                online=True,
                join_url=f"https://teams.microsoft.com/l/meetup-join/year-{number}",
            ),
            starts - timedelta(days=30),
            created_by_staff_id=self.pat.id,
        )
        return summary.id

    def book(self, session_id: int, codes: list[str], day: date) -> None:
        when = datetime.combine(day, time(9), UK) - timedelta(days=20)
        for code in codes:
            book_seat(self.db, self.people[code].id, session_id, when)

    def came(self, code: str, spans: list[tuple[int, int]], how: str = "both") -> dict:
        staff = self.people[code]
        return {"code": code, "spans": spans, "how": how, "staff": staff}

    def read(
        self, session_id: int, day: date, came: list[dict], others: list[tuple[str, str]]
    ) -> None:
        """Teams' reports of the session: who `came`, the organiser, and `others` (name,
        email) nobody on the staff list is; read as a sync reads them."""
        start = datetime.combine(day, time(10), UK)
        at = lambda minute: start + timedelta(minutes=minute)  # noqa: E731
        reports: list[list[dict]] = [[], []]
        for person in came:
            staff, how = person["staff"], person["how"]
            intervals = [(at(a), at(b)) for a, b in person["spans"]]
            if how == "split":
                reports[0].append(
                    record(
                        code := person["code"],
                        aad=staff.aad_object_id,
                        email="",
                        intervals=intervals[:1],
                    )
                )
                reports[1].append(
                    record(
                        code,
                        aad=None,
                        email=staff.email.upper(),
                        intervals=intervals[1:],
                        record_id=f"{code}-2",
                    )
                )
            elif how == "email":
                reports[0].append(
                    record(person["code"], aad=None, email=staff.email.upper(), intervals=intervals)
                )
            else:
                reports[0].append(
                    record(
                        person["code"],
                        aad=staff.aad_object_id,
                        email=staff.email,
                        intervals=intervals,
                    )
                )
        whole = [(at(0), at(120))]
        reports[0].append(
            record("Pat Prevent", aad=ORGANISER, email="", intervals=whole, role="Organizer")
        )
        reports[0] += [
            record(name, aad=None, email=email, intervals=whole, record_id=f"{name}-{session_id}")
            for name, email in others
        ]
        session = self.db.get(Session, session_id)
        read_reports(self.db, session, [r for r in reports if r], organiser=ORGANISER)


def build_year(db) -> Year:
    year = Year(db)
    earlier = year.session("WRAP", date(2025, 3, 12), 99)
    year.book(earlier, ["fs001", "fs002", "fs003"], date(2025, 3, 12))
    year.read(
        earlier,
        date(2025, 3, 12),
        [year.came(c, [(0, 120)]) for c in ("fs001", "fs002", "fs003")],
        [],
    )
    for n, day in enumerate(WRAP_DAYS):
        seated = [f"fs{12 * n + i:03d}" for i in range(1, 13)]
        session_id = year.session("WRAP", day, n)
        year.book(session_id, seated, day)
        how = "split" if n == 4 else "email" if n == 6 else "both"
        came = [
            year.came(code, [(0, 50), (55, 120)] if n == 4 else [(0, 120)], how)
            for code in seated[:10]
        ]
        came.append(year.came(seated[10], [(0, 30), (90, 110)] if n == 4 else [(0, 60)], how))
        came += [year.came(code, [(0, 120)]) for code in WALK_INS.get(n, [])]
        others = {
            2: [(f"Partner {i}", f"partner{i}@probation.example.org") for i in (1, 2)],
            6: [("iPhone", "")],
        }
        year.read(session_id, day, came, others.get(n, []))
        if n == 2:
            for i in (1, 2):
                row = db.exec(
                    select(SessionAttendance).where(
                        SessionAttendance.email == f"partner{i}@probation.example.org"
                    )
                ).one()
                unmatched.mark_guest(
                    db,
                    row.id,
                    "Probation Service",
                    actor_staff_id=year.pat.id,
                    now=NOW - timedelta(days=200),
                    completion=CompletionPolicy(75),
                )
    erw_day = date(2025, 11, 20)
    erw = year.session("ERW", erw_day, 50)
    year.book(erw, [f"am{n:02d}" for n in range(1, 7)], erw_day)
    came = [year.came(f"am{n:02d}", [(0, 120)]) for n in range(1, 6)] + [
        year.came("bh01", [(0, 120)])
    ]
    year.read(erw, erw_day, came, [])
    called_off = year.session("WRAP", date(2026, 2, 11), 60)
    year.book(called_off, [f"fs{n:03d}" for n in range(1, 6)], date(2026, 2, 11))
    cancel_session(db, called_off, "trainer unwell", datetime(2026, 2, 1, tzinfo=UTC))
    to_come = year.session("WRAP", date(2026, 5, 13), 61)
    year.book(to_come, ["fs001", "fs002", "fs003"], date(2026, 4, 20))
    for code, day in (
        ("bh02", date(2025, 6, 3)),
        ("bh03", date(2025, 9, 9)),
        ("fs100", date(2026, 3, 2)),
    ):
        at = datetime.combine(day, time(12), UK)
        db.add(
            Completion(
                staff_id=year.people[code].id,
                course_id=year.online.id,
                source=CompletionSource.ELEARNING,
                completed_at=at,
                recorded_at=at,
            )
        )
    year.people["fs110"].team = "Adults MASH"
    db.add(year.people["fs110"])
    db.flush()
    return year


@pytest.fixture
def year(database):
    with database.unit_of_work() as db:
        return build_year(db)


def totals(database, **query):
    with database.unit_of_work() as db:
        return compute_totals(db, scope_of(TotalsQuery(**query), UK), NOW, UK)


def test_the_financial_year_as_counted_by_hand(database, year):
    found = totals(database, period=FY)
    assert found.figures == Figures(
        sessions_delivered=10,  # nine WRAP and the ERW; February's was called off
        people_booked=114,  # fs001-fs108 and am01-am06
        people_attended=111,  # 99 seated at WRAP, 6 new walk-ins, am01-am05, bh01
        attendances=113,  # 99 + 8 walk-ins at WRAP, 6 at ERW
        no_shows=10,  # the twelfth of each WRAP, and am06
        completed_live=102,  # 90 seated + 7 walk-ins at WRAP, am02-am05 and bh01 at ERW
        completed_elearning=3,  # bh02, bh03, fs100
        completed_any=104,  # fs100 also completed WRAP
    )
    assert (found.external_guests, found.unmatched_attendees) == (2, 1)
    said = " ".join(headline(found))
    assert "10 sessions were delivered in 2025-26, with 111 people attending" in said
    assert "(113 attendances; 10 no-shows)" in said
    assert "2 external guests from partner organisations also attended" in said
    assert "1 attendee from Teams attendance reports still to be matched" in said


def test_every_team_of_the_year(database, year):
    by_team = {line.name: line.figures for line in totals(database, period=FY).by_team}
    assert by_team == {
        # fs110 moved to Adults MASH: 104 of the people who came are in Family Services now.
        "Family Services": Figures(9, 108, 104, 105, 9, 95, 1, 95),
        "Adults MASH": Figures(3, 6, 6, 7, 1, 6, 0, 6),  # ERW, n=4 (am01), n=1 (fs110)
        "Barnet Homes": Figures(1, 0, 1, 1, 0, 1, 2, 3),
    }  # the organiser's Prevent team has no line: facilitators are never counted
    family = totals(database, period=FY, team="Family Services")
    assert family.figures == by_team["Family Services"]


def test_every_course_of_the_year(database, year):
    by_course = {line.name: line.figures for line in totals(database, period=FY).by_course}
    assert by_course == {
        "WRAP (Workshop to Raise Awareness of Prevent)": Figures(9, 108, 106, 107, 9, 97, 0, 97),
        "Extreme right-wing radicalisation awareness briefing": Figures(1, 6, 6, 6, 1, 6, 0, 6),
        "Home Office online Prevent training": Figures(0, 0, 0, 0, 0, 0, 3, 3),
    }


def test_every_month_of_the_year(database, year):
    months = {
        m.month: (m.sessions_delivered, m.people_attended)
        for m in totals(database, period=FY).by_month
    }
    assert months == {
        date(2025, 4, 1): (0, 0),
        date(2025, 5, 1): (1, 12),
        date(2025, 6, 1): (1, 12),
        date(2025, 7, 1): (1, 11),  # and two guests, counted apart
        date(2025, 8, 1): (1, 12),
        date(2025, 9, 1): (1, 12),
        date(2025, 10, 1): (1, 12),
        date(2025, 11, 1): (2, 17),  # WRAP 11 (and an iPhone, unmatched) and ERW 6
        date(2025, 12, 1): (1, 12),
        date(2026, 1, 1): (1, 13),
        date(2026, 2, 1): (0, 0),  # called off
        date(2026, 3, 1): (0, 0),
    }
    family = {
        m.month: (m.sessions_delivered, m.people_attended)
        for m in totals(database, period=FY, team="Family Services").by_month
    }
    assert family[date(2025, 6, 1)] == (1, 11)  # fs110 is in Adults MASH now
    assert family[date(2025, 9, 1)] == (1, 11)  # am01 is not Family Services
    assert family[date(2025, 11, 1)] == (1, 11)
    assert sum(people for _, people in family.values()) == 105  # its attendances


def test_other_periods_of_the_year(database, year):
    earlier = totals(database, period=periods.financial_year(2024))
    assert earlier.figures == Figures(1, 3, 3, 3, 0, 3, 0, 3)
    november = totals(database, period=periods.month(2025, 11))
    assert november.figures == Figures(2, 18, 17, 17, 2, 16, 0, 16)
    quarter = totals(database, period=periods.calendar_quarter(2025, 3))  # Jul-Sep
    assert (quarter.figures.sessions_delivered, quarter.figures.attendances) == (3, 35)
    assert quarter.external_guests == 2
    everything = totals(database)
    assert everything.figures.sessions_delivered == 11  # not the one to come, nor February's
    assert everything.figures.people_booked == 114
