"""The Home Office e-learning: a person's claim, their certificate, their manager's decision.

A claim counts as a completion only when the person's manager confirms it. Certificates are
kept in the database (so every replica can serve them) as opaque bytes under a content-derived
name, accepted only when their first bytes say PDF, PNG or JPEG (never by the name or the type
the sender claimed), and never served inline.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.data_protection import audit
from training.errors import TrainingError
from training.models import (
    OPEN_CLAIM_STATUSES,
    ClaimStatus,
    Completion,
    CompletionSource,
    Course,
    ElearningClaim,
    Staff,
    StoredCertificate,
)
from training.people.staff import TeamsIdentity, staff_by_email, upsert_staff
from training.people.teams import record_department

MAGIC = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff"}
KIND_NAMES = {"pdf": "PDF", "png": "PNG image", "jpeg": "JPEG image"}


class ClaimProblem(TrainingError):
    """An e-learning claim that cannot go ahead; the message says why."""


# One sentence for a claim that does not exist and one that is someone else's: a guessed
# claim id tells nobody whether it exists, or whose it is.
NOT_FOUND_OR_NOT_YOURS = "I can't find that e-learning record, or it isn't yours to act on."


class ClaimNotFound(ClaimProblem):
    def __init__(self) -> None:
        super().__init__(NOT_FOUND_OR_NOT_YOURS)


@dataclass(frozen=True)
class ClaimView:
    claim_id: int
    staff_id: int
    staff_name: str
    course_title: str
    status: str
    certificate_name: str
    certificate_kind: str
    certificate_size: int
    manager_staff_id: int | None
    manager_name: str | None
    claimed_at: datetime
    chase_count: int
    # The person named their manager themselves (the directory had none).
    manager_named: bool = False


@dataclass(frozen=True)
class Certificate:
    name: str
    data: bytes


def keep_certificate(db: DbSession, data: bytes, kind: str, now: datetime) -> str:
    """Keep a certificate's bytes (once, however often it is sent) and return its name."""
    name = f"{hashlib.sha256(data).hexdigest()}.{kind}"
    if db.get(StoredCertificate, name) is None:
        try:
            with db.begin_nested():
                db.add(StoredCertificate(name=name, content=data, size=len(data), stored_at=now))
                db.flush()
        except IntegrityError:
            pass  # the same file, kept at this moment by someone else's claim
    return name


def certificate_content(db: DbSession, name: str) -> bytes:
    stored = db.get(StoredCertificate, name)
    if stored is None:
        raise ClaimProblem("I can't find that e-learning certificate.")
    return stored.content


def certificate_kind(data: bytes) -> str | None:
    """'pdf', 'png' or 'jpeg' from the file's first bytes; None for anything else."""
    return next((kind for kind, magic in MAGIC.items() if data.startswith(magic)), None)


def _course(db: DbSession, course_code: str) -> Course:
    course = db.exec(select(Course).where(Course.code == course_code)).first()
    if course is None or course.id is None:
        raise ClaimProblem("The e-learning course is not set up yet; please tell the coordinator.")
    return course


def _open_claim(db: DbSession, staff_id: int, course_id: int) -> ElearningClaim | None:
    return db.exec(
        select(ElearningClaim).where(
            ElearningClaim.staff_id == staff_id,
            ElearningClaim.course_id == course_id,
            col(ElearningClaim.status).in_(OPEN_CLAIM_STATUSES),
        )
    ).first()


def _view(db: DbSession, claim: ElearningClaim) -> ClaimView:
    assert claim.id is not None
    staff = db.get(Staff, claim.staff_id)
    manager = db.get(Staff, claim.manager_staff_id) if claim.manager_staff_id else None
    course = db.get(Course, claim.course_id)
    return ClaimView(
        claim_id=claim.id,
        staff_id=claim.staff_id,
        staff_name=staff.display_name if staff else "Someone",
        course_title=course.title if course else "",
        status=claim.status,
        certificate_name=claim.certificate_name,
        certificate_kind=KIND_NAMES.get(claim.certificate_type, claim.certificate_type),
        certificate_size=claim.certificate_size,
        manager_staff_id=claim.manager_staff_id,
        manager_name=manager.display_name if manager else None,
        claimed_at=claim.claimed_at,
        chase_count=claim.chase_count,
        manager_named=claim.manager_named_at is not None,
    )


