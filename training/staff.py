"""Who people are (from Teams) and where to reach them later."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.models import ConversationReference, DeliveryBlock, Staff


@dataclass(frozen=True)
class TeamsIdentity:
    aad_object_id: str | None
    display_name: str
    email: str | None = None


def upsert_staff(db: DbSession, identity: TeamsIdentity, now: datetime) -> Staff:
    """Find the person by Entra object id (else email), creating or refreshing their record."""
    staff = None
    if identity.aad_object_id:
        staff = db.exec(select(Staff).where(Staff.aad_object_id == identity.aad_object_id)).first()
    email = identity.email.lower() if identity.email else None
    if staff is None and email:
        staff = db.exec(select(Staff).where(Staff.email == email)).first()
    if staff is None:
        staff = Staff(
            aad_object_id=identity.aad_object_id,
            email=email,
            display_name=identity.display_name or "Unknown",
            created_at=now,
            updated_at=now,
        )
        db.add(staff)
        db.flush()
        return staff
    changed = False
    if identity.aad_object_id and staff.aad_object_id != identity.aad_object_id:
        staff.aad_object_id, changed = identity.aad_object_id, True
    if email and staff.email != email:
        staff.email, changed = email, True
    if identity.display_name and staff.display_name != identity.display_name:
        staff.display_name, changed = identity.display_name, True
    if changed:
        staff.updated_at = now
        db.add(staff)
        db.flush()
    return staff


def save_conversation_reference(
    db: DbSession,
    *,
    staff_id: int | None,
    conversation_id: str,
    conversation_type: str,
    tenant_id: str | None,
    service_url: str,
    reference_json: str,
    now: datetime,
) -> None:
    ref = db.exec(
        select(ConversationReference).where(
            ConversationReference.conversation_id == conversation_id
        )
    ).first()
    if ref is None:
        ref = ConversationReference(
            conversation_id=conversation_id,
            service_url=service_url,
            reference_json=reference_json,
            updated_at=now,
        )
    elif (ref.reference_json, ref.staff_id, ref.tenant_id) == (
        reference_json,
        staff_id if staff_id is not None else ref.staff_id,
        tenant_id,
    ):
        return  # nothing new: spare the database a write on every message
    ref.staff_id = staff_id if staff_id is not None else ref.staff_id
    ref.conversation_type = conversation_type
    ref.tenant_id = tenant_id
    ref.service_url = service_url
    ref.reference_json = reference_json
    ref.updated_at = now
    db.add(ref)
    db.flush()


def personal_references(db: DbSession, staff_ids: list[int]) -> dict[int, str]:
    """The newest personal-chat reference (JSON) for each person who has one."""
    if not staff_ids:
        return {}
    rows = db.exec(
        select(ConversationReference)
        .where(
            col(ConversationReference.staff_id).in_(staff_ids),
            ConversationReference.conversation_type == "personal",
        )
        .order_by(col(ConversationReference.updated_at))
    ).all()
    return {r.staff_id: r.reference_json for r in rows if r.staff_id is not None}


def record_contact(
    db: DbSession,
    identity: TeamsIdentity,
    now: datetime,
    *,
    conversation_id: str,
    conversation_type: str,
    tenant_id: str | None,
    service_url: str,
    reference_json: str,
) -> Staff:
    """Someone wrote to (or installed) the bot: refresh who they are and where to reach them."""
    staff = upsert_staff(db, identity, now)
    save_conversation_reference(
        db,
        staff_id=staff.id,
        conversation_id=conversation_id,
        conversation_type=conversation_type,
        tenant_id=tenant_id,
        service_url=service_url,
        reference_json=reference_json,
        now=now,
    )
    # Writing to us again undoes an earlier 403/404 (the app was reinstalled or unblocked).
    block = db.get(DeliveryBlock, staff.id)
    if block is not None and conversation_type == "personal":
        db.delete(block)
        db.flush()
    return staff
