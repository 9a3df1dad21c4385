"""Demo data for trying the bot locally: a council's Prevent programme over several financial
years, made relative to today so it stays believable whenever it is loaded.

The people the Agents Playground plays (Alex Wilber and the users it lists) are demo people
with a history: Alex is the coordinator (`make run` names Alex in COORDINATORS), Megan Bowen a
board lead, Adele Vance a manager with a certificate to confirm, and Isaiah, Patti and Lynne
staff who attended a session a few days ago (its feedback still open). Around them, a hundred
colleagues in the council's teams, partners with no team recorded, past sessions online and in
person with attendance, no-shows, walk-ins, an unmatched guest and feedback, confirmed
e-learning, the boards with their past updates, and a year of sessions to come.

The README's examples name sessions by number, so the order rows are made in is fixed: the
upcoming sessions first (1 to 21; 2 is full with a waiting list, 12 has room), then the session
a few days ago (22), then one in two or three working days with seats held for Patti and Lynne
(23), then the history.
"""

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session as DbSession
from sqlmodel import select

from demo import history
from demo.history import BANK_HOLIDAYS, flushed, on_working_day
from training.governance.reminders import MONTHS, add_months
from training.models import (
    Board,
    BoardFrequency,
    BoardKind,
    BoardLead,
    BoardUpdate,
    Booking,
    BookingStatus,
    ClaimStatus,
    Course,
    Delivery,
    ElearningClaim,
    FeedbackRequest,
    FeedbackResponse,
    OutboxMessage,
    OutboxState,
    Session,
    Staff,
    TeamMapping,
)
from training.people.team_rule import department_key
from training.records.elearning import keep_certificate
from training.sessions.booking import promote_from_waiting_list
from training.sessions.offer_rule import OfferPolicy

COURSES = [
    Course(
        code="WRAP",
        title="WRAP (Workshop to Raise Awareness of Prevent)",
        description="The core Prevent session for front-line staff, delivered with SO15.",
        delivery=Delivery.LIVE,
        default_duration_minutes=120,
        refresher_months=24,
    ),
    Course(
        code="HO-ELEARN",
        title="Home Office online Prevent training",
        description="The Home Office e-learning package; your manager confirms completion.",
        delivery=Delivery.ELEARNING,
        default_duration_minutes=90,
        refresher_months=24,
    ),
    Course(
        code="ERW",
        title="Extreme right-wing radicalisation awareness briefing",
        description="A briefing from a former extremist.",
        delivery=Delivery.LIVE,
        default_duration_minutes=90,
        refresher_months=36,
    ),
    Course(
        code="ONLINE-RAD",
        title="Conspiracy theories and online radicalisation",
        description="How people are drawn in online, and what to do.",
        delivery=Delivery.LIVE,
        default_duration_minutes=90,
        refresher_months=36,
    ),
    Course(
        code="TTT",
        title="WRAP train the trainer",
        description="For staff who will deliver WRAP in their own service.",
        delivery=Delivery.LIVE,
        default_duration_minutes=240,
        refresher_months=36,
    ),
]

ORGANISATION = "London Borough of Barnet"


@dataclass(frozen=True)
class PlaygroundPerson:
    """A user the Agents Playground plays, as its default configuration names them."""

    name: str
    aad_object_id: str
    email: str
    team: str


# The Playground's current user and the users it lists (its built-in configuration).
COORDINATOR, BOARD_LEAD, MANAGER, ISAIAH, PATTI, LYNNE = PLAYGROUND_PEOPLE = (
    PlaygroundPerson(
        "Alex Wilber",
        "00000000-0000-0000-0000-0000000000020",
        "alexw@example.com",
        "Community Safety",
    ),
    PlaygroundPerson(
        "Megan Bowen",
        "00000000-0000-0000-0000-0000000000021",
        "meganb@example.com",
        "Family Services",
    ),
    PlaygroundPerson(
        "Adele Vance",
        "00000000-0000-0000-0000-0000000000022",
        "adelev@example.com",
        "Children's MASH",
    ),
    PlaygroundPerson(
        "Isaiah Langer",
        "00000000-0000-0000-0000-0000000000023",
        "isaiahl@example.com",
        "Adults MASH",
    ),
    PlaygroundPerson(
        "Patti Fernandez",
        "00000000-0000-0000-0000-0000000000024",
        "pattif@example.com",
        "Barnet Homes",
    ),
    PlaygroundPerson(
        "Lynne Robbins",
        "00000000-0000-0000-0000-0000000000025",
        "lynner@example.com",
        "Fostering & Adoption",
    ),
)

