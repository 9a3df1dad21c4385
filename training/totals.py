"""Training totals for a period, team and course: the figures a coordinator puts in a report.

Definitions (what each figure counts), all for sessions starting inside the period (UK dates):
- sessions delivered: sessions not cancelled that have ended (or are marked delivered). With a
  team chosen: such sessions at least one member of the team attended.
- people booked: distinct people holding a seat (booked, attended or no-show; not waiting, not
  cancelled) on a session that is not cancelled.
- people attended / attendances: distinct people recorded as attending, and the number of
  attendance records (someone at three sessions counts once and three times).
- no-shows: bookings recorded as not attended.
- completed: distinct people with a completion: live (from attendance, by the session's start)
  and e-learning confirmed by a manager (by its completion date), shown apart and together.
Teams are the team on each person's staff record now.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, or_, select, union_all
from sqlmodel import Session as DbSession
from sqlmodel import col

from training import audit
from training.feedback import FeedbackScope, FeedbackSummary, feedback_summary
from training.models import (
    Booking,
    BookingStatus,
    Completion,
    CompletionSource,
    Course,
    Delivery,
    Session,
    SessionStatus,
    Staff,
)
from training.periods import Period, add_months, local_midnight_utc
from training.totals_language import CourseName, TotalsQuery, Vocabulary

SEATED = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
NO_TEAM = "(no team recorded)"
MAX_CHART_MONTHS = 36

# The "unmatched attendees" (people in a Teams attendance report the sync could not match to a
# staff record) live with the attendance sync; it plugs a counter in here: (db, start, end) -> n.
UnmatchedCounter = Callable[[DbSession, datetime | None, datetime | None], int]


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
    unmatched_attendees: int | None  # None: not tracked (no attendance sync plugged in)
    generated_at: datetime
    notes: list[str] = field(default_factory=list)


def vocabulary(db: DbSession) -> Vocabulary:
    """Every team on a staff record and every course: the names `totals` understands."""
    teams = db.execute(select(Staff.team).distinct().where(col(Staff.team).is_not(None))).scalars()
    courses = db.execute(select(Course.code, Course.title, Course.delivery)).all()
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
    return db.execute(select(Course.id).where(Course.code == code)).scalar() or -1


class _Query:
    """The filters of one scope, shared by every figure."""

    def __init__(self, db: DbSession, scope: TotalsScope, now: datetime) -> None:
        self.scope = scope
        self.now = now
        self.course_id = course_id_of(db, scope.course_code)

    def sessions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [Session.status != SessionStatus.CANCELLED]
        if self.scope.start is not None:
            where.append(Session.starts_at >= self.scope.start)
        if self.scope.end is not None:
            where.append(Session.starts_at < self.scope.end)
        if self.course_id is not None:
            where.append(Session.course_id == self.course_id)
        return where

    def delivered(self) -> ColumnElement[bool]:
        return or_(Session.status == SessionStatus.DELIVERED, Session.ends_at <= self.now)

    def team(self) -> list[ColumnElement[bool]]:
        return [Staff.team == self.scope.team] if self.scope.team else []


def _grouped(query: Any, group: Any | None) -> Any:
    return query.group_by(group) if group is not None else query


def _team_key() -> Any:
    return func.coalesce(Staff.team, NO_TEAM)


def _people(
    db: DbSession, q: _Query, group: Any | None, *, by_team: bool = False
) -> dict[Any, dict[str, int]]:
    """People booked, attended, attendances, no-shows and (team) sessions, per `group`."""
    attended = Booking.status == BookingStatus.ATTENDED
    columns = [
        func.count(distinct(Booking.staff_id)).label("people_booked"),
        func.count(distinct(case((attended, Booking.staff_id)))).label("people_attended"),
        func.sum(case((attended, 1), else_=0)).label("attendances"),
        func.sum(case((Booking.status == BookingStatus.NO_SHOW, 1), else_=0)).label("no_shows"),
        func.count(distinct(case((and_(attended, q.delivered()), Booking.session_id)))).label(
            "team_sessions"
        ),
    ]
    key = group if group is not None else literal("all")
    query = (
        select(key.label("key"), *columns)
        .select_from(Booking)
        .join(Session, col(Session.id) == Booking.session_id)
        .where(*q.sessions(), col(Booking.status).in_(SEATED))
    )
    query = _grouped(query, group)
    if q.scope.team or by_team:
        query = query.join(Staff, col(Staff.id) == Booking.staff_id).where(*q.team())
    return {row.key: dict(row._mapping) for row in db.execute(query)}


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
    "team" or "course"). Two indexed halves (live by session date, e-learning by completion
    date) joined with UNION ALL, so neither half scans the other's rows."""
    live = (
        select(
            Completion.staff_id.label("staff_id"),  # type: ignore[attr-defined]
            literal(1).label("live"),
            Session.course_id.label("course_id"),  # type: ignore[attr-defined]
        )
        .select_from(Completion)
        .join(Session, col(Session.id) == Completion.session_id)
        .where(Completion.source == CompletionSource.ATTENDANCE, *q.sessions())
    )
    online: list[ColumnElement[bool]] = [Completion.source == CompletionSource.ELEARNING]
    if q.scope.start is not None:
        online.append(Completion.completed_at >= q.scope.start)
    if q.scope.end is not None:
        online.append(Completion.completed_at < q.scope.end)
    if q.course_id is not None:
        online.append(Completion.course_id == q.course_id)
    elearning = select(
        Completion.staff_id.label("staff_id"),  # type: ignore[attr-defined]
        literal(0).label("live"),
        Completion.course_id.label("course_id"),  # type: ignore[attr-defined]
    ).where(*online)
    done = union_all(live, elearning).subquery("done")
    group = {"team": _team_key(), "course": done.c.course_id}.get(by or "")
    key = group if group is not None else literal("all")
    query = select(
        key.label("key"),
        func.count(distinct(case((done.c.live == 1, done.c.staff_id)))).label("completed_live"),
        func.count(distinct(case((done.c.live == 0, done.c.staff_id)))).label(
            "completed_elearning"
        ),
        func.count(distinct(done.c.staff_id)).label("completed_any"),
    ).select_from(done)
    if q.scope.team or by == "team":
        query = query.join(Staff, col(Staff.id) == done.c.staff_id).where(*q.team())
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


