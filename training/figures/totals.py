"""Training totals for a period, team and course: the figures a coordinator puts in a report.

Definitions (what each figure counts), all for sessions starting inside the period (UK dates):
- attended (one definition, in every figure): recorded as attending a session (a row of its
  Teams attendance, `training.attendance.results`) with a staff record, booked or walk-in.
  Never an external guest (counted apart), a facilitator (not counted at all) or someone still
  unmatched (counted apart, as a gap).
- sessions delivered: sessions not cancelled that have ended (or are marked delivered). With a
  team chosen: such sessions at least one member of the team attended.
- people booked: distinct people holding a seat (booked, attended or no-show; not waiting, not
  cancelled) on a session that is not cancelled.
- people attended / attendances: distinct people who attended, and the number of (session,
  person) attendances (someone at three sessions counts once and three times).
- no-shows: bookings recorded as not attended.
- completed: distinct people with a completion: live (attended and met the session's
  threshold, by the session's start) and e-learning confirmed by a manager (by its completion
  date), shown apart and together. On every line completed live <= people attended.
- external guests: distinct guests recorded at the sessions (not in any other figure).
- unmatched attendees: people in a Teams attendance report still matched to nobody
  (`training.attendance.unmatched.count_unmatched`): a gap in the figures, shown apart.
Teams are the team on each person's staff record now.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, case, func, literal, not_, or_, select, union_all
from sqlmodel import Session as DbSession
from sqlmodel import col

from training.attendance.unmatched import count_unmatched
from training.data_protection import audit
from training.dates.periods import Period, add_months, local_midnight_utc
from training.figures.feedback import FeedbackScope, FeedbackSummary, feedback_summary
from training.figures.plain_words import CourseName, TotalsQuery, Vocabulary
from training.models import (
    SEATED_BOOKING_STATUSES,
    AttendanceRole,
    Booking,
    BookingStatus,
    Completion,
    CompletionSource,
    Course,
    Delivery,
    Session,
    SessionAttendance,
    SessionStatus,
    Staff,
)

NO_TEAM = "(no team recorded)"
MAX_CHART_MONTHS = 36


@dataclass(frozen=True)
class TotalsScope:
    period: Period | None
    start: datetime | None  # UTC, inclusive
    end: datetime | None  # UTC, exclusive
    team: str | None
    course_code: str | None

    @property
    def label(self) -> str:
        parts = [self.period.label if self.period else "All time"]
        if self.team:
            parts.append(self.team)
        if self.course_code:
            parts.append(self.course_code)
        return ", ".join(parts)


def scope_of(query: TotalsQuery, zone: ZoneInfo) -> TotalsScope:
    start = end = None
    if query.period is not None:
        start, end = query.period.utc_bounds(zone)
    return TotalsScope(query.period, start, end, query.team, query.course_code)


@dataclass(frozen=True)
class Figures:
    sessions_delivered: int = 0
    people_booked: int = 0
    people_attended: int = 0
    attendances: int = 0
    no_shows: int = 0
    completed_live: int = 0
    completed_elearning: int = 0
    completed_any: int = 0


@dataclass(frozen=True)
class Line:
    """One row of a breakdown: a team or a course and its figures."""

    name: str
    figures: Figures


@dataclass(frozen=True)
class MonthLine:
    month: date  # the first of the month (UK)
    sessions_delivered: int
    people_attended: int


@dataclass(frozen=True)
class Totals:
    scope: TotalsScope
    figures: Figures
    by_team: list[Line]
    by_course: list[Line]
    by_month: list[MonthLine]
    feedback: FeedbackSummary
    unmatched_attendees: int
    generated_at: datetime
    notes: list[str] = field(default_factory=list)
    external_guests: int = 0  # counted apart: in no other figure
    # People booked, split: on sessions already held, and on sessions still to come (someone
    # booked on both is in both). None: not counted (the card then shows People booked whole).
    booked_held: int | None = None
    booked_to_come: int | None = None


def vocabulary(db: DbSession) -> Vocabulary:
    """Every team on a staff record and every course: the names `totals` understands."""
    teams = db.execute(
        select(col(Staff.team)).distinct().where(col(Staff.team).is_not(None))
    ).scalars()
    courses = db.execute(select(col(Course.code), col(Course.title), col(Course.delivery))).all()
    return Vocabulary(
        teams=sorted(str(t) for t in teams if t),
        courses=[
            CourseName(code, title, delivery == Delivery.ELEARNING)
            for code, title, delivery in courses
        ],
    )


def course_id_of(db: DbSession, code: str | None) -> int | None:
    """The id of the course with `code`; -1 (matching nothing) for an unknown code."""
    if not code:
        return None
    return db.execute(select(col(Course.id)).where(col(Course.code) == code)).scalar() or -1


class _Query:
    """The filters of one scope, shared by every figure."""

    def __init__(self, db: DbSession, scope: TotalsScope, now: datetime) -> None:
        self.scope = scope
        self.now = now
        self.course_id = course_id_of(db, scope.course_code)

    def sessions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [col(Session.status) != SessionStatus.CANCELLED]
        if self.scope.start is not None:
            where.append(col(Session.starts_at) >= self.scope.start)
        if self.scope.end is not None:
            where.append(col(Session.starts_at) < self.scope.end)
        if self.course_id is not None:
            where.append(col(Session.course_id) == self.course_id)
        return where

    def delivered(self) -> ColumnElement[bool]:
        return or_(col(Session.status) == SessionStatus.DELIVERED, col(Session.ends_at) <= self.now)

    def team(self) -> list[ColumnElement[bool]]:
        return [col(Staff.team) == self.scope.team] if self.scope.team else []


def _grouped(query: Any, group: Any | None) -> Any:
    return query.group_by(group) if group is not None else query


def _team_key() -> Any:
    return func.coalesce(col(Staff.team), NO_TEAM)


def _attended(*where: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    """Attendance rows that count as attended (the module's one definition)."""
    return [
        col(SessionAttendance.staff_id).is_not(None),
        col(SessionAttendance.role) == AttendanceRole.ATTENDEE,
        *where,
    ]


def _attendances(q: _Query, *extra: ColumnElement[bool]) -> Select[int, int, int]:
    """(session, person, course) of everyone who attended a session in scope, each once."""
    query: Select[int, int, int] = (
        select(
            col(SessionAttendance.session_id).label("session_id"),
            col(SessionAttendance.staff_id).label("staff_id"),
            col(Session.course_id).label("course_id"),
        )
        .distinct()
        .select_from(SessionAttendance)
        .join(Session, col(Session.id) == SessionAttendance.session_id)
        .where(*_attended(*extra), *q.sessions())
    )
    if q.scope.team:
        query = query.join(Staff, col(Staff.id) == SessionAttendance.staff_id).where(*q.team())
    return query


def _people(db: DbSession, q: _Query, by: str | None = None) -> dict[Any, dict[str, int]]:
    """People booked, people attended, attendances and no-shows, per `by` (None, "team" or
    "course"). Seats and attendance counted per person first (a hash or index-ordered GROUP
    BY), then people are rows: much cheaper than COUNT(DISTINCT) over a million records."""
    seats = (
        select(
            col(Booking.staff_id).label("staff_id"),
            col(Session.course_id).label("course_id"),
            literal(1).label("seat"),
            literal(0).label("att"),
            case((col(Booking.status) == BookingStatus.NO_SHOW, 1), else_=0).label("ns"),
        )
        .select_from(Booking)
        .join(Session, col(Session.id) == Booking.session_id)
        .where(*q.sessions(), col(Booking.status).in_(SEATED_BOOKING_STATUSES))
    )
    if q.scope.team:
        seats = seats.join(Staff, col(Staff.id) == Booking.staff_id).where(*q.team())
    came = _attendances(q).subquery("came")
    attended = select(
        came.c.staff_id,
        came.c.course_id,
        literal(0).label("seat"),
        literal(1).label("att"),
        literal(0).label("ns"),
    )
    both = union_all(seats, attended).subquery("both")
    groups: list[Any] = [both.c.staff_id] + ([both.c.course_id] if by == "course" else [])
    per_person = (
        select(
            *groups,
            func.sum(both.c.seat).label("seats"),
            func.sum(both.c.att).label("att"),
            func.sum(both.c.ns).label("ns"),
        )
        .group_by(*groups)
        .subquery("per_person")
    )
    group = {"team": _team_key(), "course": per_person.c.get("course_id")}.get(by or "")
    key = group if group is not None else literal("all")
    query = select(
        key.label("key"),
        func.sum(case((per_person.c.seats > 0, 1), else_=0)).label("people_booked"),
        func.sum(case((per_person.c.att > 0, 1), else_=0)).label("people_attended"),
        func.sum(per_person.c.att).label("attendances"),
        func.sum(per_person.c.ns).label("no_shows"),
    ).select_from(per_person)
    if by == "team":
        query = query.join(Staff, col(Staff.id) == per_person.c.staff_id)
    query = _grouped(query, group)
    return {row.key: dict(row._mapping) for row in db.execute(query)}


def _sessions_attended(db: DbSession, q: _Query, by: str | None = None) -> dict[Any, int]:
    """Delivered sessions at least one person of the team (in scope) attended, per `by`."""
    came = _attendances(q, q.delivered()).subquery("came")
    columns: list[Any] = [came.c.session_id]
    if by == "team":
        columns.append(_team_key().label("grp"))
    elif by == "course":
        columns.append(came.c.course_id.label("grp"))
    pairs = select(*columns).distinct().select_from(came)
    if by == "team":
        pairs = pairs.join(Staff, col(Staff.id) == came.c.staff_id)
    found = pairs.subquery("pairs")
    group = found.c.grp if by else None
    key = group if group is not None else literal("all")
    query = _grouped(select(key.label("key"), func.count()).select_from(found), group)
    return {k: int(n) for k, n in db.execute(query)}


def _people_booked_split(db: DbSession, q: _Query) -> tuple[int, int]:
    """Distinct people with a seat (as `people_booked` counts them) on sessions in scope that
    were held, and on those still to come."""

    def count(*when: ColumnElement[bool]) -> int:
        booked = (
            select(col(Booking.staff_id))
            .distinct()
            .join(Session, col(Session.id) == Booking.session_id)
            .where(*q.sessions(), col(Booking.status).in_(SEATED_BOOKING_STATUSES), *when)
        )
        if q.scope.team:
            booked = booked.join(Staff, col(Staff.id) == Booking.staff_id).where(*q.team())
        found = booked.subquery("booked")
        return int(db.execute(select(func.count()).select_from(found)).scalar() or 0)

    return count(q.delivered()), count(not_(q.delivered()))


def _external_guests(db: DbSession, q: _Query) -> int:
    """Distinct external guests recorded at the sessions in scope (none within a team)."""
    if q.scope.team:
        return 0
    guests = (
        select(col(SessionAttendance.staff_id))
        .distinct()
        .join(Session, col(Session.id) == SessionAttendance.session_id)
        .where(
            col(SessionAttendance.staff_id).is_not(None),
            col(SessionAttendance.role) == AttendanceRole.GUEST,
            *q.sessions(),
        )
        .subquery("guests")
    )
    return int(db.execute(select(func.count()).select_from(guests)).scalar() or 0)


def _sessions_delivered(db: DbSession, q: _Query, group: Any | None) -> dict[Any, int]:
    key = group if group is not None else literal("all")
    query = (
        select(key.label("key"), func.count())
        .select_from(Session)
        .where(*q.sessions(), q.delivered())
    )
    query = _grouped(query, group)
    return {k: int(n) for k, n in db.execute(query)}


def _completions(db: DbSession, q: _Query, by: str | None = None) -> dict[Any, dict[str, int]]:
    """Distinct people completing, live and e-learning apart and together, per `by` (None,
    "team" or "course"). Two indexed halves (live: attended and met the threshold, by session
    date; e-learning by completion date) joined with UNION ALL, so neither half scans the
    other's rows. Live completions are the attendance rows themselves, so they never exceed
    attendance (the session's `Completion` rows are derived from the same rows)."""
    came = _attendances(q, col(SessionAttendance.completed).is_(True)).subquery("completed")
    live: Select[int, int, int] = select(
        came.c.staff_id, literal(1).label("live"), came.c.course_id
    ).distinct()
    online: list[ColumnElement[bool]] = [col(Completion.source) == CompletionSource.ELEARNING]
    if q.scope.start is not None:
        online.append(col(Completion.completed_at) >= q.scope.start)
    if q.scope.end is not None:
        online.append(col(Completion.completed_at) < q.scope.end)
    if q.course_id is not None:
        online.append(col(Completion.course_id) == q.course_id)
    elearning: Select[int, int, int] = select(
        col(Completion.staff_id).label("staff_id"),
        literal(0).label("live"),
        col(Completion.course_id).label("course_id"),
    ).where(*online)
    if q.scope.team:
        elearning = elearning.join(Staff, col(Staff.id) == Completion.staff_id).where(*q.team())
    done = union_all(live, elearning).subquery("done")
    # Per person (and course) first: did they complete live, by e-learning, or both?
    groups: list[Any] = [done.c.staff_id] + ([done.c.course_id] if by == "course" else [])
    per_person = (
        select(
            *groups,
            func.max(done.c.live).label("any_live"),
            func.min(done.c.live).label("any_elearning_is_0"),
        )
        .group_by(*groups)
        .subquery("per_person")
    )
    group = {"team": _team_key(), "course": per_person.c.get("course_id")}.get(by or "")
    key = group if group is not None else literal("all")
    query = select(
        key.label("key"),
        func.sum(case((per_person.c.any_live == 1, 1), else_=0)).label("completed_live"),
        func.sum(case((per_person.c.any_elearning_is_0 == 0, 1), else_=0)).label(
            "completed_elearning"
        ),
        func.count().label("completed_any"),
    ).select_from(per_person)
    if by == "team":
        query = query.join(Staff, col(Staff.id) == per_person.c.staff_id)
    query = _grouped(query, group)
    return {row.key: dict(row._mapping) for row in db.execute(query)}


def _figures(people: dict[str, int] | None, sessions: int, done: dict[str, int] | None) -> Figures:
    people = people or {}
    done = done or {}
    return Figures(
        sessions_delivered=sessions,
        people_booked=int(people.get("people_booked") or 0),
        people_attended=int(people.get("people_attended") or 0),
        attendances=int(people.get("attendances") or 0),
        no_shows=int(people.get("no_shows") or 0),
        completed_live=int(done.get("completed_live") or 0),
        completed_elearning=int(done.get("completed_elearning") or 0),
        completed_any=int(done.get("completed_any") or 0),
    )


def _whole(by_team: list[Line], sessions_delivered: int) -> Figures:
    """The headline people figures as the sum of the team lines: everyone has exactly one team
    (or none, which is a line of its own), so distinct people add up across teams and the
    million-row scans are not made twice."""
    total = {name: 0 for name in Figures.__dataclass_fields__}
    for line in by_team:
        for name in total:
            total[name] += getattr(line.figures, name)
    return Figures(**{**total, "sessions_delivered": sessions_delivered})


def _breakdown(db: DbSession, q: _Query, by: str) -> list[Line]:
    if by == "team":
        people = _people(db, q, "team")
        done = _completions(db, q, "team")
        sessions = _sessions_attended(db, q, "team")
        names = {k: str(k) for k in people.keys() | done.keys()}
    else:
        people = _people(db, q, "course")
        # e-learning completions have no session: their course is on the completion itself
        done = _completions(db, q, "course")
        if q.scope.team:
            sessions = _sessions_attended(db, q, "course")
        else:
            sessions = _sessions_delivered(db, q, col(Session.course_id))
        titles = {k: v for k, v in db.execute(select(col(Course.id), col(Course.title))).all()}
        names = {k: str(titles.get(k, k)) for k in people.keys() | done.keys() | sessions.keys()}
    lines = [
        Line(names[k], _figures(people.get(k), sessions.get(k, 0), done.get(k))) for k in names
    ]
    return sorted(lines, key=lambda line: (-line.figures.people_attended, line.name))


def _chart_months(db: DbSession, q: _Query, zone: ZoneInfo) -> list[date]:
    scope = q.scope
    if scope.period is not None:
        months = scope.period.months()
    else:
        first = db.execute(select(func.min(col(Session.starts_at))).where(*q.sessions())).scalar()
        if first is None:
            return []
        start = first.astimezone(zone).date().replace(day=1)
        end = add_months(q.now.astimezone(zone).date(), 1)
        months = Period(start, end, "", "").months()
    # The chart is about the present: past months of the period that has come so far.
    this_month = q.now.astimezone(zone).date().replace(day=1)
    months = [m for m in months if m <= this_month]
    return months[-MAX_CHART_MONTHS:]


def _by_month(db: DbSession, q: _Query, zone: ZoneInfo) -> list[MonthLine]:
    months = _chart_months(db, q, zone)
    if not months:
        return []
    # UK month boundaries turned into UTC in Python (zoneinfo knows summer time), then one CASE:
    # the same SQL on SQLite and PostgreSQL, and each session lands in its UK month.
    bounds = [local_midnight_utc(m, zone) for m in [*months, add_months(months[-1], 1)]]
    month_of = case(
        *[(col(Session.starts_at) < bounds[i + 1], i) for i in range(len(months))], else_=-1
    )
    in_chart = [col(Session.starts_at) >= bounds[0], col(Session.starts_at) < bounds[-1]]
    # The month of each session (thousands of rows), then attendance joined to that.
    chart = (
        select(col(Session.id).label("id"), month_of.label("m"))
        .where(*q.sessions(), q.delivered(), *in_chart)
        .subquery("chart_sessions")
    )

    def per_month(column: Any, *, team_only: bool) -> dict[int, int]:
        pairs = (
            select(chart.c.m, column)
            .distinct()
            .select_from(SessionAttendance)
            .join(chart, chart.c.id == SessionAttendance.session_id)
            .where(*_attended())
        )
        if team_only:
            pairs = pairs.join(Staff, col(Staff.id) == SessionAttendance.staff_id).where(*q.team())
        found = pairs.subquery("pairs")
        rows = db.execute(select(found.c.m, func.count()).group_by(found.c.m)).all()
        return {int(m): int(n) for m, n in rows}

    people = per_month(col(SessionAttendance.staff_id), team_only=bool(q.scope.team))
    if q.scope.team:
        sessions = per_month(col(SessionAttendance.session_id), team_only=True)
    else:
        rows = db.execute(select(chart.c.m, func.count()).group_by(chart.c.m)).all()
        sessions = {int(m): int(n) for m, n in rows}
    return [MonthLine(m, sessions.get(i, 0), people.get(i, 0)) for i, m in enumerate(months)]


def compute_totals(
    db: DbSession,
    scope: TotalsScope,
    now: datetime,
    zone: ZoneInfo,
    *,
    comments_limit: int | None = 5,
) -> Totals:
    """Every figure for `scope` (no audit entry: use `view_totals` for a person's request)."""
    q = _Query(db, scope, now)
    if scope.team:
        sessions = _sessions_attended(db, q).get("all", 0)
    else:
        sessions = _sessions_delivered(db, q, None).get("all", 0)
    by_team = _breakdown(db, q, "team")
    held, to_come = _people_booked_split(db, q)
    feedback = feedback_summary(
        db,
        FeedbackScope(
            start=scope.start,
            end=scope.end,
            team=scope.team,
            course_id=q.course_id,
        ),
        now,
        comments_limit=comments_limit,
    )
    return Totals(
        scope=scope,
        figures=_whole(by_team, sessions),
        by_team=by_team,
        by_course=_breakdown(db, q, "course"),
        by_month=_by_month(db, q, zone),
        feedback=feedback,
        unmatched_attendees=count_unmatched(db, scope.start, scope.end),
        generated_at=now,
        external_guests=_external_guests(db, q),
        booked_held=held,
        booked_to_come=to_come,
    )


def view_totals(
    db: DbSession,
    query: TotalsQuery,
    now: datetime,
    zone: ZoneInfo,
    *,
    viewer_staff_id: int | None,
    action: str = "totals.view",
    comments_limit: int | None = 5,
) -> Totals:
    """Totals a person asked for, with the request written to the audit log."""
    scope = scope_of(query, zone)
    totals = compute_totals(db, scope, now, zone, comments_limit=comments_limit)
    audit.record(db, viewer_staff_id, action, now, subject=scope.label, detail=query.words())
    return Totals(**{**totals.__dict__, "notes": list(query.notes)})


def totals_for_export(
    db: DbSession,
    query: TotalsQuery,
    now: datetime,
    zone: ZoneInfo,
) -> Totals:
    """Every figure for `query` with every feedback comment, for a file (`documents.exports`).
    Not audited here: the adapter records the export once the file has actually been handed
    over."""
    scope = scope_of(query, zone)
    return compute_totals(db, scope, now, zone, comments_limit=None)
