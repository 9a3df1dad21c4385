"""Demo data for trying the bot locally: courses, a dozen upcoming sessions, a few colleagues."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session as DbSession
from sqlmodel import select

from training import attendance_reports
from training.models import (
    Board,
    BoardFrequency,
    BoardKind,
    BoardLead,
    Booking,
    BookingStatus,
    Completion,
    CompletionSource,
    Course,
    Delivery,
    FeedbackResponse,
    Session,
    Staff,
)
from training.reminders import MONTHS, add_months

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

COLLEAGUES = [
    ("Megan Bowen", "megan.bowen@example.gov.uk", "Family Services"),
    ("Adele Vance", "adele.vance@example.gov.uk", "Children's MASH"),
    ("Isaiah Langer", "isaiah.langer@example.gov.uk", "Adults MASH"),
    ("Patti Fernandez", "patti.fernandez@example.gov.uk", "Barnet Homes"),
    ("Lynne Robbins", "lynne.robbins@example.gov.uk", "Fostering & Adoption"),
]

# (weeks ahead, weekday offset, hour, course, capacity, online, audience)
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


BANK_HOLIDAYS = {(12, 25), (12, 26), (1, 1)}


def _flushed(row_id: int | None) -> int:
    """The id of a row already flushed, so the database has given it one."""
    assert row_id is not None
    return row_id


def load_demo_data(db: DbSession, now: datetime, zone: ZoneInfo) -> bool:
    """Load once; returns False (and changes nothing) when courses already exist."""
    if db.exec(select(Course)).first() is not None:
        return False
    for course in COURSES:
        # A fresh row each time: copying a table model would carry over its database state.
        db.add(Course(**course.model_dump(exclude={"id"})))
    db.flush()
    by_code = {c.code: c for c in db.exec(select(Course)).all()}

    colleagues = [
        Staff(
            display_name=name,
            email=email,
            team=team,
            organisation="London Borough of Barnet",
            created_at=now,
            updated_at=now,
        )
        for name, email, team in COLLEAGUES
    ]
    db.add_all(colleagues)
    db.flush()

    monday = (now.astimezone(zone) - timedelta(days=now.astimezone(zone).weekday())).date()
    sessions = []
    for weeks, weekday, hour, code, capacity, online, audience in PLAN:
        day = monday + timedelta(weeks=weeks, days=weekday)
        while (day.month, day.day) in BANK_HOLIDAYS or day.weekday() >= 5:
            day += timedelta(days=1)  # nobody runs WRAP on Christmas Day
        starts = datetime.combine(day, time(hour), tzinfo=zone)
        course = by_code[code]
        session = Session(
            course_id=_flushed(course.id),
            starts_at=starts,
            ends_at=starts + timedelta(minutes=course.default_duration_minutes),
            online=online,
            join_url=f"https://teams.microsoft.com/l/meetup-join/demo-{weeks}-{weekday}"
            if online
            else None,
            location=None if online else "Hendon Town Hall, Committee Room 1",
            capacity=capacity,
            facilitators="Prevent Coordinator; SO15",
            audience=audience,
            created_at=now,
        )
        db.add(session)
        sessions.append(session)
    db.flush()

    # The small session is full with one person waiting, so the waiting list can be tried at once.
    small = sessions[1]
    for i, colleague in enumerate(colleagues[:4]):
        status = BookingStatus.BOOKED if i < small.capacity else BookingStatus.WAITLISTED
        db.add(
            Booking(
                session_id=_flushed(small.id),
                staff_id=_flushed(colleague.id),
                status=status,
                requested_at=now + timedelta(seconds=i),
                seat_given_at=now if status == BookingStatus.BOOKED else None,
                updated_at=now,
            )
        )
    db.flush()
    load_demo_history(db, now, zone, colleagues, by_code)
    load_demo_boards(db, now, zone, colleagues)
    return True


# Sessions already delivered, so totals, reports, feedback and 'my training' have something to
# show: (weeks ago, course, who attended (colleague index), who did not come).
HISTORY = [
    (20, "WRAP", [0, 1, 2], [3]),
    (12, "WRAP", [0, 3, 4], []),
    (8, "ERW", [1, 2], [4]),
    (3, "WRAP", [2, 4], [0]),
]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _record(
    record_id: str, name: str, email: str, starts: datetime, ends: datetime
) -> dict[str, Any]:
    """An attendance record as Microsoft Graph sends it (`attendanceRecord`)."""
    seconds = int((ends - starts).total_seconds())
    return {
        "id": record_id,
        "emailAddress": email,
        "totalAttendanceInSeconds": seconds,
        "role": "Attendee",
        "identity": {"id": "", "displayName": name, "tenantId": None},
        "attendanceIntervals": [
            {
                "joinDateTime": _iso(starts),
                "leaveDateTime": _iso(ends),
                "durationInSeconds": seconds,
            }
        ],
        "externalRegistrationInformation": None,
        "registrationId": None,
    }


def _read_teams_attendance(
    db: DbSession, session: Session, records: list[dict[str, Any]], now: datetime
) -> None:
    """What a sync does with a Teams report: keep our copy, then recompute the session from
    it (bookings, walk-ins, completions), so the demo's results come from the same path."""
    session_id = _flushed(session.id)
    report = {
        "id": f"demo-report-{session_id}",
        "totalParticipantCount": len(records),
        "meetingStartDateTime": _iso(session.starts_at),
        "meetingEndDateTime": _iso(session.ends_at),
        "externalEventInformation": [],
        "attendanceRecords": [],
    }
    copy = attendance_reports.open_report(db, session_id, report, "demo", now)
    attendance_reports.store_page(db, copy.copy_id, records, None, now)
    attendance_reports.finish_sync(
        db, session_id, now, reports_listed=1, retry_offsets=[], default_percent=75
    )


