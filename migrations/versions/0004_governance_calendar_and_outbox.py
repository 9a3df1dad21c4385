"""governance calendar and outbox

Revision ID: governance_calendar_and_outbox
Revises: attendance_sync_report_copies_and_e_learning_claims
Create Date: 2026-11-24 13:01:09.972445
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import database.columns

revision: str = "governance_calendar_and_outbox"
down_revision: str | None = "attendance_sync_report_copies_and_e_learning_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("focus", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("frequency", sa.String(length=20), nullable=False),
        sa.Column("last_update_on", sa.Date(), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("created_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "board_lead",
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["board.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("board_id", "staff_id"),
    )
    op.create_table(
        "board_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("was_due_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["board.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("board_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_board_update_board_id"), ["board_id"], unique=False)

    op.create_table(
        "delivery_block",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("blocked_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("staff_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("card_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("leased_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(
            "ix_outbox_state_next_attempt", ["state", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    # APScheduler creates its own job table when the scheduler first runs (scheduler/service.py).
    op.execute("DROP TABLE IF EXISTS apscheduler_jobs")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state_next_attempt")
        batch_op.drop_index(batch_op.f("ix_outbox_staff_id"))

    op.drop_table("outbox")
    op.drop_table("delivery_block")
    with op.batch_alter_table("board_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_update_board_id"))

    op.drop_table("board_update")
    op.drop_table("board_lead")
    op.drop_table("board")
