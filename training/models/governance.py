"""Boards, who leads each, and the updates delivered to them."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Column,
    String,
)
from sqlmodel import Field, SQLModel

from database.columns import utc_column


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
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


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
    recorded_at: datetime = Field(sa_column=utc_column())