def start_claim(db: DbSession, staff_id: int, now: datetime, *, course_code: str) -> ClaimView:
    """`record e-learning` without a file: open a claim that waits for the certificate."""
    course = _course(db, course_code)
    assert course.id is not None
    claim = _open_claim(db, staff_id, course.id)
    if claim is None:
        claim = ElearningClaim(
            staff_id=staff_id,
            course_id=course.id,
            status=ClaimStatus.AWAITING_CERTIFICATE,
            claimed_at=now,
            updated_at=now,
        )
        db.add(claim)
        db.flush()
    return _view(db, claim)


def waiting_for_certificate(db: DbSession, staff_id: int) -> bool:
    return (
        db.exec(
            select(ElearningClaim.id).where(
                ElearningClaim.staff_id == staff_id,
                ElearningClaim.status == ClaimStatus.AWAITING_CERTIFICATE,
            )
        ).first()
        is not None
    )


def check_certificate(data: bytes, max_bytes: int) -> str:
    """The file's kind, or a `ClaimProblem` saying what is wrong with it."""
    if not data:
        raise ClaimProblem("That file is empty. Please attach your certificate again.")
    if len(data) > max_bytes:
        raise ClaimProblem(
            f"That file is too large ({len(data) // 1024} KB); the limit is "
            f"{max_bytes // 1024} KB. A PDF or a photo of the certificate is enough."
        )
    kind = certificate_kind(data)
    if kind is None:
        raise ClaimProblem("Please attach the certificate as a PDF, PNG or JPEG file.")
    return kind


def attach_certificate(
    db: DbSession,
    staff_id: int,
    certificate: Certificate,
    now: datetime,
    *,
    course_code: str,
    max_bytes: int,
    manager_staff_id: int | None,
) -> ClaimView:
    """Keep the certificate and send the claim to the manager (or ask who the manager is)."""
    kind = check_certificate(certificate.data, max_bytes)
    course = _course(db, course_code)
    assert course.id is not None
    if manager_staff_id == staff_id:
        manager_staff_id = None
    claim = _open_claim(db, staff_id, course.id)
    if claim is not None and claim.status == ClaimStatus.PENDING:
        raise ClaimProblem(
            "Your e-learning is already with your manager to confirm. Type 'my training' to see it."
        )
    if claim is None:
        claim = ElearningClaim(
            staff_id=staff_id, course_id=course.id, status="", claimed_at=now, updated_at=now
        )
    claim.certificate_file = keep_certificate(db, certificate.data, kind, now)
    claim.certificate_name = "".join(c for c in certificate.name if c.isprintable())[:200]
    claim.certificate_type = kind
    claim.certificate_size = len(certificate.data)
    claim.certificate_sha256 = claim.certificate_file.split(".")[0]
    claim.manager_staff_id = manager_staff_id
    claim.status = ClaimStatus.PENDING if manager_staff_id else ClaimStatus.AWAITING_MANAGER
    claim.claimed_at = now
    claim.updated_at = now
    db.add(claim)
    db.flush()
    return _view(db, claim)


@dataclass(frozen=True)
class CertificateExpected:
    """Before a certificate is fetched: whether the person was asked for one, and their Entra
    object id, to ask the directory who their manager is."""

    waiting: bool
    aad_object_id: str | None


def certificate_expected(db: DbSession, staff_id: int) -> CertificateExpected:
    aad, _ = staff_for_graph(db, staff_id)
    return CertificateExpected(waiting_for_certificate(db, staff_id), aad)


