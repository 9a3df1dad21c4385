"""Handlers for completions: Teams attendance (coordinators) and e-learning (everyone)."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from ipaddress import ip_address
from typing import Any
from urllib.parse import urljoin, urlparse
from zoneinfo import ZoneInfo

import aiohttp

from bot.background import Background
from bot.cards.training_records import (
    attendance_sheet_card,
    claim_decided_card,
    claim_sent_card,
    manager_confirmation_card,
    my_training_card,
    name_manager_card,
    pending_confirmations_card,
    sync_results_card,
    unmatched_card,
)
from bot.certificate_links import CertificateLinks
from bot.commands import FileOffer
from bot.handlers import Caller, Notice, Outcome
from config.settings import Settings
from graph.attendance_sync import sync_sessions
from graph.client import GraphClient
from graph.errors import GraphProblem
from training import attendance_reports, attendance_sheet, audit, elearning, unmatched_attendees
from training.attendance_reports import SyncTarget
from training.clock import Clock
from training.db import Database
from training.elearning import Certificate, CertificateStore, ClaimProblem, ClaimView
from training.my_training import my_training

log = logging.getLogger(__name__)

Route = Callable[[Caller, dict[str, Any], str | None], Awaitable[Outcome]]
NOT_CONFIGURED = (
    "Microsoft Graph isn't set up for this bot, so I can't read Teams attendance. An "
    "administrator needs to set GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET (or "
    "GRAPH_CLIENT_CERTIFICATE_PATH) and GRAPH_ORGANISER; see the README."
)
SEND_CERTIFICATE = (
    "Please send your Home Office Prevent e-learning certificate here: attach the PDF, or a "
    "photo of it (PNG or JPEG), to a message saying 'record e-learning'."
)


NO_PICTURE_TOKEN = (
    "Teams wouldn't let me fetch that picture. Please attach the certificate as a file "
    "(the paperclip) instead."
)


class CertificateTooLarge(ClaimProblem):
    pass


async def _no_token() -> str | None:
    return None


async def _ignore(notices: list[Notice]) -> None:
    log.warning("no way to send %d notices", len(notices))


def _fetchable(url: str) -> bool:
    """https to a named host or a public address; plain http only on this machine (the tests'
    local Teams). Private, link-local and reserved addresses (cloud metadata) are refused."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    try:
        address = ip_address(host)
    except ValueError:
        address = None
    if parsed.scheme == "http":
        return host == "localhost" or (address is not None and address.is_loopback)
    if parsed.scheme != "https":
        return False
    return address is None or address.is_global


MAX_REDIRECTS = 3


@asynccontextmanager
async def _get_checked(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str]
) -> AsyncIterator[aiohttp.ClientResponse]:
    """GET, following redirects ourselves so every hop passes `_fetchable`; the token never
    leaves the first origin."""
    origin = urlparse(url)[:2]
    for _ in range(MAX_REDIRECTS + 1):
        async with http.get(url, allow_redirects=False, headers=headers) as response:
            if response.status not in (301, 302, 303, 307, 308):
                yield response
                return
            url = urljoin(str(response.url), response.headers.get("Location", ""))
        if not _fetchable(url):
            raise ClaimProblem("I can't fetch that attachment; please attach the file again.")
        if urlparse(url)[:2] != origin:
            headers = {}
    raise ClaimProblem("I couldn't download that file; please try again.")


async def download(offer: FileOffer, max_bytes: int, bot_token: str | None = None) -> bytes:
    """The attached file, read no further than the size limit. `bot_token` goes only with an
    offer on the Bot Connector (aiohttp also drops it if a redirect leaves that origin)."""
    if not _fetchable(offer.url):
        raise ClaimProblem("I can't fetch that attachment; please attach the file again.")
    timeout = aiohttp.ClientTimeout(total=60)
    headers = {"Authorization": f"Bearer {bot_token}"} if bot_token and offer.bot_token else {}
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            _get_checked(http, offer.url, headers) as response,
        ):
            if response.status != 200:
                raise ClaimProblem("Teams wouldn't give me that file; please attach it again.")
            data = b""
            async for chunk in response.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > max_bytes:
                    break  # stop reading: it is too large whatever the rest holds
    except aiohttp.ClientError as error:
        raise ClaimProblem("I couldn't download that file; please try again.") from error
    if len(data) > max_bytes:
        raise CertificateTooLarge(
            f"That file is larger than {max_bytes // 1024} KB. A PDF or a photo is enough."
        )
    return data


