"""bookings foundation

Revision ID: bookings_foundation
Revises:
Create Date: 2026-11-24 12:28:22.808137
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import database.columns

revision: str = "bookings_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "course",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.Column("default_duration_minutes", sa.Integer(), nullable=False),
        sa.Column("refresher_months", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("aad_object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("roles", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("aad_object_id"),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_email"), ["email"], unique=False)

    op.create_table(
        "conversation_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("conversation_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("service_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("reference_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("updated_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", name="uq_conversation_reference_conv"),
    )
    with op.batch_alter_table("conversation_reference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_reference_staff_id"), ["staff_id"], unique=False
        )

    op.create_table(
        "training_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("join_url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("facilitators", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("audience", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("bookings_open", sa.Boolean(), nullable=False),
        sa.Column("cancellation_cutoff_hours", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_session_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index("ix_training_session_starts_at", ["starts_at"], unique=False)

    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seat_given_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index("ix_booking_session_status", ["session_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(
            "uq_booking_live_per_person",
            ["session_id", "staff_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('booked', 'waitlisted')"),
            postgresql_where=sa.text("status IN ('booked', 'waitlisted')"),
        )

    op.create_table(
        "handled_request",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
        ),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:

    op.drop_table("handled_request")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_booking_live_per_person",
            sqlite_where=sa.text("status IN ('booked', 'waitlisted')"),
            postgresql_where=sa.text("status IN ('booked', 'waitlisted')"),
        )
        batch_op.drop_index(batch_op.f("ix_booking_staff_id"))
        batch_op.drop_index("ix_booking_session_status")

    op.drop_table("booking")
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.drop_index("ix_training_session_starts_at")
        batch_op.drop_index(batch_op.f("ix_training_session_course_id"))

    op.drop_table("training_session")
    with op.batch_alter_table("conversation_reference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_reference_staff_id"))

    op.drop_table("conversation_reference")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_email"))

    op.drop_table("staff")
    op.drop_table("course")