# The council's teams and how many of their staff the demo knows.
TEAM_SIZES = {
    "Family Services": 200,
    "Barnet Homes": 110,
    "Regional Enterprise": 60,
    "Children's MASH": 50,
    "Adults MASH": 50,
    "Inclusion Barnet": 30,
    "Safeguarding Champions": 30,
    "Onwards and Upwards": 40,
    "Fostering & Adoption": 50,
    "Children in Care": 60,
}
TEAMS = list(TEAM_SIZES)
FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "Dev", "Ellie", "Farid", "Grace", "Hamza", "Isla", "Jack",
    "Kemi", "Liam", "Maya", "Nikhil", "Olivia", "Priya", "Quinn", "Rosa", "Sami", "Tara",
    "Umar", "Vera", "Wes", "Yasmin", "Zoe", "Aidan", "Bea", "Callum", "Dina", "Eamon",
]  # fmt: skip
SURNAMES = [
    "Ahmed", "Brennan", "Costa", "Daly", "Evans", "Fofana", "Green", "Hussain", "Ibrahim",
    "Jones", "Kaur", "Lewis", "Mensah", "Nowak", "O'Brien", "Patel", "Reid", "Shah", "Taylor",
    "Walsh", "Young", "Zielinski",
]  # fmt: skip
# Partners outside the council's directory: no team until a coordinator sets one.
PARTNERS = [
    ("Sam Okafor", "sam.okafor@probation.example.gov.uk", "National Probation Service"),
    ("Ruth Klein", "ruth.klein@probation.example.gov.uk", "National Probation Service"),
    ("Tom Hale", "tom.hale@mentalhealth.example.nhs.uk", "Mental Health Trust"),
]
DEPARTMENTS = [
    ("Early Years and Family Support", "Family Services"),
    ("Children's Social Care - MASH", "Children's MASH"),
]

# (weeks ahead, weekday, hour, course, capacity, online, audience): the coming three months.
PLAN = [
    (1, 1, 10, "WRAP", 20, True, "Family Services"),
    (1, 3, 14, "WRAP", 3, True, "Children's MASH"),
    (2, 2, 10, "ERW", 40, True, "All staff"),
    (3, 1, 10, "WRAP", 20, False, "Adults MASH"),
    (4, 4, 13, "ONLINE-RAD", 30, True, "All staff"),
    (5, 1, 10, "WRAP", 20, True, "Family Services"),
    (6, 2, 9, "TTT", 8, False, "Safeguarding leads"),
    (7, 3, 10, "WRAP", 25, True, "Barnet Homes"),
    (9, 1, 10, "WRAP", 20, True, "Family Services"),
    (10, 2, 14, "ERW", 40, True, "All staff"),
    (12, 3, 10, "WRAP", 20, False, "Fostering & Adoption"),
    (13, 1, 10, "WRAP", 20, True, "Family Services"),
]
# After those, the monthly Family Services WRAP for the rest of the year ahead (months ahead).
MONTHLY_AHEAD = range(4, 13)
FULL_SESSION = 1  # PLAN's second session (session 2): full, one person waiting


def load_demo_data(db: DbSession, now: datetime, zone: ZoneInfo) -> bool:
    """Load once; returns False (and changes nothing) when courses already exist."""
    if db.exec(select(Course)).first() is not None:
        return False
    for course in COURSES:
        # A fresh row each time: copying a table model would carry over its database state.
        db.add(Course(**course.model_dump(exclude={"id"})))
    db.flush()
    by_code = {c.code: c for c in db.exec(select(Course)).all()}
    rng = random.Random(2021)  # the same demo every time, only its dates move
    today = now.astimezone(zone).date()
    start = history.history_start(now, zone)
    starts_at = datetime.combine(start, time(9), tzinfo=zone)
    people = _add_people(db, starts_at)
    colleagues = [p for p in people[len(PLAYGROUND_PEOPLE) :] if p.team]
    upcoming = _add_upcoming(db, now, zone, by_code)
    _book_upcoming(db, now, upcoming, people, colleagues, rng)
    _add_recent_session(db, today, zone, by_code, people, colleagues, rng)
    _add_session_with_offers(db, now, today, zone, by_code, people, colleagues)
    history.load(db, now, zone, start, by_code, people, colleagues, rng)
    _add_elearning_claim(db, now, by_code, people)
    _add_boards(db, now, zone, start, people)
    _add_failed_delivery(db, now, colleagues[0], upcoming[0])
    db.flush()
    return True