@dataclass(frozen=True)
class DirectoryPerson:
    aad_object_id: str
    display_name: str
    email: str | None
    department: str | None


@dataclass(frozen=True)
class ManagerLookup:
    """What the directory said about the person sending a certificate: their department (if
    it found them) and their manager (if one is set)."""

    found: bool
    department: str | None
    manager: DirectoryPerson | None


def claim_with_certificate(
    db: DbSession,
    staff_id: int,
    certificate: Certificate,
    now: datetime,
    *,
    course_code: str,
    max_bytes: int,
    directory: ManagerLookup | None,
) -> ClaimView | TrainingError:
    """What the directory said is kept (the person's department, their manager as a staff
    member), then the certificate attached (`attach_certificate`) with that manager. A
    certificate refused comes back as the error, so what the directory said is kept even so."""
    manager_id = None
    if directory is not None and directory.found:
        record_department(db, staff_id, directory.department, now)
    if directory is not None and directory.manager is not None:
        manager = directory.manager
        manager_id = upsert_directory_person(
            db, manager.aad_object_id, manager.display_name, manager.email, manager.department, now
        )
    try:
        return attach_certificate(
            db,
            staff_id,
            certificate,
            now,
            course_code=course_code,
            max_bytes=max_bytes,
            manager_staff_id=manager_id,
        )
    except TrainingError as refused:  # raised before the claim changes: nothing half-written
        return refused


def name_manager(
    db: DbSession,
    claim_id: int,
    staff_id: int,
    manager_email: str,
    now: datetime,
    *,
    needs_approval: bool = False,
) -> ClaimView:
    """The person names their manager (when Graph knows none): audited, shown to the
    coordinators as named by the person, and sent to the manager at once, or, with
    `needs_approval` (NAMED_MANAGER_NEEDS_APPROVAL), once a coordinator approves them."""
    claim = _locked(db, claim_id)
    if claim is None or claim.staff_id != staff_id:
        raise ClaimNotFound()
    if claim.status != ClaimStatus.AWAITING_MANAGER:
        raise ClaimProblem("That e-learning record is not waiting for a manager.")
    wanted = manager_email.strip().lower()
    manager = staff_by_email(db, wanted)
    if not wanted or manager is None or manager.id is None:
        raise ClaimProblem(
            f"I don't know anyone with the email '{wanted[:100]}'. Your manager needs to have "
            "said hello to the bot once; check the address and try again."
        )
    if manager.id == staff_id:
        raise ClaimProblem("You can't confirm your own e-learning; please name your manager.")
    claim.manager_staff_id = manager.id
    claim.manager_named_at = now
    claim.status = ClaimStatus.AWAITING_APPROVAL if needs_approval else ClaimStatus.PENDING
    claim.updated_at = now
    db.add(claim)
    audit.record(
        db,
        staff_id,
        "elearning.manager.named",
        now,
        subject=f"claim {claim_id}",
        detail=f"staff {staff_id} named staff {manager.id} ({manager.email}) as their manager"
        + ("; waiting for a coordinator's approval" if needs_approval else ""),
    )
    db.flush()
    return _view(db, claim)


def _locked(db: DbSession, claim_id: int) -> ElearningClaim | None:
    return db.exec(
        select(ElearningClaim).where(ElearningClaim.id == claim_id).with_for_update()
    ).first()


def _awaiting_approval(db: DbSession, claim_id: int) -> ElearningClaim:
    claim = _locked(db, claim_id)
    if claim is None or claim.status != ClaimStatus.AWAITING_APPROVAL:
        raise ClaimProblem("That e-learning record is not waiting for a manager's approval.")
    return claim


