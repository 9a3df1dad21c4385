"""Coordinator services: put sessions on, see who is booked, call sessions off."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
from training.errors import InvalidSessionDetails, SessionAlreadyCreated, UnknownCourse
from training.models import (
    LIVE_BOOKING_STATUSES,
    SEATED_BOOKING_STATUSES,
    AttendanceRole,
    Booking,
    BookingStatus,
    Course,
    HandledRequest,
    OfferState,
    SeatOffer,
    Session,
    SessionAttendance,
    SessionStatus,
    Staff,
)
from training.people.facilitators import read_emails, set_facilitators
from training.sessions.booking import end_booking
from training.sessions.queries import load_session, person, session_summary
from training.views import (
    Person,
    Roster,
    RosterLine,
    SessionCancellation,
    SessionSummary,
)

MAX_CAPACITY = 500
MAX_DURATION_MINUTES = 8 * 60
NEEDS_JOIN_LINK = (
    "An online session needs its Teams join link: Microsoft Graph isn't set up for this bot, so "
    "I can't create the meeting myself. Paste the join link from the meeting's invitation."
)


@dataclass(frozen=True)
class NewSession:
    """What a coordinator fills in to put a session on. `starts_at` is aware."""

    course_code: str
    starts_at: datetime
    duration_minutes: int
    capacity: int
    online: bool
    join_url: str | None = None
    location: str | None = None
    facilitators: str = ""  # emails, separated by commas (never names: a name is anyone's)
    audience: str = ""
    cancellation_cutoff_hours: int = 24


def validate_details(
    details: NewSession, now: datetime, teams_meeting_by_graph: bool = False
) -> None:
    """Refuse details that don't add up, saying what to fix (new and changed sessions)."""
    if details.starts_at.tzinfo is None:
        raise InvalidSessionDetails("The start time must include a time zone.")
    if details.starts_at <= now:
        raise InvalidSessionDetails("The start time must be in the future.")
    if not 1 <= details.capacity <= MAX_CAPACITY:
        raise InvalidSessionDetails(f"Capacity must be between 1 and {MAX_CAPACITY}.")
    if not 15 <= details.duration_minutes <= MAX_DURATION_MINUTES:
        raise InvalidSessionDetails("Duration must be between 15 minutes and 8 hours.")
    if not details.online and not (details.location or "").strip():
        raise InvalidSessionDetails("An in-person session needs a location.")
    if details.join_url and not details.join_url.startswith("https://"):
        raise InvalidSessionDetails("A Teams join link must start with https://.")
    if details.online and not details.join_url and not teams_meeting_by_graph:
        raise InvalidSessionDetails(NEEDS_JOIN_LINK)
    read_emails(details.facilitators)
    if not 0 <= details.cancellation_cutoff_hours <= 24 * 14:
        raise InvalidSessionDetails("The cancellation cut-off must be between 0 and 336 hours.")


def create_session(
    db: DbSession,
    details: NewSession,
    now: datetime,
    *,
    created_by_staff_id: int | None = None,
    request_key: str | None = None,
    teams_meeting_by_graph: bool = False,
    form_token: str | None = None,
) -> SessionSummary:
    """Put a session on. An online session without a join link is allowed only when
    `teams_meeting_by_graph` (the adapter will create its Teams meeting after this commits).

    `form_token` is the form's one-time token: the same form sent again, even at the same
    moment from another replica, raises `SessionAlreadyCreated` instead of making a second."""
    form = _claim_form(db, form_token, now) if form_token else None
    validate_details(details, now, teams_meeting_by_graph)
    course = db.exec(select(Course).where(Course.code == details.course_code)).first()
    if course is None or course.id is None:
        raise UnknownCourse(details.course_code)
    session = Session(
        course_id=course.id,
        starts_at=details.starts_at,
        # In UTC: adding to a UK wall-clock time would stretch or shrink it across a clock change.
        ends_at=details.starts_at.astimezone(UTC) + timedelta(minutes=details.duration_minutes),
        online=details.online,
        join_url=details.join_url or None,
        location=(details.location or "").strip() or None,
        capacity=details.capacity,
        audience=details.audience,
        cancellation_cutoff_hours=details.cancellation_cutoff_hours,
        created_by_staff_id=created_by_staff_id,
        created_at=now,
    )
    if request_key is not None:
        # A redelivered "create" must not put the same session on twice.
        if db.get(HandledRequest, request_key) is not None:
            raise InvalidSessionDetails("That session was already created.")
        db.add(HandledRequest(key=request_key, handled_at=now))
    db.add(session)
    db.flush()
    assert session.id is not None
    if details.facilitators:
        set_facilitators(
            db,
            session.id,
            read_emails(details.facilitators),
            now,
            actor_staff_id=created_by_staff_id,
        )
    if form is not None:
        form.session_id = session.id
        db.add(form)
    what = f"{course.code} {details.starts_at.isoformat()} capacity {details.capacity}"
    audit.record(
        db, created_by_staff_id, "session.create", now, subject=f"session {session.id}", detail=what
    )
    return session_summary(db, session.id)


