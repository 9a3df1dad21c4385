"""A local Bot Connector and Teams-shaped users, so the bot is driven over real HTTP."""

import asyncio
import contextlib
import html
import itertools
import re
import uuid
from collections.abc import Iterator
from typing import Any

import aiohttp
from aiohttp import web
from markdown_it import MarkdownIt

TENANT = "11111111-2222-3333-4444-555555555555"
BOT_ID = "28:wrapbot"


class LocalConnector:
    """Plays the Bot Connector service: records what the bot sends, answers member lookups."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.members: dict[str, dict[str, Any]] = {}
        # Faults to play: answers given (in order) to sends into a conversation before it
        # accepts one, and conversations that refuse everything (the app was removed).
        self.faults: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.gone: dict[str, int] = {}
        # Conversations whose next send is held this many seconds and then dropped unanswered.
        self.held: dict[str, float] = {}
        self.holding = 0
        self._let_go = asyncio.Event()
        self.attempts: list[tuple[str, int]] = []
        self._ids = itertools.count(1)
        self.app = web.Application()
        # Activity ids are opaque: accept any characters, as the real service does.
        self.app.router.add_post("/v3/conversations/{conv}/activities", self._send)
        any_id = r"{activity:[\s\S]*}"  # even an id with a newline in it
        self.app.router.add_post("/v3/conversations/{conv}/activities/" + any_id, self._send)
        self.app.router.add_put("/v3/conversations/{conv}/activities/" + any_id, self._update)
        self.app.router.add_get("/v3/conversations/{conv}/members/{member}", self._member)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def stop(self) -> None:
        self._let_go.set()
        if self._runner:
            await self._runner.cleanup()

    def fail(self, conversation_id: str, status: int, retry_after: str | None = None) -> None:
        """Answer the next send into this conversation with `status` (and Retry-After)."""
        headers = {"Retry-After": retry_after} if retry_after else {}
        self.faults.setdefault(conversation_id, []).append((status, headers))

    def hang(self, conversation_id: str, seconds: float) -> None:
        """Hold the next send into this conversation without answering (a timeout's cause)."""
        self.held[conversation_id] = seconds

    async def _send(self, request: web.Request) -> web.Response:
        activity = await request.json()
        conversation = request.match_info["conv"]
        if conversation in self.held:
            self.attempts.append((conversation, 0))  # 0: no answer
            self.holding += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._let_go.wait(), self.held.pop(conversation))
            self.holding -= 1
            raise web.HTTPServiceUnavailable()
        if conversation in self.gone:
            self.attempts.append((conversation, self.gone[conversation]))
            return web.json_response(
                {"error": {"code": "BotNotInConversationRoster"}}, status=self.gone[conversation]
            )
        if self.faults.get(conversation):
            status, headers = self.faults[conversation].pop(0)
            self.attempts.append((conversation, status))
            return web.json_response(
                {"error": {"code": "Throttled" if status == 429 else "ServiceError"}},
                status=status,
                headers=headers,
            )
        self.attempts.append((conversation, 201))
        activity_id = f"sent-{next(self._ids)}"
        self.sent.append(
            {
                "op": "send",
                "conversation": request.match_info["conv"],
                "id": activity_id,
                "activity": activity,
            }
        )
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        activity = await request.json()
        self.sent.append(
            {
                "op": "update",
                "conversation": request.match_info["conv"],
                "id": request.match_info["activity"],
                "activity": activity,
            }
        )
        return web.json_response({"id": request.match_info["activity"]})

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(member)

    def to(self, conversation_id: str) -> list[dict[str, Any]]:
        return [entry for entry in self.sent if entry["conversation"] == conversation_id]


