"""Tables of the training domain. Times are aware UTC; shown in UK time by the adapters."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from training.columns import UTCDateTime


def _utc(nullable: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable)


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


LIVE_BOOKING_STATUSES = (BookingStatus.BOOKED, BookingStatus.WAITLISTED)


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    aad_object_id: str | None = Field(default=None, max_length=64, unique=True)
    email: str | None = Field(default=None, max_length=320, index=True)
    display_name: str = Field(max_length=200)
    team: str | None = Field(default=None, max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    roles: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class Course(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    delivery: str = Field(default=Delivery.LIVE, sa_column=Column(String(20), nullable=False))
    default_duration_minutes: int = 120
    refresher_months: int = 24


class Session(SQLModel, table=True):
    __tablename__ = "training_session"
    __table_args__ = (Index("ix_training_session_starts_at", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", index=True)
    starts_at: datetime = Field(sa_column=_utc())
    ends_at: datetime = Field(sa_column=_utc())
    online: bool = True
    join_url: str | None = Field(default=None, max_length=2000)
    location: str | None = Field(default=None, max_length=500)
    capacity: int
    facilitators: str = Field(default="", max_length=500)
    audience: str = Field(default="", max_length=500)
    status: str = Field(
        default=SessionStatus.SCHEDULED, sa_column=Column(String(20), nullable=False)
    )
    bookings_open: bool = True
    cancellation_cutoff_hours: int = 24
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    cancel_reason: str | None = Field(default=None, max_length=500)
    created_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(sa_column=_utc())


class Booking(SQLModel, table=True):
    __table_args__ = (
        # One live booking per person per session, enforced by the database itself.
        Index(
            "uq_booking_live_per_person",
            "session_id",
            "staff_id",
            unique=True,
            sqlite_where=text("status IN ('booked', 'waitlisted')"),
            postgresql_where=text("status IN ('booked', 'waitlisted')"),
        ),
        Index("ix_booking_session_status", "session_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id")
    staff_id: int = Field(foreign_key="staff.id", index=True)
    status: str = Field(sa_column=Column(String(20), nullable=False))
    requested_at: datetime = Field(sa_column=_utc())
    seat_given_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    updated_at: datetime = Field(sa_column=_utc())


class HandledRequest(SQLModel, table=True):
    """A request (e.g. a Teams activity id) already acted on: a redelivery changes nothing."""

    __tablename__ = "handled_request"

    key: str = Field(primary_key=True, max_length=300)
    booking_id: int | None = Field(default=None, foreign_key="booking.id")
    handled_at: datetime = Field(sa_column=_utc())


class ConversationReference(SQLModel, table=True):
    """Where to reach a person later (proactive messages): the Bot Framework reference as JSON."""

    __tablename__ = "conversation_reference"
    __table_args__ = (UniqueConstraint("conversation_id", name="uq_conversation_reference_conv"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    conversation_id: str = Field(max_length=500)
    conversation_type: str = Field(default="personal", max_length=40)
    tenant_id: str | None = Field(default=None, max_length=64)
    service_url: str = Field(max_length=500)
    reference_json: str
    updated_at: datetime = Field(sa_column=_utc())


class CompletionSource(StrEnum):
    ATTENDANCE = "attendance"  # from a Teams attendance report or a coordinator's reconciliation
    ELEARNING = "elearning"  # the Home Office package, confirmed by the person's manager


class Completion(SQLModel, table=True):
    """A person finished a course. Only rows here count as 'trained' in totals and refreshers."""

    __table_args__ = (
        # One completion per person per live session; e-learning rows have no session.
        Index(
            "uq_completion_session_person",
            "session_id",
            "staff_id",
            unique=True,
            sqlite_where=text("session_id IS NOT NULL"),
            postgresql_where=text("session_id IS NOT NULL"),
        ),
        Index("ix_completion_course_completed", "course_id", "completed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    course_id: int = Field(foreign_key="course.id")
    session_id: int | None = Field(default=None, foreign_key="training_session.id")
    source: str = Field(sa_column=Column(String(20), nullable=False))
    completed_at: datetime = Field(sa_column=_utc())
    attended_seconds: int | None = None
    confirmed_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    recorded_at: datetime = Field(sa_column=_utc())


class AuditEntry(SQLModel, table=True):
    """Who did or looked at what, and when: coordinator actions, views of totals, exports."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc())
    actor_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    action: str = Field(max_length=80)
    subject: str = Field(default="", max_length=200)
    detail: str = Field(default="", max_length=2000)


class FeedbackResponse(SQLModel, table=True):
    """One person's feedback on one session; edited in place while the window is open."""

    __tablename__ = "feedback_response"
    __table_args__ = (
        UniqueConstraint("session_id", "staff_id", name="uq_feedback_session_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id")
    staff_id: int = Field(foreign_key="staff.id", index=True)
    overall: int  # 1-5
    usefulness: int  # 1-5: how useful for their role
    confidence_before: int  # 1-5: to recognise and refer a concern, before the session
    confidence_after: int  # 1-5: the same, after it
    most_useful: str = Field(default="", max_length=1000)
    could_be_better: str = Field(default="", max_length=1000)
    consent_to_attribute: bool = False  # may comments be shown with their name
    submitted_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class FeedbackRequest(SQLModel, table=True):
    """The feedback card was sent to this person for this session (so it is sent once)."""

    __tablename__ = "feedback_request"
    __table_args__ = (
        UniqueConstraint("session_id", "staff_id", name="uq_feedback_request_session_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id")
    staff_id: int = Field(foreign_key="staff.id")
    asked_at: datetime = Field(sa_column=_utc())


# Indexes for totals over a million attendance records (bench/totals.py), declared here at the
# end so the tables above stay as they were: bookings of a session by status with the person
# (answers the booking side of every totals join from the index alone), e-learning completions
# by date, people by team (a team's totals start from its staff), and bookings per person.
Index(
    "ix_booking_totals",
    Booking.session_id,
    Booking.status,
    Booking.staff_id,  # type: ignore[arg-type]
)
Index(
    "ix_completion_source_completed",
    Completion.source,
    Completion.completed_at,  # type: ignore[arg-type]
)
Index("ix_staff_team", Staff.team)  # type: ignore[arg-type]
# Per-person counts walk bookings in staff order without a sort (SQLite: all-time totals 3-5x
# faster over a million bookings).
Index(
    "ix_booking_staff_totals",
    Booking.staff_id,
    Booking.status,
    Booking.session_id,  # type: ignore[arg-type]
)