def _add_people(db: DbSession, since: datetime) -> list[Staff]:
    """The Playground's people first, then the colleagues, then partners with no team."""
    people = [
        Staff(
            display_name=p.name,
            email=p.email,
            aad_object_id=p.aad_object_id,
            team=p.team,
            team_source="directory",
            organisation=ORGANISATION,
            created_at=since,
            updated_at=since,
        )
        for p in PLAYGROUND_PEOPLE
    ]
    names = ((first, last) for last in SURNAMES for first in FIRST_NAMES)
    teams = (team for team, size in TEAM_SIZES.items() for _ in range(size))
    for (first, last), team in zip(names, teams, strict=False):
        email = f"{first}.{last}".lower().replace("'", "")
        people.append(
            Staff(
                display_name=f"{first} {last}",
                email=f"{email}@example.gov.uk",
                team=team,
                team_source="directory",
                organisation=ORGANISATION,
                created_at=since,
                updated_at=since,
            )
        )
    for name, email, organisation in PARTNERS:
        people.append(
            Staff(
                display_name=name,
                email=email,
                organisation=organisation,
                created_at=since,
                updated_at=since,
            )
        )
    db.add_all(people)
    for department, team in DEPARTMENTS:
        db.add(
            TeamMapping(
                department_key=department_key(department),
                department=department,
                team=team,
                updated_at=since,
            )
        )
    db.flush()
    return people


def _session(
    course: Course,
    starts: datetime,
    capacity: int,
    online: bool,
    audience: str,
    created: datetime,
    tag: str,
) -> Session:
    return Session(
        course_id=flushed(course.id),
        starts_at=starts,
        ends_at=starts + timedelta(minutes=course.default_duration_minutes),
        online=online,
        join_url=f"https://teams.microsoft.com/l/meetup-join/demo-{tag}" if online else None,
        location=None if online else "Hendon Town Hall, Committee Room 1",
        capacity=capacity,
        audience=audience,
        created_at=created,
    )


def _add_upcoming(
    db: DbSession, now: datetime, zone: ZoneInfo, by_code: dict[str, Course]
) -> list[Session]:
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    sessions = []
    for weeks, weekday, hour, code, capacity, online, audience in PLAN:
        day = on_working_day(monday + timedelta(weeks=weeks, days=weekday))
        starts = datetime.combine(day, time(hour), tzinfo=zone)
        tag = f"{weeks}-{weekday}"
        sessions.append(_session(by_code[code], starts, capacity, online, audience, now, tag))
    for ahead in MONTHLY_AHEAD:
        first = add_months(local.date().replace(day=1), ahead)
        day = on_working_day(history.nth_weekday(first, 1, 2))  # the second Tuesday
        starts = datetime.combine(day, time(10), tzinfo=zone)
        online = ahead % 2 == 0
        sessions.append(
            _session(by_code["WRAP"], starts, 20, online, "Family Services", now, f"m{ahead}")
        )
    db.add_all(sessions)
    db.flush()
    return sessions


def _book(db: DbSession, session: Session, staff: Staff, status: str, when: datetime) -> None:
    db.add(
        Booking(
            session_id=flushed(session.id),
            staff_id=flushed(staff.id),
            status=status,
            requested_at=when,
            seat_given_at=when if status == BookingStatus.BOOKED else None,
            updated_at=when,
        )
    )


