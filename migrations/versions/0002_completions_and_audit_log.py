"""completions and audit log

Revision ID: completions_and_audit_log
Revises: bookings_foundation
Create Date: 2026-11-24 12:48:17.144747
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import database.columns

revision: str = "completions_and_audit_log"
down_revision: str | None = "bookings_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_staff_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)

    op.create_table(
        "completion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("completed_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attended_seconds", sa.Integer(), nullable=True),
        sa.Column("confirmed_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by_staff_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("completion", schema=None) as batch_op:
        batch_op.create_index(
            "ix_completion_course_completed", ["course_id", "completed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_completion_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(
            "uq_completion_session_person",
            ["session_id", "staff_id"],
            unique=True,
            sqlite_where=sa.text("session_id IS NOT NULL"),
            postgresql_where=sa.text("session_id IS NOT NULL"),
        )


def downgrade() -> None:

    with op.batch_alter_table("completion", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_completion_session_person",
            sqlite_where=sa.text("session_id IS NOT NULL"),
            postgresql_where=sa.text("session_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_completion_staff_id"))
        batch_op.drop_index("ix_completion_course_completed")

    op.drop_table("completion")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_at")

    op.drop_table("audit_log")
