"""A session's life after it is put on: change it (everyone booked and waiting is told, the
Teams meeting moves), write to the people on it, and take its sign-in sheet and roster away."""

import asyncio
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import StringConstraints

from bot.cards.session_life import (
    edit_session_form,
    facilitators_text,
    message_form_card,
    message_preview_card,
    message_sent_card,
    session_changed_notice,
    session_message_card,
    session_saved_card,
)
from bot.features.booking import seat_notices
from bot.features.sessions import SessionDetailsForm, read_when_and_size
from bot.fields import FormValue, Id, SessionRef, number, text_after
from bot.file_delivery import FileDelivery
from bot.router import Feature, route
from bot.turn import Caller, Command, CommandData, Notice, Outcome, Said, Who
from database.engine import Database
from documents.rosters import roster_file
from training.dates.clock import Clock
from training.errors import InvalidSessionDetails, TrainingError
from training.models import BookingStatus
from training.people import facilitators
from training.sessions import changes, messages, schedule
from training.sessions.changes import SessionChange, SessionChangedMeanwhile, SessionEdit
from training.sessions.offer_rule import OfferPolicy

EDIT_WORDS = {"edit", "change", "reschedule", "move"}
Draft = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
RosterFormat = Literal["docx", "csv", "xlsx"]
# Not cut to MAX_TEXT like other text: a message too long is refused with its limit, never cut.
MessageText = Annotated[str, StringConstraints(max_length=4000)]


class SessionEditForm(SessionDetailsForm):
    """The edit form's inputs; `seen` marks the details the form was drawn from. No `mode`:
    a meeting the bot made stays online."""

    session_id: Id
    seen: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
    mode: FormValue | None = None


class MessageAsked(CommandData):
    session_id: Id
    message: MessageText = ""


class SendMessage(CommandData):
    session_id: Id
    message: MessageText
    draft: Draft
    include_waiting: FormValue = "false"


class FacilitatorsAsked(CommandData):
    """`facilitators 12`, `facilitators 12 add <email>`, `facilitators 12 remove <email>` (or a
    name still to fix, exactly as listed)."""

    session_id: Id
    change: Literal["", "add", "remove"] = ""
    who: Annotated[str, StringConstraints(max_length=320)] = ""


class RosterFileAsked(CommandData):
    session_id: Id
    format: RosterFormat


def read_edit_form(form: SessionEditForm, zone: ZoneInfo) -> SessionEdit:
    starts_at, duration, capacity = read_when_and_size(
        form.date, form.time, form.duration, form.capacity, zone
    )
    # No mode on the form: the bot made the meeting and the session stays online.
    online = None if form.mode is None else form.mode != "in_person"
    return SessionEdit(
        starts_at=starts_at,
        duration_minutes=duration,
        capacity=capacity,
        online=online,
        join_url=None if form.join_url is None else (form.join_url.strip() or None),
        location=(form.location or "").strip() or None,
        audience=(form.audience or "").strip()[:500],
        seen=form.seen,
        facilitators=form.facilitators,
    )


def change_notices(change: SessionChange, zone: ZoneInfo) -> tuple[Notice, ...]:
    """One card per person, keyed by the details they are told about: asking twice queues
    each once."""
    mark = changes.edit_mark(change.after)
    return tuple(
        Notice(
            told.person.staff_id,
            session_changed_notice(change, zone, told.status, told.waitlist_position),
            f"{change.after.course_title} (#{change.after.id}) has changed.",
            key=f"session-changed:{change.after.id}:{mark}:to:{told.person.staff_id}",
        )
        for told in change.people_to_tell
    )


