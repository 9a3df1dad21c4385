"""Files made for one person to fetch through a signed link from the bot, where their client
cannot take Teams' file consent card (the Agents Playground, or any client in local mode).

The file is kept in the database, so whichever replica serves the link has it, and only until
the link expires or is fetched: each new file clears the expired ones. Making the file is audited
as an upload to OneDrive is (`export.<format>`), and so is each download (`export.download`).

Every download link (these files and managers' certificates) works once: the first fetch spends
it, in the database, so a forwarded or leaked link opened later, on any replica, is refused and
the refusal audited (`link.reused`). Each fetch is audited with the client's address and user
agent. Where the client
takes the consent card instead, `record_offer` notes the offer (its answer is acted on only if
the offer was made) and audits it, in one unit of work.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session as DbSession
from sqlmodel import col

from training.data_protection import audit
from training.errors import TrainingError
from training.handled import first_time
from training.models import ExportDownload
from training.records import elearning

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class DownloadGone(TrainingError):
    """No file for that link: never made, made for someone else, replaced, or expired."""


class LinkUsed(TrainingError):
    """The link was fetched before: each download link works once."""


@dataclass(frozen=True)
class LinkFetch:
    """One fetch of a download link: which link (unique to it: its signature) and who asked."""

    link: str
    client: str
    user_agent: str

    @property
    def words(self) -> str:
        """For the audit log: where the fetch came from."""
        return f"fetched from {self.client or 'an unknown address'}, user agent {self.user_agent!r}"


def spend_link(db: DbSession, fetch: LinkFetch, now: datetime) -> None:
    """Mark the link used in the caller's unit of work; `LinkUsed` if it already was (on any
    replica: the key is inserted once, so of two fetches at once one wins)."""
    if not first_time(db, [f"download-link-used:{fetch.link}"], now):
        raise LinkUsed("This download link has already been used.")


def refuse_reused_link(
    db: DbSession, staff_id: int, subject: str, fetch: LinkFetch, now: datetime
) -> None:
    """Audit a second fetch of a link made for `staff_id` (someone it was forwarded to, say)."""
    audit.record(db, staff_id, "link.reused", now, subject=subject, detail=fetch.words)


@dataclass(frozen=True)
class StoredDownload:
    id: int
    staff_id: int
    sha256: str
    expires_at: datetime


@dataclass(frozen=True)
class Download:
    name: str
    content_type: str
    content: bytes


def record_offer(
    db: DbSession,
    staff_id: int,
    offered: str,
    now: datetime,
    *,
    kind: str,
    subject: str,
    detail: str,
) -> None:
    """A file offered on a consent card: audited as `export.offer.<kind>`, and its key
    `offered` kept so that only an answer to an offer really made is acted on."""
    audit.record(db, staff_id, f"export.offer.{kind}", now, subject=subject, detail=detail)
    first_time(db, [offered], now)


def content_type_of(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def store_download(
    db: DbSession,
    staff_id: int,
    name: str,
    content: bytes,
    now: datetime,
    *,
    lifetime: timedelta,
    action: str,
    subject: str,
    detail: str,
) -> StoredDownload:
    """Keep `content` for `staff_id` until `now + lifetime`, audited as `action`."""
    db.execute(delete(ExportDownload).where(col(ExportDownload.expires_at) <= now))
    row = ExportDownload(
        staff_id=staff_id,
        name=name[:200],
        content_type=content_type_of(name),
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        subject=subject[:200],
        created_at=now,
        expires_at=now + lifetime,
    )
    db.add(row)
    db.flush()
    assert row.id is not None
    audit.record(
        db,
        staff_id,
        action,
        now,
        subject=subject,
        detail=f"{name}, {len(content)} bytes, as a download link; {detail}",
    )
    return StoredDownload(row.id, staff_id, row.sha256, row.expires_at)


def fetch_download(
    db: DbSession,
    download_id: int,
    staff_id: int,
    sha_prefix: str,
    now: datetime,
    fetch: LinkFetch,
) -> Download:
    """The file the link names, for the person it was made for, once: the link is spent, the
    fetch audited and the stored file deleted. `LinkUsed` if the link was fetched before;
    `DownloadGone` if there is no file, it was made for someone else, or it has expired."""
    spend_link(db, fetch, now)
    row = db.get(ExportDownload, download_id)
    if (
        row is None
        or row.staff_id != staff_id
        or not row.sha256.startswith(sha_prefix)
        or row.expires_at <= now
    ):
        raise DownloadGone("That download link has expired or is not valid.")
    audit.record(
        db,
        staff_id,
        "export.download",
        now,
        subject=row.subject,
        detail=f"{row.name}, {len(row.content)} bytes, {fetch.words}",
    )
    found = Download(row.name, row.content_type, row.content)
    db.delete(row)  # the link works once: nothing is kept for a second fetch
    return found


@dataclass(frozen=True)
class CertificateDownload:
    file: elearning.CertificateFile
    content: bytes


def fetch_certificate(
    db: DbSession,
    claim_id: int,
    manager_staff_id: int,
    sha_prefix: str,
    now: datetime,
    fetch: LinkFetch,
) -> CertificateDownload:
    """A claim's certificate for its manager, once per link: the link is spent and the view
    audited with where it came from. `LinkUsed`, or the claim's errors (`ClaimNotFound`...)."""
    spend_link(db, fetch, now)
    found = elearning.certificate_for_manager(
        db,
        claim_id,
        manager_staff_id,
        now,
        audit_view=True,
        sha_prefix=sha_prefix,  # a link to a file since replaced fails
        fetched=fetch.words,
    )
    return CertificateDownload(found, elearning.certificate_content(db, found.file))