def approve_manager(
    db: DbSession, claim_id: int, *, coordinator_staff_id: int, now: datetime
) -> ClaimView:
    """A coordinator approves the manager a person named: the claim goes to them."""
    claim = _awaiting_approval(db, claim_id)
    claim.status = ClaimStatus.PENDING
    claim.manager_approved_by_staff_id = coordinator_staff_id
    claim.manager_approved_at = now
    claim.updated_at = now
    db.add(claim)
    audit.record(
        db,
        coordinator_staff_id,
        "elearning.manager.approved",
        now,
        subject=f"claim {claim_id}",
        detail=f"staff {claim.manager_staff_id} confirms staff {claim.staff_id}'s e-learning",
    )
    db.flush()
    return _view(db, claim)


def refuse_manager(
    db: DbSession, claim_id: int, *, coordinator_staff_id: int, now: datetime
) -> ClaimView:
    """A coordinator does not accept the manager a person named: the person names another.
    Returns the claim as it was (with the refused manager), to tell the person whom."""
    claim = _awaiting_approval(db, claim_id)
    refused = _view(db, claim)
    claim.status = ClaimStatus.AWAITING_MANAGER
    claim.manager_staff_id = None
    claim.manager_named_at = None
    claim.updated_at = now
    db.add(claim)
    audit.record(
        db,
        coordinator_staff_id,
        "elearning.manager.refused",
        now,
        subject=f"claim {claim_id}",
        detail=f"staff {refused.manager_staff_id} is not staff {claim.staff_id}'s manager",
    )
    db.flush()
    return refused


@dataclass(frozen=True)
class ManagerRefused:
    """A named manager refused: the claim as it was (naming them), as it is now (waiting for
    the person to name another), and the coordinators' list after it."""

    refused: ClaimView
    claim: ClaimView
    pending: tuple[ClaimView, ...]


def refuse_and_list(
    db: DbSession, claim_id: int, *, coordinator_staff_id: int, now: datetime
) -> ManagerRefused:
    """`refuse_manager`, then the claim and the pending list as the coordinator now sees them."""
    refused = refuse_manager(db, claim_id, coordinator_staff_id=coordinator_staff_id, now=now)
    pending = pending_confirmations(db, viewer_staff_id=coordinator_staff_id, now=now)
    return ManagerRefused(refused, claim_view(db, claim_id), tuple(pending))


def decide(
    db: DbSession,
    claim_id: int,
    presser_staff_id: int,
    confirmed: bool,
    now: datetime,
    *,
    note: str = "",
) -> ClaimView:
    """The manager confirms (a completion is recorded) or rejects; nobody else may."""
    claim = _locked(db, claim_id)
    if claim is None or claim.manager_staff_id != presser_staff_id:
        raise ClaimNotFound()
    if claim.status in (ClaimStatus.CONFIRMED, ClaimStatus.REJECTED):
        return _view(db, claim)
    if claim.status != ClaimStatus.PENDING:
        raise ClaimProblem("That e-learning record is not waiting for a decision.")
    claim.status = ClaimStatus.CONFIRMED if confirmed else ClaimStatus.REJECTED
    claim.decided_at = now
    claim.decided_by_staff_id = presser_staff_id
    claim.decision_note = note.strip()[:500]
    claim.updated_at = now
    db.add(claim)
    if confirmed:
        db.add(
            Completion(
                staff_id=claim.staff_id,
                course_id=claim.course_id,
                source=CompletionSource.ELEARNING,
                completed_at=claim.claimed_at,
                confirmed_by_staff_id=presser_staff_id,
                recorded_at=now,
            )
        )
    audit.record(
        db,
        presser_staff_id,
        "elearning.confirm" if confirmed else "elearning.reject",
        now,
        subject=f"claim {claim_id}",
        detail=f"staff {claim.staff_id}",
    )
    db.flush()
    return _view(db, claim)


