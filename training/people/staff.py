"""Who people are (from Teams) and where to reach them later."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
from training.models import ConversationReference, DeliveryBlock, HandledRequest, Staff
from training.people.merge import merge_staff

EMAIL_LENGTH = 320
NAME_LENGTH = 200
# A last-seen time this fresh is left alone: the retention rule counts years, and a person who
# writes all day costs one write a day, not one a message.
SEEN_WITHIN = timedelta(days=1)


@dataclass(frozen=True)
class TeamsIdentity:
    """Who someone is, as Teams or the directory says: their Entra object id, name, and the
    addresses they go by (email and user principal name, often the same)."""

    aad_object_id: str | None
    display_name: str
    email: str | None = None
    upn: str | None = None


def normalise_email(email: str | None) -> str | None:
    """Emails are kept trimmed and in lower case, so one address is one person."""
    cleaned = (email or "").strip().lower()
    return cleaned if cleaned and len(cleaned) <= EMAIL_LENGTH else None


def normalise_object_id(aad_object_id: str | None) -> str | None:
    cleaned = (aad_object_id or "").strip().lower()
    return cleaned or None


def staff_by_email(db: DbSession, email: str | None) -> Staff | None:
    wanted = normalise_email(email)
    if wanted is None:
        return None
    return db.exec(select(Staff).where(Staff.email == wanted)).first()


def _by_object_id(db: DbSession, aad_object_id: str | None) -> Staff | None:
    if aad_object_id is None:
        return None
    return db.exec(select(Staff).where(Staff.aad_object_id == aad_object_id)).first()


def _by_addresses(db: DbSession, addresses: list[str]) -> Staff | None:
    for address in addresses:
        if (found := staff_by_email(db, address)) is not None:
            return found
    return None


def _merge(db: DbSession, survivor: Staff, duplicate: Staff, now: datetime, reason: str) -> Staff:
    assert survivor.id is not None and duplicate.id is not None
    survivor_id = survivor.id
    db.flush()
    merge_staff(db.connection(), survivor_id, duplicate.id, now, reason)
    db.expire_all()
    merged = db.get(Staff, survivor_id)
    assert merged is not None
    return merged


def upsert_staff(
    db: DbSession, identity: TeamsIdentity, now: datetime, *, create: bool = True
) -> Staff | None:
    """The person's one staff record: found by Entra object id, else by email or UPN (in any
    case). A record made from their email before they first chatted (a board lead, a named
    manager) is theirs: adopted, or merged into the record their object id already has.
    None when nobody matches and `create` is False (the caller will learn their email first).
    """
    aad = normalise_object_id(identity.aad_object_id)
    addresses = [a for a in map(normalise_email, (identity.email, identity.upn)) if a]
    email = addresses[0] if addresses else None
    staff = _by_object_id(db, aad)
    by_address = _by_addresses(db, addresses)
    if by_address is not None and by_address.aad_object_id not in (None, aad) and aad:
        # The address belongs to another Entra account's record: the directory now gives it
        # to this person, so that record keeps its object id and loses the address.
        audit.record(
            db,
            None,
            "staff.email_moved",
            now,
            subject=f"staff {by_address.id}",
            detail=f"{email} now belongs to {aad}",
        )
        by_address.email = None
        db.add(by_address)
        db.flush()
        by_address = None
    if staff is not None and by_address is not None and by_address.id != staff.id:
        staff = _merge(db, staff, by_address, now, f"the same person ({aad}, {email})")
    staff = staff or by_address
    if staff is None:
        if not create:
            return None
        staff = Staff(
            aad_object_id=aad,
            email=email,
            display_name=(identity.display_name or "Unknown")[:NAME_LENGTH],
            created_at=now,
            updated_at=now,
        )
        db.add(staff)
        db.flush()
        return staff
    return _refresh(db, staff, aad, email, identity.display_name, now)


def _refresh(
    db: DbSession, staff: Staff, aad: str | None, email: str | None, name: str, now: datetime
) -> Staff:
    changed = False
    if aad and staff.aad_object_id != aad:
        staff.aad_object_id, changed = aad, True
    if email and staff.email is None:
        staff.email, changed = email, True
    name = name[:NAME_LENGTH]
    if name and staff.display_name != name:
        staff.display_name, changed = name, True
    if changed:
        staff.updated_at = now
        db.add(staff)
        db.flush()
    return staff


# one '@', something before it, and a domain of letters, digits, dots and hyphens
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[a-z0-9-]+(\.[a-z0-9-]+)*")


def is_email_address(text: str) -> bool:
    """Whether typed text is an email address (read in any case, spaces around it ignored)."""
    address = normalise_email(text)
    return address is not None and _EMAIL.fullmatch(address) is not None


def person_named_by_email(db: DbSession, email: str, now: datetime) -> Staff:
    """The staff record for an address someone typed (a board lead): found in any case, or
    made now and adopted by the person when they first chat. Until then the record is named
    by its address: a name guessed from it ('nobody@nowhere' as 'Nobody') would be shown as
    if it were someone the bot knows."""
    address = normalise_email(email)
    if address is None or not is_email_address(address):
        raise ValueError(f"not an email address: {email!r}")
    found = staff_by_email(db, address)
    if found is not None:
        return found
    staff = Staff(
        email=address,
        display_name=address[:NAME_LENGTH],
        created_at=now,
        updated_at=now,
    )
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
    create: bool = True,
) -> Staff | None:
    """Someone wrote to (or installed) the bot: refresh who they are, when they were last seen
    and where to reach them. None when nobody matches and `create` is False (nothing is
    written then).

    A new person's first activities arrive together (Teams sends two on install, and may
    redeliver), and each finds no record and makes one. All but the first then break a unique
    index (object id, email, conversation) once the first commits: they go back to before
    their attempt and read again, finding the record the first made."""
    contact = partial(
        _record_contact,
        db,
        identity,
        now,
        conversation_id=conversation_id,
        conversation_type=conversation_type,
        tenant_id=tenant_id,
        service_url=service_url,
        reference_json=reference_json,
        create=create,
    )
    try:
        with db.begin_nested():
            return contact()
    except IntegrityError:
        return contact()


def _record_contact(
    db: DbSession,
    identity: TeamsIdentity,
    now: datetime,
    *,
    conversation_id: str,
    conversation_type: str,
    tenant_id: str | None,
    service_url: str,
    reference_json: str,
    create: bool,
) -> Staff | None:
    staff = upsert_staff(db, identity, now, create=create)
    if staff is None:
        return None
    if staff.last_seen_at is None or staff.last_seen_at <= now - SEEN_WITHIN:
        staff.last_seen_at = now
        db.add(staff)
        db.flush()
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


def first_delivery(db: DbSession, request_key: str, now: datetime) -> bool:
    """Whether `request_key` (one Teams activity) is handled here for the first time, recorded
    now. A redelivery is not, even one handled at the same moment by another replica: its
    insert waits for the first's to commit and then breaks the key's uniqueness."""
    if db.get(HandledRequest, request_key) is not None:
        return False
    try:
        with db.begin_nested():
            db.add(HandledRequest(key=request_key, handled_at=now))
            db.flush()
    except IntegrityError:
        return False
    return True
