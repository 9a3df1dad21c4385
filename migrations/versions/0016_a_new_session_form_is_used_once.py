"""a new-session form is used once: the handled request remembers the session it created

Revision ID: a_new_session_form_is_used_once
Revises: the_register_decisions_on_attendance_rows
Create Date: 2026-11-29 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a_new_session_form_is_used_once"
down_revision: str | None = "the_register_decisions_on_attendance_rows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("handled_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_handled_request_session_id", "training_session", ["session_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("handled_request", schema=None) as batch_op:
        batch_op.drop_constraint("fk_handled_request_session_id", type_="foreignkey")
        batch_op.drop_column("session_id")
