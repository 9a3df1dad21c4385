"""an index of completions by session for totals

Revision ID: completions_by_session_index
Revises: calendar_sync_of_teams_events
Create Date: 2026-11-24 15:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "completions_by_session_index"
down_revision: str | None = "calendar_sync_of_teams_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("completion", schema=None) as batch_op:
        batch_op.create_index(
            "ix_completion_session_totals", ["session_id", "source", "staff_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("completion", schema=None) as batch_op:
        batch_op.drop_index("ix_completion_session_totals")
