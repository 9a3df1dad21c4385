"""The Home Office e-learning: claims and the certificates sent with them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Column,
    Index,
    LargeBinary,
    String,
    text,
)
from sqlmodel import Field, SQLModel

from database.columns import utc_column


class ClaimStatus(StrEnum):
    AWAITING_CERTIFICATE = "awaiting_certificate"
    AWAITING_MANAGER = "awaiting_manager"  # Graph knows no manager: the person must name one
    # The person named their own manager and NAMED_MANAGER_NEEDS_APPROVAL is on: a coordinator
    # approves the manager before the claim goes to them.
    AWAITING_APPROVAL = "awaiting_approval"
    PENDING = "pending"  # with the manager
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


OPEN_CLAIM_STATUSES = (
    ClaimStatus.AWAITING_CERTIFICATE,
    ClaimStatus.AWAITING_MANAGER,
    ClaimStatus.AWAITING_APPROVAL,
    ClaimStatus.PENDING,
)


# The same, as SQL (partial indexes, staff_merge).
OPEN_CLAIM_SQL = (
    "status IN ('awaiting_certificate', 'awaiting_manager', 'awaiting_approval', 'pending')"
)


class StoredCertificate(SQLModel, table=True):
    """An e-learning certificate's bytes, in the database so that every replica can serve it.
    Named by its content (`<sha256>.<type>`, as `ElearningClaim.certificate_file` names it), so
    a file sent twice is kept once; removed by retention when no claim names it any more."""

    __tablename__ = "stored_certificate"

    name: str = Field(primary_key=True, max_length=200)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int
    stored_at: datetime = Field(sa_column=utc_column())


class ElearningClaim(SQLModel, table=True):
    """Someone says they finished the e-learning; it counts only once their manager confirms."""

    __tablename__ = "elearning_claim"
    __table_args__ = (
        Index(
            "uq_elearning_claim_open",
            "staff_id",
            "course_id",
            unique=True,
            sqlite_where=text(OPEN_CLAIM_SQL),
            postgresql_where=text(OPEN_CLAIM_SQL),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    course_id: int = Field(foreign_key="course.id")
    status: str = Field(sa_column=Column(String(30), nullable=False))
    certificate_name: str = Field(default="", max_length=200)
    certificate_type: str = Field(default="", max_length=10)
    certificate_size: int = 0
    certificate_sha256: str = Field(default="", max_length=64)
    certificate_file: str = Field(default="", max_length=200)
    manager_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    # When the person named the manager themselves (the directory had none); None: the
    # directory's manager. And who approved a named manager, when that is needed.
    manager_named_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    manager_approved_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    manager_approved_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    claimed_at: datetime = Field(sa_column=utc_column())
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    decided_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    decision_note: str = Field(default="", max_length=500)
    chased_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    chase_count: int = 0
    updated_at: datetime = Field(sa_column=utc_column())