def _book_upcoming(
    db: DbSession,
    now: datetime,
    upcoming: list[Session],
    people: list[Staff],
    colleagues: list[Staff],
    rng: random.Random,
) -> None:
    """Seats taken in the coming weeks; session 2 full with one person waiting."""
    full = upcoming[FULL_SESSION]
    for i, colleague in enumerate(colleagues[:4]):
        status = BookingStatus.BOOKED if i < full.capacity else BookingStatus.WAITLISTED
        _book(db, full, colleague, status, now - timedelta(days=10, seconds=-i))
    for index, session in enumerate(upcoming[:12]):
        if index == FULL_SESSION:
            continue
        taken = rng.randint(session.capacity // 4, session.capacity // 2)
        for offset, colleague in enumerate(rng.sample(colleagues[4:], taken)):
            _book(db, session, colleague, BookingStatus.BOOKED, now - timedelta(hours=offset + 1))
    # Patti and Megan have seats to see under 'my bookings'; Isaiah books his own.
    _book(db, upcoming[0], people[PLAYGROUND_PEOPLE.index(PATTI)], BookingStatus.BOOKED, now)
    _book(db, upcoming[5], people[PLAYGROUND_PEOPLE.index(BOARD_LEAD)], BookingStatus.BOOKED, now)
    db.flush()


def _add_recent_session(
    db: DbSession,
    today: date,
    zone: ZoneInfo,
    by_code: dict[str, Course],
    people: list[Staff],
    colleagues: list[Staff],
    rng: random.Random,
) -> Session:
    """A WRAP a few days ago, read from its Teams report: the Playground's staff attended and
    can still give feedback; some colleagues already have; one guest matched nobody."""
    day = today - timedelta(days=2)
    while day.weekday() >= 5 or (day.month, day.day) in BANK_HOLIDAYS:
        day -= timedelta(days=1)
    starts = datetime.combine(day, time(10), tzinfo=zone)
    course = by_code["WRAP"]
    session = _session(course, starts, 25, True, "All staff", starts - timedelta(days=30), "recent")
    session.bookings_open = False
    db.add(session)
    db.flush()
    came = people[1 : len(PLAYGROUND_PEOPLE)] + rng.sample(colleagues, 12)
    present = {s.id for s in came}
    missed = rng.sample([c for c in colleagues if c.id not in present], 2)
    for staff in came + missed:
        _book(db, session, staff, BookingStatus.BOOKED, starts - timedelta(days=14))
    db.flush()
    history.read_teams_report(db, session, came, guest="Jo (Guest)")
    ends = session.ends_at
    for staff in came:
        db.add(
            FeedbackRequest(
                session_id=flushed(session.id), staff_id=flushed(staff.id), asked_at=ends
            )
        )
    answers = [
        history.feedback_answers(session, flushed(staff.id), rng)
        for staff in came[len(PLAYGROUND_PEOPLE) - 1 :][:8]
    ]
    db.execute(insert(FeedbackResponse), answers)
    db.flush()
    return session


def _add_session_with_offers(
    db: DbSession,
    now: datetime,
    today: date,
    zone: ZoneInfo,
    by_code: dict[str, Course],
    people: list[Staff],
    colleagues: list[Staff],
) -> None:
    """A WRAP in two or three working days, full, where two seats have just come free: held
    for Patti and Lynne, first on its waiting list, to accept or decline."""
    day = on_working_day(today + timedelta(days=2))
    starts = datetime.combine(day, time(14), tzinfo=zone)
    session = _session(by_code["WRAP"], starts, 12, False, "Barnet Homes", now, "soon")
    session.location = "Colindale Office, Room 2.14"
    db.add(session)
    db.flush()
    for offset, colleague in enumerate(colleagues[-10:]):
        _book(db, session, colleague, BookingStatus.BOOKED, now - timedelta(days=20, hours=offset))
    waiting = [people[PLAYGROUND_PEOPLE.index(PATTI)], people[PLAYGROUND_PEOPLE.index(LYNNE)]]
    for offset, staff in enumerate([*waiting, colleagues[-11]]):
        _book(db, session, staff, BookingStatus.WAITLISTED, now - timedelta(days=9, hours=-offset))
    db.flush()
    # The rule that holds freed seats near a session, with a window wide enough for a weekend.
    promote_from_waiting_list(db, session, now, offers=OfferPolicy(window_days=5, hours=12))


def _add_elearning_claim(
    db: DbSession,
    now: datetime,
    by_code: dict[str, Course],
    people: list[Staff],
) -> None:
    """Lynne finished the e-learning three days ago; Adele, her manager, has not confirmed."""
    certificate = b"%PDF-1.4\n% Home Office Prevent e-learning certificate (demo)\n%%EOF\n"
    claimed = now - timedelta(days=3)
    db.add(
        ElearningClaim(
            staff_id=flushed(people[PLAYGROUND_PEOPLE.index(LYNNE)].id),
            course_id=flushed(by_code["HO-ELEARN"].id),
            status=ClaimStatus.PENDING,
            certificate_name="prevent-certificate.pdf",
            certificate_type="pdf",
            certificate_size=len(certificate),
            certificate_file=keep_certificate(db, certificate, "pdf", claimed),
            manager_staff_id=flushed(people[PLAYGROUND_PEOPLE.index(MANAGER)].id),
            claimed_at=claimed,
            updated_at=claimed,
        )
    )


def _add_failed_delivery(db: DbSession, now: datetime, colleague: Staff, session: Session) -> None:
    """A reminder Teams would not deliver (the person removed the app): for 'failed
    deliveries'."""
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "Your Prevent session is tomorrow.", "wrap": True}],
    }
    db.add(
        OutboxMessage(
            key=f"demo:session:{session.id}:to:{colleague.id}",
            kind="session_reminder",
            staff_id=flushed(colleague.id),
            summary="Reminder: your Prevent session is tomorrow.",
            card_json=json.dumps(card),
            state=OutboxState.BLOCKED,
            attempts=1,
            next_attempt_at=now - timedelta(days=1),
            last_error="Teams answered 403: the app was removed or blocked",
            created_at=now - timedelta(days=1),
        )
    )


