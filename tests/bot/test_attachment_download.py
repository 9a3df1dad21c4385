"""Fetching an attached file reaches only the hosts Teams keeps chat files on, only public
addresses (checked when connecting, whatever a name resolves to), and http or loopback only in
local mode; redirects are held to the same rules."""

import asyncio
import socket
from ipaddress import ip_address

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from bot.downloads import (
    CANNOT_FETCH,
    DownloadRules,
    Downloads,
    FileOffer,
    NotPublic,
    PublicOnlyResolver,
    public_address,
)
from training.records.elearning import ClaimProblem

HOSTS = ("*.sharepoint.com",)
PRODUCTION = Downloads(DownloadRules(HOSTS, local=False))
LOCAL = Downloads(DownloadRules(HOSTS, local=True))


class HostsResolver(AbstractResolver):
    """Plays DNS from a table, like a hosts file, and remembers what was asked."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"no such host {host}")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.table[host]
        ]

    async def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://contoso.sharepoint.com/personal/x/cert.pdf", True),
        ("https://contoso-my.sharepoint.com/personal/x/cert.pdf", True),
        ("https://CONTOSO-MY.SharePoint.com./x.pdf", True),
        ("https://sharepoint.com/cert.pdf", False),  # the suffix alone is nobody's tenant
        ("https://contoso.sharepoint.com.evil.example/cert.pdf", False),
        ("https://evilsharepoint.com/cert.pdf", False),
        ("https://files.example.com/cert.pdf", False),  # any other public name
        ("https://intranet.council.local/cert.pdf", False),  # internal names
        ("https://10.0.0.1.nip.io/cert.pdf", False),  # wildcard DNS onto a private address
        ("https://20.190.1.1/cert.pdf", False),  # a public address is not an allowed host
        ("http://contoso.sharepoint.com/cert.pdf", False),
        ("http://127.0.0.1:8080/cert.pdf", False),  # loopback only in local mode
        ("http://localhost:8080/cert.pdf", False),
        ("https://localhost/cert.pdf", False),
        ("https://169.254.169.254/latest/meta-data/", False),
        ("https://0x7f000001/cert.pdf", False),
        ("https://2130706433/cert.pdf", False),
        ("https://[::ffff:169.254.169.254]/latest/meta-data/", False),
        ("https://[64:ff9b::a9fe:a9fe]/latest/meta-data/", False),  # NAT64
        ("https://[2002:a9fe:a9fe::]/latest/meta-data/", False),  # 6to4
        ("https://10.1.2.3/cert.pdf", False),
        ("file:///etc/passwd", False),
        ("ftp://contoso.sharepoint.com/cert.pdf", False),
        ("https://[::1/x", False),
    ],
)
def test_in_production_only_https_to_the_tenants_file_hosts_is_fetched(url, allowed):
    assert PRODUCTION.allowed(url) is allowed


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8080/cert.pdf", True),  # the tests' and the Playground's files
        ("http://localhost:8080/cert.pdf", True),
        ("http://[::1]:8080/cert.pdf", True),
        ("https://contoso.sharepoint.com/cert.pdf", True),
        ("http://10.1.2.3/cert.pdf", False),
        ("https://169.254.169.254/latest/meta-data/", False),
        ("http://[::ffff:169.254.169.254]/latest/meta-data/", False),
        ("http://files.example.com/cert.pdf", False),
    ],
)
def test_local_mode_also_reaches_this_machine_and_nothing_else(url, allowed):
    assert LOCAL.allowed(url) is allowed


def test_the_connector_that_sent_the_message_is_allowed_by_its_origin():
    connector = ("https", "smba.trafficmanager.net", None)
    picture = "https://smba.trafficmanager.net/emea/v3/attachments/1/views/original"
    assert PRODUCTION.allowed(picture, connector)
    assert not PRODUCTION.allowed(picture)
    assert not PRODUCTION.allowed("https://smba.trafficmanager.net:8443/x", connector)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("20.190.1.1", True),
        ("2603:1020:0:2::1", True),
        ("64:ff9b::1414:101", True),  # NAT64 of 20.20.1.1
        ("2002:1414:101::1", True),  # 6to4 of 20.20.1.1
        ("127.0.0.1", False),
        ("10.0.0.5", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("169.254.169.254", False),  # cloud metadata
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fd00:ec2::254", False),  # AWS metadata over IPv6
        ("ff02::1", False),
        ("::ffff:169.254.169.254", False),  # IPv4-mapped
        ("::ffff:127.0.0.1", False),
        ("::127.0.0.1", False),  # IPv4-compatible
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of the metadata address
        ("64:ff9b::7f00:1", False),
        ("64:ff9b:1::a9fe:a9fe", False),  # local-use NAT64
        ("2002:a9fe:a9fe::", False),  # 6to4 of the metadata address
        ("2002:a00:1::", False),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
    ],
)
def test_public_addresses_are_told_from_internal_ones_in_every_form(address, public):
    assert public_address(ip_address(address)) is public


async def test_the_resolver_keeps_only_public_addresses():
    hosts = HostsResolver(
        {
            "mixed.sharepoint.com": ["20.190.1.1", "10.0.0.5", "64:ff9b::a9fe:a9fe"],
            "rebound.sharepoint.com": ["127.0.0.1"],
            "metadata.sharepoint.com": ["::ffff:169.254.169.254", "2002:a9fe:a9fe::"],
        }
    )
    resolver = PublicOnlyResolver(hosts)
    assert [r["host"] for r in await resolver.resolve("mixed.sharepoint.com", 443)] == [
        "20.190.1.1"
    ]
    for name in ("rebound.sharepoint.com", "metadata.sharepoint.com"):
        with pytest.raises(NotPublic):
            await resolver.resolve(name, 443)


@pytest.mark.parametrize("name", ["localhost", "0x7f000001", "2130706433", "127.1"])
async def test_names_the_system_resolves_to_loopback_are_refused(name):
    resolver = PublicOnlyResolver(DefaultResolver())
    with pytest.raises(NotPublic):
        await resolver.resolve(name, 443)


@pytest.fixture
async def counting_server():
    """A bare TCP server answering one small PDF per connection, counting the connections."""
    connections: list[int] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\n%PDF-1.7")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield port, connections
    server.close()
    await server.wait_closed()


async def test_an_allowed_name_that_resolves_to_loopback_is_never_connected_to(counting_server):
    port, connections = counting_server
    hosts = HostsResolver({"contoso-my.sharepoint.com": ["127.0.0.1"]})
    production = Downloads(DownloadRules(HOSTS, local=False), resolver=hosts)
    offer = FileOffer("c.pdf", f"https://contoso-my.sharepoint.com:{port}/cert.pdf")

    with pytest.raises(ClaimProblem) as refused:
        await production.fetch(offer, 1000)

    assert str(refused.value) == CANNOT_FETCH
    assert hosts.asked == ["contoso-my.sharepoint.com"]  # looked up, then refused
    assert connections == []


async def test_in_local_mode_the_same_name_reaches_this_machine(counting_server):
    port, connections = counting_server
    hosts = HostsResolver({"contoso-my.sharepoint.com": ["127.0.0.1"]})
    local = Downloads(DownloadRules(HOSTS, local=True), resolver=hosts)
    offer = FileOffer("c.pdf", f"http://contoso-my.sharepoint.com:{port}/cert.pdf")

    assert await local.fetch(offer, 1000) == b"%PDF-1.7"
    assert connections == [1]


async def test_a_redirect_to_an_internal_or_unlisted_host_is_not_followed(aiohttp_server_factory):
    async def file(request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.7 certificate", content_type="application/pdf")

    async def to_metadata(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    async def to_elsewhere(request: web.Request) -> web.Response:
        raise web.HTTPFound("https://files.example.com/cert.pdf")

    async def to_file(request: web.Request) -> web.Response:
        raise web.HTTPFound("/file.pdf")

    base = await aiohttp_server_factory(
        [
            ("/file.pdf", file),
            ("/sneaky", to_metadata),
            ("/away", to_elsewhere),
            ("/moved", to_file),
        ]
    )
    hosts = HostsResolver({"files.example.com": ["127.0.0.1"]})
    local = Downloads(DownloadRules(HOSTS, local=True), resolver=hosts)
    assert await local.fetch(FileOffer("c.pdf", f"{base}/moved"), 1000) == b"%PDF-1.7 certificate"
    for path in ("/sneaky", "/away"):
        with pytest.raises(ClaimProblem) as refused:
            await local.fetch(FileOffer("c.pdf", f"{base}{path}"), 1000)
        assert str(refused.value) == CANNOT_FETCH
    assert hosts.asked == []  # the unlisted host was not even looked up


@pytest.fixture
async def aiohttp_server_factory():
    runners = []

    async def start(routes):
        app = web.Application()
        for path, handler in routes:
            app.router.add_get(path, handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]

    yield start
    for runner in runners:
        await runner.cleanup()
