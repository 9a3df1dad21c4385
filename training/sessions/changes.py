"""A coordinator changes a session that is still to come, and keeps every booking.

A new time moves the cancellation cut-off with it (the cut-off is counted back from the
start); more seats go to the waiting list in order, through the same promotion as a cancelled
seat; fewer seats than people already hold them is refused with the numbers. Who is told:

- a change they can see (when, where, the join link, who it is for): everyone booked or waiting;
- a change of capacity alone: the people it gave seats to and those still waiting.
"""

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
from training.errors import InvalidSessionDetails, TrainingError
from training.models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Course,
    HandledRequest,
    Session,
    SessionStatus,
    Staff,
)
from training.people.facilitators import read_emails, set_facilitators
from training.sessions import booking
from training.sessions.offer_rule import OfferPolicy
from training.sessions.queries import load_session, person, session_summary
from training.sessions.schedule import NewSession, validate_details
from training.views import Person, SeatPassed, SessionSummary


class SessionChangedMeanwhile(TrainingError):
    """The form was drawn from details that have changed since (another coordinator, or an
    earlier save of the same form)."""

    def __init__(self, session_id: int) -> None:
        super().__init__(
            f"Session {session_id} was changed after this form was made, so I saved nothing. "
            "Here it is again with the details as they are now."
        )


@dataclass(frozen=True)
class SessionEdit:
    """The session form as a coordinator saved it. `starts_at` is aware; `online` and
    `join_url` None mean the form did not offer them (the bot made the meeting: the session
    stays online and keeps its link)."""

    starts_at: datetime
    duration_minutes: int
    capacity: int
    online: bool | None
    join_url: str | None
    location: str | None
    audience: str
    # `edit_mark()` of the session as the form showed it.
    seen: str
    # The facilitators' emails as typed on the form; None: not on the form (left as they are).
    facilitators: str | None = None


@dataclass(frozen=True)
class PersonTold:
    person: Person
    # "booked", "given_seat" or "offered_seat" (by this change), or "waitlisted"
    status: str
    waitlist_position: int | None = None


@dataclass(frozen=True)
class SessionChange:
    before: SessionSummary
    after: SessionSummary
    people_to_tell: list[PersonTold]
    repeated: bool = False
    # Whom the new seats went to (booked, or offered with a deadline), as every freed seat.
    passed: tuple[SeatPassed, ...] = ()

    @property
    def given_seats(self) -> list[Person]:
        return [p.person for p in self.people_to_tell if p.status == "given_seat"]

    @property
    def offered_seats(self) -> list[Person]:
        return [p.person for p in self.people_to_tell if p.status == "offered_seat"]


SEEN_FIELDS = ("starts_at", "ends_at", "capacity", "online", "join_url", "location", "audience")
VISIBLE_FIELDS = ("starts_at", "ends_at", "online", "join_url", "location", "audience")


def edit_mark(session: SessionSummary) -> str:
    """A short fingerprint of what the edit form shows; a form whose mark no longer matches
    was drawn before someone else's change."""
    words = "|".join(str(getattr(session, name)) for name in (*SEEN_FIELDS, "status"))
    return hashlib.sha256(words.encode()).hexdigest()[:16]


def _check_changeable(session: Session, now: datetime) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise InvalidSessionDetails(
            f"Session {session.id} is cancelled, so it can't be changed. "
            "Type 'new session' to put on another."
        )
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
        raise InvalidSessionDetails(
            f"Session {session.id} has already started or taken place, so it can't be changed."
        )


def _check_meeting(session: Session, edit: SessionEdit) -> None:
    if not session.graph_event_id:
        return
    if not edit.online:
        raise InvalidSessionDetails(
            "This session's Teams meeting was made by the bot and people are invited to it, so "
            "it stays online. To run it in person, cancel it and put on a new session."
        )
    if edit.join_url is not None and edit.join_url != session.join_url:
        raise InvalidSessionDetails(
            "The join link is the Teams meeting the bot made: it moves with the session, so it "
            "can't be replaced."
        )


def _check_capacity(db: DbSession, session: Session, capacity: int) -> None:
    assert session.id is not None
    taken = booking.seats_taken(db, session.id)
    if capacity < taken:
        raise InvalidSessionDetails(
            f"{taken} people already have seats on session {session.id}, so the capacity can't "
            f"go below {taken} (you asked for {capacity}). Keep it at {taken} or more; people "
            "can cancel their own seats, or cancel the session."
        )


def _apply(session: Session, edit: SessionEdit) -> None:
    session.starts_at = edit.starts_at.astimezone(UTC)
    # In UTC: adding to a UK wall-clock time would stretch or shrink it across a clock change.
    session.ends_at = edit.starts_at.astimezone(UTC) + timedelta(minutes=edit.duration_minutes)
    session.capacity = edit.capacity
    session.online = bool(edit.online)
    if not session.graph_event_id:
        session.join_url = (edit.join_url or None) if edit.online else None
    session.location = (edit.location or "").strip() or None
    session.audience = edit.audience.strip()[:500]


