"""calendar events move with their session, and attendee updates are coalesced: when the
attendee list was last written, and the times the event was last given

Revision ID: calendar_events_move_with_their_session
Revises: teams_for_everyone_a_department_to_reporting_team_map
Create Date: 2026-11-29 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import database.columns

revision: str = "calendar_events_move_with_their_session"
down_revision: str | None = "teams_for_everyone_a_department_to_reporting_team_map"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_sync", schema=None) as batch_op:
        for name in ("attendees_sent_at", "event_starts_at", "event_ends_at"):
            batch_op.add_column(
                sa.Column(name, database.columns.UTCDateTime(timezone=True), nullable=True)
            )
    # Events made before this revision were made at their session's times, and no session
    # could be moved then: they are where their session is.
    op.execute(
        "UPDATE calendar_sync SET "
        "event_starts_at = (SELECT starts_at FROM training_session s "
        "WHERE s.id = calendar_sync.session_id AND s.graph_event_id IS NOT NULL), "
        "event_ends_at = (SELECT ends_at FROM training_session s "
        "WHERE s.id = calendar_sync.session_id AND s.graph_event_id IS NOT NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("calendar_sync", schema=None) as batch_op:
        for name in ("event_ends_at", "event_starts_at", "attendees_sent_at"):
            batch_op.drop_column(name)
