"""Coordinators run sessions: put one on with a form, see its roster, call it off."""

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.cards.sessions import (
    confirm_cancel_session_card,
    new_session_form,
    roster_card,
    session_cancelled_card,
    session_cancelled_notice,
    session_created_card,
)
from bot.fields import FormToken, FormValue, Id, SessionRef, Text, number, text_after
from bot.router import Feature, route
from bot.turn import Caller, Command, CommandData, NoData, Notice, Outcome, Said, Who
from database.engine import Database
from training.dates.clock import Clock
from training.dates.working_days import not_working
from training.errors import InvalidSessionDetails, SessionAlreadyCreated, TrainingError
from training.sessions import booking, schedule
from training.sessions.schedule import NewSession

NEW_SESSION = {"new session", "create session", "add session"}


class SessionDetailsForm(CommandData):
    """The inputs the new-session and edit forms share, as the card sends them."""

    date: FormValue = ""
    time: FormValue = ""
    duration: FormValue | None = None
    capacity: FormValue | None = None
    join_url: FormValue | None = None
    location: FormValue | None = None
    audience: FormValue | None = None
    facilitators: FormValue | None = None  # emails, separated by commas


class SessionForm(SessionDetailsForm):
    """The new-session form's inputs."""

    course: FormValue = ""
    mode: FormValue = "online"
    form_id: FormToken | None = None
    # The date a weekend or bank-holiday warning was shown for: pressed again with it, created.
    date_checked: FormValue | None = None


class SessionWithReason(CommandData):
    session_id: Id
    reason: Text = ""


