"""Realistic samples for every card builder: a London borough's Prevent training, at full size.

Each `Sample` names a builder in `bot/cards/` (by function name, so a builder may move between
modules), says in words which case it shows, and holds the arguments it is called with. Where a
card lists things there is a typical case and the largest case the council could meet: a full
100-seat webinar with 40 waiting, totals for 25 teams and 6 courses over four financial years,
50 unmatched attendees, 30 certificates waiting for managers, 10 boards, and so on.
"""

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.booking import Page
from bot.cards.elements import card, execute, heading, text
from bot.cards.help import closest_commands
from delivery.outbox import DeliveryProblem
from documents.chart import chart_png, data_uri
from training.attendance.register import Register as RegisterView
from training.attendance.register import RegisterLine
from training.attendance.sheet import AttendanceSheet, AttendeeLine, SyncResult
from training.attendance.unmatched import UnmatchedLine
from training.data_protection.audit import AuditLine
from training.dates import periods
from training.dates.periods import Period
from training.figures.feedback import (
    FeedbackAnswers,
    FeedbackComment,
    FeedbackForm,
    FeedbackReceipt,
    FeedbackSummary,
)
from training.figures.plain_words import Choice, NotUnderstood, TotalsQuery
from training.figures.totals import Figures, Line, MonthLine, Totals, TotalsScope
from training.governance.boards import BoardView
from training.governance.due import UpcomingReminder
from training.governance.reminders import Reminder
from training.models import BoardFrequency, BoardKind
from training.people.teams import ImportResult, MappingLine, NoTeam, PersonTeam, TeamChange
from training.records.elearning import ClaimView
from training.records.my_training import CompletionLine, MyTraining
from training.sessions.changes import PersonTold, SessionChange
from training.sessions.messages import MessageAudience
from training.sessions.seat_offers import OfferAnswer, OfferLapse
from training.views import BookingSummary, CourseChoice, Person, Roster, RosterLine, SessionSummary

ZONE = ZoneInfo("Europe/London")
# A Monday morning in term time, as in tests/conftest.py.
NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
TODAY = NOW.astimezone(ZONE).date()


@dataclass(frozen=True)
class Sample:
    builder: str  # the builder's function name
    case: str  # what this sample shows, in words
    args: tuple[Any, ...] = field(default=(), repr=False)
    kwargs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        return f"{self.builder}: {self.case}"


# --- the council's people, teams and courses ---------------------------------------------------

# fmt: off
FIRST_NAMES = [
    "Amelia", "Oliver", "Priya", "Mohammed", "Siobhan", "Kwame", "Eleanor", "Tomasz", "Aisha",
    "Gareth", "Chloe", "Rajesh", "Fiona", "Declan", "Yasmin", "Samuel", "Bernadette", "Olumide",
    "Harriet", "Connor", "Nadia", "Alistair", "Zainab", "Rhys",
]
SURNAMES = [
    "Patel", "O'Sullivan", "Okonkwo", "Fitzgerald-Hughes", "Khan", "Nowak", "Williams",
    "Abernethy", "Chowdhury", "MacLeod", "Adeyemi", "Thompson", "Rahman", "Kowalczyk", "Evans",
    "Achterberg", "Begum", "Gallagher", "Osei-Bonsu", "Lindqvist", "Hussain", "Montgomery",
    "Nakamura", "Pritchard", "Szymańska",
]
TEAMS = [
    "Adults MASH", "Children's MASH", "Family Services", "Early Help Hubs",
    "Youth Justice Service", "Barnet Homes Housing Options", "Community Safety",
    "Libraries and Community Hubs", "Adult Learning", "Revenues and Benefits",
    "Environmental Health", "Licensing", "Customer Services", "School Admissions",
    "SEND and Inclusion", "Leisure and Culture", "Greenspaces", "Public Health",
    "Fostering & Adoption", "Children in Care and Care Leavers", "Adult Social Care Front Door",
    "Registration and Nationality Service", "Trading Standards", "Highways and Transport",
    "Human Resources",
]
# fmt: on
COURSES = [
    CourseChoice(1, "WRAP", "WRAP (Workshop to Raise Awareness of Prevent)", 120),
    CourseChoice(2, "HO-ELEARN", "Home Office online Prevent training", 90),
    CourseChoice(3, "ERW", "Extreme right-wing radicalisation awareness briefing", 90),
    CourseChoice(4, "ONLINE-RAD", "Conspiracy theories and online radicalisation", 90),
    CourseChoice(5, "TTT", "WRAP train the trainer", 240),
    CourseChoice(6, "DSL", "Prevent duty for designated safeguarding leads", 180),
]
WRAP, ELEARNING, ERW, ONLINE_RAD, TTT, DSL = COURSES
TENANT = "5b2d8a1e-3c47-4f9e-9d61-0a8e7c3f2b14"


def people(count: int, start: int = 0) -> list[Person]:
    """`count` different staff; first and last names cycle at coprime lengths, so none repeat."""
    out = []
    for i in range(start, start + count):
        first, last = FIRST_NAMES[i % len(FIRST_NAMES)], SURNAMES[i % len(SURNAMES)]
        email = f"{first}.{last}".lower().replace("'", "").replace("ń", "n") + "@example.gov.uk"
        out.append(Person(1000 + i, f"{first} {last}", email, TEAMS[i % len(TEAMS)]))
    return out


def join_url(meeting: int) -> str:
    """A Teams join link as Graph returns it: long, percent-encoded, with the tenant inside."""
    return (
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_"
        f"NjQ2ZjE3YjAtZDk0Ny00ZWI3LWE4MmUtOTNjNmJjZDY2ZDk{meeting:05d}%40thread.v2/0?context="
        f"%7b%22Tid%22%3a%22{TENANT}%22%2c%22Oid%22%3a%228c1f0d2a-6b7e-4e3d-a5c9-2f4b1e7d9a60%22%7d"
    )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A UK wall-clock time, stored as UTC the way the services hand it over."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def session(
    id_: int,
    course: CourseChoice,
    day: date,
    hour: int = 10,
    *,
    capacity: int = 20,
    booked: int = 12,
    waitlisted: int = 0,
    online: bool = True,
    status: str = "scheduled",
    audience: str = "",
) -> SessionSummary:
    starts = at(day, hour)
    return SessionSummary(
        id=id_,
        course_code=course.code,
        course_title=course.title,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=course.default_duration_minutes),
        online=online,
        join_url=join_url(id_) if online else None,
        location=None
        if online
        else "Hendon Town Hall, The Burroughs, London NW4 4BG (Committee Room 2)",
        capacity=capacity,
        booked=booked,
        waitlisted=waitlisted,
        status=status,
        bookings_open=status == "scheduled",
        audience=audience,
        facilitators="Sarah Whitfield (Prevent Education Officer); DS Mark Ellison, SO15",
    )


