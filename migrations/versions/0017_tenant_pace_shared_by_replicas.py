"""tenant pace: when the next send to a tenant may go, shared by every replica

Revision ID: tenant_pace_shared_by_replicas
Revises: a_new_session_form_is_used_once
Create Date: 2026-11-29 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import database.columns

revision: str = "tenant_pace_shared_by_replicas"
down_revision: str | None = "a_new_session_form_is_used_once"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_pace",
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("next_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )


def downgrade() -> None:
    op.drop_table("tenant_pace")
