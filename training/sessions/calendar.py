"""A session's Teams calendar event, kept in line with its bookings: what to tell the calendar.

The Graph adapter (graph/calendar_sync.py) asks `begin()` for a plan, carries it out and reports
back with `event_created()`, `succeeded()` or `failed()`. Nothing is queued: the work is the
difference between the bookings and what the calendar was last told (`CalendarInvite`, and the
times on `CalendarSync`), so a change that commits is never lost if the process stops before
Graph is called, and carrying out the same plan twice changes nothing.

Attendee changes are coalesced: Graph writes a session's attendee list at most once per
`update_every` (CALENDAR_UPDATE_MINUTES), so a burst of bookings is one write, and someone who
books and cancels within the window is never sent an invitation and then a cancellation. A new
time is never held back: it goes at once, with any attendee changes waiting, in one write.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
from training.models import (
    Booking,
    BookingStatus,
    CalendarInvite,
    CalendarState,
    CalendarSync,
    Course,
    Session,
    SessionStatus,
    Staff,
)
from training.sessions.queries import load_session

# Minutes to wait after the 1st, 2nd, ... failure before trying again (then the last, always).
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
# Longer than any Graph call with its retries; a worker that died frees the session after it.
LEASE = timedelta(minutes=5)
# At most one attendee-list write per session in this time (CALENDAR_UPDATE_MINUTES).
UPDATE_EVERY = timedelta(minutes=15)


@dataclass(frozen=True)
class Invitee:
    staff_id: int
    email: str
    name: str


@dataclass(frozen=True)
class NewEvent:
    """The calendar event (with its Teams meeting) to create for a session."""

    subject: str
    starts_at: datetime
    ends_at: datetime
    description: str


@dataclass(frozen=True)
class EventTimes:
    """Where the event must move to (the session's new times)."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class CalendarPlan:
    """What the organiser's calendar must be told about one session, in this order.

    `held_until`: attendee changes are waiting for the coalescing window to pass (the plan
    itself then carries none)."""

    session_id: int
    transaction_id: str
    event_id: str | None
    create: NewEvent | None = None
    cancel_comment: str | None = None
    invite: tuple[Invitee, ...] = ()
    uninvite: tuple[Invitee, ...] = ()
    move: EventTimes | None = None
    held_until: datetime | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.create
            or self.cancel_comment is not None
            or self.invite
            or self.uninvite
            or self.move
        )


def wants_teams_meeting(session: Session, now: datetime) -> bool:
    """An online session with no join link, still to come: we create its meeting."""
    return (
        session.online
        and session.status == SessionStatus.SCHEDULED
        and not session.join_url
        and not session.graph_event_id
        and session.starts_at > now
    )


def _sync_row(db: DbSession, session_id: int, now: datetime) -> CalendarSync:
    row = db.exec(select(CalendarSync).where(CalendarSync.session_id == session_id)).first()
    if row is None:
        row = CalendarSync(
            session_id=session_id, transaction_id=f"wrapbot-{uuid.uuid4()}", updated_at=now
        )
        db.add(row)
        db.flush()
    return row


def _wanted(db: DbSession, session_id: int) -> dict[int, Invitee]:
    """Everyone with a seat (not the waiting list) whom the calendar can reach by email."""
    rows = db.exec(
        select(Staff)
        .join(Booking)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.BOOKED)
    ).all()
    return {
        s.id: Invitee(s.id, s.email.strip().lower(), s.display_name)
        for s in rows
        if s.id is not None and s.email
    }


def _attendee_changes(
    db: DbSession, session_id: int
) -> tuple[tuple[Invitee, ...], tuple[Invitee, ...]]:
    wanted = _wanted(db, session_id)
    known = {
        i.staff_id: i
        for i in db.exec(select(CalendarInvite).where(CalendarInvite.session_id == session_id))
    }
    invite, uninvite = [], []
    for staff_id, person in wanted.items():
        was = known.get(staff_id)
        if was is None or not was.invited or was.email != person.email:
            invite.append(person)
        if was is not None and was.invited and was.email != person.email:
            uninvite.append(Invitee(staff_id, was.email, person.name))
    for staff_id, was in known.items():
        if was.invited and staff_id not in wanted:
            uninvite.append(Invitee(staff_id, was.email, ""))
    return tuple(invite), tuple(uninvite)


