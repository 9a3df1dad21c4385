"""Feedback after a session: who is asked, what they answer, and what the coordinator reads.

Only people recorded as attending (or still booked, while attendance is unknown) may answer,
once per session, and may change their answers until `edit_days` after the session ends.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import exists, func, or_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
from training.errors import (
    FeedbackClosed,
    FeedbackNotOpen,
    InvalidFeedback,
    NotInvitedToFeedback,
)
from training.models import (
    AttendanceRole,
    Booking,
    BookingStatus,
    Course,
    FeedbackRequest,
    FeedbackResponse,
    Session,
    SessionAttendance,
    SessionStatus,
    Staff,
)
from training.sessions.queries import load_session, session_summary
from training.views import SessionSummary

# Attended (booked or walk-in: `training.attendance.results.counted`), or booked while
# attendance is not yet known; a no-show is not asked.
MAY_RESPOND = (BookingStatus.ATTENDED, BookingStatus.BOOKED)


def _may_respond() -> sa.Subquery:
    """(session_id, staff_id) of everyone who may give feedback on a session: a seat still
    booked (attendance not known yet) or attended, and anyone recorded as attending with a
    staff record, walk-ins too (the one definition of attended)."""
    seats: sa.Select[int, int] = select(
        col(Booking.session_id).label("session_id"), col(Booking.staff_id).label("staff_id")
    ).where(col(Booking.status).in_(MAY_RESPOND))
    came: sa.Select[int, int] = select(
        col(SessionAttendance.session_id).label("session_id"),
        col(SessionAttendance.staff_id).label("staff_id"),
    ).where(
        col(SessionAttendance.staff_id).is_not(None),
        col(SessionAttendance.role) == AttendanceRole.ATTENDEE,
    )
    return sa.union(seats, came).subquery("may_respond")


MAX_COMMENT = 1000
UK = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class FeedbackAnswers:
    overall: int
    usefulness: int
    confidence_before: int
    confidence_after: int
    most_useful: str = ""
    could_be_better: str = ""
    consent_to_attribute: bool = False


@dataclass(frozen=True)
class FeedbackForm:
    """What the feedback card shows: the session, the deadline, and any answers already given."""

    session: SessionSummary
    respond_by: datetime
    answers: FeedbackAnswers | None


@dataclass(frozen=True)
class FeedbackReceipt:
    session: SessionSummary
    respond_by: datetime
    changed: bool  # true when an earlier answer was edited


@dataclass(frozen=True)
class FeedbackRequestDue:
    """Someone to ask for feedback now (the scheduler sends `feedback_card` to them)."""

    session_id: int
    staff_id: int
    course_title: str
    starts_at: datetime
    ends_at: datetime
    respond_by: datetime


@dataclass(frozen=True)
class FeedbackComment:
    session_id: int
    course_title: str
    session_starts_at: datetime
    most_useful: str
    could_be_better: str
    by: str | None  # a name only where the person agreed to be named


@dataclass(frozen=True)
class FeedbackSummary:
    invited: int
    responses: int
    average_overall: float | None
    average_usefulness: float | None
    average_before: float | None
    average_after: float | None
    comments: list[FeedbackComment]
    # distinct people who answered (one person may answer for several sessions)
    respondents: int | None = None

    @property
    def response_rate(self) -> float | None:
        return min(self.responses / self.invited, 1.0) if self.invited else None

    @property
    def confidence_change(self) -> float | None:
        if self.average_before is None or self.average_after is None:
            return None
        return self.average_after - self.average_before


def respond_by(session: Session, edit_days: int) -> datetime:
    return session.ends_at + timedelta(days=edit_days)


def _check_may_respond(
    db: DbSession, staff_id: int, session: Session, now: datetime, edit_days: int, zone: ZoneInfo
) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise InvalidFeedback(
            "That session was cancelled, so there is nothing to give feedback on."
        )
    if session.ends_at > now:
        raise FeedbackNotOpen()
    closes = respond_by(session, edit_days)
    if now > closes:
        local = closes.astimezone(zone)
        raise FeedbackClosed(f"{local:%A} {local.day} {local:%B %Y}")
    invited = _may_respond()
    found = db.execute(
        sa.select(invited.c.staff_id).where(
            invited.c.session_id == session.id, invited.c.staff_id == staff_id
        )
    ).first()
    if found is None:
        raise NotInvitedToFeedback()


def _answers(row: FeedbackResponse) -> FeedbackAnswers:
    return FeedbackAnswers(
        overall=row.overall,
        usefulness=row.usefulness,
        confidence_before=row.confidence_before,
        confidence_after=row.confidence_after,
        most_useful=row.most_useful,
        could_be_better=row.could_be_better,
        consent_to_attribute=row.consent_to_attribute,
    )


def _existing(db: DbSession, staff_id: int, session_id: int) -> FeedbackResponse | None:
    return db.exec(
        select(FeedbackResponse).where(
            FeedbackResponse.session_id == session_id, FeedbackResponse.staff_id == staff_id
        )
    ).first()


def feedback_form(
    db: DbSession,
    staff_id: int,
    session_id: int,
    now: datetime,
    *,
    edit_days: int,
    zone: ZoneInfo = UK,
) -> FeedbackForm:
    """The form for `staff_id` on `session_id`, refused if they may not (or no longer) answer."""
    session = load_session(db, session_id)
    _check_may_respond(db, staff_id, session, now, edit_days, zone)
    existing = _existing(db, staff_id, session_id)
    return FeedbackForm(
        session_summary(db, session_id),
        respond_by(session, edit_days),
        _answers(existing) if existing else None,
    )


def _rating(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidFeedback(f"Please choose a rating from 1 to 5 for '{name}'.")
    return value


def check_answers(answers: FeedbackAnswers) -> FeedbackAnswers:
    """The answers, or `InvalidFeedback` saying what to fix (ratings 1-5, comments not huge)."""
    for name, value in [
        ("overall", answers.overall),
        ("useful for your role", answers.usefulness),
        ("confidence before", answers.confidence_before),
        ("confidence after", answers.confidence_after),
    ]:
        _rating(name, value)
    for text in (answers.most_useful, answers.could_be_better):
        if not isinstance(text, str) or len(text) > MAX_COMMENT:
            raise InvalidFeedback(f"Please keep each comment under {MAX_COMMENT} characters.")
    if not isinstance(answers.consent_to_attribute, bool):
        raise InvalidFeedback("Please say yes or no to being named with your comments.")
    return answers


def submit_feedback(
    db: DbSession,
    staff_id: int,
    session_id: int,
    answers: FeedbackAnswers,
    now: datetime,
    *,
    edit_days: int,
    zone: ZoneInfo = UK,
) -> FeedbackReceipt:
    """Save (or change) `staff_id`'s feedback on `session_id`; refused changes leave no trace."""
    check_answers(answers)
    # Locking the session row makes two quick presses by the same person queue up; the unique
    # constraint is the backstop.
    session = load_session(db, session_id, lock=True)
    _check_may_respond(db, staff_id, session, now, edit_days, zone)
    row = _existing(db, staff_id, session_id)
    changed = row is not None
    if row is None:
        row = FeedbackResponse(
            session_id=session_id,
            staff_id=staff_id,
            overall=answers.overall,
            usefulness=answers.usefulness,
            confidence_before=answers.confidence_before,
            confidence_after=answers.confidence_after,
            submitted_at=now,
            updated_at=now,
        )
    row.overall = answers.overall
    row.usefulness = answers.usefulness
    row.confidence_before = answers.confidence_before
    row.confidence_after = answers.confidence_after
    row.most_useful = answers.most_useful.strip()
    row.could_be_better = answers.could_be_better.strip()
    row.consent_to_attribute = answers.consent_to_attribute
    row.updated_at = now
    db.add(row)
    db.flush()
    return FeedbackReceipt(session_summary(db, session_id), respond_by(session, edit_days), changed)


