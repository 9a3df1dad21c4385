"""Tables of the training domain. Times are aware UTC; shown in UK time by the adapters."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel, col

from database.columns import UTCDateTime


def _utc(nullable: bool = False) -> Column[datetime]:
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
    # A free seat held for this person (first on the waiting list) until they answer or the
    # offer runs out (`SeatOffer`); it counts as taken.
    OFFERED = "offered"


LIVE_BOOKING_STATUSES = (BookingStatus.BOOKED, BookingStatus.WAITLISTED, BookingStatus.OFFERED)
# Holding a seat: booked, or booked and then recorded as attended or as a no-show.
SEATED_BOOKING_STATUSES = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)


class Staff(SQLModel, table=True):
    """One row per person (training.people.staff keeps it so): the Entra object id and the email are
    each unique, and kept in lower case so that one address is one person whatever its case."""

    __table_args__ = (
        UniqueConstraint("email", name="uq_staff_email"),
        CheckConstraint("email = lower(trim(email))", name="ck_staff_email_normalised"),
        CheckConstraint(
            "aad_object_id = lower(trim(aad_object_id))", name="ck_staff_aad_normalised"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    aad_object_id: str | None = Field(default=None, max_length=64, unique=True)
    email: str | None = Field(default=None, max_length=320)
    display_name: str = Field(max_length=200)
    # The reporting team the person is counted in (totals): derived from `department` through
    # the department-to-team map, unless a coordinator set it (`team_source`).
    team: str | None = Field(default=None, max_length=200)
    # Their department in Entra ID as last read (raw), and when it was read: None, never.
    department: str | None = Field(default=None, max_length=200)
    department_read_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # Who set `team`: 'directory' (Entra, through the map), 'coordinator' (in chat or by CSV:
    # wins over the directory), or None (recorded before either, e.g. demo data).
    team_source: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    organisation: str | None = Field(default=None, max_length=200)
    roles: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())
    # When the person last wrote to the bot (kept to within a day, so not every turn writes);
    # None: not since the record was made (`created_at` stands in). The retention rule judges
    # who is still about by it.
    last_seen_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class TeamMapping(SQLModel, table=True):
    """An Entra department and the reporting team its people are counted in (several
    departments may report as one team)."""

    __tablename__ = "team_mapping"

    id: int | None = Field(default=None, primary_key=True)
    # The department as compared: case-folded, spaces collapsed (training/people/team_rule.py).
    department_key: str = Field(max_length=200, unique=True)
    department: str = Field(max_length=200)
    team: str = Field(max_length=200)
    updated_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    updated_at: datetime = Field(sa_column=_utc())


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
    # The calendar event on the organiser's mailbox that carries the Teams meeting, if we made it.
    graph_event_id: str | None = Field(default=None, max_length=500)


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
    requested_at: datetime = Field(sa_column=_utc())
    seat_given_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    updated_at: datetime = Field(sa_column=_utc())
    # A seat someone booked may be given back until then, even inside the cancellation cut-off
    # (a booking made by mistake is undone at once, not left to become a no-show).
    undo_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


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
    offered_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    state: str = Field(default=OfferState.OPEN, sa_column=Column(String(20), nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class HandledRequest(SQLModel, table=True):
    """A request (e.g. a Teams activity id) already acted on: a redelivery changes nothing."""

    __tablename__ = "handled_request"

    key: str = Field(primary_key=True, max_length=300)
    booking_id: int | None = Field(default=None, foreign_key="booking.id")
    # The session a new-session form created (its key is the form's one-time token).
    session_id: int | None = Field(default=None, foreign_key="training_session.id")
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


class SyncState(StrEnum):
    WAITING = "waiting"  # no report yet: Teams may still be producing it; we look again later
    PROVISIONAL = "provisional"  # reports read; later tries may still add to them
    FINAL = "final"  # every scheduled try has been made; the figures stand
    NO_REPORT = "no_report"  # every try made and Teams never produced a report: ask a person
    BLOCKED = "blocked"  # Graph refused (e.g. no application access policy); retried later


class AttendanceSync(SQLModel, table=True):
    """Where reading one session's Teams attendance has got to, and when to look again."""

    __tablename__ = "attendance_sync"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id", unique=True)
    online_meeting_id: str | None = Field(default=None, max_length=500)
    # The mailbox (object id or UPN) whose meeting it is: its owner is a facilitator.
    organiser: str = Field(default="", max_length=320)
    state: str = Field(default=SyncState.WAITING, sa_column=Column(String(20), nullable=False))
    attempts: int = 0
    last_attempt_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    next_attempt_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_error: str = Field(default="", max_length=1000)
    updated_at: datetime = Field(sa_column=_utc())