def _moved(session: Session, row: CalendarSync) -> EventTimes | None:
    """The session's times, when the event was last given others (unknown: never moved)."""
    if row.event_starts_at is None or row.event_ends_at is None:
        return None
    if row.event_starts_at == session.starts_at and row.event_ends_at == session.ends_at:
        return None
    return EventTimes(session.starts_at, session.ends_at)


def _plan(
    db: DbSession,
    session: Session,
    row: CalendarSync,
    now: datetime,
    update_every: timedelta = UPDATE_EVERY,
) -> CalendarPlan:
    assert session.id is not None
    plan = CalendarPlan(session.id, row.transaction_id, session.graph_event_id)
    if session.status == SessionStatus.CANCELLED:
        if session.graph_event_id and row.event_cancelled_at is None:
            reason = f" ({session.cancel_reason})" if session.cancel_reason else ""
            comment = f"This Prevent training session has been cancelled{reason}."
            return CalendarPlan(
                session.id, row.transaction_id, session.graph_event_id, cancel_comment=comment
            )
        return plan
    if session.status != SessionStatus.SCHEDULED or session.ends_at <= now:
        return plan
    create = None
    if wants_teams_meeting(session, now):
        course = db.get(Course, session.course_id)
        title = course.title if course else "Prevent training"
        create = NewEvent(
            subject=f"{title} (session #{session.id})",
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            description=(
                f"{title}. Booked through the council's Prevent training bot in Teams; to "
                f"cancel your seat, type 'cancel {session.id}' to the bot."
            ),
        )
    elif not session.graph_event_id:
        return plan  # a meeting someone else made (a pasted join link): not ours to change
    invite, uninvite = _attendee_changes(db, session.id)
    move = None if create else _moved(session, row)
    waited = row.attendees_sent_at + update_every if row.attendees_sent_at else None
    if (invite or uninvite) and not (create or move) and waited is not None and now < waited:
        event_id = session.graph_event_id
        return CalendarPlan(session.id, row.transaction_id, event_id, held_until=waited)
    return CalendarPlan(
        session.id,
        row.transaction_id,
        session.graph_event_id,
        create,
        None,
        invite,
        uninvite,
        move,
    )


def begin(
    db: DbSession, session_id: int, now: datetime, *, update_every: timedelta = UPDATE_EVERY
) -> CalendarPlan | None:
    """The work to do for a session, leased to the caller; None when another worker holds it.

    A plan with nothing to do is returned unleased (and clears an old failure); one whose
    attendee changes are held sets the session's next try to when the window ends."""
    session = load_session(db, session_id, lock=True)  # serialises workers on this session
    row = _sync_row(db, session_id, now)
    if row.lease_until is not None and row.lease_until > now:
        return None
    plan = _plan(db, session, row, now, update_every)
    if plan.empty:
        if row.state != CalendarState.SYNCED:
            _settle(row, now)
            db.add(row)
        if plan.held_until is not None and row.next_attempt_at != plan.held_until:
            row.next_attempt_at = plan.held_until
            row.updated_at = now
            db.add(row)
        return plan
    row.lease_until = now + LEASE
    row.last_attempt_at = now
    row.updated_at = now
    db.add(row)
    return plan


def event_created(
    db: DbSession,
    session_id: int,
    event_id: str,
    join_url: str | None,
    now: datetime,
    times: EventTimes | None = None,
) -> None:
    """Keep the new event's id, join link and `times` at once: later steps may still fail."""
    session = load_session(db, session_id, lock=True)
    if times is not None:
        row = _sync_row(db, session_id, now)
        row.event_starts_at, row.event_ends_at = times.starts_at, times.ends_at
        db.add(row)
    if session.graph_event_id == event_id:
        return
    session.graph_event_id = event_id
    if join_url and not session.join_url:
        session.join_url = join_url
    db.add(session)
    audit.record(
        db, None, "session.teams_meeting", now, subject=f"session {session_id}", detail=event_id
    )


