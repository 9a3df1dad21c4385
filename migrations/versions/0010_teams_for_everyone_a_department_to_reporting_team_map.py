"""teams for everyone: each person's Entra department (raw, and when it was read), who set
their team, and a department-to-reporting-team map

Revision ID: teams_for_everyone_a_department_to_reporting_team_map
Revises: attendance_rows_know_facilitators_and_guests
Create Date: 2026-11-29 17:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import database.columns

revision: str = "teams_for_everyone_a_department_to_reporting_team_map"
down_revision: str | None = "attendance_rows_know_facilitators_and_guests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "department_read_at", database.columns.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("team_source", sa.String(length=20), nullable=True))
    op.create_table(
        "team_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("updated_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department_key"),
    )


def downgrade() -> None:
    op.drop_table("team_mapping")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("team_source")
        batch_op.drop_column("department_read_at")
        batch_op.drop_column("department")
