"""End to end through the Microsoft 365 Agents Playground, the local Teams client the README names.

The Playground (npm, pinned in tests/e2e/package.json) runs headless; the test plays its UI: it
installs the app, types messages and presses card buttons through the Playground's own HTTP API,
and reads what the Playground shows from its websocket stream.
"""

import asyncio
import json
import os
import re
import shutil
import signal
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web

from bot.app import create_app
from config.settings import Settings
from database.engine import Database
from demo.council import load_demo_data
from training.dates.clock import FixedClock, SystemClock

pytestmark = pytest.mark.e2e

CLI = Path(__file__).parent / "node_modules/@microsoft/m365agentsplayground/cli.js"
PLAYGROUND_USER_AAD = "00000000-0000-0000-0000-0000000000020"


def _node() -> str:
    node = shutil.which("node")
    if node is None or not CLI.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Node.js and the Playground (make test runs npm ci) are needed in CI")
        pytest.skip("Node.js or the Agents Playground is not installed (run make test)")
    return node


@pytest.fixture
def e2e_clock() -> FixedClock:
    """Today, as the demo data is; a test moves it on to after a session it made."""
    return FixedClock(SystemClock().now())


@pytest.fixture
async def bot_url(
    tmp_path: Path, sqlite_template: Path, e2e_clock: FixedClock
) -> AsyncIterator[str]:
    path = tmp_path / "e2e.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    with socket.socket() as probe:  # a free port, so the bot's links name where it listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # As `make run` (local mode: files come as download links), without the scheduler: its
    # reminders to the demo's people would arrive between the answers read.
    settings = Settings(
        _env_file=None,
        database_url=database.url,
        coordinators=[PLAYGROUND_USER_AAD],
        scheduler_enabled=False,
        host="127.0.0.1",
        port=port,
    )
    with database.unit_of_work() as db:
        load_demo_data(db, e2e_clock.now(), settings.zone)
    runner = web.AppRunner(create_app(settings, database, e2e_clock), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://127.0.0.1:{port}/api/messages"
    await runner.cleanup()
    database.dispose()


@pytest.fixture
async def playground(bot_url: str, tmp_path: Path) -> AsyncIterator[str]:
    node = _node()
    env = dict(
        os.environ,
        TEAMSAPPTESTER_BROWSER="none",
        M365_AGENTS_PLAYGROUND_LOGFILE=str(tmp_path / "playground.log"),
    )
    process = await asyncio.create_subprocess_exec(
        node,
        str(CLI),
        "-e",
        bot_url,
        "-c",
        "msteams",
        "--disable-telemetry",
        "--port",
        "0",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        while True:
            line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
            if not line:
                raise RuntimeError("the Playground exited before listening")
            if match := re.match(r"Listening on (\d+)", line):
                break
        yield f"http://localhost:{match[1]}"
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _next_message(ws: aiohttp.ClientWebSocketResponse, conversation: str) -> dict:
    while True:
        frame = json.loads((await asyncio.wait_for(ws.receive(), 20)).data)
        if frame["action"] == "createMessage" and frame["actionConversationId"] == conversation:
            return frame["message"]


def _card(message: dict) -> dict:
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def _buttons(node: object) -> list[dict]:
    if isinstance(node, dict):
        own = [node] if node.get("type") == "Action.Execute" else []
        return own + [b for value in node.values() for b in _buttons(value)]
    if isinstance(node, list):
        return [b for item in node for b in _buttons(item)]
    return []


async def test_install_list_and_book_through_the_playground(playground: str):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{playground}/_internal/v1/config") as response:
            config = (await response.json())["config"]
        chat, me = config["personalChat"]["id"], config["currentUser"]["id"]
        ws = await http.ws_connect(
            playground.replace("http", "ws", 1) + "/_ws_conversation/v1/conversations/stream"
        )

        async with http.post(f"{playground}/_debug/conversation/{chat}/installation", json={}):
            pass
        # The Playground shows a message's text and its card as two bubbles.
        greeting = await _next_message(ws, chat)
        assert "Prevent training" in greeting["text"]
        welcome = _card(await _next_message(ws, chat))
        assert "New session" in [b["title"] for b in _buttons(welcome)]  # Alex is a coordinator

        async with http.post(
            f"{playground}/_conversation/v1/conversations/{chat}/messages",
            json={"from": {"id": me}, "text": "sessions", "textFormat": "plain"},
        ) as response:
            assert response.status == 200
        listing = await _next_message(ws, chat)
        sessions_card = _card(listing)
        book = next(b for b in _buttons(sessions_card) if b["title"] == "Book a seat")

        async with http.post(
            f"{playground}/_conversation/v1/invoke",
            json={
                "name": "adaptiveCard/action",
                "value": {
                    "action": {"type": "Action.Execute", "verb": book["verb"], "data": book["data"]}
                },
                "from": {"id": me},
                "conversation": {"id": chat},
                "replyToId": listing["messageId"],
            },
        ) as response:
            assert response.status == 200
            answer = await response.json()
        assert answer["type"] == "application/vnd.microsoft.card.adaptive"
        assert "You're booked" in json.dumps(answer["value"])

        async with http.post(
            f"{playground}/_conversation/v1/conversations/{chat}/messages",
            json={"from": {"id": me}, "text": "my bookings", "textFormat": "plain"},
        ):
            pass
        mine = _card(await _next_message(ws, chat))
        assert "Cancel booking" in [b["title"] for b in _buttons(mine)]
        await ws.close()


class PlaygroundChat:
    """The Playground's personal chat with the bot: type, press, and read what it shows."""

    def __init__(self, http: aiohttp.ClientSession, playground: str) -> None:
        self.http, self.playground = http, playground

    async def open(self) -> None:
        async with self.http.get(f"{self.playground}/_internal/v1/config") as response:
            config = (await response.json())["config"]
        self.chat, self.me = config["personalChat"]["id"], config["currentUser"]["id"]
        self.ws = await self.http.ws_connect(
            self.playground.replace("http", "ws", 1) + "/_ws_conversation/v1/conversations/stream"
        )
        async with self.http.post(
            f"{self.playground}/_debug/conversation/{self.chat}/installation", json={}
        ):
            pass
        await _next_message(self.ws, self.chat)  # the greeting
        await _next_message(self.ws, self.chat)  # the welcome card

    async def says(self, words: str) -> dict:
        async with self.http.post(
            f"{self.playground}/_conversation/v1/conversations/{self.chat}/messages",
            json={"from": {"id": self.me}, "text": words, "textFormat": "plain"},
        ) as response:
            assert response.status == 200
        return await _next_message(self.ws, self.chat)

    async def presses(self, message: dict, title: str, inputs: dict | None = None) -> dict:
        """Press the button called `title` on the card of `message`; the card it answers."""
        action = next(b for b in _buttons(_card(message)) if b["title"] == title)
        return await self.sends(message, action, inputs)

    async def sends(
        self, message: dict, action: dict, inputs: dict | None = None, trigger: str = "manual"
    ) -> dict:
        """Send `action` from the card of `message`, as a press or (`automatic`) as Teams
        redrawing the card when it is shown; the card it answers."""
        async with self.http.post(
            f"{self.playground}/_conversation/v1/invoke",
            json={
                "name": "adaptiveCard/action",
                "value": {
                    "action": {
                        "type": "Action.Execute",
                        "verb": action["verb"],
                        "data": {**action["data"], **(inputs or {})},
                    },
                    "trigger": trigger,
                },
                "from": {"id": self.me},
                "conversation": {"id": self.chat},
                "replyToId": message["messageId"],
            },
        ) as response:
            assert response.status == 200
            answer = await response.json()
        if answer["type"] != "application/vnd.microsoft.card.adaptive":
            return answer  # a message, not a card
        return {
            "attachments": [{"contentType": answer["type"], "content": answer["value"]}],
            "messageId": message["messageId"],
        }


async def test_an_in_person_session_from_creation_to_register_to_my_training(
    playground: str, e2e_clock: FixedClock
):
    zone = ZoneInfo("Europe/London")
    day = e2e_clock.now().astimezone(zone).date() + timedelta(days=3)
    starts = datetime.combine(day, time(10, 0), tzinfo=zone).astimezone(UTC)
    async with aiohttp.ClientSession() as http:
        alex = PlaygroundChat(http, playground)
        await alex.open()
        form = await alex.says("new session")
        created = await alex.presses(
            form,
            "Create session",
            {
                "course": "ERW",
                "date": day.isoformat(),
                "time": "10:00",
                "duration": "120",
                "capacity": "12",
                "mode": "in_person",
                "location": "Hendon Town Hall, Committee Room 2",
                "audience": "Schools",
            },
        )
        [roster] = [b for b in _buttons(_card(created)) if b["title"] == "Show roster"]
        session_id = roster["data"]["session_id"]
        booked = await alex.says(f"book {session_id}")
        assert "You're booked" in json.dumps(booked)

        completed_on = (
            f"**Extreme right-wing radicalisation awareness briefing**: {day.day} {day:%b %Y}"
        )
        assert completed_on not in json.dumps(_card(await alex.says("my training")))

        e2e_clock.move_to(starts + timedelta(hours=2, minutes=30))  # the session is over
        register = await alex.says(f"register {session_id}")
        shown = json.dumps(_card(register))
        assert "Alex Wilber" in shown and "Everyone booked was here" in shown
        saved = await alex.presses(register, "Save register", {"everyone": "true"})
        assert "Saved: 1 change recorded." in json.dumps(_card(saved))

        mine = json.dumps(_card(await alex.says("my training")), ensure_ascii=False)
        assert completed_on in mine
        await alex.ws.close()


async def test_a_stale_button_and_a_card_that_redraws_itself(playground: str):
    """An old card's Cancel, pressed after the booking was cancelled from another card, changes
    nothing and says so; the same old card, when Teams redraws it, shows what is true now."""
    async with aiohttp.ClientSession() as http:
        alex = PlaygroundChat(http, playground)
        await alex.open()
        listing = await alex.says("sessions")
        book = next(b for b in _buttons(_card(listing)) if b["title"] == "Book a seat")
        booked = await alex.sends(listing, book)
        assert "You're booked" in json.dumps(_card(booked))
        booking_id = next(
            b["data"]["booking_id"]
            for b in _buttons(_card(booked))
            if b["title"] == "Cancel my booking"
        )

        mine = await alex.says("my bookings")
        [old_cancel] = [
            b
            for b in _buttons(_card(mine))
            if b["title"] == "Cancel booking" and b["data"]["booking_id"] == booking_id
        ]
        assert "is cancelled" in json.dumps(_card(await alex.presses(booked, "Cancel my booking")))

        stale = await alex.sends(mine, old_cancel)
        said = await _next_message(alex.ws, alex.chat)
        assert "already cancelled" in said["text"] and "haven't changed anything" in said["text"]
        assert "is cancelled" in json.dumps(_card(stale))

        redrawn = await alex.sends(mine, _card(mine)["refresh"]["action"], trigger="automatic")
        assert booking_id not in [b["data"].get("booking_id") for b in _buttons(_card(redrawn))]
        await alex.ws.close()


async def test_a_readme_example_on_the_demo_and_its_file_as_a_download(playground: str):
    """`totals 2025-26` answers on the demo data; its CSV comes as a link from the bot, since
    the Playground shows Teams' file consent card as "not supported yet"."""
    async with aiohttp.ClientSession() as http:
        alex = PlaygroundChat(http, playground)
        await alex.open()
        totals = await alex.says("totals 2025-26")
        assert "Delivered in 2025-26:" in json.dumps(_card(totals))
        answer = json.dumps(await alex.presses(totals, "CSV"))
        assert "consent" not in answer.lower()
        link = re.search(r"\((http://127\.0\.0\.1:\d+/exports/[^)\s]+)\)", answer)
        assert link, answer
        async with http.get(link[1]) as download:
            assert download.status == 200
            assert download.headers["Content-Disposition"].startswith("attachment;")
            assert b"2025-26" in await download.read()
        await alex.ws.close()
