"""Fixtures for chats with Graph configured: the real bot app, a real GraphClient on the local
authority and local Graph, and a local stand-in for where Teams keeps chat files.

Registered for the whole suite from tests/conftest.py."""

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot.app import create_app
from graph.client import GraphClient
from tests.bot.conftest import COORDINATOR_AAD, Chat
from tests.bot.harness import TENANT, LocalConnector
from tests.factories import add_course
from tests.graph.fixtures import graph_settings


@pytest.fixture
async def files() -> AsyncIterator[dict]:
    """A local stand-in for where Teams keeps chat files (downloadUrl / contentUrl)."""
    stored: dict[str, bytes] = {}
    app = web.Application()

    async def serve(request: web.Request) -> web.Response:
        data = stored.get(request.match_info["name"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    app.router.add_get("/files/{name}", serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    stored["_url"] = f"http://127.0.0.1:{port}/files/".encode()
    yield stored
    await runner.cleanup()


def offer(files: dict, name: str, data: bytes) -> list[dict]:
    files[name] = data
    url = files["_url"].decode() + name
    return [
        {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "name": name,
            "content": {"downloadUrl": url, "uniqueId": "1", "fileType": name.rsplit(".")[-1]},
        },
        {"contentType": "text/html", "content": "<p>record e-learning</p>"},
    ]


@pytest.fixture
async def graph_chat(
    database, clock, authority, graph_server, pki, tmp_path, chat_settings
) -> AsyncIterator[Chat]:
    settings = graph_settings(
        authority,
        graph_server,
        pki,
        tmp_path,
        database_url=database.url,
        coordinators=[COORDINATOR_AAD],
        allowed_tenant_ids=[TENANT],
        **{"export_delivery": "consent", **chat_settings},  # the local connector plays Teams
    )
    graph = GraphClient(settings)
    connector = LocalConnector()
    await connector.start()
    app = create_app(settings, database, clock, graph=graph)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    with database.unit_of_work() as db:
        add_course(db, "HO-ELEARN", "Home Office online Prevent training")
    async with aiohttp.ClientSession() as http:
        yield Chat(app, f"http://127.0.0.1:{port}/api/messages", connector, http, database, clock)
    await runner.cleanup()
    await connector.stop()
    await graph.close()