def feedback_requests_due(
    db: DbSession, now: datetime, *, edit_days: int
) -> list[FeedbackRequestDue]:
    """Everyone to ask for feedback now: sessions that have ended and are still open for
    feedback, people who attended (or are booked, attendance unknown), not yet asked and not
    yet answered. The scheduler sends each a `feedback_card`, then `record_feedback_requested`.
    """
    invited = _may_respond()
    asked = exists().where(
        col(FeedbackRequest.session_id) == invited.c.session_id,
        col(FeedbackRequest.staff_id) == invited.c.staff_id,
    )
    answered = exists().where(
        col(FeedbackResponse.session_id) == invited.c.session_id,
        col(FeedbackResponse.staff_id) == invited.c.staff_id,
    )
    # SQLAlchemy's select: SQLModel's is typed for at most four columns.
    rows = db.execute(
        sa.select(
            invited.c.session_id,
            invited.c.staff_id,
            col(Course.title),
            col(Session.starts_at),
            col(Session.ends_at),
        )
        .select_from(invited)
        .join(Session, col(Session.id) == invited.c.session_id)
        .join(Course, col(Course.id) == Session.course_id)
        .where(
            col(Session.status) != SessionStatus.CANCELLED,
            col(Session.ends_at) <= now,
            col(Session.ends_at) > now - timedelta(days=edit_days),
            ~asked,
            ~answered,
        )
        .order_by(col(Session.ends_at), invited.c.session_id, invited.c.staff_id)
    ).all()
    return [
        FeedbackRequestDue(
            session_id=session_id,
            staff_id=staff_id,
            course_title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            respond_by=ends_at + timedelta(days=edit_days),
        )
        for session_id, staff_id, title, starts_at, ends_at in rows
    ]