def _lines(db: DbSession, session_id: int, statuses: tuple[str, ...]) -> list[RosterLine]:
    rows = db.exec(
        select(Booking, Staff, SeatOffer)
        .join(Staff)
        .outerjoin(
            SeatOffer,
            (col(SeatOffer.booking_id) == col(Booking.id))
            & (col(SeatOffer.state) == OfferState.OPEN),
        )
        .where(Booking.session_id == session_id, col(Booking.status).in_(statuses))
        .order_by(col(Booking.requested_at), col(Booking.id))
    ).all()
    return [
        RosterLine(
            booking_id=b.id,
            person=person(s),
            status=b.status,
            requested_at=b.requested_at,
            offer_expires_at=offer.expires_at if offer else None,
        )
        for b, s, offer in rows
        if b.id is not None
    ]


def roster(
    db: DbSession,
    session_id: int,
    *,
    viewer_staff_id: int | None = None,
    now: datetime | None = None,
) -> Roster:
    """Who is booked, who is waiting (in order) and who cancelled; audited when `now` is given."""
    summary = session_summary(db, session_id)
    if now is not None:
        audit.record(
            db, viewer_staff_id, "session.roster.view", now, subject=f"session {session_id}"
        )
    return Roster(
        session=summary,
        booked=_lines(db, session_id, SEATED_BOOKING_STATUSES),
        waitlisted=_lines(db, session_id, (BookingStatus.WAITLISTED,)),
        offered=tuple(_lines(db, session_id, (BookingStatus.OFFERED,))),
        cancelled=_lines(db, session_id, (BookingStatus.CANCELLED,)),
        walk_ins=_attended(db, session_id, AttendanceRole.ATTENDEE, walk_in=True),
        guests=_attended(db, session_id, AttendanceRole.GUEST),
        started=now is not None and now >= summary.starts_at,
    )


def _attended(
    db: DbSession, session_id: int, role: AttendanceRole, *, walk_in: bool | None = None
) -> tuple[Person, ...]:
    query = (
        select(Staff)
        .join(SessionAttendance, col(SessionAttendance.staff_id) == col(Staff.id))
        .where(SessionAttendance.session_id == session_id, SessionAttendance.role == role)
        .order_by(col(Staff.display_name), col(Staff.id))
    )
    if walk_in is not None:
        query = query.where(SessionAttendance.walk_in == walk_in)
    return tuple(person(staff) for staff in db.exec(query).all())


def _claim_form(db: DbSession, token: str, now: datetime) -> HandledRequest:
    """The form's row, newly claimed by this transaction. Inserting first, and doing nothing on
    a conflict, makes a second submission wait for the first to commit and then see it."""
    key = f"session-form:{token}"
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    claimed = db.execute(
        insert(HandledRequest)
        .values(key=key, handled_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(col(HandledRequest.key))
    ).all()
    if not claimed:
        earlier = db.get(HandledRequest, key)
        if earlier is not None and earlier.session_id is not None:
            raise SessionAlreadyCreated(earlier.session_id)
        raise InvalidSessionDetails("That form is being saved already: wait a moment.")
    found = db.get(HandledRequest, key)
    assert found is not None
    return found


def cancel_session(
    db: DbSession,
    session_id: int,
    reason: str,
    now: datetime,
    *,
    actor_staff_id: int | None = None,
) -> SessionCancellation:
    """Call a session off; every live booking is cancelled and returned as someone to tell."""
    session = load_session(db, session_id, lock=True)
    if session.status == SessionStatus.CANCELLED:
        # Asked again (a redelivery, or a second press after a failure): the same people, so
        # notices that never got queued the first time still go out.
        told = db.exec(
            select(Staff)
            .join(Booking, col(Booking.staff_id) == col(Staff.id))
            .where(
                Booking.session_id == session_id,
                Booking.status == BookingStatus.CANCELLED,
                Booking.cancelled_at == session.cancelled_at,
            )
            .order_by(col(Booking.requested_at), col(Booking.id))
        ).all()
        return SessionCancellation(
            session_summary(db, session_id), [person(s) for s in told], repeated=True
        )
    if session.status == SessionStatus.DELIVERED or session.ends_at <= now:
        raise InvalidSessionDetails("That session has already taken place.")
    if session.starts_at <= now:
        raise InvalidSessionDetails("That session has already started, so it can't be called off.")
    live = db.exec(
        select(Booking, Staff)
        .join(Staff)
        .where(Booking.session_id == session_id, col(Booking.status).in_(LIVE_BOOKING_STATUSES))
        .order_by(col(Booking.requested_at), col(Booking.id))
    ).all()
    for booking, _ in live:
        end_booking(db, booking, now, OfferState.WITHDRAWN)
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = now
    session.cancel_reason = reason.strip()[:500] or None
    session.bookings_open = False
    db.add(session)
    audit.record(
        db,
        actor_staff_id,
        "session.cancel",
        now,
        subject=f"session {session_id}",
        detail=f"{len(live)} bookings cancelled; reason: {session.cancel_reason or '-'}",
    )
    db.flush()
    return SessionCancellation(session_summary(db, session_id), [person(s) for _, s in live])
