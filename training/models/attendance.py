"""Attendance and completions: Teams reports as Graph sent them, each person's result on a
session, and the completions that count."""

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
    completed_at: datetime = Field(sa_column=utc_column())
    attended_seconds: int | None = None
    confirmed_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    recorded_at: datetime = Field(sa_column=utc_column())


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
    last_attempt_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    next_attempt_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_error: str = Field(default="", max_length=1000)
    updated_at: datetime = Field(sa_column=utc_column())


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
    meeting_start: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    meeting_end: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    raw_json: str
    next_page_url: str | None = Field(default=None, max_length=4000)
    complete: bool = False
    records_read: int = 0
    first_read_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class AttendanceRecordCopy(SQLModel, table=True):
    """One attendance record exactly as Graph sent it: the evidence behind a completion."""

    __tablename__ = "attendance_record_copy"
    __table_args__ = (UniqueConstraint("report_copy_id", "record_key", name="uq_record_copy"),)

    id: int | None = Field(default=None, primary_key=True)
    report_copy_id: int = Field(foreign_key="attendance_report_copy.id")
    record_key: str = Field(max_length=300)
    raw_json: str
    read_at: datetime = Field(sa_column=utc_column())


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
    resolved_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # The register's decision (`Decision`), by whom, when and why; None: the result is what
    # the Teams reports say. A sync never changes a decision made by hand.
    decision: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    decided_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    reason: str = Field(
        default="", sa_column=Column(String(500), nullable=False, server_default="")
    )
    updated_at: datetime = Field(sa_column=utc_column())


# Indexes for totals over a million attendance records (bench/totals.py): e-learning
# completions by date.
Index(
    "ix_completion_source_completed",
    col(Completion.source),
    col(Completion.completed_at),
)
# Live completions of the sessions in a period, from the index alone (PostgreSQL otherwise
# hashes all million completions for a month's figures).
Index(
    "ix_completion_session_totals",
    col(Completion.session_id),
    col(Completion.source),
    col(Completion.staff_id),
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
