"""Certificates are kept where every replica can serve them: a manager's link made on one
replica downloads the file from another (a separate process with a disk of its own), once."""

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.bot.graph_chat import offer
from tests.bot.harness import button, card_from_invoke, cards_in
from tests.graph.scenario import AAD

SECRET = "a-secret-every-replica-shares-0123456789"
PDF = b"%PDF-1.7\n" + b"2" * 3000
MANAGER_AAD = "eeeeeeee-0000-0000-0000-00000000000m"


@pytest.fixture
def chat_settings() -> dict:
    return {"certificate_link_secret": SECRET}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def second_replica(database, tmp_path: Path) -> Iterator[str]:
    """`python -m bot` on the same database, in its own folder with its own CERTIFICATE_DIR."""
    port = _free_port()
    folder = tmp_path / "replica-2"
    folder.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MICROSOFT_", "ALLOWED_"))}
    replica = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        env={
            **clean,
            "DATABASE_URL": database.url.replace("postgresql+psycopg://", "postgresql://"),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "SCHEDULER_ENABLED": "false",
            "CERTIFICATE_LINK_SECRET": SECRET,
            "CERTIFICATE_DIR": str(folder / "certificates"),
        },
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield f"http://127.0.0.1:{port}"
    replica.terminate()
    replica.wait(timeout=30)


async def _until_up(http: aiohttp.ClientSession, origin: str) -> None:
    for _ in range(120):
        try:
            async with http.get(f"{origin}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.5)
    raise AssertionError("the second replica did not start")


async def test_a_link_made_on_one_replica_downloads_on_another(
    graph_chat, graph_server, files, second_replica
):
    ann = graph_chat.user("Ann Able", AAD["A"])
    mo = graph_chat.user("Mo Manager", MANAGER_AAD)
    await mo.says("hi")
    graph_server.add_user(AAD["A"], "Ann Able", ann.email)
    graph_server.add_user(MANAGER_AAD, "Mo Manager", mo.email)
    graph_server.managers[AAD["A"]] = MANAGER_AAD
    await ann.says("record e-learning", attachments=offer(files, "cert.pdf", PDF))
    await graph_chat.background_done()
    await graph_chat.notices_sent()
    [ask] = cards_in(mo.new_replies())
    shown = card_from_invoke(await mo.presses(button(ask, "View certificate")))
    [link] = [
        a["url"]
        for block in shown["body"]
        if block.get("type") == "ActionSet"
        for a in block["actions"]
        if a["type"] == "Action.OpenUrl"
    ]

    await _until_up(graph_chat.http, second_replica)
    async with graph_chat.http.get(second_replica + urlsplit(link).path) as response:
        assert response.status == 200
        assert await response.read() == PDF
        assert response.headers["Content-Disposition"].startswith("attachment;")
    # The link is spent in the database: the first replica refuses it now.
    async with graph_chat.http.get(
        graph_chat.url.removesuffix("/api/messages") + urlsplit(link).path
    ) as response:
        assert response.status == 410
        assert "already been used" in await response.text()
