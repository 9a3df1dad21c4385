"""Courses, their sessions, bookings, seat offers and each session's Teams calendar event."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Column,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel, col

from database.columns import utc_column


class Delivery(StrEnum):
    LIVE = "live"
    ELEARNING = "elearning"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    DELIVERED = "delivered"


class BookingStatus(StrEnum):
    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    # A free seat held for this person (first on the waiting list) until they answer or the
    # offer runs out (`SeatOffer`); it counts as taken.
    OFFERED = "offered"


LIVE_BOOKING_STATUSES = (BookingStatus.BOOKED, BookingStatus.WAITLISTED, BookingStatus.OFFERED)


# Holding a seat: booked, or booked and then recorded as attended or as a no-show.
SEATED_BOOKING_STATUSES = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)


class Course(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    delivery: str = Field(default=Delivery.LIVE, sa_column=Column(String(20), nullable=False))
    default_duration_minutes: int = 120
    refresher_months: int = 24
    # The share of the scheduled time a person must attend to complete it; None: the default.
    completion_threshold_percent: int | None = None


class Session(SQLModel, table=True):
    __tablename__ = "training_session"
    __table_args__ = (Index("ix_training_session_starts_at", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", index=True)
    starts_at: datetime = Field(sa_column=utc_column())
    ends_at: datetime = Field(sa_column=utc_column())
    online: bool = True
    join_url: str | None = Field(default=None, max_length=2000)
    location: str | None = Field(default=None, max_length=500)
    capacity: int
    # Facilitators typed by name before they were named by Entra id or email (issue 19) that
    # matched no one staff record: listed for a coordinator to fix, never used to admit anyone
    # or to tell who ran the session. The facilitators themselves are `SessionFacilitator`s.
    facilitators: str = Field(default="", max_length=500)
    audience: str = Field(default="", max_length=500)
    status: str = Field(
        default=SessionStatus.SCHEDULED, sa_column=Column(String(20), nullable=False)
    )
    bookings_open: bool = True
    cancellation_cutoff_hours: int = 24
    cancelled_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    cancel_reason: str | None = Field(default=None, max_length=500)
    created_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(sa_column=utc_column())
    # The calendar event on the organiser's mailbox that carries the Teams meeting, if we made it.
    graph_event_id: str | None = Field(default=None, max_length=500)


class SessionFacilitator(SQLModel, table=True):
    """Someone who runs a session, named by their staff record (found or made from an email,
    as a board's leads are), never by a display name: they may take its register and are
    recorded as running it, not attending."""

    __tablename__ = "session_facilitator"

    session_id: int = Field(foreign_key="training_session.id", primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", primary_key=True, index=True)


class Booking(SQLModel, table=True):
    __table_args__ = (
        # One live booking per person per session, enforced by the database itself.
        Index(
            "uq_booking_live_per_person",
            "session_id",
            "staff_id",
            unique=True,
            sqlite_where=text("status IN ('booked', 'waitlisted', 'offered')"),
            postgresql_where=text("status IN ('booked', 'waitlisted', 'offered')"),
        ),
        Index("ix_booking_session_status", "session_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id")
    staff_id: int = Field(foreign_key="staff.id", index=True)
    status: str = Field(sa_column=Column(String(20), nullable=False))
    requested_at: datetime = Field(sa_column=utc_column())
    seat_given_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    cancelled_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    updated_at: datetime = Field(sa_column=utc_column())
    # A seat someone booked may be given back until then, even inside the cancellation cut-off
    # (a booking made by mistake is undone at once, not left to become a no-show).
    undo_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class OfferState(StrEnum):
    OPEN = "open"  # waiting for an answer; the booking is 'offered'
    ACCEPTED = "accepted"  # the booking took the seat
    DECLINED = "declined"  # the person said no (or left the waiting list): passed on
    EXPIRED = "expired"  # no answer in time: passed on
    WITHDRAWN = "withdrawn"  # the session was called off meanwhile


class SeatOffer(SQLModel, table=True):
    """A seat that came free close to the session, held for the first person waiting until they
    answer or `expires_at` passes (training/sessions/seat_offers.py). One offer per booking: an
    offer that ends without a seat ends the booking too, so a person is never offered the same
    seat twice."""

    __tablename__ = "seat_offer"
    __table_args__ = (Index("ix_seat_offer_state_expires", "state", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="booking.id", unique=True)
    session_id: int = Field(foreign_key="training_session.id", index=True)
    offered_at: datetime = Field(sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column())
    state: str = Field(default=OfferState.OPEN, sa_column=Column(String(20), nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class CalendarState(StrEnum):
    SYNCED = "synced"  # the organiser's calendar says what our bookings say
    FAILED = "failed"  # Graph refused or was unreachable; retried at `next_attempt_at`


class CalendarSync(SQLModel, table=True):
    """How far the Teams calendar event of one session has been brought in line with it.

    Work to do is never stored: it is the difference between the bookings and `CalendarInvite`,
    so a change that commits is picked up even if the process stops before calling Graph.
    """

    __tablename__ = "calendar_sync"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id", unique=True)
    # Sent with the create request: Graph answers a retried POST with the event it made.
    transaction_id: str = Field(max_length=100)
    state: str = Field(default=CalendarState.SYNCED, sa_column=Column(String(20), nullable=False))
    attempts: int = 0
    last_attempt_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    next_attempt_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_error: str = Field(default="", max_length=1000)
    # Held while one worker talks to Graph about this session, so two never interleave.
    lease_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    event_cancelled_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    updated_at: datetime = Field(sa_column=utc_column())
    # When the attendee list was last written: the next write waits CALENDAR_UPDATE_MINUTES.
    attendees_sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # The times the event was last given; a session moved since is moved on the calendar.
    event_starts_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    event_ends_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class CalendarInvite(SQLModel, table=True):
    """One person on (or taken off) a session's Teams calendar event, as Graph last agreed."""

    __tablename__ = "calendar_invite"
    __table_args__ = (UniqueConstraint("session_id", "staff_id", name="uq_calendar_invite"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id", index=True)
    staff_id: int = Field(foreign_key="staff.id")
    # The address we invited: they are removed by it even if their email changes meanwhile.
    email: str = Field(max_length=320)
    invited: bool = True
    synced_at: datetime = Field(sa_column=utc_column())


# Indexes for totals over a million attendance records (bench/totals.py): bookings of a session
# by status with the person (the booking side of every totals join from the index alone).
Index(
    "ix_booking_totals",
    col(Booking.session_id),
    col(Booking.status),
    col(Booking.staff_id),
)
# Per-person counts walk bookings in staff order without a sort (SQLite: all-time totals 3-5x
# faster over a million bookings).
Index(
    "ix_booking_staff_totals",
    col(Booking.staff_id),
    col(Booking.status),
    col(Booking.session_id),
)
