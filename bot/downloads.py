"""Files people attach in chat: where to fetch them, and fetching them safely.

A file is fetched only from a host Teams keeps chat files on (`DOWNLOAD_HOSTS`: the tenant's
SharePoint and OneDrive) or from the Bot Connector that sent the message (pasted pictures), over
https, and only from public addresses. The addresses are checked when connecting: the resolver
the connection uses drops every address that is not public (IPv4 forms hidden inside IPv6
included), so a name that resolves, or later re-resolves, to an internal address reaches nothing.
Local mode (no app id: a developer's machine and the tests) also allows http and loopback.
"""

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from training.records.elearning import ClaimProblem

FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
IMAGE_TYPES = {"image/png", "image/jpeg", "image/jpg", "image/*"}
MAX_REDIRECTS = 3
CANNOT_FETCH = "I can't fetch that attachment; please attach the file again."
COULD_NOT_DOWNLOAD = "I couldn't download that file; please try again."

# NAT64 prefixes (RFC 6052 well-known, RFC 8215 local use): the IPv4 address is in the low bits.
NAT64 = IPv6Network("64:ff9b::/96")
LOCAL_NAT64 = IPv6Network("64:ff9b:1::/48")
IPV4_COMPATIBLE = IPv6Network("::/96")  # deprecated ::a.b.c.d


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


def public_address(address: IPv4Address | IPv6Address) -> bool:
    """An address anyone on the internet could reach: not private, loopback, link-local
    (cloud metadata), shared, reserved or multicast, also when written as IPv6 around an
    IPv4 address (mapped, compatible, 6to4, NAT64)."""
    if isinstance(address, IPv6Address):
        if address in LOCAL_NAT64 or address.teredo is not None:
            return False
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and (address in NAT64 or address in IPV4_COMPATIBLE):
            inner = IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            return public_address(inner)
    return address.is_global and not address.is_multicast


def _loopback(address: IPv4Address | IPv6Address) -> bool:
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


class NotPublic(OSError):
    """A host that resolves to no address the bot may connect to."""


class PublicOnlyResolver(AbstractResolver):
    """Resolves with `inner` and keeps only public addresses (and loopback, if allowed): the
    connection is made to an address checked here, so a DNS answer that changes between a
    check and the connection (rebinding) cannot slip an internal address in."""

    def __init__(self, inner: AbstractResolver, *, allow_loopback: bool = False) -> None:
        self.inner = inner
        self.allow_loopback = allow_loopback

    def _allowed(self, result: ResolveResult) -> bool:
        try:
            address = ip_address(result["host"])
        except ValueError:
            return False
        return public_address(address) or (self.allow_loopback and _loopback(address))

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        kept = [
            found for found in await self.inner.resolve(host, port, family) if self._allowed(found)
        ]
        if not kept:
            raise NotPublic(f"{host} resolves to no public address")
        return kept

    async def close(self) -> None:
        await self.inner.close()


def host_pattern_matches(host: str, pattern: str) -> bool:
    """`*.sharepoint.com` matches any name under sharepoint.com (not sharepoint.com itself);
    anything else matches that exact name. Case and a final dot do not matter."""
    host, pattern = host.lower().rstrip("."), pattern.strip().lower().rstrip(".")
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return bool(pattern) and host == pattern


@dataclass(frozen=True)
class DownloadRules:
    """`hosts`: the name patterns files may come from (besides the sending Bot Connector);
    `local`: local mode, where http and this machine's loopback addresses are allowed too."""

    hosts: tuple[str, ...]
    local: bool = False


class Downloads:
    def __init__(self, rules: DownloadRules, resolver: AbstractResolver | None = None) -> None:
        """`resolver` looks names up (default: the system's, through aiohttp); its answers
        are filtered to public addresses either way."""
        self.rules = rules
        self._resolver = resolver

    def allowed(self, url: str, connector: tuple[str, str, int | None] | None = None) -> bool:
        """Whether a URL may be fetched at all (its addresses are checked again on connect):
        https (http only in local mode) to an allowed host, or to `connector`, the origin of
        the Bot Connector that sent the message."""
        origin = _origin(url)
        if origin is None or not origin[1]:
            return False
        scheme, host, _ = origin
        if scheme != "https" and not (self.rules.local and scheme == "http"):
            return False
        try:
            address: IPv4Address | IPv6Address | None = ip_address(host.strip("[]"))
        except ValueError:
            address = None
        if address is not None and not public_address(address):
            return self.rules.local and _loopback(address)
        if connector is not None and origin == connector:
            return True
        if self.rules.local and host == "localhost":
            return True
        return address is None and any(host_pattern_matches(host, p) for p in self.rules.hosts)

    @asynccontextmanager
    async def session(self, seconds: float) -> AsyncIterator[aiohttp.ClientSession]:
        """An HTTP session whose every connection goes to a checked address (never through a
        proxy from the environment)."""
        resolver = PublicOnlyResolver(
            self._resolver or DefaultResolver(), allow_loopback=self.rules.local
        )
        try:
            connector = aiohttp.TCPConnector(resolver=resolver)
            async with aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=seconds), connector=connector, trust_env=False
            ) as http:
                yield http
        finally:
            if self._resolver is None:
                await resolver.close()

    @asynccontextmanager
    async def _get_checked(
        self, http: aiohttp.ClientSession, offer: FileOffer, headers: dict[str, str]
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """GET, following redirects ourselves so every hop is allowed; the token never leaves
        the first origin."""
        url = offer.url
        first = _origin(url)
        connector = first if offer.bot_token else None
        for _ in range(MAX_REDIRECTS + 1):
            async with http.get(url, allow_redirects=False, headers=headers) as response:
                if response.status not in (301, 302, 303, 307, 308):
                    yield response
                    return
                url = urljoin(str(response.url), response.headers.get("Location", ""))
            if not self.allowed(url, connector):
                raise ClaimProblem(CANNOT_FETCH)
            if _origin(url) != first:
                headers = {}
        raise ClaimProblem(COULD_NOT_DOWNLOAD)

    async def fetch(self, offer: FileOffer, max_bytes: int, bot_token: str | None = None) -> bytes:
        """The attached file, read no further than the size limit. `bot_token` goes only with
        an offer on the Bot Connector, and never past a redirect to another origin."""
        if not self.allowed(offer.url, _origin(offer.url) if offer.bot_token else None):
            raise ClaimProblem(CANNOT_FETCH)
        headers = {"Authorization": f"Bearer {bot_token}"} if bot_token and offer.bot_token else {}
        try:
            async with (
                self.session(60) as http,
                self._get_checked(http, offer, headers) as response,
            ):
                if response.status != 200:
                    raise ClaimProblem("Teams wouldn't give me that file; please attach it again.")
                data = b""
                async for chunk in response.content.iter_chunked(64 * 1024):
                    data += chunk
                    if len(data) > max_bytes:
                        break  # stop reading: it is too large whatever the rest holds
        except aiohttp.ClientError as error:
            if isinstance(error.__cause__, NotPublic):
                raise ClaimProblem(CANNOT_FETCH) from error
            raise ClaimProblem(COULD_NOT_DOWNLOAD) from error
        if len(data) > max_bytes:
            raise CertificateTooLarge(
                f"That file is larger than {max_bytes // 1024} KB. A PDF or a photo is enough."
            )
        return data
