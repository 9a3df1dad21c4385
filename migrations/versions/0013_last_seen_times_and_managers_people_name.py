"""last-seen times and managers people name: when each person last wrote to the bot (the
retention rule judges by it), and, on an e-learning claim, that the person named their manager
themselves and who approved that manager (a new open status: awaiting a coordinator's approval)

Revision ID: last_seen_times_and_managers_people_name
Revises: a_booking_can_be_undone_for_a_while
Create Date: 2026-11-29 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import database.columns

revision: str = "last_seen_times_and_managers_people_name"
down_revision: str | None = "a_booking_can_be_undone_for_a_while"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_BEFORE = "status IN ('awaiting_certificate', 'awaiting_manager', 'pending')"
OPEN_NOW = "status IN ('awaiting_certificate', 'awaiting_manager', 'awaiting_approval', 'pending')"

# Where a person last showed themselves before last-seen times were kept: a change to their
# name or address, a conversation with the bot, something they did (the audit log), a seat
# they asked for, feedback they gave, an e-learning claim they made.
LATEST_ACTIVITY = (
    ("conversation_reference", "updated_at", "staff_id"),
    ("audit_log", "at", "actor_staff_id"),
    ("booking", "requested_at", "staff_id"),
    ("feedback_response", "updated_at", "staff_id"),
    ("elearning_claim", "claimed_at", "staff_id"),
)


def _open_claim_index(where: str) -> None:
    op.create_index(
        "uq_elearning_claim_open",
        "elearning_claim",
        ["staff_id", "course_id"],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_seen_at", database.columns.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE staff SET last_seen_at = updated_at")
    for table, at, person in LATEST_ACTIVITY:
        latest = f"(SELECT max({at}) FROM {table} WHERE {table}.{person} = staff.id)"
        op.execute(f"UPDATE staff SET last_seen_at = {latest} WHERE {latest} > last_seen_at")
    with op.batch_alter_table("elearning_claim", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "manager_named_at", database.columns.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("manager_approved_by_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "manager_approved_at", database.columns.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_foreign_key(
            "fk_elearning_claim_manager_approved_by",
            "staff",
            ["manager_approved_by_staff_id"],
            ["id"],
        )
    op.drop_index("uq_elearning_claim_open", table_name="elearning_claim")
    _open_claim_index(OPEN_NOW)


def downgrade() -> None:
    # A claim waiting for approval goes back to waiting for the person to name a manager.
    op.execute(
        "UPDATE elearning_claim SET status = 'awaiting_manager', manager_staff_id = NULL "
        "WHERE status = 'awaiting_approval'"
    )
    op.drop_index("uq_elearning_claim_open", table_name="elearning_claim")
    _open_claim_index(OPEN_BEFORE)
    with op.batch_alter_table("elearning_claim", schema=None) as batch_op:
        batch_op.drop_constraint("fk_elearning_claim_manager_approved_by", type_="foreignkey")
        batch_op.drop_column("manager_approved_at")
        batch_op.drop_column("manager_approved_by_staff_id")
        batch_op.drop_column("manager_named_at")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
