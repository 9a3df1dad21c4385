"""facilitators named by their staff record (Entra id or email), never by a display name; names
typed before that move where they match exactly one staff record, the rest stay listed on the
session for a coordinator to fix

Revision ID: facilitators_named_by_staff_record
Revises: conversation_references_keep_their_tenant
Create Date: 2026-12-07 23:30:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "facilitators_named_by_staff_record"
down_revision: str | None = "conversation_references_keep_their_tenant"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_facilitator",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["training_session.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("session_id", "staff_id"),
    )
    op.create_index("ix_session_facilitator_staff_id", "session_facilitator", ["staff_id"])
    _move_named_facilitators()


def _move_named_facilitators() -> None:
    """Each name or email typed on a session becomes that staff record where exactly one
    staff record has that email, or else that display name (in any case); anything else (no
    one, or two people of that name) stays on the session, listed for a coordinator."""
    bind = op.get_bind()
    sessions = bind.execute(
        sa.text("SELECT id, facilitators FROM training_session WHERE facilitators <> ''")
    ).all()
    for session_id, typed in sessions:
        left: list[str] = []
        found: list[int] = []
        for word in (w.strip() for w in re.split(r"[;,\n]", typed or "")):
            if not word:
                continue
            column = "email" if "@" in word else "display_name"
            ids = bind.execute(
                sa.text(f"SELECT id FROM staff WHERE lower({column}) = :word"),
                {"word": word.lower()},
            ).all()
            if len(ids) == 1 and ids[0][0] not in found:
                found.append(ids[0][0])
            elif len(ids) != 1:
                left.append(word)
        for staff_id in found:
            bind.execute(
                sa.text("INSERT INTO session_facilitator (session_id, staff_id) VALUES (:s, :p)"),
                {"s": session_id, "p": staff_id},
            )
        bind.execute(
            sa.text("UPDATE training_session SET facilitators = :left WHERE id = :id"),
            {"left": "; ".join(left)[:500], "id": session_id},
        )


def downgrade() -> None:
    bind = op.get_bind()
    named = bind.execute(
        sa.text(
            "SELECT f.session_id, s.email, t.facilitators FROM session_facilitator f "
            "JOIN staff s ON s.id = f.staff_id JOIN training_session t ON t.id = f.session_id "
            "WHERE s.email IS NOT NULL ORDER BY f.session_id, s.id"
        )
    ).all()
    typed: dict[int, list[str]] = {}
    for session_id, email, left in named:
        typed.setdefault(session_id, [w for w in [left] if w]).append(email)
    for session_id, words in typed.items():
        bind.execute(
            sa.text("UPDATE training_session SET facilitators = :typed WHERE id = :id"),
            {"typed": "; ".join(words)[:500], "id": session_id},
        )
    op.drop_index("ix_session_facilitator_staff_id", table_name="session_facilitator")
    op.drop_table("session_facilitator")
