"""The demo's past: every month since the history starts, the sessions a council's Prevent
programme runs (a monthly WRAP for Family Services, one for another team, briefings each
quarter, train the trainer each summer), online and in person, with bookings, attendance,
no-shows, walk-ins, completions and feedback, and e-learning confirmed by managers.

Attendance is read as the product reads it: an online session from its Teams attendance report
(kept, then recomputed), an in-person one from its register (one row per person present), and
in both the bookings, walk-ins and completions are derived from those rows alone.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session as DbSession

from training.attendance import reports
from training.attendance.completion import CompletionPolicy
from training.governance.reminders import add_months
from training.models import (
    AttendanceRole,
    Booking,
    BookingStatus,
    Completion,
    CompletionSource,
    Course,
    FeedbackRequest,
    FeedbackResponse,
    Resolution,
    Session,
    SessionAttendance,
    SessionStatus,
    Staff,
)

EVER = datetime(2000, 1, 1, tzinfo=UTC)
BANK_HOLIDAYS = {(12, 25), (12, 26), (1, 1)}
# The retention rule deletes records older than six years: the history starts a month inside it.
HISTORY_YEARS = 6
# The demo council keeps the default completion rule (its courses set no threshold of their own).
COMPLETION = CompletionPolicy()

MOST_USEFUL = [
    "Knowing exactly how to make a referral.",
    "The case studies.",
    "Hearing from someone who had been drawn in.",
    "Understanding the signs online.",
    "Who to call and when.",
]
COULD_BE_BETTER = [
    "More time for the case studies.",
    "Shorter introductions.",
    "",
    "A handout to keep.",
    "",
]


def flushed(row_id: int | None) -> int:
    """The id of a row already flushed, so the database has given it one."""
    assert row_id is not None
    return row_id


def history_start(now: datetime, zone: ZoneInfo) -> date:
    """The first of the month a month after the retention rule's cut-off, so the scheduler's
    first sweep deletes none of the demo."""
    cutoff = now.astimezone(zone).date() - timedelta(days=round(365.25 * HISTORY_YEARS))
    return add_months(cutoff.replace(day=1), 2)


def on_working_day(day: date) -> date:
    """The day, or the next working day after a weekend or bank holiday."""
    while (day.month, day.day) in BANK_HOLIDAYS or day.weekday() >= 5:
        day += timedelta(days=1)  # nobody runs WRAP on Christmas Day
    return day


def nth_weekday(first_of_month: date, weekday: int, n: int) -> date:
    """The n-th given weekday (Monday 0) of the month starting on `first_of_month`."""
    offset = (weekday - first_of_month.weekday()) % 7
    return first_of_month + timedelta(days=offset + 7 * (n - 1))


def _month_plan(first: date) -> list[tuple[date, int, str, int, bool, str]]:
    """(day, hour, course, capacity, online, audience) of the sessions run in one month."""
    month, year = first.month, first.year
    # Online since July 2020; from 2022 the Family Services WRAP alternates with a room.
    online = year < 2022 or month % 2 == 1
    team = TEAM_ROTATION[(year * 12 + month) % len(TEAM_ROTATION)]
    work = on_working_day
    plan = [
        (work(nth_weekday(first, 1, 2)), 10, "WRAP", 20, online, "Family Services"),
        (work(nth_weekday(first, 3, 3)), 14, "WRAP", 25, month % 3 != 0, team),
    ]
    if month in (1, 4, 7, 10):
        plan.append((work(nth_weekday(first, 2, 1)), 10, "ERW", 40, True, "All staff"))
    if month in (3, 9):
        plan.append((work(nth_weekday(first, 1, 4)), 13, "ONLINE-RAD", 30, True, "All staff"))
    if month == 6:
        plan.append((work(nth_weekday(first, 0, 2)), 9, "TTT", 8, False, "Safeguarding leads"))
    return plan


TEAM_ROTATION = [
    "Barnet Homes",
    "Children's MASH",
    "Adults MASH",
    "Regional Enterprise",
    "Inclusion Barnet",
    "Fostering & Adoption",
    "Children in Care",
    "Onwards and Upwards",
    "Safeguarding Champions",
]


@dataclass
class _Rows:
    """Rows for the database's bulk insert (thousands of them: the ORM would take seconds)."""

    bookings: list[dict[str, object]] = field(default_factory=list)
    attendance: list[dict[str, object]] = field(default_factory=list)
    completions: list[dict[str, object]] = field(default_factory=list)
    asked: list[dict[str, object]] = field(default_factory=list)
    feedback: list[dict[str, object]] = field(default_factory=list)

    def insert(self, db: DbSession) -> None:
        for model, rows in (
            (Booking, self.bookings),
            (SessionAttendance, self.attendance),
            (Completion, self.completions),
            (FeedbackRequest, self.asked),
            (FeedbackResponse, self.feedback),
        ):
            if rows:
                db.execute(insert(model), rows)


