"""feedback and totals

Revision ID: feedback_and_totals
Revises: governance_calendar_and_outbox
Create Date: 2026-11-24 13:27:53.937157
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import database.columns

revision: str = "feedback_and_totals"
down_revision: str | None = "governance_calendar_and_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "staff_id", name="uq_feedback_request_session_person"),
    )
    op.create_table(
        "feedback_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("usefulness", sa.Integer(), nullable=False),
        sa.Column("confidence_before", sa.Integer(), nullable=False),
        sa.Column("confidence_after", sa.Integer(), nullable=False),
        sa.Column("most_useful", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("could_be_better", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("consent_to_attribute", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "staff_id", name="uq_feedback_session_person"),
    )
    with op.batch_alter_table("feedback_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_response_staff_id"), ["staff_id"], unique=False
        )

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_staff_totals", ["staff_id", "status", "session_id"], unique=False
        )
        batch_op.create_index(
            "ix_booking_totals", ["session_id", "status", "staff_id"], unique=False
        )

    with op.batch_alter_table("completion", schema=None) as batch_op:
        batch_op.create_index(
            "ix_completion_source_completed", ["source", "completed_at"], unique=False
        )

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index("ix_staff_team", ["team"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_team")

    with op.batch_alter_table("completion", schema=None) as batch_op:
        batch_op.drop_index("ix_completion_source_completed")

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_totals")
        batch_op.drop_index("ix_booking_staff_totals")

    with op.batch_alter_table("feedback_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_response_staff_id"))

    op.drop_table("feedback_response")
    op.drop_table("feedback_request")
