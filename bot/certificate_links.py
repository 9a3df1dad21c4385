"""Short-lived signed links that let a manager download one certificate, and the route serving
them (`GET /certificates/{token}`).

A link is minted only when the manager presses "View certificate" on their card: that press is
an authenticated Teams activity, so it is checked there that the presser is the claim's manager.
The link names the claim, that manager, an expiry and the file's hash, signed with HMAC-SHA256;
at download the claim must still have that manager and that file. The file goes out as an
attachment with its stored type and `nosniff`, so a browser saves it and never renders it as a
page, and each download is written to the audit log with the client's address and user agent.
A link works once (`delivery.file_links.spend_link`): a second fetch, on any replica, gets a
plain page saying it was used.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from aiohttp.typedefs import Handler

from database.engine import Database
from delivery.file_links import LinkFetch, LinkUsed, fetch_certificate, refuse_reused_link
from training.dates.clock import Clock
from training.errors import TrainingError

EXPIRED = "This link has expired. Press 'View certificate' on the card in Teams to get a new one."
NOT_VALID = "This certificate link is not valid."
USED = (
    "This link has already been used: each link works once. Press 'View certificate' on the "
    "card in Teams to get a new one."
)


@dataclass(frozen=True)
class LinkGrant:
    item_id: int  # the claim, or the stored file
    staff_id: int
    expires: int
    sha_prefix: str
    link: str  # names this link alone (its kind and signature), to spend it once


def link_fetch(request: web.Request, grant: LinkGrant) -> LinkFetch:
    """Who fetched a link, for the audit log: the peer's address (and what a proxy says it
    forwarded for) and the user agent, on one line."""
    client = request.remote or ""
    if forwarded := request.headers.get("X-Forwarded-For", ""):
        client = f"{client} (forwarded for {forwarded})"
    agent = request.headers.get("User-Agent", "")
    return LinkFetch(grant.link, " ".join(client.split())[:200], " ".join(agent.split())[:300])


class LinkRefused(Exception):
    def __init__(self, status: int, sentence: str) -> None:
        super().__init__(sentence)
        self.status = status
        self.sentence = sentence


class CertificateLinks:
    """Signed links under `/<path>/` (certificates; exports in `bot.file_delivery`). The path
    is signed too, so a link of one kind never opens the other."""

    def __init__(
        self,
        secret: bytes,
        base_url: str,
        lifetime: timedelta,
        *,
        path: str = "certificates",
        expired: str = EXPIRED,
        not_valid: str = NOT_VALID,
    ) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self.base_url = base_url.rstrip("/")
        self.lifetime = lifetime
        self.path = path
        self.expired = expired
        self.not_valid = not_valid

    def _signature(self, payload: str) -> str:
        signed = f"{self.path}/{payload}".encode()
        digest = hmac.new(self._secret, signed, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def link(self, item_id: int, staff_id: int, sha256: str, now: datetime) -> str:
        expires = int((now + self.lifetime).timestamp())
        payload = f"{item_id}.{staff_id}.{expires}.{sha256[:16]}"
        return f"{self.base_url}/{self.path}/{payload}.{self._signature(payload)}"

    def read(self, token: str, now: datetime) -> LinkGrant:
        """What a token grants; `LinkRefused` (404 forged or malformed, 410 expired) if nothing."""
        parts = token.split(".")
        if len(parts) != 5 or not all(p.isdigit() for p in parts[:3]) or len(parts[1]) > 12:
            raise LinkRefused(404, self.not_valid)
        payload = ".".join(parts[:4])
        if not hmac.compare_digest(self._signature(payload), parts[4]):
            raise LinkRefused(404, self.not_valid)
        grant = LinkGrant(
            int(parts[0]), int(parts[1]), int(parts[2]), parts[3], f"{self.path}/{parts[4]}"
        )
        if grant.expires <= now.timestamp():
            raise LinkRefused(410, self.expired)
        return grant


def download_route(links: CertificateLinks, database: Database, clock: Clock) -> Handler:
    async def download(request: web.Request) -> web.StreamResponse:
        now = clock.now()
        try:
            grant = links.read(request.match_info["token"], now)
            fetch = link_fetch(request, grant)
            download = await database.run(
                fetch_certificate, grant.item_id, grant.staff_id, grant.sha_prefix, now, fetch
            )
        except LinkRefused as refused:
            return refusal(refused.status, refused.sentence)
        except LinkUsed:
            subject = f"claim {grant.item_id}"
            await database.run(refuse_reused_link, grant.staff_id, subject, fetch, now)
            return refusal(410, USED)
        except TrainingError:
            return refusal(404, NOT_VALID)
        found = download.file
        return web.Response(
            body=download.content,
            headers={
                "Content-Type": found.content_type,
                "Content-Disposition": (
                    f'attachment; filename="prevent-certificate-{found.claim_id}.{found.extension}"'
                ),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Referrer-Policy": "no-referrer",
            },
        )

    return download


def refusal(status: int, sentence: str) -> web.Response:
    return web.Response(
        status=status,
        text=sentence,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )
