"""Reminders read from the database: what is due now, what is coming, which sessions just ended."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
from training.governance.boards import board_plans
from training.governance.reminders import (
    Audience,
    CompletionPlan,
    Reminder,
    ReminderPolicy,
    SessionPlan,
    add_months,
    board_reminders,
    coming_up,
    due_now,
    refresher_notes,
    session_reminders,
)
from training.models import (
    Booking,
    BookingStatus,
    Completion,
    Course,
    Session,
    SessionStatus,
    Staff,
)

# Sessions further ahead than this cannot have a day-before reminder due in a sweep or listing.
SESSION_LOOKAHEAD = timedelta(days=16)
# A session's follow-ups (feedback, attendance) are started within this time of its end.


@dataclass(frozen=True)
class UpcomingReminder:
    reminder: Reminder
    recipient: str


def coordinator_ids(db: DbSession, identifiers: list[str]) -> tuple[int, ...]:
    """Staff ids of the coordinators named in settings (Entra object ids or emails)."""
    wanted = [i.lower() for i in identifiers]
    if not wanted:
        return ()
    rows = db.exec(
        select(Staff.id).where(
            func.lower(col(Staff.aad_object_id)).in_(wanted) | col(Staff.email).in_(wanted)
        )
    ).all()
    return tuple(sorted(i for i in rows if i is not None))


def _session_plans(db: DbSession, now: datetime) -> list[SessionPlan]:
    rows = db.exec(
        select(Session, Course)
        .join(Course)
        .where(
            Session.status == SessionStatus.SCHEDULED,
            Session.starts_at > now,
            Session.starts_at <= now + SESSION_LOOKAHEAD,
        )
        .order_by(col(Session.starts_at))
    ).all()
    ids = [s.id for s, _ in rows if s.id is not None]
    booked: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for session_id, staff_id in db.exec(
            select(Booking.session_id, Booking.staff_id)
            .where(col(Booking.session_id).in_(ids), Booking.status == BookingStatus.BOOKED)
            .order_by(col(Booking.requested_at), col(Booking.id))
        ).all():
            booked[session_id].append(staff_id)
    return [
        SessionPlan(
            id=s.id,
            course_title=c.title,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            online=s.online,
            join_url=s.join_url,
            location=s.location,
            booked_staff_ids=tuple(booked[s.id]),
        )
        for s, c in rows
        if s.id is not None
    ]


REFRESHER_LOOKAHEAD = timedelta(days=31)  # more than any view of what is coming up


def _completion_plans(db: DbSession, now: datetime) -> list[CompletionPlan]:
    """Each person's latest completion of each course whose refresher falls due soon (the
    database picks them: the sweep must not read every completion there is)."""
    plans = []
    for course in db.exec(select(Course)).all():
        if course.id is None or course.refresher_months <= 0:
            continue
        latest = func.max(Completion.completed_at)
        horizon = now + REFRESHER_LOOKAHEAD
        back = add_months(horizon.date(), -course.refresher_months)
        cutoff = horizon.replace(year=back.year, month=back.month, day=back.day)
        rows = db.exec(
            select(Completion.staff_id, latest)
            .where(Completion.course_id == course.id)
            .group_by(col(Completion.staff_id))
            .having(latest <= cutoff)
        ).all()
        plans += [
            CompletionPlan(
                staff_id=staff_id,
                course_id=course.id,
                course_title=course.title,
                completed_at=completed_at,
                refresher_months=course.refresher_months,
            )
            for staff_id, completed_at in rows
        ]
    return plans


def all_reminders(
    db: DbSession, now: datetime, policy: ReminderPolicy, coordinators: list[str]
) -> list[Reminder]:
    """Every reminder that the calendar, bookings and completions call for around `now`."""
    audience = Audience(coordinator_ids(db, coordinators))
    found: list[Reminder] = []
    for board in board_plans(db):
        found += board_reminders(board, audience, policy, now)
    for session in _session_plans(db, now):
        found += session_reminders(session, policy, now)
    for completion in _completion_plans(db, now):
        found += refresher_notes(completion, policy)
    return found


def due_reminders(
    db: DbSession, now: datetime, policy: ReminderPolicy, coordinators: list[str]
) -> list[Reminder]:
    """What should have gone out by `now` (late ones included), oldest first."""
    return due_now(all_reminders(db, now, policy, coordinators), now)


def upcoming_reminders(
    db: DbSession,
    now: datetime,
    policy: ReminderPolicy,
    coordinators: list[str],
    *,
    days: int = 14,
    viewer_staff_id: int | None = None,
) -> list[UpcomingReminder]:
    """What will be sent in the next `days` days, soonest first, with whom to; audited."""
    found = coming_up(all_reminders(db, now, policy, coordinators), now, now + timedelta(days=days))
    names = dict(
        db.exec(
            select(Staff.id, Staff.display_name).where(
                col(Staff.id).in_({r.staff_id for r in found})
            )
        ).all()
    )
    audit.record(db, viewer_staff_id, "reminders.view", now, subject=f"next {days} days")
    return [UpcomingReminder(r, names.get(r.staff_id, f"staff {r.staff_id}")) for r in found]
