"""Feedback after a session: who was asked, and what they answered."""

from datetime import datetime

from sqlalchemy import (
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from database.columns import utc_column


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
    submitted_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class FeedbackRequest(SQLModel, table=True):
    """The feedback card was sent to this person for this session (so it is sent once)."""

    __tablename__ = "feedback_request"
    __table_args__ = (
        UniqueConstraint("session_id", "staff_id", name="uq_feedback_request_session_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id")
    staff_id: int = Field(foreign_key="staff.id")
    asked_at: datetime = Field(sa_column=utc_column())