# --- sessions and bookings ---------------------------------------------------------------------

WEBINAR = session(
    412,
    WRAP,
    date(2027, 1, 19),
    capacity=100,
    booked=100,
    waitlisted=40,
    audience="All front-line staff who have not done WRAP in the last two years",
)
IN_PERSON = session(
    415, ERW, date(2027, 1, 21), 14, capacity=30, booked=17, online=False, audience="Managers"
)
UPCOMING = [
    WEBINAR,
    IN_PERSON,
    session(416, WRAP, date(2027, 1, 26), booked=20, capacity=20, waitlisted=3),
    session(417, ONLINE_RAD, date(2027, 2, 2), 13, booked=4, capacity=40),
    session(418, TTT, date(2027, 2, 4), 9, capacity=12, booked=11, online=False),
    session(419, WRAP, date(2027, 2, 9), capacity=25, booked=9, audience="Schools and early years"),
    session(420, DSL, date(2027, 2, 11), 13, capacity=15, booked=15, waitlisted=8),
    session(
        421, WRAP, date(2027, 2, 16), 18, capacity=25, booked=2, audience="Evening: foster carers"
    ),
    session(
        422, ERW, date(2027, 2, 23), capacity=30, booked=0, audience="Community Safety and Housing"
    ),
    session(423, WRAP, date(2027, 3, 2), capacity=25, booked=1, online=False),
]
NEW_WEBINAR = replace(WEBINAR, id=424, join_url=None, booked=0, waitlisted=0)
CANCELLED = session(414, WRAP, date(2027, 1, 14), capacity=25, booked=19, status="cancelled")
BOOKER = people(1)[0]


def booking(
    id_: int,
    on: SessionSummary,
    status: str,
    position: int | None = None,
    undo_until: datetime | None = None,
) -> BookingSummary:
    cutoff = on.starts_at - timedelta(hours=24)
    until = {"booked": max(cutoff, undo_until or cutoff), "waitlisted": on.ends_at}.get(status)
    return BookingSummary(
        id_,
        status,
        on,
        NOW - timedelta(days=9),
        waitlist_position=position,
        cancel_until=until,
        cutoff_at=cutoff,
    )


def roster(on: SessionSummary, booked: int, waiting: int) -> Roster:
    everyone = people(booked + waiting)

    def line(i: int, person: Person, status: str) -> RosterLine:
        return RosterLine(5000 + i, person, status, NOW - timedelta(days=40, hours=-3 * i))

    return Roster(
        on,
        booked=[line(i, p, "booked") for i, p in enumerate(everyone[:booked])],
        waitlisted=[line(i, p, "waitlisted") for i, p in enumerate(everyone[booked:], booked)],
        cancelled=[],
    )


# A seat freed two days before a 20-seat session, held for the first person waiting until 21:00.
CLOSE = session(430, WRAP, date(2027, 1, 13), capacity=20, booked=19, waitlisted=6)
CLOSE = replace(CLOSE, offered=1)
OFFER_ENDS = at(date(2027, 1, 11), 21)


def offered(id_: int, on: SessionSummary) -> BookingSummary:
    return replace(booking(id_, on, "offered"), offer_id=900 + id_, offer_expires_at=OFFER_ENDS)


def with_offers(held: Roster, count: int) -> Roster:
    """Seats held for the first `count` people who were waiting."""
    lines = tuple(
        replace(line, status="offered", offer_expires_at=OFFER_ENDS + timedelta(hours=i))
        for i, line in enumerate(held.waitlisted[:count])
    )
    return replace(held, waitlisted=held.waitlisted[count:], offered=lines)


def answer(state: str, *, changed: bool = True) -> OfferAnswer:
    status = {"accepted": "booked", "declined": "cancelled", "expired": "cancelled"}.get(
        state, "cancelled"
    )
    on = CLOSE if state != "withdrawn" else replace(CLOSE, status="cancelled")
    return OfferAnswer(booking(31, on, status), state, OFFER_ENDS, changed=changed)


LAPSE = OfferLapse(931, BOOKER, booking(31, CLOSE, "cancelled"), OFFER_ENDS, ())


def after_the_session() -> Roster:
    """A delivered 60-seat session: 52 came, 6 did not, 9 walked in, 3 external guests."""
    held = roster(WEBINAR, 58, 0)
    booked = [
        replace(line, status="attended" if i < 52 else "no_show")
        for i, line in enumerate(held.booked)
    ]
    walk_ins = tuple(people(9, start=100))
    guests = tuple(replace(p, team=None) for p in people(3, start=200))
    return replace(held, booked=booked, walk_ins=walk_ins, guests=guests, started=True)


AFTER = after_the_session()

# A full webinar moved a day and an hour later, given ten more seats and a new audience.
MOVED = replace(
    WEBINAR,
    starts_at=WEBINAR.starts_at + timedelta(days=1, hours=1),
    ends_at=WEBINAR.ends_at + timedelta(days=1, hours=1),
    capacity=WEBINAR.capacity + 10,
    audience="Family Services front-line staff, and anyone in Early Help",
)
CHANGE = SessionChange(
    WEBINAR,
    MOVED,
    [PersonTold(p, "booked") for p in people(100)]
    + [PersonTold(p, "given_seat") for p in people(10, start=100)]
    + [PersonTold(p, "waitlisted", i) for i, p in enumerate(people(30, start=110), start=1)],
)
# Two days before: five more seats, offered to the first five waiting until they answer.
MORE_SEATS_CLOSE = SessionChange(
    CLOSE,
    replace(CLOSE, capacity=25, offered=6, waitlisted=1),
    [PersonTold(p, "offered_seat") for p in people(5, start=300)]
    + [PersonTold(people(1, start=305)[0], "waitlisted", 1)],
)
NOTHING_CHANGED = SessionChange(WEBINAR, WEBINAR, [])
LONG_MESSAGE = (
    "Please join ten minutes early: we will check everyone can hear and see the slides. "
    "The pre-reading (the Prevent duty guidance, sections 1 to 3) is on the intranet. " * 5
)[:1000]
AUDIENCE = MessageAudience(WEBINAR, people(100), people(40, start=100))
DRAFT = "0f" * 16