def _promote_all(
    db: DbSession, session: Session, now: datetime, offers: OfferPolicy
) -> tuple[SeatPassed, ...]:
    """Seats the new capacity made go to the waiting list in order (the same promotion a
    cancelled seat uses: given, or offered close to the session)."""
    return tuple(booking.promote_from_waiting_list(db, session, now, offers=offers))


def _people(db: DbSession, session_id: int, given: set[int], *, everyone: bool) -> list[PersonTold]:
    rows = db.exec(
        select(Booking, Staff)
        .join(Staff, col(Staff.id) == col(Booking.staff_id))
        .where(
            Booking.session_id == session_id,
            col(Booking.status).in_(LIVE_BOOKING_STATUSES),
        )
        .order_by(col(Booking.requested_at), col(Booking.id))
    ).all()
    told: list[PersonTold] = []
    position = 0
    for row, staff in rows:
        if row.status == BookingStatus.WAITLISTED:
            position += 1
            told.append(PersonTold(person(staff), "waitlisted", position))
        elif row.id in given:
            offered = row.status == BookingStatus.OFFERED
            told.append(PersonTold(person(staff), "offered_seat" if offered else "given_seat"))
        elif everyone:
            told.append(PersonTold(person(staff), "booked"))
    return told


def _what_changed(before: SessionSummary, after: SessionSummary) -> str:
    return "; ".join(
        f"{name} {getattr(before, name)} -> {getattr(after, name)}"
        for name in SEEN_FIELDS
        if getattr(before, name) != getattr(after, name)
    )


def editable(db: DbSession, session_id: int, now: datetime) -> tuple[SessionSummary, bool]:
    """A session a coordinator may still change, and whether the bot made its Teams meeting
    (then it stays online and keeps its link); refused for cancelled and past sessions."""
    session = load_session(db, session_id)
    _check_changeable(session, now)
    return session_summary(db, session_id), bool(session.graph_event_id)


def edit_session(
    db: DbSession,
    session_id: int,
    edit: SessionEdit,
    now: datetime,
    *,
    actor_staff_id: int | None = None,
    request_key: str | None = None,
    teams_meeting_by_graph: bool = False,
    offers: OfferPolicy,
) -> SessionChange:
    """Change a session still to come; every booking is kept. Refused (and nothing changed)
    for a cancelled or past session, a form drawn before another change
    (`SessionChangedMeanwhile`), details that don't add up, or fewer seats than are taken."""
    session = load_session(db, session_id, lock=True)
    if request_key is not None and db.get(HandledRequest, request_key) is not None:
        now_is = session_summary(db, session_id)
        return SessionChange(now_is, now_is, [], repeated=True)
    _check_changeable(session, now)
    before = session_summary(db, session_id)
    if edit.online is None:
        edit = replace(edit, online=session.online)
    if edit.seen != edit_mark(before):
        raise SessionChangedMeanwhile(session_id)
    course = db.get(Course, session.course_id)
    details = NewSession(
        course_code=course.code if course else "",
        starts_at=edit.starts_at,
        duration_minutes=edit.duration_minutes,
        capacity=edit.capacity,
        online=bool(edit.online),
        join_url=session.join_url if session.graph_event_id else edit.join_url,
        location=edit.location,
        audience=edit.audience,
        facilitators=edit.facilitators or "",
    )
    validate_details(details, now, teams_meeting_by_graph or bool(session.graph_event_id))
    _check_meeting(session, edit)
    _check_capacity(db, session, edit.capacity)
    _apply(session, edit)
    db.add(session)
    db.flush()
    if edit.facilitators is not None:
        emails = read_emails(edit.facilitators)
        if set(emails) != set(before.facilitator_emails):
            set_facilitators(db, session_id, emails, now, actor_staff_id=actor_staff_id)
    passed = _promote_all(db, session, now, offers) if edit.capacity > before.capacity else ()
    given = {p.booking.id for p in passed}
    if request_key is not None:
        db.add(HandledRequest(key=request_key, handled_at=now))
    after = session_summary(db, session_id)
    visible = any(getattr(before, f) != getattr(after, f) for f in VISIBLE_FIELDS)
    audit.record(
        db,
        actor_staff_id,
        "session.edit",
        now,
        subject=f"session {session_id}",
        detail=(_what_changed(before, after) or "nothing changed")
        + (f"; {len(given)} given seats from the waiting list" if given else ""),
    )
    changed = visible or before.capacity != after.capacity
    people = _people(db, session_id, given, everyone=visible) if changed else []
    return SessionChange(before, after, people, passed=passed)
