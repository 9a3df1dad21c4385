"""a booking can be undone for a while after it was made, even inside the cut-off

Revision ID: a_booking_can_be_undone_for_a_while
Revises: calendar_events_move_with_their_session
Create Date: 2026-11-29 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import database.columns

revision: str = "a_booking_can_be_undone_for_a_while"
down_revision: str | None = "calendar_events_move_with_their_session"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("undo_until", database.columns.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_column("undo_until")