def register_sheet() -> AttendanceSheet:
    """An in-person session's sheet as the register left it, with who decided each result."""
    sheet = attendance(17, 2, 0, state="not read yet")
    decisions = ["present", "present", "left_early", "absent"]
    lines = [
        replace(
            line,
            attended_seconds=0,
            completed=i % 4 < 2,
            decision=decisions[i % 4],
            decided_by="Sarah Whitfield (Prevent Education Officer)",
            decided_at=NOW - timedelta(days=2, minutes=i),
            reason=REASON if i % 4 == 2 else "",
            role="absent" if i % 4 == 3 else "attendee",
        )
        for i, line in enumerate(sheet.attendees)
    ]
    return replace(sheet, attendees=lines, online=False)


# --- feedback ----------------------------------------------------------------------------------

SAID = [
    (
        "The case studies, especially the one about the young man groomed through gaming chats.",
        "More time for questions; we ran over and the last part felt rushed.",
    ),
    (
        "Knowing exactly who to call and that a referral is not an accusation.",
        "",
    ),
    (
        "Hearing from SO15 about what actually happens after a Channel referral: the panel, the "
        "support offered, and how rarely it involves the police beyond the first assessment. "
        "It took away a lot of my worry about referring a family I work with and getting it "
        "wrong. I will share the referral flowchart with the rest of the Early Help team at our "
        "next meeting, and I'd like a copy of the slides if they can be sent out.",
        "The breakout rooms did not work for two of us, so we missed the group discussion and "
        "had to wait in the main meeting. A short handout with the local contacts (the Prevent "
        "coordinator, the MASH duty line and the out-of-hours number) would help, as I could "
        "not write them down fast enough. Perhaps send it with the joining link next time.",
    ),
    ("", "The room at Hendon was too warm and the projector kept cutting out."),
    (
        "The difference between extremist ideology and holding views we disagree with.",
        "Examples from outer London rather than national news stories.",
    ),
]


def comments(count: int) -> list[FeedbackComment]:
    named = people(count)
    return [
        FeedbackComment(
            session_id=400 - i,
            course_title=(WRAP, ERW, ONLINE_RAD)[i % 3].title,
            session_starts_at=NOW - timedelta(days=7 * i + 3),
            most_useful=SAID[i % len(SAID)][0],
            could_be_better=SAID[i % len(SAID)][1],
            by=named[i].display_name if i % 3 == 0 else None,
        )
        for i in range(count)
    ]


def summary(invited: int, responses: int, said: int) -> FeedbackSummary:
    if not responses:
        return FeedbackSummary(invited, 0, None, None, None, None, [])
    return FeedbackSummary(invited, responses, 4.4, 4.1, 2.6, 4.2, comments(said))


FORM = FeedbackForm(WEBINAR, NOW + timedelta(days=14), None)
ANSWERED = FeedbackForm(
    WEBINAR,
    NOW + timedelta(days=14),
    FeedbackAnswers(5, 4, 2, 4, SAID[2][0], SAID[2][1], consent_to_attribute=True),
)

# --- totals ------------------------------------------------------------------------------------

FOUR_YEARS = periods.since(date(2023, 4, 1), TODAY)  # four financial years, this one to date
LAST_YEAR = periods.calendar_year(2026)
THIS_QUARTER = periods.quarter_of(TODAY)


def figures(scale: int) -> Figures:
    return Figures(
        sessions_delivered=scale * 3,
        people_booked=scale * 52,
        people_attended=scale * 47,
        attendances=scale * 49,
        no_shows=scale * 5,
        completed_live=scale * 44,
        completed_elearning=scale * 21,
        completed_any=scale * 61,
    )


def totals(period: Period, teams: int, courses: int, said: int, team: str | None = None) -> Totals:
    return Totals(
        scope=TotalsScope(period, at(period.start, 0), at(period.end, 0), team, None),
        figures=figures(40),
        by_team=[Line(name, figures(40 - i)) for i, name in enumerate(TEAMS[:teams])],
        by_course=[Line(c.title, figures(30 - 4 * i)) for i, c in enumerate(COURSES[:courses])],
        by_month=[MonthLine(m, 2 + m.month % 4, 30 + 7 * (m.month % 5)) for m in period.months()],
        feedback=summary(3400, 1210, said),
        unmatched_attendees=37,
        generated_at=NOW,
        notes=[
            "Attendance before April 2024 was entered from sign-in sheets, not Teams reports.",
            "'famly services' read as Family Services.",
        ],
    )


BIG_TOTALS = totals(FOUR_YEARS, len(TEAMS), len(COURSES), said=40)
BY_TEAM = TotalsQuery(period=FOUR_YEARS, breakdown="team")
# 'last year' is read as a calendar year; the other fair reading is offered as a button.
LAST_YEAR_TOTALS = totals(LAST_YEAR, len(TEAMS), len(COURSES), said=40)
LAST_YEAR_BY_COURSE = TotalsQuery(
    period=LAST_YEAR,
    breakdown="course",
    notes=("'last year' read as the calendar year 2026",),
    alternatives=(Choice("Financial year 2025-26 instead", "totals by course 2025-26"),),
)


def team_person(i: int, team: str | None, source: str | None, department: str | None) -> PersonTeam:
    person = people(1, i)[0]
    return PersonTeam(person.staff_id, person.display_name, person.email, team, source, department)


NO_TEAM_TOTALS = replace(
    BIG_TOTALS, by_team=[*BIG_TOTALS.by_team, Line("(no team recorded)", figures(4))]
)
PARTNER = PersonTeam(
    9001, "Jo Bloggs", "jo.bloggs@probation.gov.uk", "Probation Service", "coordinator", None
)
PARTNER_FROM_DIRECTORY = team_person(3, "Family Services", "directory", "Early Help Hub West")
MAPPINGS = [
    MappingLine(f"{team} {area}", team, 3 + i)
    for i, (team, area) in enumerate(
        (TEAMS[i % len(TEAMS)], ("North", "South", "East")[i % 3]) for i in range(60)
    )
]

