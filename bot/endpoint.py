"""`POST /api/messages`: check the body is an activity before the Bot Framework sees it."""

import json
import logging
import uuid
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from botbuilder.core import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from yarl import URL

from bot.framework_auth import AuthenticationUnavailable
from bot.logs import request_id
from bot.teams_bot import WrapBot

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
# Activities Teams sends nest a dozen levels at most (a card's inputs inside its action); far
# deeper JSON is an attack on the recursive readers after us (msrest, pydantic, json.dumps).
MAX_DEPTH = 64


TOO_DEEP = f"the JSON nests more than {MAX_DEPTH} levels deep"


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)


def too_deep(body: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `body` nests objects and arrays more than `limit` levels (read without
    recursion, so the check itself cannot overflow)."""
    waiting: list[tuple[Any, int]] = [(body, 1)]
    while waiting:
        node, depth = waiting.pop()
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                waiting.append((child, depth + 1))
    return False


def activity_problem(body: Any) -> str | None:
    """Why `body` is not an activity we can act on, or None when it is."""
    if not isinstance(body, dict):
        return "the body must be a JSON object (a Bot Framework activity)"
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "the activity has no type"
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"].startswith(
        ("http://", "https://")
    ):
        return "the activity has no valid serviceUrl"
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        return "the activity has no conversation id"
    sender = body.get("from")
    if sender is not None and not (isinstance(sender, dict) and isinstance(sender.get("id"), str)):
        return "the activity's sender has no id"
    if body["type"] in ("message", "invoke") and sender is None:
        return "the activity has no sender"
    for name in ("text", "name", "id", "channelId", "replyToId"):
        if name in body and body[name] is not None and not isinstance(body[name], str):
            return f"the activity's {name} must be a string"
    return None


LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def browser_problem(request: web.Request) -> str | None:
    """In local mode nothing is authenticated, so only a client on this machine may post: a web
    page the developer has open could otherwise post through their browser (a cross-site
    request, or a DNS name rebound to loopback). Teams' service and the Playground send no
    Origin; every browser does on a cross-origin POST."""
    try:
        host = URL(f"http://{request.host}").host or ""
    except ValueError:
        host = ""
    if host.lower() not in LOOPBACK_NAMES:
        return "local mode answers only requests addressed to this machine (Host)"
    fetched_by_page = request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site")
    if "Origin" in request.headers or fetched_by_page:
        return "local mode does not answer requests from web pages"
    return None


def messages_handler(adapter: CloudAdapter, bot: WrapBot, *, local_mode: bool = False) -> Handler:
    async def messages(request: web.Request) -> web.Response:
        request_id.set(uuid.uuid4().hex[:16])
        response = await handle(request)
        response.headers["X-Request-Id"] = request_id.get()
        return response

    async def handle(request: web.Request) -> web.Response:
        if local_mode and (problem := browser_problem(request)):
            return _problem(403, problem)
        # The media type itself: 'text/plain;charset=application/json' is what a browser may
        # send cross-site without asking first.
        if request.content_type != "application/json":
            return _problem(415, "send the activity as application/json")
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return _problem(400, "the body is not valid JSON")
        except RecursionError:
            return _problem(400, TOO_DEEP)
        if too_deep(body):
            return _problem(400, TOO_DEEP)
        if problem := activity_problem(body):
            return _problem(400, problem)
        try:
            activity = Activity().deserialize(body)
        except Exception:  # msrest raises several types for shapes it cannot read
            return _problem(400, "the body is not a Bot Framework activity")
        auth_header = request.headers.get("Authorization", "")
        try:
            response = await adapter.process_activity(auth_header, activity, bot.on_turn)
        except PermissionError as refused:
            log.info("refused an unauthenticated request: %s", refused)
            return _problem(401, "unauthorised")
        except AuthenticationUnavailable:
            log.exception("cannot check the request's token")
            return _problem(503, "authentication is unavailable; try again later")
        if response:
            # Our invoke bodies are plain dicts; botbuilder's own serializer breaks on those.
            body = response.body
            if body is not None and not isinstance(body, dict | list | str | int | float):
                body = serializer_helper(body)
            return web.json_response(body, status=response.status)
        return web.Response(status=201)

    return messages
