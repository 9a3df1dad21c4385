"""seat offers: a seat that frees close to a session is held for the first person waiting
until they accept, decline or the offer runs out; an offered booking is live

Revision ID: seat_offers_close_to_a_session
Revises: last_seen_times_and_managers_people_name
Create Date: 2026-11-29 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import database.columns

revision: str = "seat_offers_close_to_a_session"
down_revision: str | None = "last_seen_times_and_managers_people_name"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_BEFORE = "status IN ('booked', 'waitlisted')"
LIVE_NOW = "status IN ('booked', 'waitlisted', 'offered')"


def _live_index(where: str) -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("uq_booking_live_per_person")
        batch_op.create_index(
            "uq_booking_live_per_person",
            ["session_id", "staff_id"],
            unique=True,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def upgrade() -> None:
    op.create_table(
        "seat_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("offered_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("answered_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["training_session.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_id"),
    )
    with op.batch_alter_table("seat_offer", schema=None) as batch_op:
        batch_op.create_index("ix_seat_offer_state_expires", ["state", "expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_seat_offer_session_id"), ["session_id"], unique=False)
    _live_index(LIVE_NOW)


def downgrade() -> None:
    # Without offers, a person holding one is simply first on the waiting list again.
    op.execute("UPDATE booking SET status = 'waitlisted' WHERE status = 'offered'")
    _live_index(LIVE_BEFORE)
    with op.batch_alter_table("seat_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seat_offer_session_id"))
        batch_op.drop_index("ix_seat_offer_state_expires")
    op.drop_table("seat_offer")