def load(
    db: DbSession,
    now: datetime,
    zone: ZoneInfo,
    start: date,
    by_code: dict[str, Course],
    people: list[Staff],
    colleagues: list[Staff],
    rng: random.Random,
) -> None:
    """Sessions from `start` to two weeks ago, then the e-learning confirmed over the years."""
    held = _add_sessions(db, zone, start, now.astimezone(zone).date() - timedelta(days=14), by_code)
    by_team: dict[str, list[Staff]] = {}
    for colleague in colleagues:
        by_team.setdefault(colleague.team or "", []).append(colleague)
    partners = [p for p in people if not p.team]
    playground_staff = people[1:6]
    rows = _Rows()
    last: dict[int, datetime] = {}  # when each person last came
    for index, session in enumerate(held):
        wanted = rng.randint(session.capacity // 2, session.capacity * 4 // 5)
        # Mostly the session's own team, and people not trained in the last year.
        fresh = session.starts_at - timedelta(days=365)
        due = [
            c for c in by_team.get(session.audience, []) if last.get(flushed(c.id), EVER) < fresh
        ]
        came = rng.sample(due, min(len(due), wanted * 2 // 3))
        taken = {flushed(s.id) for s in came}
        others = [
            c for c in colleagues if c.id not in taken and last.get(flushed(c.id), EVER) < fresh
        ]
        if len(others) < wanted - len(came):  # everyone trained lately: anyone not here yet
            others = [c for c in colleagues if c.id not in taken]
        came += rng.sample(others, wanted - len(came))
        for staff in came:
            last[flushed(staff.id)] = session.starts_at
        if index % 4 == 0:
            came.append(partners[index % len(partners)])
        # The Playground's staff each have a past: one of them at every seventh session.
        if index % 7 == 3:
            came.append(playground_staff[(index // 7) % len(playground_staff)])
        present = {flushed(s.id) for s in came}
        absent = [c for c in colleagues if c.id not in present]
        missed = rng.sample(absent, 2)
        booked = came[:-1] if index % 5 == 0 else came  # the last one walked in
        _attend(rows, session, booked, missed, came, rng)
    rows.insert(db)
    _add_elearning(db, now, zone, start, by_code["HO-ELEARN"], people, colleagues, rng)
    db.flush()


def _add_sessions(
    db: DbSession, zone: ZoneInfo, start: date, last_day: date, by_code: dict[str, Course]
) -> list[Session]:
    month = start
    held: list[Session] = []
    while month <= last_day:
        for day, hour, code, capacity, online, audience in _month_plan(month):
            if not start <= day <= last_day:
                continue
            course = by_code[code]
            starts = datetime.combine(day, time(hour), tzinfo=zone)
            held.append(
                Session(
                    course_id=flushed(course.id),
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=course.default_duration_minutes),
                    online=online,
                    join_url=f"https://teams.microsoft.com/l/meetup-join/demo-{day}-{code.lower()}"
                    if online
                    else None,
                    location=None if online else "Hendon Town Hall, Committee Room 1",
                    capacity=capacity,
                    audience=audience,
                    status=SessionStatus.DELIVERED,
                    bookings_open=False,
                    created_at=starts - timedelta(days=42),
                )
            )
        month = add_months(month, 1)
    db.add_all(held)
    db.flush()
    return held


def _attend(
    rows: _Rows,
    session: Session,
    booked: list[Staff],
    missed: list[Staff],
    came: list[Staff],
    rng: random.Random,
) -> None:
    """One session's register and what follows from it, as `settle_bookings_and_completions`
    derives it: bookings attended or no-show, the rest walk-ins, completed by those who stayed
    long enough, and everyone present asked for feedback."""
    session_id = flushed(session.id)
    seconds = int((session.ends_at - session.starts_at).total_seconds())
    needed = COMPLETION.seconds_needed(session.starts_at, session.ends_at, None)
    recorded = session.ends_at + timedelta(hours=2)
    seated = {flushed(s.id) for s in booked}
    for staff, status in [(s, BookingStatus.ATTENDED) for s in booked] + [
        (s, BookingStatus.NO_SHOW) for s in missed
    ]:
        requested = session.starts_at - timedelta(days=rng.randint(3, 30))
        rows.bookings.append(
            {
                "session_id": session_id,
                "staff_id": staff.id,
                "status": status,
                "requested_at": requested,
                "seat_given_at": requested,
                "updated_at": recorded,
            }
        )
    for staff in came:
        # Now and then someone is called away: attended, but not long enough to complete.
        stayed = seconds if rng.random() > 0.06 else seconds // 2
        rows.attendance.append(
            {
                "session_id": session_id,
                "person_key": f"email:{(staff.email or '').lower()}",
                "identity_keys": f"email:{(staff.email or '').lower()}",
                "staff_id": staff.id,
                "role": AttendanceRole.ATTENDEE,
                "resolution": Resolution.MATCHED,
                "display_name": staff.display_name,
                "email": staff.email,
                "attended_seconds": stayed,
                "required_seconds": needed,
                "completed": COMPLETION.completed(stayed, needed),
                "walk_in": staff.id not in seated,
                "data_gaps": False,
                "updated_at": recorded,
            }
        )
        if stayed >= seconds * 3 // 4:
            rows.completions.append(
                {
                    "staff_id": staff.id,
                    "course_id": session.course_id,
                    "session_id": session_id,
                    "source": CompletionSource.ATTENDANCE,
                    "completed_at": session.ends_at,
                    "attended_seconds": stayed,
                    "recorded_at": recorded,
                }
            )
        rows.asked.append(
            {"session_id": session_id, "staff_id": staff.id, "asked_at": session.ends_at}
        )
        if rng.random() < 0.6:
            rows.feedback.append(feedback_answers(session, flushed(staff.id), rng))


def feedback_answers(session: Session, staff_id: int, rng: random.Random) -> dict[str, object]:
    before = rng.randint(1, 3)
    answered = session.ends_at + timedelta(hours=rng.randint(1, 48))
    return {
        "session_id": flushed(session.id),
        "staff_id": staff_id,
        "overall": rng.choice([3, 4, 4, 5, 5]),
        "usefulness": rng.choice([3, 4, 5, 5]),
        "confidence_before": before,
        "confidence_after": min(5, before + rng.randint(1, 3)),
        "most_useful": rng.choice(MOST_USEFUL),
        "could_be_better": rng.choice(COULD_BE_BETTER),
        "consent_to_attribute": rng.random() < 0.5,
        "submitted_at": answered,
        "updated_at": answered,
    }


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


def read_teams_report(
    db: DbSession, session: Session, came: list[Staff], guest: str | None = None
) -> None:
    """What a sync does with a Teams report: keep our copy, then recompute the session from
    it (bookings, walk-ins, completions), so the demo's results come from the same path. A
    `guest` Teams saw whom nobody can match is for the coordinator's 'unmatched' list."""
    session_id = flushed(session.id)
    starts, ends = session.starts_at, session.ends_at
    records = [
        _record(f"demo-{session_id}-{s.id}", s.display_name, s.email or "", starts, ends)
        for s in came
    ]
    if guest:
        late = ends - timedelta(minutes=30)
        records.append(_record(f"demo-{session_id}-guest", guest, "", starts, late))
    report = {
        "id": f"demo-report-{session_id}",
        "totalParticipantCount": len(records),
        "meetingStartDateTime": _iso(starts),
        "meetingEndDateTime": _iso(ends),
        "externalEventInformation": [],
        "attendanceRecords": [],
    }
    read_at = ends + timedelta(hours=2)
    copy = reports.open_report(db, session_id, report, "demo", read_at)
    reports.store_page(db, copy.copy_id, records, None, read_at)
    reports.finish_sync(
        db, session_id, read_at, reports_listed=1, retry_offsets=[], completion=COMPLETION
    )


def _add_elearning(
    db: DbSession,
    now: datetime,
    zone: ZoneInfo,
    start: date,
    course: Course,
    people: list[Staff],
    colleagues: list[Staff],
    rng: random.Random,
) -> None:
    """E-learning finished and confirmed by a manager (Adele, or a colleague)."""
    first = datetime.combine(start, time(12), tzinfo=zone)
    span = int((now - first).total_seconds())
    managers = [people[2], *colleagues[:3]]
    for staff in [*rng.sample(colleagues, 40), people[3]]:
        done = first + timedelta(seconds=rng.randint(0, span - 86400 * 7))
        db.add(
            Completion(
                staff_id=flushed(staff.id),
                course_id=flushed(course.id),
                source=CompletionSource.ELEARNING,
                completed_at=done,
                confirmed_by_staff_id=rng.choice(managers).id,
                recorded_at=done + timedelta(days=rng.randint(1, 5)),
            )
        )
