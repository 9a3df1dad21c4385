"""attendance rows know facilitators and guests, and every identity merged into them

Revision ID: attendance_rows_know_facilitators_and_guests
Revises: one_staff_record_per_person_normalised_emails_and_object_ids
Create Date: 2026-11-29 17:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "attendance_rows_know_facilitators_and_guests"
down_revision: str | None = "one_staff_record_per_person_normalised_emails_and_object_ids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "identity_keys",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("role", sa.String(length=20), nullable=False, server_default="attendee")
        )
        batch_op.alter_column(
            "display_name",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
            type_=sqlmodel.sql.sqltypes.AutoString(length=256),
            existing_nullable=False,
        )
        batch_op.create_index(
            "ix_session_attendance_totals",
            ["session_id", "role", "staff_id", "completed"],
            unique=False,
        )
    with op.batch_alter_table("attendance_sync", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "organiser",
                sqlmodel.sql.sqltypes.AutoString(length=320),
                nullable=False,
                server_default="",
            )
        )
    # Rows read before: each stands for the one identity it is keyed by; a person marked as
    # an external guest keeps that as their role.
    op.execute("UPDATE session_attendance SET identity_keys = person_key")
    op.execute("UPDATE session_attendance SET role = 'guest' WHERE resolution = 'guest'")
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.alter_column(
            "identity_keys",
            existing_type=sqlmodel.sql.sqltypes.AutoString(),
            server_default=None,
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("attendance_sync", schema=None) as batch_op:
        batch_op.drop_column("organiser")
    op.execute("UPDATE session_attendance SET display_name = substr(display_name, 1, 200)")
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_session_attendance_totals")
        batch_op.alter_column(
            "display_name",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=256),
            type_=sqlmodel.sql.sqltypes.AutoString(length=200),
            existing_nullable=False,
        )
        batch_op.drop_column("role")
        batch_op.drop_column("identity_keys")
