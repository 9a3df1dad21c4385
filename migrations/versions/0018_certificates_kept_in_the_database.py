"""certificates kept in the database, where every replica can serve them: the upgrade copies
those kept under CERTIFICATE_DIR in, and a downgrade writes them back there

Revision ID: certificates_kept_in_the_database
Revises: tenant_pace_shared_by_replicas
Create Date: 2026-11-29 20:05:00
"""

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import database.columns
from config.settings import Settings

revision: str = "certificates_kept_in_the_database"
down_revision: str | None = "tenant_pace_shared_by_replicas"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _directory() -> Path:
    return Path(Settings().certificate_dir)


def upgrade() -> None:
    table = op.create_table(
        "stored_certificate",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    connection = op.get_bind()
    names = connection.execute(
        sa.text(
            "SELECT DISTINCT certificate_file FROM elearning_claim WHERE certificate_file <> ''"
        )
    ).scalars()
    now = datetime.now(UTC)
    for name in names:
        path = _directory() / Path(name).name
        if path.is_file():  # a file already lost stays lost: its link says "not valid"
            content = path.read_bytes()
            op.bulk_insert(
                table, [{"name": name, "content": content, "size": len(content), "stored_at": now}]
            )


def downgrade() -> None:
    directory = _directory()
    rows = op.get_bind().execute(sa.text("SELECT name, content FROM stored_certificate"))
    for name, content in rows:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / Path(name).name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
    op.drop_table("stored_certificate")
