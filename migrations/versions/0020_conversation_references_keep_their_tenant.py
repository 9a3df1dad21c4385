"""conversation references keep their tenant: the tenant each was stored with is written into
its Bot Framework reference, where botbuilder reads it (`conversation.tenantID`)

botbuilder-python reads a conversation's tenant only as `tenantID`, so the `tenantId` Teams
sends never reached a stored reference: proactive messages went without their tenant and were
paced as no tenant's. The tenant was kept beside each reference (from the channel data), so
every reference that lacks it takes it from there.

Revision ID: conversation_references_keep_their_tenant
Revises: files_to_download_by_link
Create Date: 2026-12-07 23:55:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "conversation_references_keep_their_tenant"
down_revision: str | None = "files_to_download_by_link"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def with_tenant(reference_json: str, tenant_id: str) -> str | None:
    """The reference with the tenant in its conversation, or None if it needs no change."""
    try:
        reference = json.loads(reference_json)
    except ValueError:
        return None
    conversation = reference.get("conversation") if isinstance(reference, dict) else None
    if not isinstance(conversation, dict) or conversation.get("tenantID"):
        return None
    conversation["tenantID"] = tenant_id
    return json.dumps(reference)


def upgrade() -> None:
    references = sa.table(
        "conversation_reference",
        sa.column("id", sa.Integer()),
        sa.column("tenant_id", sa.String()),
        sa.column("reference_json", sa.Text()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(references.c.id, references.c.tenant_id, references.c.reference_json).where(
            references.c.tenant_id.is_not(None), references.c.tenant_id != ""
        )
    ).all()
    for id_, tenant_id, reference_json in rows:
        changed = with_tenant(reference_json, tenant_id)
        if changed is not None:
            connection.execute(
                sa.update(references).where(references.c.id == id_).values(reference_json=changed)
            )


def downgrade() -> None:
    pass  # the tenant in a reference is right under every revision