def _settle(row: CalendarSync, now: datetime) -> None:
    row.state = CalendarState.SYNCED
    row.attempts = 0
    row.last_error = ""
    row.next_attempt_at = None
    row.lease_until = None
    row.updated_at = now


def succeeded(db: DbSession, plan: CalendarPlan, now: datetime) -> None:
    """Graph did everything in the plan: remember who is on the event now."""
    row = _sync_row(db, plan.session_id, now)
    for person, invited in [(p, False) for p in plan.uninvite] + [(p, True) for p in plan.invite]:
        invite = db.exec(
            select(CalendarInvite).where(
                CalendarInvite.session_id == plan.session_id,
                CalendarInvite.staff_id == person.staff_id,
            )
        ).first() or CalendarInvite(
            session_id=plan.session_id, staff_id=person.staff_id, email=person.email, synced_at=now
        )
        invite.email = person.email
        invite.invited = invited
        invite.synced_at = now
        db.add(invite)
        db.flush()
    if plan.cancel_comment is not None:
        row.event_cancelled_at = now
    if plan.invite or plan.uninvite:
        row.attendees_sent_at = now
    given = plan.move or (
        EventTimes(plan.create.starts_at, plan.create.ends_at) if plan.create else None
    )
    if given is not None:
        row.event_starts_at, row.event_ends_at = given.starts_at, given.ends_at
    _settle(row, now)
    db.add(row)


def failed(db: DbSession, session_id: int, problem: str, now: datetime) -> datetime:
    """Graph did not do it: say why and when to try again (returned)."""
    row = _sync_row(db, session_id, now)
    row.attempts += 1
    wait = BACKOFF_MINUTES[min(row.attempts, len(BACKOFF_MINUTES)) - 1]
    row.state = CalendarState.FAILED
    row.last_error = problem[:1000]
    row.next_attempt_at = now + timedelta(minutes=wait)
    row.lease_until = None
    row.updated_at = now
    db.add(row)
    return row.next_attempt_at


def pending_sessions(
    db: DbSession, now: datetime, *, limit: int = 100, update_every: timedelta = UPDATE_EVERY
) -> list[int]:
    """Sessions whose calendar is behind their bookings (or their times) and due a try,
    soonest first; attendee changes inside their coalescing window are not due yet."""
    candidates = db.exec(
        select(Session, CalendarSync)
        .outerjoin(CalendarSync, col(CalendarSync.session_id) == Session.id)
        .where(
            col(Session.online) == True,  # noqa: E712  (SQL, not Python truth)
            (
                (col(Session.status) == SessionStatus.SCHEDULED)
                & (col(Session.ends_at) > now)
                & (col(Session.graph_event_id).is_not(None) | col(Session.join_url).is_(None))
            )
            | (
                (col(Session.status) == SessionStatus.CANCELLED)
                & col(Session.graph_event_id).is_not(None)
                & col(CalendarSync.event_cancelled_at).is_(None)
            ),
        )
        .order_by(col(Session.starts_at), col(Session.id))
    ).all()
    due: list[int] = []
    for session, row in candidates:
        assert session.id is not None
        if row is not None and (
            (row.next_attempt_at is not None and row.next_attempt_at > now)
            or (row.lease_until is not None and row.lease_until > now)
        ):
            continue
        probe = row or CalendarSync(session_id=session.id, transaction_id="", updated_at=now)
        if not _plan(db, session, probe, now, update_every).empty:
            due.append(session.id)
        if len(due) >= limit:
            break
    return due


@dataclass(frozen=True)
class CalendarStatus:
    state: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    invited: list[str]


def calendar_status(db: DbSession, session_id: int) -> CalendarStatus | None:
    """Where a session's calendar stands (None when we never touched it)."""
    row = db.exec(select(CalendarSync).where(CalendarSync.session_id == session_id)).first()
    if row is None:
        return None
    invited = db.exec(
        select(CalendarInvite.email)
        .where(CalendarInvite.session_id == session_id, CalendarInvite.invited == True)  # noqa: E712
        .order_by(col(CalendarInvite.email))
    ).all()
    return CalendarStatus(
        row.state, row.attempts, row.last_error, row.next_attempt_at, list(invited)
    )
