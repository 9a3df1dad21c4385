"""Teams attendance (coordinators): read it through Graph, see a session's sheet, and
reconcile the attendees the sync could not match to staff."""

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol, Self
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, model_validator
from sqlmodel import Session as DbSession

from bot.background import Background
from bot.cards.attendance import attendance_sheet_card, sync_results_card, unmatched_card
from bot.fields import MAX_TEXT, FormValue, Id, SessionRef, number
from bot.router import Feature, route
from bot.turn import Caller, Command, CommandData, NoData, Notice, Outcome, Said, Who
from database.engine import Database
from graph.attendance_sync import AttendanceSyncPolicy, sync_sessions
from graph.client import GraphClient
from training.attendance import reports, sheet, unmatched
from training.attendance.completion import CompletionPolicy
from training.attendance.reports import SyncTarget
from training.attendance.sheet import AttendeeLine
from training.data_protection import audit
from training.dates.clock import Clock

log = logging.getLogger(__name__)


class Resolver(Protocol):
    """assign_attendee or mark_guest: who an unmatched attendee is, from one typed answer."""

    def __call__(
        self,
        db: DbSession,
        attendance_id: int,
        answer: str,
        /,
        *,
        actor_staff_id: int,
        now: datetime,
        completion: CompletionPolicy,
    ) -> AttendeeLine: ...


NOT_CONFIGURED = (
    "Microsoft Graph isn't set up for this bot, so I can't read Teams attendance. An "
    "administrator needs to set GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET (or "
    "GRAPH_CLIENT_CERTIFICATE_PATH) and GRAPH_ORGANISER; see the README."
)
UNMATCHED = {"unmatched", "unmatched attendees"}
# The unmatched card has an email and an organisation input per attendee; a press sends them all.
CARD_INPUT = re.compile(r"(who|org)_\d{1,9}")


class SyncRequest(CommandData):
    session_id: Id | None = None


class AttendeeAnswer(CommandData):
    """Who an unmatched attendee is: a staff email, or a guest's organisation."""

    model_config = ConfigDict(extra="allow", frozen=True)

    attendance_id: Id
    email: FormValue = ""
    organisation: FormValue = ""

    @model_validator(mode="after")
    def _only_the_cards_inputs(self) -> Self:
        for name, value in (self.model_extra or {}).items():
            if not CARD_INPUT.fullmatch(name):
                raise ValueError(f"unknown field {name}")
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                raise ValueError(f"{name} is not text")
        return self

    def _typed(self, prefix: str) -> str:
        return str((self.model_extra or {}).get(f"{prefix}_{self.attendance_id}") or "")

    @property
    def staff_email(self) -> str:
        return self._typed("who") or self.email

    @property
    def guest_organisation(self) -> str:
        return self._typed("org") or self.organisation


