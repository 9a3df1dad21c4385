"""People: one staff record per person, and the department-to-team map."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel, col

from database.columns import utc_column


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
    department_read_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # Who set `team`: 'directory' (Entra, through the map), 'coordinator' (in chat or by CSV:
    # wins over the directory), or None (recorded before either, e.g. demo data).
    team_source: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    organisation: str | None = Field(default=None, max_length=200)
    roles: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())
    # When the person last wrote to the bot (kept to within a day, so not every turn writes);
    # None: not since the record was made (`created_at` stands in). The retention rule judges
    # who is still about by it.
    last_seen_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


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
    updated_at: datetime = Field(sa_column=utc_column())


# A team's totals start from its staff (bench/totals.py).
Index("ix_staff_team", col(Staff.team))