class TeamsUser:
    """One person in a personal chat with the bot, sending what Teams would send."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        bot_url: str,
        connector: LocalConnector,
        name: str,
        aad_object_id: str | None = None,
        tenant: str = TENANT,
        email: str | None = None,
    ) -> None:
        self.http = http
        self.bot_url = bot_url
        self.connector = connector
        self.name = name
        # One name is one person (as one Entra account) unless a test says otherwise.
        self.aad_object_id = aad_object_id or str(uuid.uuid5(uuid.NAMESPACE_URL, name))
        self.user_id = f"29:{self.aad_object_id}"
        self.tenant = tenant
        self.conversation_id = f"a:personal-{self.aad_object_id}"
        self.email = email or name.lower().replace(" ", ".") + "@example.gov.uk"
        connector.members[self.user_id] = {
            "id": self.user_id,
            "name": name,
            "aadObjectId": self.aad_object_id,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": tenant,
        }
        self._seen = 0

    def activity(self, type_: str = "message", **fields: Any) -> dict[str, Any]:
        return {
            "type": type_,
            "id": fields.pop("id", f"act-{uuid.uuid4()}"),
            "channelId": "msteams",
            "serviceUrl": self.connector.url,
            "timestamp": "2027-01-11T09:00:00.000Z",
            "from": {"id": self.user_id, "name": self.name, "aadObjectId": self.aad_object_id},
            "recipient": {"id": BOT_ID, "name": "wrapbot"},
            "conversation": {
                "id": self.conversation_id,
                "conversationType": "personal",
                "tenantId": self.tenant,
            },
            "channelData": {"tenant": {"id": self.tenant}},
            "locale": "en-GB",
            **fields,
        }

    async def post(
        self, activity: dict[str, Any] | str | bytes, content_type: str = "application/json"
    ) -> aiohttp.ClientResponse:
        if isinstance(activity, dict):
            import json

            data: str | bytes = json.dumps(activity)
        else:
            data = activity
        async with self.http.post(
            self.bot_url, data=data, headers={"Content-Type": content_type}
        ) as response:
            await response.read()
            return response

    def new_replies(self) -> list[dict[str, Any]]:
        mine = self.connector.to(self.conversation_id)
        fresh, self._seen = mine[self._seen :], len(mine)
        return fresh

    async def says(self, text: str, **fields: Any) -> list[dict[str, Any]]:
        """Send a message; returns what the bot sent back to this chat meanwhile."""
        self.new_replies()
        response = await self.post(self.activity(text=text, **fields))
        assert response.status in (200, 201), response.status
        return self.new_replies()

    async def presses(
        self, action: dict[str, Any], inputs: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Press an `Action.Execute` button; returns the invoke response body."""
        value = {
            "action": {
                "type": "Action.Execute",
                "verb": action["verb"],
                "data": {**action.get("data", {}), **(inputs or {})},
            },
            "trigger": "manual",
        }
        self.new_replies()
        activity = self.activity("invoke", name="adaptiveCard/action", value=value, **fields)
        async with self.http.post(self.bot_url, json=activity) as response:
            assert response.status == 200, (response.status, await response.text())
            return await response.json()

    async def submits(
        self, data: dict[str, Any], reply_to_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Press an `Action.Submit` button (the fallback): a message carrying `value`."""
        self.new_replies()
        fields: dict[str, Any] = {"value": data}
        if reply_to_id:
            fields["replyToId"] = reply_to_id
        response = await self.post(self.activity(**fields))
        assert response.status in (200, 201)
        return self.new_replies()


def cards_in(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        attachment["content"]
        for entry in replies
        for attachment in entry["activity"].get("attachments") or []
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
    ]


def texts_in(replies: list[dict[str, Any]]) -> list[str]:
    return [entry["activity"]["text"] for entry in replies if entry["activity"].get("text")]


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


COMMONMARK = MarkdownIt("commonmark")


def shown(markdown: str) -> str:
    """What Teams shows for a TextBlock's or a fact's Markdown: rendered, tags taken out."""
    rendered = COMMONMARK.render(markdown)
    return html.unescape(re.sub(r"<[^>]*>", "", rendered)).strip()


def card_markup(card: dict[str, Any]) -> list[str]:
    """Every TextBlock's text and every fact's title and value, as Markdown."""
    found = []
    for node in _walk(card.get("body", [])):
        if node.get("type") == "TextBlock":
            found.append(node["text"])
        if node.get("type") == "FactSet":
            found += [part for fact in node["facts"] for part in (fact["title"], fact["value"])]
    return found


def card_text(card: dict[str, Any]) -> str:
    """Everything a person reads on the card, as one string."""
    parts = []
    for node in _walk(card.get("body", [])):
        if node.get("type") == "TextBlock":
            parts.append(shown(node["text"]))
        if node.get("type") == "FactSet":
            parts += [f"{shown(f['title'])}: {shown(f['value'])}" for f in node["facts"]]
    return "\n".join(parts)


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons a person sees (a card's `refresh` action is Teams's, not a button)."""
    shown = {k: v for k, v in card.items() if k != "refresh"}
    return [node for node in _walk(shown) if node.get("type") == "Action.Execute"]


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    matches = [b for b in buttons(card) if b["title"] == title]
    assert matches, f"no '{title}' button; the card has {[b['title'] for b in buttons(card)]}"
    return matches[0]


def card_from_invoke(body: dict[str, Any]) -> dict[str, Any]:
    assert body["type"] == "application/vnd.microsoft.card.adaptive", body
    return body["value"]