def uk_time(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The aware moment a UK wall-clock time names; refuses the hour the clocks skip or repeat."""
    moment = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
    round_trip = moment.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise InvalidSessionDetails(
            f"{at:%H:%M} doesn't exist on {day:%d %b %Y}: the clocks go forward. Pick another time."
        )
    if moment.replace(fold=1).utcoffset() != moment.utcoffset():
        raise InvalidSessionDetails(
            f"{at:%H:%M} happens twice on {day:%d %b %Y} as the clocks go back. Pick another time."
        )
    return moment


def read_when_and_size(
    day: str, at: str, duration: str | None, capacity: str | None, zone: ZoneInfo
) -> tuple[datetime, int, int]:
    """A session form's start (as a UK wall-clock time), duration and capacity; a date or time
    left empty or not readable is named."""
    if not day.strip():
        raise InvalidSessionDetails("Give the date of the session.")
    if not at.strip():
        raise InvalidSessionDetails("Give the time it starts.")
    try:
        day_ = date.fromisoformat(day.strip())
    except ValueError:
        raise InvalidSessionDetails(f"'{day[:40]}' is not a date: use YYYY-MM-DD.") from None
    try:
        at_ = time.fromisoformat(at.strip())
    except ValueError:
        raise InvalidSessionDetails(f"'{at[:40]}' is not a time: use HH:MM.") from None
    starts_at = uk_time(day_, at_, zone)
    try:
        return starts_at, int(float(duration or 0)), int(float(capacity or 0))
    except (TypeError, ValueError, OverflowError):
        raise InvalidSessionDetails("Duration and capacity must be numbers.") from None


def read_session_form(form: SessionForm, zone: ZoneInfo) -> NewSession:
    if not form.course.strip():
        raise InvalidSessionDetails("Choose a course.")
    starts_at, duration, capacity = read_when_and_size(
        form.date, form.time, form.duration, form.capacity, zone
    )
    return NewSession(
        course_code=form.course,
        starts_at=starts_at,
        duration_minutes=duration,
        capacity=capacity,
        online=form.mode != "in_person",
        join_url=(form.join_url or "").strip() or None,
        location=(form.location or "").strip() or None,
        audience=(form.audience or "").strip()[:500],
        facilitators=form.facilitators or "",
    )


class SessionCommands(Feature):
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        seats_changed: Callable[[int], None],
        *,
        teams_meetings_by_graph: bool,
    ) -> None:
        """`teams_meetings_by_graph`: online sessions without a join link get a Teams
        meeting made through Graph (`seats_changed` makes and keeps it)."""
        self.database = database
        self.clock = clock
        self.zone = zone
        self.seats_changed = seats_changed
        self.teams_meetings_by_graph = teams_meetings_by_graph

    def phrases(self, said: Said) -> Command | None:
        first, rest = said.first, said.rest
        # Before booking's 'cancel 12': 'cancel session 12 reason' calls the session off.
        calling_off = first == "cancel" and rest[:1] == ("session",) and len(rest) >= 2
        if calling_off and (n := number(rest[1])) is not None:
            reason = text_after(said.raw, 3)[:300]
            return Command("confirm_cancel_session", SessionWithReason(session_id=n, reason=reason))
        if said.joined in NEW_SESSION:
            return Command("new_session_form")
        asks_roster = first in {"roster", "attendees"} or (first == "session" and rest)
        if asks_roster and (n := number(rest[0] if rest else None)) is not None:
            return Command("roster", SessionRef(session_id=n))
        return None

    @route("new_session_form", NoData, who=Who.COORDINATOR, from_cards=True)
    async def new_session_form(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        choices = await self.database.run(booking.courses, live_only=True)
        return Outcome(
            card=new_session_form(
                choices,
                self.clock.now(),
                self.zone,
                meeting_by_graph=self.teams_meetings_by_graph,
                form_id=uuid.uuid4().hex,
            )
        )

    @route("create_session", SessionForm, who=Who.COORDINATOR, from_cards=True)
    async def create_session(self, caller: Caller, data: SessionForm, key: str | None) -> Outcome:
        try:
            details = read_session_form(data, self.zone)
            day = details.starts_at.date()
            if (why := not_working(day)) and data.date_checked != data.date:
                return await self._form_again(
                    data, warning=f"{day:%a} {day.day} {day:%b %Y} is {why}. Create it anyway?"
                )
            created = await self.database.run(
                schedule.create_session,
                details,
                self.clock.now(),
                created_by_staff_id=caller.staff_id,
                request_key=key,
                teams_meeting_by_graph=self.teams_meetings_by_graph,
                form_token=data.form_id,
            )
        except SessionAlreadyCreated as again:
            made = await self.database.run(booking.session_overview, again.session_id)
            return Outcome(text=str(again), card=session_created_card(made, self.zone))
        except TrainingError as problem:
            return await self._form_again(data, error=str(problem))
        if created.online and not created.join_url:
            self.seats_changed(created.id)
        return Outcome(card=session_created_card(created, self.zone))

    async def _form_again(
        self, data: SessionForm, *, error: str = "", warning: str = ""
    ) -> Outcome:
        """The form as it was sent, with what to fix or what to confirm."""
        choices = await self.database.run(booking.courses)
        form = new_session_form(
            choices,
            self.clock.now(),
            self.zone,
            error=error,
            warning=warning,
            values=data.model_dump(exclude_none=True, exclude={"date_checked", "form_id"}),
            meeting_by_graph=self.teams_meetings_by_graph,
            form_id=data.form_id or uuid.uuid4().hex,
        )
        return Outcome(card=form)

    @route("roster", SessionRef, who=Who.COORDINATOR, from_cards=True)
    async def roster(self, caller: Caller, data: SessionRef, key: str | None) -> Outcome:
        found = await self.database.run(
            schedule.roster,
            data.session_id,
            viewer_staff_id=caller.staff_id,
            now=self.clock.now(),
        )
        return Outcome(card=roster_card(found, self.zone))

    @route("confirm_cancel_session", SessionWithReason, who=Who.COORDINATOR, from_cards=True)
    async def confirm_cancel_session(
        self, caller: Caller, data: SessionWithReason, key: str | None
    ) -> Outcome:
        found = await self.database.run(booking.session_overview, data.session_id)
        if found.status != "scheduled":
            return Outcome(text=f"Session {found.id} is already {found.status}.")
        if found.starts_at <= self.clock.now():
            return Outcome(
                text=f"Session {found.id} has already started, so it can't be called off."
            )
        return Outcome(card=confirm_cancel_session_card(found, self.zone, data.reason))

    @route("cancel_session", SessionWithReason, who=Who.COORDINATOR, from_cards=True)
    async def cancel_session(
        self, caller: Caller, data: SessionWithReason, key: str | None
    ) -> Outcome:
        reason = data.reason.strip()
        result = await self.database.run(
            schedule.cancel_session,
            data.session_id,
            reason,
            self.clock.now(),
            actor_staff_id=caller.staff_id,
        )
        notices = tuple(
            Notice(
                p.staff_id,
                session_cancelled_notice(result.session, self.zone, reason or None),
                f"{result.session.course_title} has been cancelled.",
                key=f"session-cancelled:{result.session.id}:to:{p.staff_id}",
            )
            for p in result.people_to_tell
        )
        if result.repeated:  # the notices go again: any that were queued already are skipped
            return Outcome(
                text=f"Session {result.session.id} was already cancelled.", notices=notices
            )
        self.seats_changed(result.session.id)
        return Outcome(
            card=session_cancelled_card(result.session, self.zone, len(result.people_to_tell)),
            notices=notices,
        )