def _breakdown(db: DbSession, q: _Query, by: str) -> list[Line]:
    if by == "team":
        people = _people(db, q, _team_key(), by_team=True)
        done = _completions(db, q, "team")
        sessions = {k: int(v["team_sessions"] or 0) for k, v in people.items()}
        names = {k: str(k) for k in people.keys() | done.keys()}
    else:
        people = _people(db, q, Session.course_id)
        # e-learning completions have no session: their course is on the completion itself
        done = _completions(db, q, "course")
        if q.scope.team:
            sessions = {k: int(v["team_sessions"] or 0) for k, v in people.items()}
        else:
            sessions = _sessions_delivered(db, q, Session.course_id)
        titles = {k: v for k, v in db.execute(select(Course.id, Course.title)).all()}
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
        first = db.execute(select(func.min(Session.starts_at)).where(*q.sessions())).scalar()
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
    month_of = case(*[(Session.starts_at < bounds[i + 1], i) for i in range(len(months))], else_=-1)
    in_chart = [Session.starts_at >= bounds[0], Session.starts_at < bounds[-1]]
    q_delivered = and_(*q.sessions(), q.delivered(), *in_chart)
    sessions = dict(
        db.execute(
            select(month_of, func.count())
            .select_from(Session)
            .where(q_delivered)
            .group_by(month_of)
        ).all()
    )
    people_query = (
        select(month_of, func.count(distinct(Booking.staff_id)))
        .select_from(Booking)
        .join(Session, col(Session.id) == Booking.session_id)
        .where(q_delivered, Booking.status == BookingStatus.ATTENDED)
        .group_by(month_of)
    )
    if q.scope.team:
        people_query = people_query.join(Staff, col(Staff.id) == Booking.staff_id).where(*q.team())
        sessions = dict(
            db.execute(
                select(month_of, func.count(distinct(Booking.session_id)))
                .select_from(Booking)
                .join(Session, col(Session.id) == Booking.session_id)
                .join(Staff, col(Staff.id) == Booking.staff_id)
                .where(q_delivered, Booking.status == BookingStatus.ATTENDED, *q.team())
                .group_by(month_of)
            ).all()
        )
    people = dict(db.execute(people_query).all())
    return [
        MonthLine(m, int(sessions.get(i, 0)), int(people.get(i, 0))) for i, m in enumerate(months)
    ]


def compute_totals(
    db: DbSession,
    scope: TotalsScope,
    now: datetime,
    zone: ZoneInfo,
    *,
    unmatched: UnmatchedCounter | None = None,
    comments_limit: int | None = 5,
) -> Totals:
    """Every figure for `scope` (no audit entry: use `view_totals` for a person's request)."""
    q = _Query(db, scope, now)
    people = _people(db, q, None).get("all")
    if scope.team:
        sessions = int((people or {}).get("team_sessions") or 0)
    else:
        sessions = _sessions_delivered(db, q, None).get("all", 0)
    done = _completions(db, q, None).get("all")
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
        figures=_figures(people, sessions, done),
        by_team=_breakdown(db, q, "team"),
        by_course=_breakdown(db, q, "course"),
        by_month=_by_month(db, q, zone),
        feedback=feedback,
        unmatched_attendees=unmatched(db, scope.start, scope.end) if unmatched else None,
        generated_at=now,
    )


def view_totals(
    db: DbSession,
    query: TotalsQuery,
    now: datetime,
    zone: ZoneInfo,
    *,
    viewer_staff_id: int | None,
    action: str = "totals.view",
    unmatched: UnmatchedCounter | None = None,
    comments_limit: int | None = 5,
) -> Totals:
    """Totals a person asked for, with the request written to the audit log."""
    scope = scope_of(query, zone)
    totals = compute_totals(
        db, scope, now, zone, unmatched=unmatched, comments_limit=comments_limit
    )
    audit.record(db, viewer_staff_id, action, now, subject=scope.label, detail=query.words())
    return Totals(**{**totals.__dict__, "notes": list(query.notes)})