class AttendanceReportCopy(SQLModel, table=True):
    """Our copy of one Teams attendance report as read (Graph keeps them about a year).

    `next_page_url` is the page of records still to read: a sync that stops between pages
    resumes there. `complete` is set once the last page has been stored.
    """

    __tablename__ = "attendance_report_copy"
    __table_args__ = (UniqueConstraint("session_id", "report_id", name="uq_report_copy"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id", index=True)
    report_id: str = Field(max_length=300)
    meeting_start: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    meeting_end: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    raw_json: str
    next_page_url: str | None = Field(default=None, max_length=4000)
    complete: bool = False
    records_read: int = 0
    first_read_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class AttendanceRecordCopy(SQLModel, table=True):
    """One attendance record exactly as Graph sent it: the evidence behind a completion."""

    __tablename__ = "attendance_record_copy"
    __table_args__ = (UniqueConstraint("report_copy_id", "record_key", name="uq_record_copy"),)

    id: int | None = Field(default=None, primary_key=True)
    report_copy_id: int = Field(foreign_key="attendance_report_copy.id")
    record_key: str = Field(max_length=300)
    raw_json: str
    read_at: datetime = Field(sa_column=_utc())


class Resolution(StrEnum):
    MATCHED = "matched"  # found by Entra object id or email
    ASSIGNED = "assigned"  # a coordinator said who it was
    GUEST = "guest"  # a coordinator marked them as an external guest


class AttendanceRole(StrEnum):
    ATTENDEE = "attendee"  # came to be trained: counted (with a staff record), or unmatched
    GUEST = "guest"  # an external guest: counted apart, never in the staff figures
    FACILITATOR = "facilitator"  # the organiser or a facilitator: never an attendee
    # Recorded absent on the register, whatever a Teams report says: never attended.
    ABSENT = "absent"


class Decision(StrEnum):
    """What the register says of one person at one session (a hand decision outranks Teams)."""

    PRESENT = "present"  # came: completed
    LEFT_EARLY = "left_early"  # came, but left before the end: not completed
    ABSENT = "absent"  # did not come


class SessionAttendance(SQLModel, table=True):
    """One person at one session, summed over every report; `staff_id` None means unmatched.

    The one source of a session's results: bookings (attended, no-show), walk-ins and the
    session's completions are derived from these rows (`training.attendance.results`).
    """

    __tablename__ = "session_attendance"
    __table_args__ = (UniqueConstraint("session_id", "person_key", name="uq_session_person"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id", index=True)
    person_key: str = Field(max_length=400)
    # Every identity (Entra id, email, or one name-only record) merged into this person, one a
    # line: a coordinator's assignment of any of them holds when the reports are read again.
    identity_keys: str = ""
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    role: str = Field(
        default=AttendanceRole.ATTENDEE,
        sa_column=Column(String(20), nullable=False, server_default="attendee"),
    )
    # Entra display names are up to 256 characters.
    display_name: str = Field(default="", max_length=256)
    email: str | None = Field(default=None, max_length=320)
    attended_seconds: int = 0
    required_seconds: int = 0
    completed: bool = False
    walk_in: bool = False
    # A join or leave time was missing, so some of the time could not be counted.
    data_gaps: bool = False
    resolution: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    resolved_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    resolved_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # The register's decision (`Decision`), by whom, when and why; None: the result is what
    # the Teams reports say. A sync never changes a decision made by hand.
    decision: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    decided_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    decided_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    reason: str = Field(
        default="", sa_column=Column(String(500), nullable=False, server_default="")
    )
    updated_at: datetime = Field(sa_column=_utc())


class ClaimStatus(StrEnum):
    AWAITING_CERTIFICATE = "awaiting_certificate"
    AWAITING_MANAGER = "awaiting_manager"  # Graph knows no manager: the person must name one
    # The person named their own manager and NAMED_MANAGER_NEEDS_APPROVAL is on: a coordinator
    # approves the manager before the claim goes to them.
    AWAITING_APPROVAL = "awaiting_approval"
    PENDING = "pending"  # with the manager
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


OPEN_CLAIM_STATUSES = (
    ClaimStatus.AWAITING_CERTIFICATE,
    ClaimStatus.AWAITING_MANAGER,
    ClaimStatus.AWAITING_APPROVAL,
    ClaimStatus.PENDING,
)
# The same, as SQL (partial indexes, staff_merge).
OPEN_CLAIM_SQL = (
    "status IN ('awaiting_certificate', 'awaiting_manager', 'awaiting_approval', 'pending')"
)


class StoredCertificate(SQLModel, table=True):
    """An e-learning certificate's bytes, in the database so that every replica can serve it.
    Named by its content (`<sha256>.<type>`, as `ElearningClaim.certificate_file` names it), so
    a file sent twice is kept once; removed by retention when no claim names it any more."""

    __tablename__ = "stored_certificate"

    name: str = Field(primary_key=True, max_length=200)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int
    stored_at: datetime = Field(sa_column=_utc())


class ElearningClaim(SQLModel, table=True):
    """Someone says they finished the e-learning; it counts only once their manager confirms."""

    __tablename__ = "elearning_claim"
    __table_args__ = (
        Index(
            "uq_elearning_claim_open",
            "staff_id",
            "course_id",
            unique=True,
            sqlite_where=text(OPEN_CLAIM_SQL),
            postgresql_where=text(OPEN_CLAIM_SQL),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    course_id: int = Field(foreign_key="course.id")
    status: str = Field(sa_column=Column(String(30), nullable=False))
    certificate_name: str = Field(default="", max_length=200)
    certificate_type: str = Field(default="", max_length=10)
    certificate_size: int = 0
    certificate_sha256: str = Field(default="", max_length=64)
    certificate_file: str = Field(default="", max_length=200)
    manager_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    # When the person named the manager themselves (the directory had none); None: the
    # directory's manager. And who approved a named manager, when that is needed.
    manager_named_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    manager_approved_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    manager_approved_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    claimed_at: datetime = Field(sa_column=_utc())
    decided_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    decided_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    decision_note: str = Field(default="", max_length=500)
    chased_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    chase_count: int = 0
    updated_at: datetime = Field(sa_column=_utc())


class BoardFrequency(StrEnum):
    QUARTERLY = "quarterly"
    BIANNUAL = "biannual"
    ANNUAL = "annual"
    TBC = "tbc"  # the next date is still to be confirmed: chased weekly, never dropped


class BoardKind(StrEnum):
    BOARD = "board"  # a Prevent update its lead(s) must present to a board
    MEETING = "meeting"  # a meeting whose members are reminded (the Prevent Delivery Group)
    BRIEFING = "briefing"  # a briefing the coordinator gives (the Chief Executive, quarterly)


class Board(SQLModel, table=True):
    """A date on the governance calendar: a board update, the Delivery Group, the CEO briefing."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    focus: str = Field(default="", max_length=500)
    kind: str = Field(default=BoardKind.BOARD, sa_column=Column(String(20), nullable=False))
    frequency: str = Field(sa_column=Column(String(20), nullable=False))
    last_update_on: date | None = None
    next_due_on: date | None = None  # None: to be confirmed
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class BoardLead(SQLModel, table=True):
    """Who presents to a board (or, for a meeting, who attends it)."""

    __tablename__ = "board_lead"

    board_id: int = Field(foreign_key="board.id", primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", primary_key=True)


class BoardUpdate(SQLModel, table=True):
    """An update delivered to a board, as the coordinator recorded it."""

    __tablename__ = "board_update"

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    delivered_on: date
    was_due_on: date | None = None
    recorded_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    recorded_at: datetime = Field(sa_column=_utc())


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after retries, or nobody to send it to: listed for the coordinator
    BLOCKED = "blocked"  # Teams answered 403/404: the person removed or blocked the app
    CANCELLED = "cancelled"  # what it reminded of changed (an update delivered early)


class OutboxMessage(SQLModel, table=True):
    """One message to one person, written before it is sent and marked after.

    `key` names the occurrence (e.g. 'board:3:due-7d:2027-03-01:to:12'), so writing the same
    reminder twice is a no-op, and a row is sent by whoever holds its lease.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next_attempt", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=40)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    summary: str = Field(max_length=500)
    card_json: str
    state: str = Field(default=OutboxState.PENDING, sa_column=Column(String(20), nullable=False))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=_utc())
    lease_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    leased_by: str | None = Field(default=None, max_length=100)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(sa_column=_utc())
    sent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class DeliveryBlock(SQLModel, table=True):
    """Teams refused messages to this person (403/404): not retried until they write to us again."""

    __tablename__ = "delivery_block"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    status_code: int
    reason: str = Field(default="", max_length=500)
    blocked_at: datetime = Field(sa_column=_utc())


class TenantPace(SQLModel, table=True):
    """When the next send to a tenant may go, shared by every replica (Teams counts requests per
    app per tenant, not per process); kept in the database's own clock."""

    __tablename__ = "tenant_pace"

    tenant_id: str = Field(primary_key=True, max_length=100)
    next_at: datetime = Field(sa_column=_utc())


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


class ExportDownload(SQLModel, table=True):
    """A file made for one person to fetch through a signed link from the bot (where their
    client cannot take Teams' file consent), kept until the link expires. In the database, so
    whichever replica the link reaches can serve it."""

    __tablename__ = "export_download"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    name: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    subject: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


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
    col(Booking.session_id),
    col(Booking.status),
    col(Booking.staff_id),
)
Index(
    "ix_completion_source_completed",
    col(Completion.source),
    col(Completion.completed_at),
)
Index("ix_staff_team", col(Staff.team))
# Live completions of the sessions in a period, from the index alone (PostgreSQL otherwise
# hashes all million completions for a month's figures).
Index(
    "ix_completion_session_totals",
    col(Completion.session_id),
    col(Completion.source),
    col(Completion.staff_id),
)
# Per-person counts walk bookings in staff order without a sort (SQLite: all-time totals 3-5x
# faster over a million bookings).
Index(
    "ix_booking_staff_totals",
    col(Booking.staff_id),
    col(Booking.status),
    col(Booking.session_id),
)
# Who attended the sessions of a period, and who completed, from the index alone: totals count
# attendance from these rows (the one definition of attended).
Index(
    "ix_session_attendance_totals",
    col(SessionAttendance.session_id),
    col(SessionAttendance.role),
    col(SessionAttendance.staff_id),
    col(SessionAttendance.completed),
)


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
    last_attempt_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    next_attempt_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_error: str = Field(default="", max_length=1000)
    # Held while one worker talks to Graph about this session, so two never interleave.
    lease_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    event_cancelled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    updated_at: datetime = Field(sa_column=_utc())
    # When the attendee list was last written: the next write waits CALENDAR_UPDATE_MINUTES.
    attendees_sent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # The times the event was last given; a session moved since is moved on the calendar.
    event_starts_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    event_ends_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


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
    synced_at: datetime = Field(sa_column=_utc())
