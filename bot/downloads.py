"""Files people attach in chat: where to fetch them, and fetching them safely."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any
from urllib.parse import urljoin, urlparse, urlsplit

import aiohttp

from training.elearning import ClaimProblem

FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
IMAGE_TYPES = {"image/png", "image/jpeg", "image/jpg", "image/*"}


@dataclass(frozen=True)
class FileOffer:
    """A file someone attached in chat: where to fetch it and what they called it."""

    name: str
    url: str
    # A picture pasted into the chat lives on the Bot Connector, which wants the bot's token.
    bot_token: bool = False


def _origin(url: str | None) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url or "")
        return (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port)
    except ValueError:
        return None


def on_bot_connector(url: str, service_url: str | None) -> bool:
    """The URL is on the Bot Connector that sent us this activity (same scheme, host, port):
    the only place the bot's token may be sent."""
    origin = _origin(url)
    return origin is not None and bool(origin[1]) and origin == _origin(service_url)


def attached_files(
    attachments: list[dict[str, Any]], service_url: str | None = None
) -> list[FileOffer]:
    """Files and pictures in a Teams message (its own HTML rendering is not a file)."""
    found = []
    for item in attachments[:5]:
        kind = str(item.get("contentType") or "").lower()
        raw = item.get("content")
        content: dict[str, Any] = raw if isinstance(raw, dict) else {}
        name = str(item.get("name") or "certificate")[:200]
        if kind == FILE_DOWNLOAD_INFO and isinstance(content.get("downloadUrl"), str):
            found.append(FileOffer(name, content["downloadUrl"]))
        elif kind in IMAGE_TYPES and isinstance(item.get("contentUrl"), str):
            url = item["contentUrl"]
            found.append(FileOffer(name, url, on_bot_connector(url, service_url)))
    return found


class CertificateTooLarge(ClaimProblem):
    pass


def _fetchable(url: str) -> bool:
    """https to a named host or a public address; plain http only on this machine (the tests'
    local Teams). Private, link-local and reserved addresses (cloud metadata) are refused."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    try:
        address = ip_address(host)
    except ValueError:
        address = None
    if parsed.scheme == "http":
        return host == "localhost" or (address is not None and address.is_loopback)
    if parsed.scheme != "https":
        return False
    return address is None or address.is_global


MAX_REDIRECTS = 3


@asynccontextmanager
async def _get_checked(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str]
) -> AsyncIterator[aiohttp.ClientResponse]:
    """GET, following redirects ourselves so every hop passes `_fetchable`; the token never
    leaves the first origin."""
    origin = urlparse(url)[:2]
    for _ in range(MAX_REDIRECTS + 1):
        async with http.get(url, allow_redirects=False, headers=headers) as response:
            if response.status not in (301, 302, 303, 307, 308):
                yield response
                return
            url = urljoin(str(response.url), response.headers.get("Location", ""))
        if not _fetchable(url):
            raise ClaimProblem("I can't fetch that attachment; please attach the file again.")
        if urlparse(url)[:2] != origin:
            headers = {}
    raise ClaimProblem("I couldn't download that file; please try again.")


async def download(offer: FileOffer, max_bytes: int, bot_token: str | None = None) -> bytes:
    """The attached file, read no further than the size limit. `bot_token` goes only with an
    offer on the Bot Connector (aiohttp also drops it if a redirect leaves that origin)."""
    if not _fetchable(offer.url):
        raise ClaimProblem("I can't fetch that attachment; please attach the file again.")
    timeout = aiohttp.ClientTimeout(total=60)
    headers = {"Authorization": f"Bearer {bot_token}"} if bot_token and offer.bot_token else {}
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            _get_checked(http, offer.url, headers) as response,
        ):
            if response.status != 200:
                raise ClaimProblem("Teams wouldn't give me that file; please attach it again.")
            data = b""
            async for chunk in response.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > max_bytes:
                    break  # stop reading: it is too large whatever the rest holds
    except aiohttp.ClientError as error:
        raise ClaimProblem("I couldn't download that file; please try again.") from error
    if len(data) > max_bytes:
        raise CertificateTooLarge(
            f"That file is larger than {max_bytes // 1024} KB. A PDF or a photo is enough."
        )
    return data
