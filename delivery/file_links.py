"""Files made for one person to fetch through a signed link from the bot, where their client
cannot take Teams' file consent card (the Agents Playground, or any client in local mode).

The file is kept in the database, so whichever replica serves the link has it, and only until
the link expires: each new file clears the expired ones. Making the file is audited as an upload
to OneDrive is (`export.<format>`), and so is each download (`export.download`). Where the client
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

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class DownloadGone(TrainingError):
    """No file for that link: never made, made for someone else, replaced, or expired."""


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
    db: DbSession, download_id: int, staff_id: int, sha_prefix: str, now: datetime
) -> Download:
    """The file the link names, for the person it was made for; audited. `DownloadGone` if
    there is none, it was made for someone else, or it has expired."""
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
        detail=f"{row.name}, {len(row.content)} bytes",
    )
    return Download(row.name, row.content_type, row.content)