def pending_confirmations(
    db: DbSession, *, viewer_staff_id: int | None, now: datetime, limit: int = 30
) -> list[ClaimView]:
    """Claims still waiting for a manager (or for the person to name one, or for a coordinator
    to approve the one they named), oldest first."""
    waiting = (ClaimStatus.PENDING, ClaimStatus.AWAITING_MANAGER, ClaimStatus.AWAITING_APPROVAL)
    claims = db.exec(
        select(ElearningClaim)
        .where(col(ElearningClaim.status).in_(waiting))
        .order_by(col(ElearningClaim.claimed_at), col(ElearningClaim.id))
        .limit(limit)
    ).all()
    audit.record(db, viewer_staff_id, "elearning.pending.view", now)
    return [_view(db, c) for c in claims]


def chase(db: DbSession, claim_id: int, *, actor_staff_id: int, now: datetime) -> ClaimView:
    """A coordinator chases the manager: counted, audited, and the card is sent again."""
    claim = db.get(ElearningClaim, claim_id)
    if claim is None or claim.status != ClaimStatus.PENDING:
        raise ClaimProblem("That e-learning record is not waiting for a manager any more.")
    claim.chase_count += 1
    claim.chased_at = now
    claim.updated_at = now
    db.add(claim)
    audit.record(db, actor_staff_id, "elearning.chase", now, subject=f"claim {claim_id}")
    db.flush()
    return _view(db, claim)


def claim_view(db: DbSession, claim_id: int) -> ClaimView:
    claim = db.get(ElearningClaim, claim_id)
    if claim is None:
        raise ClaimNotFound()
    return _view(db, claim)


def staff_for_graph(db: DbSession, staff_id: int) -> tuple[str | None, str | None]:
    """(Entra object id, team) of a staff member, to ask Graph about their manager."""
    staff = db.get(Staff, staff_id)
    return (staff.aad_object_id, staff.team) if staff else (None, None)


def upsert_directory_person(
    db: DbSession,
    aad_object_id: str,
    display_name: str,
    email: str | None,
    department: str | None,
    now: datetime,
) -> int:
    """A person Graph told us about (a manager): their one staff record, found by Entra id or
    email (and merged if each found a different one), else created."""
    staff = upsert_staff(db, TeamsIdentity(aad_object_id, display_name or "Manager", email), now)
    assert staff is not None and staff.id is not None
    record_department(db, staff.id, department, now)
    return staff.id


CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}


@dataclass(frozen=True)
class CertificateFile:
    """Where a claim's certificate is kept and what it is (by its first bytes, never its name)."""

    claim_id: int
    file: str
    content_type: str
    extension: str
    sha256: str


def certificate_for_manager(
    db: DbSession,
    claim_id: int,
    viewer_staff_id: int,
    now: datetime,
    *,
    audit_view: bool,
    sha_prefix: str = "",
    fetched: str = "",
) -> CertificateFile:
    """The certificate of a claim, for the person's manager only; `audit_view` records that
    they looked at it (their download), in the same transaction. `sha_prefix`: the start of
    the file's SHA-256 the caller expects (a link made before the file was replaced fails);
    `fetched`: where a link's fetch came from, for the audit log."""
    claim = db.get(ElearningClaim, claim_id)
    if (
        claim is None
        or claim.manager_staff_id != viewer_staff_id
        or claim.status == ClaimStatus.AWAITING_APPROVAL  # not theirs until approved
    ):
        raise ClaimNotFound()
    if (
        not claim.certificate_file
        or claim.certificate_type not in CONTENT_TYPES
        or not claim.certificate_sha256.startswith(sha_prefix)
    ):
        raise ClaimProblem("I can't find that e-learning certificate.")
    if audit_view:
        audit.record(
            db,
            viewer_staff_id,
            "elearning.certificate.view",
            now,
            subject=f"claim {claim_id}",
            detail=f"staff {claim.staff_id}" + (f", {fetched}" if fetched else ""),
        )
    return CertificateFile(
        claim_id=claim_id,
        file=claim.certificate_file,
        content_type=CONTENT_TYPES[claim.certificate_type],
        extension="jpg" if claim.certificate_type == "jpeg" else claim.certificate_type,
        sha256=claim.certificate_sha256,
    )
