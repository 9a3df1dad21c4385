"""calendar sync of Teams events

Revision ID: calendar_sync_of_teams_events
Revises: feedback_and_totals
Create Date: 2026-11-24 13:31:35.442546
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import database.columns

revision: str = "calendar_sync_of_teams_events"
down_revision: str | None = "feedback_and_totals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("invited", sa.Boolean(), nullable=False),
        sa.Column("synced_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "staff_id", name="uq_calendar_invite"),
    )
    with op.batch_alter_table("calendar_invite", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_invite_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "calendar_sync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("lease_until", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("event_cancelled_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id"),
    )


def downgrade() -> None:
    op.drop_table("calendar_sync")
    with op.batch_alter_table("calendar_invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_invite_session_id"))

    op.drop_table("calendar_invite")
