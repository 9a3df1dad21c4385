"""the register: a decision made by hand on an attendance row, by whom, when and why

Revision ID: the_register_decisions_on_attendance_rows
Revises: seat_offers_close_to_a_session
Create Date: 2026-11-29 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import database.columns

revision: str = "the_register_decisions_on_attendance_rows"
down_revision: str | None = "seat_offers_close_to_a_session"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("decided_by_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("decided_at", database.columns.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("reason", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            "fk_session_attendance_decided_by_staff_id_staff",
            "staff",
            ["decided_by_staff_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_session_attendance_decided_by_staff_id_staff", type_="foreignkey"
        )
        batch_op.drop_column("reason")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decided_by_staff_id")
        batch_op.drop_column("decision")
