"""The Teams file consent flow: on Allow, make the file, PUT it to the person's OneDrive, and
post the file's card; on Decline, say so.

Read straight from the `fileConsent/invoke`, not through botbuilder's `on_teams_file_consent`:
with CloudAdapter that path builds its own invoke response, which hits the double
serialisation seen for adaptive card invokes (TEAMS.md), and we want to check the payload
ourselves. The consent context only names the totals (words) and a format; the file is made
again on accept, for whoever may see it (a roster for a coordinator only), so nothing personal
waits in memory in between.

Each offer carries its own id in the context, and an answer is acted on once: a redelivered
invoke, or a second Allow for the same offer, saves nothing more. Only the personal chat's
answers count (Teams offers files nowhere else), and the upload goes only where the download
rules allow (OneDrive over https, on a public address; http and loopback in local mode).

The invoke is answered as soon as the answer is checked: Teams gives an invoke about 15 seconds,
and making a workbook over years of records and putting it to OneDrive can take longer. The file
is made and uploaded in the background, and its card (or an apology) follows proactively.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import aiohttp
from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment, ConversationReference
from pydantic import ConfigDict, StringConstraints, ValidationError

from bot.background import Background
from bot.cards.files import file_info_attachment
from bot.downloads import Downloads
from bot.fields import ExportFormat, Id, Query
from bot.file_delivery import offer_made
from bot.router import BadPayload, Feature, route
from bot.turn import Caller, Command, CommandData, NoData, Outcome, Who
from database.engine import Database
from documents.exports import export_file
from documents.rosters import ROSTER_FORMATS, roster_file
from training.data_protection import audit
from training.dates.clock import Clock
from training.errors import NotACoordinator
from training.figures import questions, totals
from training.figures.plain_words import TotalsQuery
from training.figures.questions import OfferRefused
from training.sessions import schedule

log = logging.getLogger(__name__)

UPLOAD_SECONDS = 30
DECLINED = "No problem: I haven't saved the file. Ask again whenever you need it."
STALE = "That file offer is out of date or has been changed, so I did nothing."
FAILED = "Sorry, I couldn't save the file to your OneDrive just now. Please ask for it again."
ALREADY_SAVED = "I've already saved that file to your OneDrive; ask again for a new copy."
PERSONAL_CHAT_ONLY = "Files come in our personal chat: message me there and ask again."
OfferId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,64}$")]


# Sends an activity into a conversation outside any turn (BotConnectorDelivery.send_activity).
Reply = Callable[[ConversationReference, Activity], Awaitable[None]]


def attachment(raw: dict[str, Any]) -> Attachment:
    return Attachment(
        content_type=raw["contentType"],
        name=raw.get("name"),
        content=raw.get("content"),
        content_url=raw.get("contentUrl"),
    )


class SaveFile(CommandData):
    """An accepted file offer: the totals (or the session's roster) and format it named, and
    where OneDrive wants it."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    query: Query | None = None
    session_id: Id | None = None
    format: ExportFormat
    offer: OfferId
    upload_url: str
    upload_info: dict[str, Any]
    reply_to: ConversationReference


class FileCommands(Feature):
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        *,
        background: Background,
        reply: Reply,
        uploads: Downloads,
    ) -> None:
        """`uploads` says where a file may be put (the download rules) and makes the
        connection."""
        self.database = database
        self.clock = clock
        self.zone = zone
        self.background = background
        self.reply = reply
        self.uploads = uploads

    def read_consent(self, value: Any, reply_to: ConversationReference) -> Command:
        """The answer to a file consent card as a command; `BadPayload` if we never sent it."""
        value = value if isinstance(value, dict) else {}
        if value.get("action") == "decline":
            return Command("file_declined")
        context = value.get("context")
        info = value.get("uploadInfo")
        url = info.get("uploadUrl") if isinstance(info, dict) else None
        if value.get("action") != "accept" or not isinstance(context, dict):
            raise BadPayload("not an answer to our file offer")
        if not isinstance(url, str) or not self.uploads.allowed(url) or not isinstance(info, dict):
            raise BadPayload("no upload address we can use")
        try:
            if ("query" in context) == ("roster" in context):
                raise ValueError("a file offer names totals or a roster")
            if "roster" in context and context.get("format") not in ROSTER_FORMATS:
                raise ValueError("not a roster format")
            data = SaveFile.model_validate(
                {
                    "query": context.get("query"),
                    "session_id": context.get("roster"),
                    "format": context.get("format"),
                    "offer": context.get("offer"),
                    "upload_url": url,
                    "upload_info": info,
                    "reply_to": reply_to,
                }
            )
        except (ValidationError, ValueError):
            raise BadPayload("not a file we offer") from None
        return Command("save_file", data)

    @route("file_declined", NoData, from_cards=False, who=Who.STAFF)
    async def file_declined(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        return Outcome(text=DECLINED)

    @route("save_file", SaveFile, who=Who.REPORTER, from_cards=False)
    async def save_file(self, caller: Caller, data: SaveFile, key: str | None) -> Outcome:
        if data.session_id is not None and not caller.is_coordinator:
            raise NotACoordinator()  # a roster names people: the totals alone are a report's
        words = (data.query or "") if data.session_id is None else None
        accepted = await self.database.run(
            questions.accept_file_offer,
            words,
            offer_made(caller.staff_id, data.offer),
            [f"file-offer:{data.offer}", key],
            self.clock.now(),
            self.zone,
        )
        if accepted is OfferRefused.ANSWERED_BEFORE:
            return Outcome(text=ALREADY_SAVED)
        if isinstance(accepted, OfferRefused):
            log.info("refused a file consent answer (%s)", accepted.value)
            return Outcome(text=STALE)
        if accepted.query is None:
            assert data.session_id is not None
            job = self._save_roster(caller, data.session_id, data)
            self.background.start(job, f"roster upload for {caller.staff_id}")
        else:
            job = self._save(caller, accepted.query, data)
            self.background.start(job, f"file upload for {caller.staff_id}")
        return Outcome()

    async def _save(self, caller: Caller, query: TotalsQuery, data: SaveFile) -> None:
        saved = False
        try:
            found = await self.database.run(
                totals.totals_for_export,
                query,
                self.clock.now(),
                self.zone,
            )
            made = await asyncio.to_thread(export_file, found, data.format, self.zone)
            # Audited before the upload: no file leaves without its entry in the log.
            await self.database.run(
                audit.record,
                caller.staff_id,
                f"export.{data.format}",
                self.clock.now(),
                subject=made.scope_label,
                detail=f"{made.name}, {len(made.content)} bytes; {query.words()}",
            )
            saved = await self._put(data.upload_url, made.content)
        except Exception:  # the person is waiting for a file: tell them, then log
            log.exception("making or saving an export failed")
        await self._answer(saved, data)

    async def _save_roster(self, caller: Caller, session_id: int, data: SaveFile) -> None:
        saved = False
        try:
            found = await self.database.run(schedule.roster, session_id)
            made = await asyncio.to_thread(roster_file, found, data.format, self.zone)
            await self.database.run(
                audit.record,
                caller.staff_id,
                f"export.roster.{data.format}",
                self.clock.now(),
                subject=f"session {session_id}",
                detail=f"{made.name}, {len(made.content)} bytes",
            )
            saved = await self._put(data.upload_url, made.content)
        except Exception:  # the person is waiting for a file: tell them, then log
            log.exception("making or saving a roster file failed")
        await self._answer(saved, data)

    async def _answer(self, saved: bool, data: SaveFile) -> None:
        if saved:
            answer = MessageFactory.attachment(attachment(file_info_attachment(data.upload_info)))
        else:
            answer = MessageFactory.text(FAILED)
        await self.reply(data.reply_to, answer)

    async def _put(self, url: str, content: bytes) -> bool:
        """One PUT of the whole file (OneDrive upload sessions take ranges; ours fit in one)."""
        size = len(content)
        headers = {"Content-Length": str(size), "Content-Range": f"bytes 0-{size - 1}/{size}"}
        try:
            async with (
                self.uploads.session(UPLOAD_SECONDS) as http,
                http.put(url, data=content, headers=headers, allow_redirects=False) as response,
            ):
                if response.status in (200, 201):
                    return True
                log.warning("file upload answered %s", response.status)
        except (aiohttp.ClientError, TimeoutError):
            log.warning("file upload failed", exc_info=True)
        return False
