"""The audit log's table: one row per action, view or export."""

from datetime import datetime

from sqlalchemy import (
    Index,
)
from sqlmodel import Field, SQLModel

from database.columns import utc_column


class AuditEntry(SQLModel, table=True):
    """Who did or looked at what, and when: coordinator actions, views of totals, exports."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=utc_column())
    actor_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    action: str = Field(max_length=80)
    subject: str = Field(default="", max_length=200)
    detail: str = Field(default="", max_length=2000)
