"""files made for one person to fetch through a signed download link (where the client cannot
take Teams' file consent), kept until the link expires

Revision ID: files_to_download_by_link
Revises: certificates_kept_in_the_database
Create Date: 2026-11-29 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import database.columns

revision: str = "files_to_download_by_link"
down_revision: str | None = "certificates_kept_in_the_database"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "export_download",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", database.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_export_download_staff_id", "export_download", ["staff_id"])
    op.create_index("ix_export_download_expires_at", "export_download", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_export_download_expires_at", table_name="export_download")
    op.drop_index("ix_export_download_staff_id", table_name="export_download")
    op.drop_table("export_download")