class TrainingRecordHandlers:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        settings: Settings,
        graph: GraphClient | None,
        *,
        background: Background | None = None,
        tell: Callable[[list[Notice]], Awaitable[None]] = _ignore,
        bot_token: Callable[[], Awaitable[str | None]] = _no_token,
        links: CertificateLinks | None = None,
    ) -> None:
        """`tell` sends notices after the turn (the proactive sender); `bot_token` gives the
        bot's Bot Framework token for pictures pasted into chat; `links` mints certificate
        download links (None: managers cannot download certificates)."""
        self.database = database
        self.clock = clock
        self.zone = zone
        self.settings = settings
        self.graph = graph
        self.certificates = CertificateStore(settings.certificate_dir)
        self.background = background or Background()
        self.tell = tell
        self.bot_token = bot_token
        self.links = links
        self._reading: set[int] = set()  # sessions whose attendance is being read right now

    def routes(self) -> dict[str, Route]:
        return {
            "sync_attendance": self.sync_attendance,
            "session_attendance": self.session_attendance,
            "unmatched": self.unmatched,
            "assign_attendee": self.assign_attendee,
            "mark_guest": self.mark_guest,
            "pending_confirmations": self.pending_confirmations,
            "chase_confirmation": self.chase_confirmation,
            "my_training": self.my_training,
            "record_elearning": self.record_elearning,
            "elearning_certificate": self.elearning_certificate,
            "name_manager": self.name_manager,
            "confirm_elearning": self.confirm_elearning,
            "reject_elearning": self.reject_elearning,
            "view_certificate": self.view_certificate,
        }

    # --- attendance (coordinators) ---------------------------------------------------------

    async def sync_attendance(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        """Answer at once and read in the background: a card button's invoke must be answered
        within about 15 s, and many sessions with many pages of records can take longer."""
        if self.graph is None:
            return Outcome(text=NOT_CONFIGURED)
        now = self.clock.now()
        if "session_id" in data:
            targets = [
                await self.database.run(attendance_reports.session_to_sync, data["session_id"], now)
            ]
            subject = f"session {data['session_id']}"
        else:
            targets = await self.database.run(
                attendance_reports.sessions_due,
                now,
                lookback_days=self.settings.attendance_lookback_days,
                only_due=False,
            )
            subject = "recent sessions"
        if not targets:
            return Outcome(card=sync_results_card([], self.zone))
        if busy := sorted(t.session_id for t in targets if t.session_id in self._reading):
            listed = ", ".join(f"#{n}" for n in busy)
            return Outcome(
                text=f"I'm already reading attendance for {listed}; the result will follow."
            )
        await self.database.run(
            audit.record, caller.staff_id, "attendance.sync", now, subject=subject
        )
        self._reading.update(t.session_id for t in targets)
        self.background.start(
            self._read_and_report(caller.staff_id, targets, now),
            f"attendance sync ({subject})",
        )
        count = f"{len(targets)} session{'s' if len(targets) != 1 else ''}"
        return Outcome(text=f"Reading Teams attendance for {count}… I'll send you the result here.")

    async def _read_and_report(
        self, staff_id: int, targets: list[SyncTarget], now: datetime
    ) -> None:
        assert self.graph is not None
        try:
            results = await sync_sessions(self.database, self.graph, self.settings, targets, now)
            card = sync_results_card(results, self.zone)
            summary = f"Teams attendance read for {len(results)} sessions."
        except Exception:  # the coordinator is waiting for an answer: give one, then log
            log.exception("attendance sync failed")
            card = sync_results_card([], self.zone, failed=True)
            summary = "I couldn't finish reading Teams attendance."
        finally:
            self._reading.difference_update(t.session_id for t in targets)
        await self.tell([Notice(staff_id, card, summary)])

    async def session_attendance(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        sheet = await self.database.run(
            attendance_sheet.attendance_sheet,
            data["session_id"],
            viewer_staff_id=caller.staff_id,
            now=self.clock.now(),
        )
        return Outcome(card=attendance_sheet_card(sheet, self.zone))

    async def unmatched(
        self, caller: Caller, data: dict, key: str | None, note: str = ""
    ) -> Outcome:
        lines = await self.database.run(
            unmatched_attendees.unmatched, viewer_staff_id=caller.staff_id, now=self.clock.now()
        )
        return Outcome(card=unmatched_card(lines, self.zone, note))

    async def assign_attendee(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        attendance_id = data["attendance_id"]
        email = str(data.get(f"who_{attendance_id}") or data.get("email") or "")
        line = await self.database.run(
            unmatched_attendees.assign_attendee,
            attendance_id,
            email,
            actor_staff_id=caller.staff_id,
            now=self.clock.now(),
        )
        done = "and recorded their completion" if line.completed else "(below the threshold)"
        return await self.unmatched(caller, {}, key, f"✅ {line.display_name} assigned {done}.")

    async def mark_guest(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        attendance_id = data["attendance_id"]
        organisation = str(data.get(f"org_{attendance_id}") or data.get("organisation") or "")
        line = await self.database.run(
            unmatched_attendees.mark_guest,
            attendance_id,
            organisation,
            actor_staff_id=caller.staff_id,
            now=self.clock.now(),
        )
        done = "and recorded their completion" if line.completed else "(below the threshold)"
        return await self.unmatched(
            caller, {}, key, f"✅ {line.display_name} marked as a guest {done}."
        )

    # --- e-learning -------------------------------------------------------------------------

    async def pending_confirmations(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        claims = await self.database.run(
            elearning.pending_confirmations, viewer_staff_id=caller.staff_id, now=self.clock.now()
        )
        return Outcome(card=pending_confirmations_card(claims, self.zone))

    async def chase_confirmation(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        claim = await self.database.run(
            elearning.chase, data["claim_id"], actor_staff_id=caller.staff_id, now=self.clock.now()
        )
        claims = await self.database.run(
            elearning.pending_confirmations, viewer_staff_id=caller.staff_id, now=self.clock.now()
        )
        return Outcome(
            text=f"I've reminded {claim.manager_name}.",
            card=pending_confirmations_card(claims, self.zone),
            notices=[self._to_manager(claim)],
        )

    async def my_training(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        mine = await self.database.run(my_training, caller.staff_id, self.clock.now())
        return Outcome(card=my_training_card(mine, self.zone))

    async def record_elearning(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        files = data.get("files") or []
        if files:
            return await self.elearning_certificate(caller, data, key)
        await self.database.run(
            elearning.start_claim,
            caller.staff_id,
            self.clock.now(),
            course_code=self.settings.elearning_course_code,
        )
        return Outcome(text=SEND_CERTIFICATE)

    async def _manager_of(self, staff_id: int) -> int | None:
        """The manager Entra ID names (kept as a staff member), or None; Graph is optional."""
        aad, _ = await self.database.run(elearning.staff_for_graph, staff_id)
        if self.graph is None or not aad:
            return None
        now = self.clock.now()
        try:
            me = await self.graph.user(aad)
            manager = await self.graph.manager(aad)
        except GraphProblem:
            log.warning("could not read a manager from Graph", exc_info=True)
            return None
        if me is not None:
            await self.database.run(elearning.set_team, staff_id, me.department, now)
        if manager is None:
            return None
        return await self.database.run(
            elearning.upsert_directory_person,
            manager.id,
            manager.display_name,
            manager.email,
            manager.department,
            now,
        )

    async def elearning_certificate(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        offers: list[FileOffer] = data.get("files") or []
        asked = data.get("asked", True)
        if not asked and not await self.database.run(
            elearning.waiting_for_certificate, caller.staff_id
        ):
            return Outcome(
                text="If that's your e-learning certificate, send it again with the words "
                "'record e-learning'."
            )
        if not offers:
            return Outcome(text=SEND_CERTIFICATE)
        token = None
        if offers[0].bot_token:
            try:
                token = await self.bot_token()
            except PermissionError as refused:
                log.warning("no Bot Framework token for a pasted picture: %s", refused)
                raise ClaimProblem(NO_PICTURE_TOKEN) from None
        content = await download(offers[0], self.settings.certificate_max_bytes, token)
        manager_id = await self._manager_of(caller.staff_id)
        claim = await self.database.run(
            elearning.attach_certificate,
            caller.staff_id,
            Certificate(offers[0].name, content),
            self.clock.now(),
            store=self.certificates,
            course_code=self.settings.elearning_course_code,
            max_bytes=self.settings.certificate_max_bytes,
            manager_staff_id=manager_id,
        )
        if claim.status == "pending":
            return Outcome(
                card=claim_sent_card(claim, self.zone), notices=[self._to_manager(claim)]
            )
        return Outcome(card=name_manager_card(claim))

    async def name_manager(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        try:
            claim = await self.database.run(
                elearning.name_manager,
                data["claim_id"],
                caller.staff_id,
                str(data.get("manager_email") or ""),
                self.clock.now(),
            )
        except ClaimProblem as problem:
            view = await self.database.run(elearning.claim_view, data["claim_id"])
            if view.staff_id != caller.staff_id:
                raise
            return Outcome(card=name_manager_card(view, error=str(problem)))
        return Outcome(card=claim_sent_card(claim, self.zone), notices=[self._to_manager(claim)])

    async def _decide(self, caller: Caller, claim_id: int, confirmed: bool) -> Outcome:
        before = await self.database.run(elearning.claim_view, claim_id)
        claim = await self.database.run(
            elearning.decide, claim_id, caller.staff_id, confirmed, self.clock.now()
        )
        if before.status == claim.status:  # pressed again: already decided, nobody to tell
            return Outcome(card=claim_decided_card(claim, self.zone))
        verdict = "confirmed" if claim.status == "confirmed" else "did not confirm"
        notice = Notice(
            claim.staff_id,
            claim_decided_card(claim, self.zone),
            f"Your manager {verdict} your Prevent e-learning.",
        )
        return Outcome(card=claim_decided_card(claim, self.zone), notices=[notice])

    async def confirm_elearning(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        return await self._decide(caller, data["claim_id"], True)

    async def reject_elearning(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        return await self._decide(caller, data["claim_id"], False)

    async def view_certificate(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        """A short-lived download link for the claim's manager (checked here, on the press)."""
        if self.links is None:
            return Outcome(text="Downloading certificates isn't set up for this bot.")
        now = self.clock.now()
        found = await self.database.run(
            elearning.certificate_for_manager,
            data["claim_id"],
            caller.staff_id,
            now,
            audit_view=False,
        )
        claim = await self.database.run(elearning.claim_view, data["claim_id"])
        url = self.links.link(found.claim_id, caller.staff_id, found.sha256, now)
        download = (url, int(self.links.lifetime.total_seconds() // 60))
        if claim.status == "pending":
            return Outcome(card=manager_confirmation_card(claim, self.zone, download))
        return Outcome(card=claim_decided_card(claim, self.zone, download))

    def _to_manager(self, claim: ClaimView) -> Notice:
        assert claim.manager_staff_id is not None
        return Notice(
            claim.manager_staff_id,
            manager_confirmation_card(claim, self.zone),
            f"{claim.staff_name} asks you to confirm their Prevent e-learning.",
        )