def load_demo_history(
    db: DbSession, now: datetime, zone: ZoneInfo, people: list[Staff], by_code: dict[str, Course]
) -> None:
    today = now.astimezone(zone).date()
    for weeks_ago, code, came, missed in HISTORY:
        course = by_code[code]
        day = today - timedelta(weeks=weeks_ago, days=today.weekday() - 1)
        starts = datetime.combine(day, time(10), tzinfo=zone)
        ends = starts + timedelta(minutes=course.default_duration_minutes)
        session = Session(
            course_id=_flushed(course.id),
            starts_at=starts,
            ends_at=ends,
            online=True,
            join_url=f"https://teams.microsoft.com/l/meetup-join/demo-past-{weeks_ago}",
            capacity=20,
            facilitators="Prevent Coordinator; SO15",
            audience="All staff",
            bookings_open=False,
            created_at=starts,
        )
        db.add(session)
        db.flush()
        for index in came + missed:
            db.add(
                Booking(
                    session_id=_flushed(session.id),
                    staff_id=_flushed(people[index].id),
                    status=BookingStatus.BOOKED,
                    requested_at=starts - timedelta(days=14),
                    seat_given_at=starts - timedelta(days=14),
                    updated_at=starts - timedelta(days=14),
                )
            )
        records = [
            _record(
                f"demo-{weeks_ago}-{i}", people[i].display_name, people[i].email or "", starts, ends
            )
            for i in came
        ]
        # Somebody Teams saw whom nobody could match: for the coordinator's 'unmatched' list.
        if weeks_ago == 3:
            records.append(
                _record(
                    f"demo-{weeks_ago}-guest",
                    "Jo (Guest)",
                    "",
                    starts,
                    ends - timedelta(minutes=30),
                )
            )
        _read_teams_attendance(db, session, records, ends + timedelta(days=1))
        for index in came:
            db.add(
                FeedbackResponse(
                    session_id=_flushed(session.id),
                    staff_id=_flushed(people[index].id),
                    overall=4 + index % 2,
                    usefulness=4,
                    confidence_before=2 + index % 2,
                    confidence_after=4,
                    most_useful="Knowing exactly how to make a referral.",
                    could_be_better="More time for the case studies." if index % 2 else "",
                    consent_to_attribute=index % 2 == 0,
                    submitted_at=ends,
                    updated_at=ends,
                )
            )
    elearning = by_code["HO-ELEARN"]
    db.add(
        Completion(
            staff_id=_flushed(people[1].id),
            course_id=_flushed(elearning.id),
            source=CompletionSource.ELEARNING,
            completed_at=now - timedelta(days=40),
            confirmed_by_staff_id=people[0].id,
            recorded_at=now - timedelta(days=39),
        )
    )
    db.flush()


# The governance calendar from the council's Prevent update (July 2021), moved to fall in the
# coming weeks: (name, focus, kind, frequency, next due in days from today or None, leads).
BOARDS = [
    (
        "Council Management Team / CEO update report",
        "council progress on meeting the duty",
        BoardKind.BOARD,
        BoardFrequency.BIANNUAL,
        8,
        [3],
    ),
    (
        "Safer Communities Partnership Board",
        "partnership action and inter-agency working on local risk",
        BoardKind.BOARD,
        BoardFrequency.ANNUAL,
        29,
        [0],
    ),
    (
        "Children Safeguarding Board (executive committee)",
        "safeguarding children and education",
        BoardKind.BOARD,
        BoardFrequency.ANNUAL,
        -3,  # overdue, so the overdue notice can be seen at once
        [1],
    ),
    (
        "Health and Wellbeing Board",
        "mental health",
        BoardKind.BOARD,
        BoardFrequency.ANNUAL,
        None,
        [2],
    ),
    (
        "Adult Safeguarding Board",
        "vulnerable adults",
        BoardKind.BOARD,
        BoardFrequency.ANNUAL,
        15,
        [2],
    ),
    (
        "Prevent Delivery Group",
        "quarterly meeting of the partners delivering Prevent",
        BoardKind.MEETING,
        BoardFrequency.QUARTERLY,
        10,
        [0, 1, 2, 3, 4],
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


def load_demo_boards(db: DbSession, now: datetime, zone: ZoneInfo, people: list[Staff]) -> None:
    today = now.astimezone(zone).date()
    for name, focus, kind, frequency, due_in, lead_indexes in BOARDS:
        due = today + timedelta(days=due_in) if due_in is not None else None
        months = MONTHS.get(frequency, 12)
        last = add_months(due, -months) if due else date(2019, 1, 24)
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
        for index in lead_indexes:
            db.add(BoardLead(board_id=_flushed(board.id), staff_id=_flushed(people[index].id)))
    db.flush()
