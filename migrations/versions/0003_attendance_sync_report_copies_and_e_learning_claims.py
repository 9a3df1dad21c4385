"""attendance sync, report copies and e-learning claims

Revision ID: attendance_sync_report_copies_and_e_learning_claims
Revises: completions_and_audit_log
Create Date: 2026-11-24 12:54:21.087318
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import database.columns

revision: str = "attendance_sync_report_copies_and_e_learning_claims"
down_revision: str | None = "completions_and_audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "elearning_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("certificate_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("certificate_type", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("certificate_size", sa.Integer(), nullable=False),
        sa.Column(
            "certificate_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column("certificate_file", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("manager_staff_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("chased_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chase_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_staff_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["manager_staff_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("elearning_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_elearning_claim_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(
            "uq_elearning_claim_open",
            ["staff_id", "course_id"],
            unique=True,
            sqlite_where=sa.text(
                "status IN ('awaiting_certificate', 'awaiting_manager', 'pending')"
            ),
            postgresql_where=sa.text(
                "status IN ('awaiting_certificate', 'awaiting_manager', 'pending')"
            ),
        )

    op.create_table(
        "attendance_report_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("meeting_start", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("meeting_end", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("raw_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("next_page_url", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("records_read", sa.Integer(), nullable=False),
        sa.Column("first_read_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "report_id", name="uq_report_copy"),
    )
    with op.batch_alter_table("attendance_report_copy", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attendance_report_copy_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "attendance_sync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("online_meeting_id", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("updated_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id"),
    )
    op.create_table(
        "session_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("attended_seconds", sa.Integer(), nullable=False),
        sa.Column("required_seconds", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("walk_in", sa.Boolean(), nullable=False),
        sa.Column("data_gaps", sa.Boolean(), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", database.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resolved_by_staff_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "person_key", name="uq_session_person"),
    )
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_attendance_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_attendance_staff_id"), ["staff_id"], unique=False
        )

    op.create_table(
        "attendance_record_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_copy_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("raw_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("read_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_copy_id"],
            ["attendance_report_copy.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_copy_id", "record_key", name="uq_record_copy"),
    )
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.add_column(sa.Column("completion_threshold_percent", sa.Integer(), nullable=True))

    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("graph_event_id", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.drop_column("graph_event_id")

    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_column("completion_threshold_percent")

    op.drop_table("attendance_record_copy")
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_attendance_staff_id"))
        batch_op.drop_index(batch_op.f("ix_session_attendance_session_id"))

    op.drop_table("session_attendance")
    op.drop_table("attendance_sync")
    with op.batch_alter_table("attendance_report_copy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_report_copy_session_id"))

    op.drop_table("attendance_report_copy")
    with op.batch_alter_table("elearning_claim", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_elearning_claim_open",
            sqlite_where=sa.text(
                "status IN ('awaiting_certificate', 'awaiting_manager', 'pending')"
            ),
            postgresql_where=sa.text(
                "status IN ('awaiting_certificate', 'awaiting_manager', 'pending')"
            ),
        )
        batch_op.drop_index(batch_op.f("ix_elearning_claim_staff_id"))

    op.drop_table("elearning_claim")
