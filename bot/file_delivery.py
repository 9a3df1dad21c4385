"""How a file made for someone reaches them: Teams' file consent card (Allow saves it to their
OneDrive, see `bot.features.files`), or, where the client cannot take file consent, a signed
download link from the bot.

The Agents Playground (and any client of a bot in local mode) shows the consent card as "File
Consent Card is not supported yet" and never answers it, so there `EXPORT_DELIVERY=auto` gives a
link: `GET /exports/<token>`, for the person it was made for only, lasting
`EXPORT_LINK_MINUTES`, once. The token names the stored file, that person, an expiry and the
file's hash, signed with HMAC-SHA256 as certificate links are; the file is in the database, so
any replica serves it, and the first fetch spends the link and deletes the file.
"""

import secrets
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.cards.files import file_consent_attachment
from bot.certificate_links import CertificateLinks, LinkRefused, link_fetch, refusal
from bot.turn import Caller, Outcome
from database.engine import Database
from delivery.file_links import (
    DownloadGone,
    LinkUsed,
    fetch_download,
    record_offer,
    refuse_reused_link,
    store_download,
)
from training.dates.clock import Clock

NOT_VALID = "This download link is not valid. Ask for the file again in Teams."
EXPIRED = "This download link has expired. Ask for the file again in Teams."
USED = (
    "This download link has already been used: each link works once. Ask for the file again "
    "in Teams."
)


def offer_made(staff_id: int, offer: str) -> str:
    """The key recording that the bot offered this file to this person (an answer naming an
    offer never made, or made to someone else, is refused)."""
    return f"file-offer-made:{staff_id}:{offer}"


class FileDelivery:
    def __init__(self, database: Database, clock: Clock, links: CertificateLinks | None) -> None:
        """`links` None: files are offered through Teams' file consent card."""
        self.database = database
        self.clock = clock
        self.links = links

    async def offer(
        self,
        caller: Caller,
        name: str,
        description: str,
        content: bytes,
        *,
        kind: str,
        subject: str,
        detail: str,
        context: dict[str, Any],
    ) -> Outcome:
        """Offer a made file; `kind` names it in the audit log ('csv', 'roster.docx'):
        `export.offer.<kind>` for a consent card, `export.<kind>` for a link, as for an upload."""
        now = self.clock.now()
        if self.links is None:
            offer = secrets.token_urlsafe(16)
            await self.database.run(
                record_offer,
                caller.staff_id,
                offer_made(caller.staff_id, offer),
                now,
                kind=kind,
                subject=subject,
                detail=detail,
            )
            context = {**context, "offer": offer}
            consent = file_consent_attachment(name, description, len(content), context)
            return Outcome(
                text="Press Allow to save it to your OneDrive; I'll post the file here.",
                attachments=(consent,),
            )
        stored = await self.database.run(
            store_download,
            caller.staff_id,
            name,
            content,
            now,
            lifetime=self.links.lifetime,
            action=f"export.{kind}",
            subject=subject,
            detail=detail,
        )
        url = self.links.link(stored.id, caller.staff_id, stored.sha256, now)
        minutes = int(self.links.lifetime.total_seconds() // 60)
        return Outcome(
            text=f"{description}: [download {name}]({url}) (for you only; the link works once, "
            f"within {minutes} minutes)."
        )


def export_download_route(links: CertificateLinks, database: Database, clock: Clock) -> Handler:
    async def download(request: web.Request) -> web.StreamResponse:
        now = clock.now()
        try:
            grant = links.read(request.match_info["token"], now)
            fetch = link_fetch(request, grant)
            found = await database.run(
                fetch_download, grant.item_id, grant.staff_id, grant.sha_prefix, now, fetch
            )
        except LinkRefused as refused:
            return refusal(refused.status, refused.sentence)
        except LinkUsed:
            subject = f"file {grant.item_id}"
            await database.run(refuse_reused_link, grant.staff_id, subject, fetch, now)
            return refusal(410, USED)
        except DownloadGone:
            return refusal(404, NOT_VALID)
        return web.Response(
            body=found.content,
            headers={
                "Content-Type": found.content_type,
                "Content-Disposition": f'attachment; filename="{found.name}"',
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Referrer-Policy": "no-referrer",
            },
        )

    return download