# --- boards and reminders ----------------------------------------------------------------------

BOARD_NAMES = [
    ("Barnet Safeguarding Adults Board", BoardKind.BOARD, BoardFrequency.QUARTERLY),
    ("Barnet Safeguarding Children Partnership", BoardKind.BOARD, BoardFrequency.QUARTERLY),
    ("Prevent Delivery Group", BoardKind.MEETING, BoardFrequency.QUARTERLY),
    ("Chief Executive's briefing", BoardKind.BRIEFING, BoardFrequency.QUARTERLY),
    ("Community Safety Partnership Board", BoardKind.BOARD, BoardFrequency.BIANNUAL),
    ("Health and Wellbeing Board", BoardKind.BOARD, BoardFrequency.ANNUAL),
    ("Channel Panel", BoardKind.MEETING, BoardFrequency.TBC),
    ("Schools Safeguarding Leads Forum", BoardKind.BOARD, BoardFrequency.BIANNUAL),
    ("Housing and Homelessness Partnership", BoardKind.BOARD, BoardFrequency.ANNUAL),
    ("Corporate Management Team", BoardKind.BRIEFING, BoardFrequency.BIANNUAL),
]


def boards(count: int) -> list[BoardView]:
    leads = people(40)
    return [
        BoardView(
            id=i + 1,
            name=name,
            focus="Prevent referrals, training reach and the Channel caseload" if i % 2 else "",
            kind=kind,
            frequency=frequency,
            last_update_on=TODAY - timedelta(days=70 + 9 * i) if i != 5 else None,
            next_due_on=None
            if frequency == BoardFrequency.TBC
            else TODAY + timedelta(days=30 * i - 20),
            leads=tuple(leads[4 * i : 4 * i + (4 if kind == BoardKind.MEETING else 2)]),
        )
        for i, (name, kind, frequency) in enumerate(BOARD_NAMES[:count])
    ]


BOARD = boards(1)[0]


def reminder(
    kind: str, headline: str, details: tuple[tuple[str, str], ...], **more: Any
) -> Reminder:
    return Reminder(f"{kind}:1", kind, BOOKER.staff_id, NOW, headline, details, **more)


DAY_BEFORE = reminder(
    "session_day_before",
    f"Tomorrow: {WRAP.title}",
    (
        ("When", "Tue 19 Jan 2027, 10:00–12:00"),
        ("Where", "Online (Teams)"),
        ("Join", f"[Teams meeting link]({join_url(412)})"),
    ),
    link=join_url(412),
)
BOARD_OVERDUE = reminder(
    "board_overdue",
    "Overdue: Barnet Safeguarding Adults Board was due on 6 Jan 2027",
    (
        ("Board", "Barnet Safeguarding Adults Board"),
        ("Focus", "Prevent referrals, training reach and the Channel caseload"),
        ("Due", "Wed 6 Jan 2027"),
        ("Last update", "7 Oct 2026"),
        ("What to do", "Type 'board update delivered Barnet Safeguarding Adults Board' once done."),
    ),
)
REFRESHER = reminder(
    "refresher",
    f"Time to refresh your {WRAP.title}",
    (
        ("Last completed", "11 Jan 2025"),
        ("Renew every", "24 months"),
        ("What to do", "Type 'sessions' to book a place."),
    ),
)


def upcoming(count: int) -> list[UpcomingReminder]:
    """Everyone booked on the full webinar is reminded the day before, among the rest."""
    kinds = [DAY_BEFORE, BOARD_OVERDUE, REFRESHER]
    return [
        UpcomingReminder(kinds[i % 3], person.display_name)
        for i, person in enumerate(people(count))
    ]


def failed(count: int) -> list[DeliveryProblem]:
    return [
        DeliveryProblem(
            id=9000 + i,
            key=f"session:412:day-before:2027-01-19:to:{person.staff_id}",
            kind="reminder",
            person=person,
            summary=f"Tomorrow: {WRAP.title}",
            state="blocked" if i % 4 == 0 else "failed",
            attempts=6,
            last_error="403: Forbidden (the user has blocked the bot or uninstalled the app)"
            if i % 4 == 0
            else "502: Bad Gateway",
            created_at=NOW - timedelta(hours=20 + i),
        )
        for i, person in enumerate(people(count))
    ]


# --- attendance and e-learning -----------------------------------------------------------------

NOTHING_READ = SyncResult(0, "waiting", 0, 0, 0, 0, 0, 0, 0, None)
SYNCS = [
    SyncResult(412, "final", 2, 131, 104, 91, 4, 12, 6, None),
    SyncResult(411, "provisional", 1, 38, 21, 18, 1, 3, 2, NOW + timedelta(hours=6)),
    replace(
        NOTHING_READ, session_id=410, state="waiting", next_attempt_at=NOW + timedelta(hours=1)
    ),
    replace(NOTHING_READ, session_id=409, state="no_report", problem="Teams kept no report."),
    replace(
        NOTHING_READ,
        session_id=408,
        state="blocked",
        next_attempt_at=NOW + timedelta(days=1),
        problem="Microsoft Graph refused: the app needs OnlineMeetingArtifact.Read.All.",
    ),
    SyncResult(407, "final", 1, 29, 23, 22, 0, 2, 0, None),
    SyncResult(406, "final", 3, 57, 25, 25, 2, 0, 3, None),
    SyncResult(405, "final", 1, 18, 16, 15, 0, 4, 1, None),
]


def attendance(
    attendees: int, walk_ins: int, no_shows: int, state: str = "final"
) -> AttendanceSheet:
    everyone = people(attendees + no_shows)
    lines = [
        AttendeeLine(
            attendance_id=7000 + i,
            display_name=p.display_name,
            email=p.email,
            staff_id=None if i % 37 == 5 else p.staff_id,
            attended_seconds=7200 - 97 * (i % 40),
            completed=i % 11 != 3,
            walk_in=i >= attendees - walk_ins,
            data_gaps=i % 29 == 7,
            resolution=None,
        )
        for i, p in enumerate(everyone[:attendees])
    ]
    return AttendanceSheet(
        session_id=WEBINAR.id,
        course_title=WEBINAR.course_title,
        starts_at=WEBINAR.starts_at,
        ends_at=WEBINAR.ends_at,
        required_seconds=6300,
        state=state,
        next_attempt_at=None,
        problem="",
        attendees=lines,
        no_shows=[p.display_name for p in everyone[attendees:]],
    )


