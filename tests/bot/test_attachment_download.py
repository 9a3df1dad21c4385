"""Fetching an attached certificate never reaches internal addresses, even through redirects."""

import pytest
from aiohttp import web

from bot.downloads import FileOffer, _fetchable, download
from training.elearning import ClaimProblem


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://contoso.sharepoint.com/personal/x/cert.pdf", True),
        ("https://20.190.1.1/cert.pdf", True),
        ("http://127.0.0.1:8080/cert.pdf", True),  # the tests' local Teams only
        ("http://contoso.sharepoint.com/cert.pdf", False),
        ("https://169.254.169.254/latest/meta-data/", False),
        ("https://10.1.2.3/cert.pdf", False),
        ("https://192.168.0.5/cert.pdf", False),
        ("file:///etc/passwd", False),
        ("ftp://example.com/cert.pdf", False),
    ],
)
def test_only_public_https_or_local_test_addresses_are_fetched(url, allowed):
    assert _fetchable(url) is allowed


async def test_a_redirect_to_an_internal_address_is_not_followed(aiohttp_server_factory):
    async def file(request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.7 certificate", content_type="application/pdf")

    async def to_metadata(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    async def to_file(request: web.Request) -> web.Response:
        raise web.HTTPFound("/file.pdf")

    base = await aiohttp_server_factory(
        [("/file.pdf", file), ("/sneaky", to_metadata), ("/moved", to_file)]
    )
    assert await download(FileOffer("c.pdf", f"{base}/moved"), 1000) == b"%PDF-1.7 certificate"
    with pytest.raises(ClaimProblem):
        await download(FileOffer("c.pdf", f"{base}/sneaky"), 1000)


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