def record_feedback_requested(db: DbSession, asked: list[tuple[int, int]], now: datetime) -> None:
    """Remember that (session id, staff id) pairs were sent the card; repeats are ignored."""
    for session_id, staff_id in asked:
        seen = db.exec(
            select(FeedbackRequest.id).where(
                FeedbackRequest.session_id == session_id, FeedbackRequest.staff_id == staff_id
            )
        ).first()
        if seen is None:
            db.add(FeedbackRequest(session_id=session_id, staff_id=staff_id, asked_at=now))
    db.flush()


@dataclass(frozen=True)
class FeedbackScope:
    """Which sessions and people a summary covers; every part optional."""

    start: datetime | None = None  # sessions starting at or after (UTC)
    end: datetime | None = None  # sessions starting before (UTC)
    team: str | None = None
    course_id: int | None = None
    session_id: int | None = None

    def session_filters(self, now: datetime) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [
            col(Session.status) != SessionStatus.CANCELLED,
            col(Session.ends_at) <= now,
        ]
        if self.start is not None:
            where.append(col(Session.starts_at) >= self.start)
        if self.end is not None:
            where.append(col(Session.starts_at) < self.end)
        if self.course_id is not None:
            where.append(col(Session.course_id) == self.course_id)
        if self.session_id is not None:
            where.append(col(Session.id) == self.session_id)
        return where


def _average(value: Decimal | float | None) -> float | None:
    """An AVG as a float (PostgreSQL answers with a Decimal, SQLite with a float)."""
    return None if value is None else float(value)


def feedback_summary(
    db: DbSession, scope: FeedbackScope, now: datetime, *, comments_limit: int | None = 20
) -> FeedbackSummary:
    """Response rate, averages and comments (named only with consent) for `scope`."""
    team_filter = [col(Staff.team) == scope.team] if scope.team else []
    may_respond = _may_respond()
    invited_query = (
        select(func.count())
        .select_from(may_respond)
        .join(Session, col(Session.id) == may_respond.c.session_id)
        .where(*scope.session_filters(now))
    )
    answers_query = (
        sa.select(  # SQLAlchemy's: SQLModel's select is typed for at most four columns
            func.count(),
            func.count(func.distinct(FeedbackResponse.staff_id)),
            func.avg(FeedbackResponse.overall),
            func.avg(FeedbackResponse.usefulness),
            func.avg(FeedbackResponse.confidence_before),
            func.avg(FeedbackResponse.confidence_after),
        )
        .select_from(FeedbackResponse)
        .join(Session, col(Session.id) == FeedbackResponse.session_id)
        .where(*scope.session_filters(now))
    )
    if scope.team:  # only then is the staff table needed
        invited_query = invited_query.join(Staff, col(Staff.id) == may_respond.c.staff_id).where(
            *team_filter
        )
        answers_query = answers_query.join(Staff, col(Staff.id) == FeedbackResponse.staff_id).where(
            *team_filter
        )
    invited = db.exec(invited_query).one()
    responses, respondents, overall, useful, before, after = db.execute(answers_query).one()
    return FeedbackSummary(
        # A person may answer and later be marked a no-show: never more responses than asked.
        invited=max(int(invited), int(responses)),
        responses=int(responses),
        average_overall=_average(overall),
        average_usefulness=_average(useful),
        average_before=_average(before),
        average_after=_average(after),
        comments=_comments(db, scope, now, team_filter, comments_limit),
        respondents=int(respondents),
    )


def _comments(
    db: DbSession,
    scope: FeedbackScope,
    now: datetime,
    team_filter: list[ColumnElement[bool]],
    limit: int | None,
) -> list[FeedbackComment]:
    query = (
        select(FeedbackResponse, Staff.display_name, Course.title, Session.starts_at)
        .join(Session, col(Session.id) == FeedbackResponse.session_id)
        .join(Course, col(Course.id) == Session.course_id)
        .join(Staff, col(Staff.id) == FeedbackResponse.staff_id)
        .where(
            *scope.session_filters(now),
            *team_filter,
            or_(
                col(FeedbackResponse.most_useful) != "",
                col(FeedbackResponse.could_be_better) != "",
            ),
        )
        .order_by(col(Session.starts_at).desc(), col(FeedbackResponse.id))
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        FeedbackComment(
            session_id=response.session_id,
            course_title=title,
            session_starts_at=starts_at,
            most_useful=response.most_useful,
            could_be_better=response.could_be_better,
            by=name if response.consent_to_attribute else None,
        )
        for response, name, title, starts_at in db.exec(query).all()
    ]


def session_feedback(
    db: DbSession, session_id: int, now: datetime, *, viewer_staff_id: int | None
) -> tuple[SessionSummary, FeedbackSummary]:
    """One session's feedback for a coordinator; the view is written to the audit log."""
    summary = session_summary(db, session_id)
    result = feedback_summary(db, FeedbackScope(session_id=session_id), now, comments_limit=None)
    audit.record(db, viewer_staff_id, "feedback.view", now, subject=f"session {session_id}")
    return summary, result