def unmatched(count: int) -> list[UnmatchedLine]:
    guests = [
        ("Sgt Dave Murphy (Met Police)", "david.murphy@met.police.uk"),
        ("Barnet and Southgate College - J. Osei", None),
        ("iPhone (2)", None),
        ("Claire Whitaker", "claire.whitaker@nhs.net"),
        ("Guest 0207 359 4411", None),
    ]
    return [
        UnmatchedLine(
            attendance_id=8000 + i,
            session_id=412 - i // 10,
            course_title=WRAP.title,
            starts_at=WEBINAR.starts_at - timedelta(days=7 * (i // 10)),
            display_name=guests[i % len(guests)][0],
            email=guests[i % len(guests)][1],
            attended_seconds=6900 - 113 * i,
            completed=i % 3 != 0,
        )
        for i in range(count)
    ]


# As long as a reason can be (500 characters): the cards show its start.
REASON = (
    "Her connection dropped twice in the second hour; she watched the rest from a colleague's "
    "laptop in the Hendon office and I saw her there myself. " * 4
)[:500]


def register_page(
    on: SessionSummary, booked: int, waiting: int, walk_ins: int = 0, page: int = 1, **extra: Any
) -> RegisterView:
    """One page of a register: the first people recorded by hand (with long reasons, online),
    the rest as they are; booked, waiting, then walk-ins and people added by name."""
    everyone = people(booked + waiting + walk_ins)
    standings = ["booked"] * booked + ["waiting"] * waiting + ["walk-in"] * walk_ins
    marks = ["present", "left_early", "absent", "teams" if on.online else ""]
    lines = [
        RegisterLine(
            key=f"s{p.staff_id}" if i % 23 != 22 else f"a{90000 + i}",
            display_name=p.display_name,
            email=p.email,
            standing=standings[i] if i % 23 != 22 else "unmatched",
            mark=marks[i % 4],
            teams_seconds=(7200 - 131 * i) if on.online and i % 4 != 2 else None,
            teams_completed=i % 5 != 1,
            decided_by="Sarah Whitfield" if i % 4 != 3 else "",
            decided_at=NOW - timedelta(minutes=i) if i % 4 != 3 else None,
            reason=REASON if on.online and i % 4 != 3 else "",
        )
        for i, p in enumerate(everyone)
    ]
    size = 25
    total = len(lines)
    return RegisterView(
        session=on,
        lines=tuple(lines[(page - 1) * size : page * size]),
        page=page,
        pages=max(1, -(-total // size)),
        people=total,
        attended=total // 2,
        completed=total // 3,
        absent=total // 4,
        not_recorded=total - total // 2 - total // 4,
        reported=on.online,
        **extra,
    )


def claim(i: int, status: str = "pending", *, named: bool = False) -> ClaimView:
    person, manager = people(2, start=2 * i)
    return ClaimView(
        claim_id=300 + i,
        staff_id=person.staff_id,
        staff_name=person.display_name,
        course_title=ELEARNING.title,
        status=status,
        certificate_name=f"Prevent awareness certificate - {person.display_name}.pdf",
        certificate_kind="PDF",
        certificate_size=184_322,
        manager_staff_id=None if status == "awaiting_manager" else manager.staff_id,
        manager_name=None if status == "awaiting_manager" else manager.display_name,
        claimed_at=NOW - timedelta(days=30 - i, hours=i),
        chase_count=i % 4,
        manager_named=named or status == "awaiting_approval",
    )


WAITING = ("pending", "awaiting_approval", "awaiting_manager", "pending")

DOWNLOAD = (
    "https://wrapbot.example.gov.uk/certificates/"
    "301.1002.1768125600.9f86d081884c7d65.5zKk0v3aQn8rJx1Hq2WmYb7cTfLpGd4sE6uVoNiRjAw",
    15,
)


def my_training(completions: int, pending: int) -> MyTraining:
    courses = [WRAP, ELEARNING, ERW, ONLINE_RAD, DSL]
    lines = []
    for i in range(completions):
        done = NOW - timedelta(days=200 + 240 * i)
        course = courses[i % len(courses)]
        renewed = i >= len(courses)  # an older completion of a course done again since
        due = None if renewed else done + timedelta(days=730)
        lines.append(
            CompletionLine(
                course.title,
                done,
                "elearning" if course is ELEARNING else "attended",
                due,
                due is not None and due <= NOW,
            )
        )
    return MyTraining(
        lines, [f"{ELEARNING.title}: pending", f"{DSL.title}: awaiting certificate"][:pending]
    )


# --- the audit trail ---------------------------------------------------------------------------

AUDITED = [
    (
        "totals.view",
        "2023-24 to 2026-27 (1 Apr 2023 to 31 Mar 2027)",
        "totals by team since april 2023",
    ),
    (
        "session.cancel",
        "session 414",
        "Facilitator from SO15 unwell; everyone booked has been offered 416.",
    ),
    ("attendance.view", "session 412", ""),
    ("elearning.chase", "claim 305", ""),
    (
        "board.update",
        "Barnet Safeguarding Adults Board",
        "Delivered 6 Jan 2027; next due 7 Apr 2027.",
    ),
    (
        "attendance.assign",
        "attendance 8003",
        "Matched 'iPhone (2)' to harriet.rahman@example.gov.uk",
    ),
]


def audit(count: int) -> list[AuditLine]:
    actors = people(3)
    return [
        AuditLine(
            NOW - timedelta(hours=5 * i),
            actors[i % 3].display_name if i % 7 else "the system",
            *AUDITED[i % len(AUDITED)],
        )
        for i in range(count)
    ]


# --- the samples -------------------------------------------------------------------------------

FORM_VALUES = {
    "course": "ERW",
    "date": "2027-01-04",
    "time": "14:00",
    "duration": 90,
    "capacity": 30,
    "mode": "in_person",
    "location": "Hendon Town Hall, Committee Room 2",
    "audience": "Managers in Adults and Children's services",
}

SAMPLES = [
    Sample("card", "the frame every card shares", ([heading("Hello"), text("Hi.")],)),
    Sample("card", "a frame with one action", ([text("Hi.")], [execute("Help", "help")])),
    Sample(
        "refreshed_by",
        "a card that redraws itself when shown",
        (card([heading("Your bookings"), text("None.")]), "my_bookings"),
    ),
    Sample("help_card", "for staff", (False,)),
    Sample("help_card", "for a coordinator, with a note", (True, "Sorry, I didn't get that.")),
    Sample(
        "help_card",
        "for a reporter who is an auditor too",
        (False,),
        {"is_reporter": True, "is_auditor": True},
    ),
    Sample(
        "unknown_words_card",
        "a misspelt command, for a coordinator",
        ('Sorry, I didn\'t understand "sesions".', closest_commands("sesions", True)),
    ),
    Sample(
        "unknown_words_card",
        "nothing near, for staff",
        ('Sorry, I didn\'t understand "make me a sandwich".', closest_commands("x", False)),
    ),
    # sessions and bookings
    Sample("sessions_card", "nothing matches", ([], ZONE)),
    Sample("sessions_card", "the next 10 sessions", (UPCOMING, ZONE)),
    Sample(
        "sessions_card",
        "the next 10, two of them mine",
        (UPCOMING, ZONE),
        {"title": "WRAP sessions in February", "my_status": {412: "booked", 420: "waitlisted"}},
    ),
    Sample(
        "sessions_card",
        "the first 10 of 25 WRAP sessions, with More",
        (UPCOMING, ZONE),
        {"page": Page(0, 25, {"course": "wrap"})},
    ),
    Sample("sessions_card", "the last page", (UPCOMING[:5], ZONE), {"page": Page(20, 25)}),
    Sample("session_booking_card", "booked online", (booking(1, WEBINAR, "booked"), ZONE, NOW)),
    Sample(
        "session_booking_card",
        "booked inside the cut-off, still undoable",
        (booking(5, WEBINAR, "booked", undo_until=NOW + timedelta(minutes=30)), ZONE, NOW),
    ),
    Sample(
        "session_booking_card",
        "booked, too late to cancel",
        (booking(6, WEBINAR, "booked"), ZONE, WEBINAR.starts_at - timedelta(hours=2)),
    ),
    Sample(
        "session_booking_card",
        "40th on the waiting list",
        (
            booking(2, WEBINAR, "waitlisted", 40),
            ZONE,
            NOW,
            "You'll hear as soon as a seat is free.",
        ),
    ),
    Sample("session_booking_card", "cancelled", (booking(3, IN_PERSON, "cancelled"), ZONE, NOW)),
    Sample("my_bookings_card", "none", ([], ZONE, NOW)),
    Sample(
        "my_bookings_card",
        "six bookings",
        (
            [booking(10 + i, s, "booked") for i, s in enumerate(UPCOMING[1:6])]
            + [booking(20, UPCOMING[6], "waitlisted", 8)],
            ZONE,
            NOW,
        ),
    ),
    Sample(
        "seat_given_card",
        "promoted from the waiting list",
        (booking(4, WEBINAR, "booked"), ZONE, NOW),
    ),
    Sample(
        "seat_offer_card", "a seat two days before, until 21:00", (offered(5, CLOSE), ZONE, NOW)
    ),
    Sample("session_booking_card", "a seat held for me", (offered(6, CLOSE), ZONE, NOW)),
    Sample(
        "my_bookings_card",
        "five bookings and a seat held for me",
        (
            [offered(7, CLOSE)]
            + [booking(40 + i, s, "booked") for i, s in enumerate(UPCOMING[1:6])],
            ZONE,
            NOW,
        ),
    ),
    Sample("offer_lapsed_card", "nobody answered by 21:00", (LAPSE, ZONE)),
    Sample("offer_answer_card", "accepted", (answer("accepted"), ZONE, NOW)),
    Sample(
        "offer_answer_card", "pressed Accept again", (answer("accepted", changed=False), ZONE, NOW)
    ),
    Sample("offer_answer_card", "declined", (answer("declined"), ZONE, NOW)),
    Sample(
        "offer_answer_card",
        "pressed after it ran out",
        (answer("expired", changed=False), ZONE, NOW),
    ),
    Sample(
        "offer_answer_card",
        "the session was called off",
        (answer("withdrawn", changed=False), ZONE, NOW),
    ),
    Sample(
        "session_cancelled_notice",
        "with a reason",
        (CANCELLED, ZONE, "The facilitator from SO15 is unwell. Session 416 has seats."),
    ),
    Sample("session_cancelled_notice", "without a reason", (CANCELLED, ZONE, None)),
    # coordinators: sessions
    Sample("new_session_form", "empty", (COURSES, NOW, ZONE)),
    Sample(
        "new_session_form",
        "a bank holiday to confirm",
        (COURSES, NOW, ZONE),
        {
            "warning": "Mon 31 May 2027 is a bank holiday (Spring bank holiday). Create it anyway?",
            "values": {**FORM_VALUES, "date": "2027-05-31"},
        },
    ),
    Sample(
        "new_session_form",
        "sent back with an error",
        (COURSES, NOW, ZONE),
        {
            "error": "Monday 4 January 2027 has passed: choose a later date.",
            "values": FORM_VALUES,
            "meeting_by_graph": True,
        },
    ),
    Sample("session_created_card", "online, meeting being created", (NEW_WEBINAR, ZONE)),
    Sample("session_created_card", "in person", (IN_PERSON, ZONE)),
    Sample("roster_card", "nobody yet", (roster(UPCOMING[8], 0, 0), ZONE)),
    Sample(
        "roster_card", "a full 100-seat webinar with 40 waiting", (roster(WEBINAR, 100, 40), ZONE)
    ),
    Sample("roster_card", "a cancelled session", (roster(CANCELLED, 19, 0), ZONE)),
    Sample(
        "roster_card",
        "two days before: 3 seats held for people waiting, 37 still waiting",
        (with_offers(roster(replace(WEBINAR, booked=97, offered=3), 97, 40), 3), ZONE),
    ),
    Sample(
        "roster_card", "after the session: attended, no-shows, walk-ins and guests", (AFTER, ZONE)
    ),
    Sample(
        "confirm_cancel_session_card",
        "the full webinar",
        (WEBINAR, ZONE, "The facilitator from SO15 is unwell."),
    ),
    Sample("session_cancelled_card", "140 people told", (WEBINAR, ZONE, 140)),
    # coordinators: changing a session and writing to its people
    Sample(
        "edit_session_form",
        "a pasted join link",
        (WEBINAR, ZONE),
        {"meeting_made_by_bot": False, "meeting_by_graph": True},
    ),
    Sample(
        "edit_session_form",
        "the bot's meeting, sent back with the capacity refused",
        (WEBINAR, ZONE),
        {
            "meeting_made_by_bot": True,
            "error": "100 people already have seats on session 412, so the capacity can't go "
            "below 100 (you asked for 80). Keep it at 100 or more.",
            "values": {"capacity": "80"},
        },
    ),
    Sample("edit_session_form", "in person", (IN_PERSON, ZONE), {"meeting_made_by_bot": False}),
    Sample("session_changed_notice", "booked, moved", (CHANGE, ZONE, "booked")),
    Sample("session_changed_notice", "given a seat by more capacity", (CHANGE, ZONE, "given_seat")),
    Sample("session_changed_notice", "30th waiting", (CHANGE, ZONE, "waitlisted", 30)),
    Sample(
        "session_changed_notice",
        "more seats two days before: one held for me",
        (MORE_SEATS_CLOSE, ZONE, "offered_seat"),
    ),
    Sample("session_saved_card", "5 more seats two days before: offered", (MORE_SEATS_CLOSE, ZONE)),
    Sample("session_saved_card", "moved, 10 given seats, 140 told", (CHANGE, ZONE)),
    Sample("session_saved_card", "nothing different", (NOTHING_CHANGED, ZONE)),
    Sample("message_form_card", "empty", (WEBINAR, ZONE)),
    Sample(
        "message_form_card",
        "sent back",
        (WEBINAR, ZONE, "A message can be at most 1000 characters."),
    ),
    Sample(
        "message_preview_card",
        "the longest message, 100 booked and 40 waiting",
        (AUDIENCE, LONG_MESSAGE, ZONE, "Pat Coordinator", DRAFT),
    ),
    Sample(
        "message_preview_card",
        "nobody waiting",
        (replace(AUDIENCE, waiting=[]), "Bring a pen.", ZONE, "Pat Coordinator", DRAFT),
    ),
    Sample("session_message_card", "the longest message", (WEBINAR, LONG_MESSAGE, ZONE, "Pat C")),
    Sample("message_sent_card", "to 140", (WEBINAR, 140)),
    Sample("message_sent_card", "pressed twice", (WEBINAR, 140, True)),
    # feedback
    Sample("feedback_card", "first time", (FORM, ZONE)),
    Sample("feedback_card", "changing long answers", (ANSWERED, ZONE, "Please choose 1 to 5.")),
    Sample(
        "feedback_thanks_card",
        "updated",
        (FeedbackReceipt(WEBINAR, NOW + timedelta(days=14), changed=True), ZONE),
    ),
    Sample("session_feedback_card", "no responses yet", (WEBINAR, summary(100, 0, 0), ZONE)),
    Sample(
        "session_feedback_card",
        "the full webinar, 40 comments",
        (WEBINAR, summary(104, 61, 40), ZONE),
    ),
    Sample(
        "period_feedback_card",
        "four years, 40 comments",
        (FOUR_YEARS.label, summary(3400, 1210, 40), ZONE),
    ),
    # totals
    Sample(
        "totals_card",
        "one team this quarter, no chart",
        (
            totals(THIS_QUARTER, 1, 2, said=1, team="Adults MASH"),
            ZONE,
            TotalsQuery(period=THIS_QUARTER, team="Adults MASH"),
            None,
        ),
    ),
    Sample(
        "totals_card",
        "25 teams, 6 courses, 4 years by month, with the chart",
        (BIG_TOTALS, ZONE, BY_TEAM, data_uri(chart_png(BIG_TOTALS))),
    ),
    Sample(
        "totals_card",
        "last year by course, with the other reading of 'last year'",
        (LAST_YEAR_TOTALS, ZONE, LAST_YEAR_BY_COURSE, data_uri(chart_png(LAST_YEAR_TOTALS))),
    ),
    Sample("report_card", "four years", (BIG_TOTALS, "report since april 2023")),
    Sample(
        "not_understood_card",
        "six readings, five offered",
        (
            NotUnderstood(
                TotalsQuery(period=FOUR_YEARS),
                "famly",
                tuple(
                    Choice(f"Family Services, {y}", f"totals family services {y}")
                    for y in ("2022-23", "2023-24", "2024-25", "2025-26", "2026-27", "all time")
                ),
            ),
        ),
    ),
    # boards and reminders
    Sample("reminder_card", "the day before an online session", (DAY_BEFORE,)),
    Sample("reminder_card", "a board update overdue", (BOARD_OVERDUE,)),
    Sample("boards_card", "no boards yet", ([], TODAY), {"for_coordinator": True}),
    Sample("boards_card", "10 boards", (boards(10), TODAY), {"for_coordinator": True}),
    Sample("boards_card", "the 2 a lead leads", (boards(2), TODAY), {"for_coordinator": False}),
    Sample("board_form", "a new board", (None,)),
    Sample(
        "board_form",
        "changing a board, sent back with an error",
        (boards(3)[2],),
        {
            "error": "'adele.vance@example' is not an email address.",
            "values": {"leads": "adele.vance@example"},
        },
    ),
    Sample("board_saved_card", "added", (BOARD, True)),
    Sample(
        "board_saved_card",
        "added, with a lead the bot has not met",
        (replace(BOARD, unseen_leads=("new.lead@barnet.gov.uk",)), True),
    ),
    Sample("update_delivered_card", "recorded", (BOARD, TODAY - timedelta(days=5))),
    Sample("upcoming_reminders_card", "nothing due", ([], ZONE, 14)),
    Sample(
        "upcoming_reminders_card",
        "140 due (the webinar's day-before reminders and more)",
        (upcoming(140), ZONE, 14),
    ),
    Sample("failed_deliveries_card", "all delivered", ([], ZONE)),
    Sample("failed_deliveries_card", "30 failed (the service's limit)", (failed(30), ZONE)),
    Sample("failed_deliveries_card", "60 failed (past the card's own cap)", (failed(60), ZONE)),
    # attendance
    Sample("sync_results_card", "something went wrong", ([], ZONE, True)),
    Sample("sync_results_card", "eight recent sessions", (SYNCS, ZONE)),
    Sample(
        "attendance_sheet_card",
        "not read yet",
        (attendance(0, 0, 0, state="not read yet"), ZONE),
    ),
    Sample(
        "attendance_sheet_card",
        "the full webinar: 112 attended (12 walk-ins), 12 no-shows",
        (attendance(112, 12, 12), ZONE),
    ),
    Sample(
        "attendance_sheet_card",
        "in person, from the register: present, left early and absent, with who said so",
        (register_sheet(), ZONE),
    ),
    Sample("unmatched_card", "all matched", ([], ZONE, "Assigned iPhone (2) to Harriet Rahman.")),
    Sample("unmatched_card", "3 to resolve", (unmatched(3), ZONE)),
    Sample("unmatched_card", "50 to resolve", (unmatched(50), ZONE)),
    # the register
    Sample("register_card", "in person, nobody booked yet", (register_page(IN_PERSON, 0, 0), ZONE)),
    Sample(
        "register_card",
        "in person: 17 booked, 3 waiting, 2 walk-ins, some recorded",
        (register_page(IN_PERSON, 17, 3, 2), ZONE),
    ),
    Sample(
        "register_card",
        "the full webinar (100 booked, 40 waiting, 12 walk-ins): page 2 of 7, every line "
        "decided by hand with a long reason",
        (register_page(WEBINAR, 100, 40, 12, page=2), ZONE),
    ),
    Sample(
        "register_card",
        "a refused save: no reason for an online change, a stale card, a bad email kept",
        (
            register_page(
                WEBINAR,
                100,
                40,
                12,
                page=7,
                saved=False,
                left_over="jo.bloggs@",
                problems=(
                    "Session 412 is online: say why you are changing what Teams recorded (for "
                    "example 'connection dropped'), then save again. Nothing was saved.",
                    "Amelia Patel was changed to 'absent' by Sarah Whitfield after this card was "
                    "drawn: left as it is. Check and save again.",
                    "'jo.bloggs@' is not an email address: not added.",
                ),
            ),
            ZONE,
        ),
        {
            "chosen": {"s1150": "present", "s1151": "absent"},
            "walk_in": "jo.bloggs@\nSgt Dave Murphy (Met Police)",
            "reason": "",
        },
    ),
    Sample(
        "register_card",
        "saved, the last page of the webinar",
        (register_page(WEBINAR, 100, 40, 12, page=7, note="Saved: 25 changes recorded."), ZONE),
    ),
    # e-learning
    Sample("my_training_card", "nothing yet", (MyTraining([], []), ZONE)),
    Sample(
        "my_training_card", "15 completions over ten years, 2 pending", (my_training(15, 2), ZONE)
    ),
    Sample("manager_confirmation_card", "with a download link", (claim(1), ZONE, DOWNLOAD)),
    Sample("claim_decided_card", "confirmed", (claim(1, "confirmed"), ZONE, DOWNLOAD)),
    Sample("claim_decided_card", "rejected, no link", (claim(2, "rejected"), ZONE)),
    Sample("claim_sent_card", "sent to the manager", (claim(1), ZONE)),
    Sample(
        "claim_sent_card",
        "a named manager waits for a coordinator's approval",
        (claim(4, "awaiting_approval"), ZONE),
    ),
    Sample(
        "name_manager_card",
        "after a wrong email",
        (claim(3, "awaiting_manager"), "No one at megan@example."),
    ),
    Sample("pending_confirmations_card", "nothing waiting", ([], ZONE)),
    Sample(
        "pending_confirmations_card",
        "30 waiting (the service's limit)",
        ([claim(i, "awaiting_manager" if i % 6 == 0 else "pending") for i in range(30)], ZONE),
    ),
    Sample(
        "pending_confirmations_card",
        "30 waiting, named managers among them, some for approval",
        ([claim(i, WAITING[i % 4], named=i % 2 == 0) for i in range(30)], ZONE),
    ),
    # the audit trail
    Sample("audit_card", "empty", ([], ZONE)),
    Sample("audit_card", "the newest 30 (the service's limit)", (audit(30), ZONE)),
    # people's teams
    Sample(
        "totals_card",
        "25 teams and the no-team line, which says how to fix it",
        (NO_TEAM_TOTALS, ZONE, BY_TEAM, data_uri(chart_png(NO_TEAM_TOTALS)), 212),
    ),
    Sample("person_team_card", "from the directory", (PARTNER_FROM_DIRECTORY,)),
    Sample("person_team_card", "set by a coordinator", (PARTNER,)),
    Sample("team_changed_card", "a partner not met yet", (TeamChange(PARTNER, None, True),)),
    Sample("team_changed_card", "unchanged", (TeamChange(PARTNER, "Probation Service", False),)),
    Sample("team_map_card", "nothing mapped yet, with an error", ([],), {"error": "Say both."}),
    Sample(
        "team_map_card",
        "60 departments in 25 teams (the card's limit), after a change",
        (MAPPINGS,),
        {"note": "Early Help Hub West reports as Family Services: 31 people re-filed."},
    ),
    Sample("team_import_card", "a partner organisation's list", (ImportResult(412, 398, 377),)),
    Sample(
        "team_import_problems_card",
        "45 bad lines (20 shown)",
        ([f"line {i}: 'jo.bloggs{i}' is not an email address" for i in range(2, 47)],),
    ),
    Sample("no_team_card", "everyone filed", (NoTeam(0, []),)),
    Sample(
        "no_team_card",
        "212 people, the first 50 shown",
        (
            NoTeam(
                212,
                [team_person(i, None, None, f"Dept {i % 7}" if i % 3 else None) for i in range(50)],
            ),
        ),
    ),
]