class SessionLifeCommands(Feature):
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        seats_changed: Callable[[int], None],
        files: FileDelivery,
        *,
        teams_meetings_by_graph: bool,
        offers: OfferPolicy,
    ) -> None:
        """`seats_changed` brings the session's Teams meeting in line after a change; `offers`
        says when new seats are offered to the people waiting rather than given."""
        self.database = database
        self.clock = clock
        self.zone = zone
        self.seats_changed = seats_changed
        self.files = files
        self.teams_meetings_by_graph = teams_meetings_by_graph
        self.offers = offers

    def phrases(self, said: Said) -> Command | None:
        first, rest = said.first, said.rest
        if first == "facilitators" and rest and (n := number(rest[0])) is not None:
            if len(rest) == 1:
                return Command("facilitators", FacilitatorsAsked(session_id=n))
            if rest[1] in ("add", "remove") and len(rest) >= 3:
                who = " ".join(said.raw.split()[3:])[:320]
                change = FacilitatorsAsked(session_id=n, change=rest[1], who=who)
                return Command("facilitators", change)
            return None
        n = number(rest[1]) if rest[:1] == ("session",) and len(rest) >= 2 else None
        if n is None:
            return None
        if first in EDIT_WORDS and len(rest) == 2:
            return Command("edit_session", SessionRef(session_id=n))
        if first == "message":
            text = text_after(said.raw, 3)
            asked = MessageAsked(session_id=n, message=text) if text else MessageAsked(session_id=n)
            return Command("message_session", asked)
        return None

    # --- edit and reschedule ------------------------------------------------------------------

    async def _form(
        self, session_id: int, error: str = "", values: dict[str, Any] | None = None
    ) -> Outcome:
        summary, bot_meeting = await self.database.run(
            changes.editable, session_id, self.clock.now()
        )
        return Outcome(
            card=edit_session_form(
                summary,
                self.zone,
                meeting_made_by_bot=bot_meeting,
                meeting_by_graph=self.teams_meetings_by_graph,
                error=error,
                values=values,
            )
        )

    @route("edit_session", SessionRef, who=Who.COORDINATOR, from_cards=True)
    async def edit_session(self, caller: Caller, data: SessionRef, key: str | None) -> Outcome:
        return await self._form(data.session_id)

    @route("save_session", SessionEditForm, who=Who.COORDINATOR, from_cards=True)
    async def save_session(self, caller: Caller, data: SessionEditForm, key: str | None) -> Outcome:
        try:
            change = await self.database.run(
                changes.edit_session,
                data.session_id,
                read_edit_form(data, self.zone),
                self.clock.now(),
                actor_staff_id=caller.staff_id,
                request_key=key,
                teams_meeting_by_graph=self.teams_meetings_by_graph,
                offers=self.offers,
            )
        except SessionChangedMeanwhile as problem:
            return await self._form(data.session_id, str(problem))
        except TrainingError as problem:
            typed = data.model_dump(exclude_none=True, exclude={"session_id", "seen"})
            try:
                return await self._form(data.session_id, str(problem), typed)
            except TrainingError:  # cancelled, or started: no form to show again
                return Outcome(text=str(problem))
        if change.repeated:
            return Outcome(text=f"That change to session {data.session_id} was already saved.")
        self.seats_changed(data.session_id)
        # A seat held for someone comes with its own card, to accept or decline.
        offered = tuple(p for p in change.passed if p.booking.status == BookingStatus.OFFERED)
        now = self.clock.now()
        notices = change_notices(change, self.zone) + seat_notices(offered, self.zone, now)
        return Outcome(card=session_saved_card(change, self.zone), notices=notices)

    # --- facilitators ------------------------------------------------------------------------

    @route("facilitators", FacilitatorsAsked, who=Who.COORDINATOR, from_cards=False)
    async def facilitators(
        self, caller: Caller, data: FacilitatorsAsked, key: str | None
    ) -> Outcome:
        """Who runs a session (named by email, never by name) and the names still to fix."""
        now = self.clock.now()
        if data.change == "add":
            found = await self.database.run(
                facilitators.add_facilitator,
                data.session_id,
                data.who,
                now,
                actor_staff_id=caller.staff_id,
            )
        elif data.change == "remove":
            found = await self.database.run(
                facilitators.remove_facilitator,
                data.session_id,
                data.who,
                now,
                actor_staff_id=caller.staff_id,
            )
        else:
            found = await self.database.run(facilitators.facilitator_list, data.session_id)
        return Outcome(text=facilitators_text(found))

    # --- messages -----------------------------------------------------------------------------

    @route("message_session", MessageAsked, who=Who.COORDINATOR, from_cards=True)
    async def message_session(self, caller: Caller, data: MessageAsked, key: str | None) -> Outcome:
        message = data.message.strip()
        try:
            found = await self.database.run(messages.audience, data.session_id, message)
        except InvalidSessionDetails as problem:
            if not message:
                return Outcome(text=str(problem))
            found = await self.database.run(messages.audience, data.session_id)
            return Outcome(card=message_form_card(found.session, self.zone, str(problem)))
        if not message:
            # Sent from the form with nothing written: say so; asked without one: the form.
            blank = "message" in data.model_fields_set
            error = "Write the message first: it can't be empty." if blank else ""
            return Outcome(card=message_form_card(found.session, self.zone, error))
        draft = uuid.uuid4().hex
        return Outcome(
            card=message_preview_card(found, message, self.zone, caller.display_name, draft)
        )

    @route("send_session_message", SendMessage, who=Who.COORDINATOR, from_cards=True)
    async def send_session_message(
        self, caller: Caller, data: SendMessage, key: str | None
    ) -> Outcome:
        include_waiting = data.include_waiting == "true"
        found = await self.database.run(
            messages.record_message,
            data.session_id,
            data.message,
            self.clock.now(),
            include_waiting=include_waiting,
            draft=data.draft,
            actor_staff_id=caller.staff_id,
        )
        people = found.recipients(include_waiting)
        card = session_message_card(
            found.session, data.message.strip(), self.zone, caller.display_name
        )
        notices = tuple(
            Notice(
                p.staff_id,
                card,
                f"A message about {found.session.course_title} (#{found.session.id})",
                key=f"session-message:{found.session.id}:{data.draft}:to:{p.staff_id}",
            )
            for p in people
        )
        return Outcome(
            card=message_sent_card(found.session, len(people), found.repeated), notices=notices
        )

    # --- files --------------------------------------------------------------------------------

    @route("roster_file", RosterFileAsked, who=Who.COORDINATOR, from_cards=True)
    async def roster_file(self, caller: Caller, data: RosterFileAsked, key: str | None) -> Outcome:
        found = await self.database.run(schedule.roster, data.session_id)
        made = await asyncio.to_thread(roster_file, found, data.format, self.zone)
        return await self.files.offer(
            caller,
            made.name,
            made.description,
            made.content,
            kind=f"roster.{data.format}",
            subject=f"session {data.session_id}",
            detail="",
            context={"roster": data.session_id, "format": data.format},
        )
