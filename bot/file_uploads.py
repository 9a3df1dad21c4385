"""The Teams file consent flow: on Allow, make the file, PUT it to the person's OneDrive, and
post the file's card; on Decline, say so.

Handled straight from `on_invoke_activity`, not through botbuilder's `on_teams_file_consent`:
with CloudAdapter that path builds its own invoke response, which hits the double
serialisation seen for adaptive card invokes (TEAMS.md), and we want to check the payload
ourselves. The consent context only names the totals (words) and a format; the file is made
again on accept, for a coordinator, so nothing personal waits in memory in between.

The invoke is answered as soon as the answer is checked: Teams gives an invoke about 15 seconds,
and making a workbook over years of records and putting it to OneDrive can take longer. The file
is made and uploaded in the background, and its card (or an apology) follows proactively.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment, ConversationReference

from bot.background import Background
from bot.cards.files import file_info_attachment
from bot.commands import EXPORT_FORMATS, MAX_QUERY
from bot.handlers import Caller
from config.settings import Settings
from documents.exports import export_file
from training import audit, totals
from training.clock import Clock
from training.db import Database
from training.errors import NotACoordinator
from training.totals import UnmatchedCounter
from training.totals_language import TotalsQuery, parse_totals_request

log = logging.getLogger(__name__)

UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=30)
DECLINED = "No problem: I haven't saved the file. Ask again whenever you need it."
STALE = "That file offer is out of date or has been changed, so I did nothing."
FAILED = "Sorry, I couldn't save the file to your OneDrive just now. Please try again."

# Sends an activity into a conversation outside any turn (BotConnectorDelivery.send_activity).
Reply = Callable[[ConversationReference, Activity], Awaitable[None]]


def attachment(raw: dict[str, Any]) -> Attachment:
    return Attachment(
        content_type=raw["contentType"],
        name=raw.get("name"),
        content=raw.get("content"),
        content_url=raw.get("contentUrl"),
    )


class FileUploads:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        settings: Settings,
        background: Background,
        reply: Reply,
        unmatched: UnmatchedCounter | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.settings = settings
        self.background = background
        self.reply = reply
        self.unmatched = unmatched

    def _upload_url(self, value: dict[str, Any]) -> str | None:
        info = value.get("uploadInfo")
        url = info.get("uploadUrl") if isinstance(info, dict) else None
        if not isinstance(url, str):
            return None
        # Real uploads go to OneDrive over HTTPS; plain HTTP only for a local test server.
        allowed = ("https://", "http://") if self.settings.local_mode else ("https://",)
        return url if url.startswith(allowed) else None

    async def _query(self, context: Any) -> tuple[TotalsQuery, str] | None:
        if not isinstance(context, dict):
            return None
        words, file_format = context.get("query"), context.get("format")
        if (
            not isinstance(words, str)
            or len(words) > MAX_QUERY
            or file_format not in EXPORT_FORMATS
        ):
            return None
        vocabulary = await self.database.run(totals.vocabulary)
        today = self.clock.now().astimezone(self.settings.zone).date()
        query = parse_totals_request(words, today, vocabulary)
        return (query, str(file_format)) if isinstance(query, TotalsQuery) else None

    async def on_file_consent(self, turn_context: TurnContext, caller: Caller) -> InvokeResponse:
        value = turn_context.activity.value
        value = value if isinstance(value, dict) else {}
        action = value.get("action")
        if action == "decline":
            await turn_context.send_activity(DECLINED)
            return InvokeResponse(status=200)
        wanted = await self._query(value.get("context")) if action == "accept" else None
        upload_url = self._upload_url(value)
        if wanted is None or upload_url is None:
            log.info("refused a file consent invoke (bad context or upload URL)")
            await turn_context.send_activity(STALE)
            return InvokeResponse(status=200)
        if not caller.is_coordinator:
            await turn_context.send_activity(str(NotACoordinator()))
            return InvokeResponse(status=200)
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        self.background.start(
            self._save(reference, caller, *wanted, upload_url, value["uploadInfo"]),
            f"file upload for staff {caller.staff_id}",
        )
        return InvokeResponse(status=200)

    async def _save(
        self,
        reference: ConversationReference,
        caller: Caller,
        query: TotalsQuery,
        file_format: str,
        upload_url: str,
        upload_info: dict[str, Any],
    ) -> None:
        saved = False
        try:
            found = await self.database.run(
                totals.totals_for_export,
                query,
                self.clock.now(),
                self.settings.zone,
                unmatched=self.unmatched,
            )
            made = await asyncio.to_thread(export_file, found, file_format, self.settings.zone)
            # Audited before the upload: no file leaves without its entry in the log.
            await self.database.run(
                audit.record,
                caller.staff_id,
                f"export.{file_format}",
                self.clock.now(),
                subject=made.scope_label,
                detail=f"{made.name}, {len(made.content)} bytes; {query.words()}",
            )
            saved = await self._put(upload_url, made.content)
        except Exception:  # the person is waiting for a file: tell them, then log
            log.exception("making or saving an export failed")
        if saved:
            answer = MessageFactory.attachment(attachment(file_info_attachment(upload_info)))
        else:
            answer = MessageFactory.text(FAILED)
        await self.reply(reference, answer)

    async def _put(self, url: str, content: bytes) -> bool:
        """One PUT of the whole file (OneDrive upload sessions take ranges; ours fit in one)."""
        size = len(content)
        headers = {
            "Content-Length": str(size),
            "Content-Range": f"bytes 0-{size - 1}/{size}",
        }
        try:
            async with (
                aiohttp.ClientSession(timeout=UPLOAD_TIMEOUT) as http,
                http.put(url, data=content, headers=headers) as response,
            ):
                if response.status in (200, 201):
                    return True
                log.warning("file upload answered %s", response.status)
        except (aiohttp.ClientError, TimeoutError):
            log.warning("file upload failed", exc_info=True)
        return False