class AttendanceCommands(Feature):
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        policy: AttendanceSyncPolicy,
        graph: GraphClient | None,
        background: Background,
        tell: Callable[[Sequence[Notice]], Awaitable[None]],
    ) -> None:
        """`graph` None: attendance cannot be read and the bot says how to set it up;
        `tell` sends the sync's result card when the background read is done; `policy` is what
        the sync and the unmatched attendees' results go by."""
        self.database = database
        self.clock = clock
        self.zone = zone
        self.policy = policy
        self.graph = graph
        self.background = background
        self.tell = tell
        self._reading: set[int] = set()  # sessions whose attendance is being read right now

    def phrases(self, said: Said) -> Command | None:
        words = said.words
        # Before 'session 12' (the roster): 'session 12 attendance' is the attendance sheet.
        sheet = len(words) == 3 and words[0] == "session" and words[2] == "attendance"
        if sheet and (n := number(words[1])) is not None:
            return Command("session_attendance", SessionRef(session_id=n))
        if words[:2] == ("sync", "attendance") and len(words) <= 3:
            if len(words) == 2:
                return Command("sync_attendance", SyncRequest())
            if (n := number(words[2])) is not None:
                return Command("sync_attendance", SyncRequest(session_id=n))
        if said.joined in UNMATCHED:
            return Command("unmatched")
        return None

    @route("sync_attendance", SyncRequest, who=Who.COORDINATOR, from_cards=True)
    async def sync_attendance(self, caller: Caller, data: SyncRequest, key: str | None) -> Outcome:
        """Answer at once and read in the background: a card button's invoke must be answered
        within about 15 s, and many sessions with many pages of records can take longer."""
        if self.graph is None:
            return Outcome(text=NOT_CONFIGURED)
        now = self.clock.now()
        if data.session_id is not None:
            targets = [await self.database.run(reports.session_to_sync, data.session_id, now)]
            subject = f"session {data.session_id}"
        else:
            targets = await self.database.run(
                reports.sessions_due,
                now,
                lookback_days=self.policy.lookback_days,
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
            self._read_and_report(caller.staff_id, targets, now), f"attendance sync ({subject})"
        )
        count = f"{len(targets)} session{'s' if len(targets) != 1 else ''}"
        return Outcome(text=f"Reading Teams attendance for {count}… I'll send you the result here.")

    async def _read_and_report(
        self, staff_id: int, targets: list[SyncTarget], now: datetime
    ) -> None:
        assert self.graph is not None
        try:
            results = await sync_sessions(self.database, self.graph, self.policy, targets, now)
            card = sync_results_card(results, self.zone)
            summary = f"Teams attendance read for {len(results)} sessions."
        except Exception:  # the coordinator is waiting for an answer: give one, then log
            log.exception("attendance sync failed")
            card = sync_results_card([], self.zone, failed=True)
            summary = "I couldn't finish reading Teams attendance."
        finally:
            self._reading.difference_update(t.session_id for t in targets)
        await self.tell([Notice(staff_id, card, summary)])

    @route("session_attendance", SessionRef, who=Who.COORDINATOR, from_cards=True)
    async def session_attendance(
        self, caller: Caller, data: SessionRef, key: str | None
    ) -> Outcome:
        attendance = await self.database.run(
            sheet.attendance_sheet,
            data.session_id,
            viewer_staff_id=caller.staff_id,
            now=self.clock.now(),
        )
        return Outcome(card=attendance_sheet_card(attendance, self.zone))

    @route("unmatched", NoData, who=Who.COORDINATOR, from_cards=True)
    async def unmatched(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        return await self._unmatched(caller)

    async def _unmatched(self, caller: Caller, note: str = "") -> Outcome:
        lines = await self.database.run(
            unmatched.unmatched, viewer_staff_id=caller.staff_id, now=self.clock.now()
        )
        return Outcome(card=unmatched_card(lines, self.zone, note))

    @route("assign_attendee", AttendeeAnswer, who=Who.COORDINATOR, from_cards=True)
    async def assign_attendee(
        self, caller: Caller, data: AttendeeAnswer, key: str | None
    ) -> Outcome:
        return await self._resolve(
            caller,
            unmatched.assign_attendee,
            data.attendance_id,
            data.staff_email,
            "assigned",
        )

    @route("mark_guest", AttendeeAnswer, who=Who.COORDINATOR, from_cards=True)
    async def mark_guest(self, caller: Caller, data: AttendeeAnswer, key: str | None) -> Outcome:
        return await self._resolve(
            caller,
            unmatched.mark_guest,
            data.attendance_id,
            data.guest_organisation,
            "marked as a guest",
        )

    async def _resolve(
        self, caller: Caller, service: Resolver, attendance_id: int, answer: str, done: str
    ) -> Outcome:
        """Say who an unmatched attendee is, then show the list again with what happened."""
        line = await self.database.run(
            service,
            attendance_id,
            answer,
            actor_staff_id=caller.staff_id,
            now=self.clock.now(),
            completion=self.policy.completion,
        )
        result = "and recorded their completion" if line.completed else "(below the threshold)"
        return await self._unmatched(caller, f"✅ {line.display_name} {done} {result}.")
