"""one staff record per person: duplicates merged, emails and object ids normalised and unique

Revision ID: one_staff_record_per_person_normalised_emails_and_object_ids
Revises: completions_by_session_index
Create Date: 2026-11-29 17:15:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import groupby

from alembic import op
from sqlalchemy import Connection, text

from training.people.merge import merge_staff

revision: str = "one_staff_record_per_person_normalised_emails_and_object_ids"
down_revision: str | None = "completions_by_session_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _groups(connection: Connection, key: str) -> list[list[tuple[int, str | None]]]:
    """Staff rows that share a normalised `key`, each group in id order, with their object id."""
    rows = connection.execute(
        text(
            f"SELECT lower(trim({key})) AS k, id, aad_object_id FROM staff "
            f"WHERE {key} IS NOT NULL ORDER BY k, id"
        )
    ).all()
    groups = [[(r[1], r[2]) for r in group] for _, group in groupby(rows, key=lambda r: r[0])]
    return [g for g in groups if len(g) > 1]


def _merge_same_object_id(connection: Connection, now: datetime) -> None:
    for group in _groups(connection, "aad_object_id"):
        survivor = group[0][0]
        for duplicate, _ in group[1:]:
            merge_staff(connection, survivor, duplicate, now, "the same Entra object id")


def _merge_same_email(connection: Connection, now: datetime) -> None:
    """The record with an Entra object id survives (the lowest id if several); records with
    another object id keep it and lose the address; records without one are merged in."""
    for group in _groups(connection, "email"):
        with_id = [staff for staff, aad in group if aad]
        survivor = with_id[0] if with_id else group[0][0]
        for staff, aad in group:
            if staff == survivor:
                continue
            if aad:
                connection.execute(
                    text("UPDATE staff SET email = NULL WHERE id = :id"), {"id": staff}
                )
            else:
                merge_staff(connection, survivor, staff, now, "the same email address")


def upgrade() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    connection.execute(text("UPDATE staff SET email = NULL WHERE trim(email) = ''"))
    connection.execute(text("UPDATE staff SET aad_object_id = NULL WHERE trim(aad_object_id) = ''"))
    _merge_same_object_id(connection, now)
    connection.execute(text("UPDATE staff SET aad_object_id = lower(trim(aad_object_id))"))
    _merge_same_email(connection, now)
    connection.execute(text("UPDATE staff SET email = lower(trim(email))"))
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_email")
        batch_op.create_unique_constraint("uq_staff_email", ["email"])
        batch_op.create_check_constraint("ck_staff_email_normalised", "email = lower(trim(email))")
        batch_op.create_check_constraint(
            "ck_staff_aad_normalised", "aad_object_id = lower(trim(aad_object_id))"
        )


def downgrade() -> None:
    # Merged records stay merged: the audit log says which were one.
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint("ck_staff_aad_normalised", type_="check")
        batch_op.drop_constraint("ck_staff_email_normalised", type_="check")
        batch_op.drop_constraint("uq_staff_email", type_="unique")
        batch_op.create_index("ix_staff_email", ["email"], unique=False)