# The governance calendar from the council's Prevent update (July 2021), moved to fall in the
# coming weeks: (name, focus, kind, frequency, next due in days from today or None, leads).
BOARDS = [
    (
        "Council Management Team / CEO update report",
        "council progress on meeting the duty",
        BoardKind.BOARD,
        BoardFrequency.BIANNUAL,
        8,
        [COORDINATOR],
    ),
    (
        "Safer Communities Partnership Board",
        "partnership action and inter-agency working on local risk",
        BoardKind.BOARD,
        BoardFrequency.ANNUAL,
        29,
        [BOARD_LEAD],
    ),
    (
        "Children Safeguarding Board (executive committee)",
        "safeguarding children and education",
        BoardKind.BOARD,
        BoardFrequency.ANNUAL,
        -3,  # overdue, so the overdue notice can be seen at once
        [MANAGER],
    ),
    (
        "Health and Wellbeing Board",
        "mental health",
        BoardKind.BOARD,
        BoardFrequency.ANNUAL,
        None,
        [ISAIAH],
    ),
    (
        "Adult Safeguarding Board",
        "vulnerable adults",
        BoardKind.BOARD,
        BoardFrequency.ANNUAL,
        15,
        [BOARD_LEAD],
    ),
    (
        "Prevent Delivery Group",
        "quarterly meeting of the partners delivering Prevent",
        BoardKind.MEETING,
        BoardFrequency.QUARTERLY,
        10,
        [BOARD_LEAD, MANAGER, ISAIAH, PATTI, LYNNE],
    ),
    (
        "Chief Executive briefing",
        "the coordinator's quarterly briefing",
        BoardKind.BRIEFING,
        BoardFrequency.QUARTERLY,
        40,
        [],  # no lead: the coordinators are reminded
    ),
]


def _add_boards(
    db: DbSession, now: datetime, zone: ZoneInfo, start: date, people: list[Staff]
) -> None:
    """Each board with its leads and the updates delivered to it since the history starts."""
    today = now.astimezone(zone).date()
    coordinator = people[PLAYGROUND_PEOPLE.index(COORDINATOR)]
    for name, focus, kind, frequency, due_in, leads in BOARDS:
        due = today + timedelta(days=due_in) if due_in is not None else None
        months = MONTHS.get(frequency, 12)
        last = add_months(due, -months) if due else add_months(today, -22)
        board = Board(
            name=name,
            focus=focus,
            kind=kind,
            frequency=frequency,
            last_update_on=last,
            next_due_on=due,
            created_at=now,
            updated_at=now,
        )
        db.add(board)
        db.flush()
        for lead in leads:
            staff = people[PLAYGROUND_PEOPLE.index(lead)]
            db.add(BoardLead(board_id=flushed(board.id), staff_id=flushed(staff.id)))
        delivered = last
        while delivered >= start:
            at = datetime.combine(delivered, time(17), tzinfo=zone)
            db.add(
                BoardUpdate(
                    board_id=flushed(board.id),
                    delivered_on=delivered,
                    was_due_on=delivered,
                    recorded_by_staff_id=coordinator.id,
                    recorded_at=at,
                )
            )
            delivered = add_months(delivered, -months)
    db.flush()
