"""What passes between the bot and people: where to reach each person, the outbox, the
tenant's pace, files kept for download, and requests already acted on."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Column,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from database.columns import UTCDateTime, utc_column


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
    updated_at: datetime = Field(sa_column=utc_column())


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
    next_attempt_at: datetime = Field(sa_column=utc_column())
    lease_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    leased_by: str | None = Field(default=None, max_length=100)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(sa_column=utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class DeliveryBlock(SQLModel, table=True):
    """Teams refused messages to this person (403/404): not retried until they write to us again."""

    __tablename__ = "delivery_block"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    status_code: int
    reason: str = Field(default="", max_length=500)
    blocked_at: datetime = Field(sa_column=utc_column())


class TenantPace(SQLModel, table=True):
    """When the next send to a tenant may go, shared by every replica (Teams counts requests per
    app per tenant, not per process); kept in the database's own clock."""

    __tablename__ = "tenant_pace"

    tenant_id: str = Field(primary_key=True, max_length=100)
    next_at: datetime = Field(sa_column=utc_column())


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
    created_at: datetime = Field(sa_column=utc_column())
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class HandledRequest(SQLModel, table=True):
    """A request (e.g. a Teams activity id) already acted on: a redelivery changes nothing."""

    __tablename__ = "handled_request"

    key: str = Field(primary_key=True, max_length=300)
    booking_id: int | None = Field(default=None, foreign_key="booking.id")
    # The session a new-session form created (its key is the form's one-time token).
    session_id: int | None = Field(default=None, foreign_key="training_session.id")
    handled_at: datetime = Field(sa_column=utc_column())
