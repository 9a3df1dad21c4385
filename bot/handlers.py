"""One small handler per command: a service call, then the card the person should see."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.audit import audit_card
from bot.cards.coordinator import (
    confirm_cancel_session_card,
    new_session_form,
    roster_card,
    session_cancelled_card,
    session_created_card,
)
from bot.cards.elements import Card
from bot.cards.help import help_card
from bot.cards.sessions import (
    my_bookings_card,
    seat_offered_card,
    session_booking_card,
    session_cancelled_notice,
    sessions_card,
)
from bot.commands import Command, MonthFilter
from training import audit, booking, sessions
from training.clock import Clock
from training.coordinators import Coordinators, as_coordinators
from training.db import Database
from training.errors import InvalidSessionDetails, NotACoordinator, SessionFull, TrainingError
from training.models import BookingStatus
from training.reminders import ReminderPolicy
from training.sessions import NewSession
from training.totals import UnmatchedCounter
from training.views import BookingSummary


@dataclass(frozen=True)
class Caller:
    """The person this turn is from, as the bot knows them."""

    staff_id: int
    display_name: str
    is_coordinator: bool


@dataclass(frozen=True)
class Notice:
    """A message to send to someone else after this turn (e.g. a seat came free)."""

    staff_id: int
    card: Card
    summary: str
    # What makes this notice unique (e.g. 'session-cancelled:12:to:7'): asking twice, by a
    # redelivery or a second press, queues it once.
    key: str | None = None


@dataclass
class Outcome:
    """What the person sees: a card, or a sentence when nothing changed."""

    card: Card | None = None
    text: str | None = None
    notices: list[Notice] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)  # e.g. a file consent card


Route = Callable[[Caller, dict[str, Any], str | None], Awaitable[Outcome]]


def _month_range(month: MonthFilter, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    after = (start + timedelta(days=32)).replace(day=1)
    return start, after


def _no_calendar(session_id: int) -> None:
    return None


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


class Handlers:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        *,
        policy: ReminderPolicy | None = None,
        coordinators: Coordinators | Sequence[str] = (),
        feedback_edit_days: int = 5,
        unmatched: UnmatchedCounter | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone
        # Set by create_app when Graph can make Teams meetings: told of each committed change
        # to a session's seats, it updates the calendar event in the background.
        self.session_changed: Callable[[int], None] = _no_calendar
        self.teams_meetings_by_graph = False
        self._routes: dict[str, Route] = {
            "help": self.help,
            "unknown": self.unknown,
            "list_sessions": self.list_sessions,
            "book": self.book,
            "join_waitlist": self.join_waitlist,
            "my_bookings": self.my_bookings,
            "cancel_booking": self.cancel_booking,
            "cancel_on_session": self.cancel_on_session,
            "new_session_form": self.new_session_form,
            "create_session": self.create_session,
            "roster": self.roster,
            "confirm_cancel_session": self.confirm_cancel_session,
            "cancel_session": self.cancel_session,
            "audit_log": self.audit_log,
        }
        # Feature modules bring their own handlers (imported here: they import Outcome from us).
        from bot.board_handlers import BoardHandlers
        from bot.feedback_handlers import FeedbackHandlers
        from bot.totals_handlers import TotalsHandlers

        boards = BoardHandlers(
            database, clock, zone, policy or ReminderPolicy(zone), as_coordinators(coordinators)
        )
        self._routes |= boards.routes()
        self._routes |= FeedbackHandlers(database, clock, zone, feedback_edit_days).routes()
        self._routes |= TotalsHandlers(database, clock, zone, unmatched).routes()

    def add_routes(
        self,
        routes: dict[str, Callable[[Caller, dict[str, Any], str | None], Awaitable[Outcome]]],
    ) -> None:
        """Handlers of another feature (e.g. bot/training_records_handlers.py) join the router."""
        self._routes.update(routes)

    async def handle(self, caller: Caller, command: Command, request_key: str | None) -> Outcome:
        """Run one command; a rule the domain refuses becomes a sentence and changes nothing."""
        try:
            if command.for_coordinators and not caller.is_coordinator:
                raise NotACoordinator()
            return await self._routes[command.verb](caller, command.data, request_key)
        except SessionFull as full:
            return Outcome(
                text=f"{full} Type 'wait {full.session_id}' or press the button.",
                card=await self._session_card(full.session_id, caller),
            )
        except TrainingError as refused:
            return Outcome(text=str(refused))

    async def help(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        return Outcome(card=help_card(caller.is_coordinator))

    async def unknown(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        said = str(data.get("text", "")).strip()
        note = f'Sorry, I didn\'t understand "{said}".' if said else ""
        return Outcome(card=help_card(caller.is_coordinator, note=note))

    async def list_sessions(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        now = self.clock.now()
        title = "Upcoming Prevent training"
        starts_from = starts_before = None
        course_code = None
        if month := data.get("month"):
            starts_from, starts_before = _month_range(month, self.zone)
            title += f" in {starts_from:%B %Y}"
        if wanted := data.get("course"):
            choices = await self.database.run(sessions.courses)
            course = booking.match_course(choices, wanted)
            if course is None:
                names = "; ".join(f"'{c.code.lower()}' ({c.title})" for c in choices)
                return Outcome(
                    text=f"I don't know a course called '{wanted}'. Try one of: {names}."
                )
            course_code = course.code
            title = title.replace("Prevent training", course.title)
        found = await self.database.run(
            booking.upcoming_sessions,
            now,
            course_code=course_code,
            starts_from=starts_from,
            starts_before=starts_before,
        )
        mine = await self.database.run(booking.my_bookings, caller.staff_id, now)
        status = {b.session.id: b.status for b in mine}
        return Outcome(card=sessions_card(found, self.zone, title=title, my_status=status))

    async def _session_card(self, session_id: int, caller: Caller) -> Card:
        found = await self.database.run(booking.session_overview, session_id)
        return sessions_card([found], self.zone, title="Session")

    async def book(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        outcome = await self.database.run(
            booking.book_seat,
            caller.staff_id,
            data["session_id"],
            self.clock.now(),
            request_key=key,
        )
        self._seats_changed(outcome.booking)
        return Outcome(card=session_booking_card(outcome.booking, self.zone))

    async def join_waitlist(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        outcome = await self.database.run(
            booking.book_seat,
            caller.staff_id,
            data["session_id"],
            self.clock.now(),
            join_waiting_list=True,
            request_key=key,
        )
        self._seats_changed(outcome.booking)
        return Outcome(card=session_booking_card(outcome.booking, self.zone))

    def _seats_changed(self, booking: BookingSummary) -> None:
        if booking.status != BookingStatus.WAITLISTED:
            self.session_changed(booking.session.id)

    async def my_bookings(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        mine = await self.database.run(booking.my_bookings, caller.staff_id, self.clock.now())
        return Outcome(card=my_bookings_card(mine, self.zone))

    async def cancel_booking(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        result = await self.database.run(
            booking.cancel_booking,
            caller.staff_id,
            data["booking_id"],
            self.clock.now(),
            request_key=key,
        )
        self.session_changed(result.booking.session.id)
        notices = []
        if result.promoted and result.promoted_booking:
            notices.append(
                Notice(
                    result.promoted.staff_id,
                    seat_offered_card(result.promoted_booking, self.zone),
                    f"A seat came free on {result.promoted_booking.session.course_title}: "
                    "you're booked.",
                )
            )
        return Outcome(card=session_booking_card(result.booking, self.zone), notices=notices)

    async def cancel_on_session(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        mine = await self.database.run(booking.my_bookings, caller.staff_id, self.clock.now())
        match = next((b for b in mine if b.session.id == data["session_id"]), None)
        handled = await self.database.run(booking.booking_handled_by, key) if key else None
        if match is None and handled is not None:  # a redelivery: answer as the first time
            return await self.cancel_booking(caller, {"booking_id": handled}, key)
        if match is None:
            return Outcome(
                text=f"You have no booking on session {data['session_id']}. "
                "Type 'my bookings' to see yours."
            )
        return await self.cancel_booking(caller, {"booking_id": match.id}, key)

    async def new_session_form(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        choices = await self.database.run(sessions.courses, live_only=True)
        return Outcome(
            card=new_session_form(
                choices, self.clock.now(), self.zone, meeting_by_graph=self.teams_meetings_by_graph
            )
        )

    def _read_form(self, data: dict) -> NewSession:
        try:
            day = date.fromisoformat(str(data.get("date", "")))
            start = time.fromisoformat(str(data.get("time", "")))
        except ValueError:
            raise InvalidSessionDetails("Please give a date and a start time.") from None
        try:
            duration = int(float(data.get("duration") or 0))
            capacity = int(float(data.get("capacity") or 0))
        except (TypeError, ValueError):
            raise InvalidSessionDetails("Duration and capacity must be numbers.") from None
        online = data.get("mode", "online") != "in_person"
        return NewSession(
            course_code=str(data.get("course", "")),
            starts_at=uk_time(day, start, self.zone),
            duration_minutes=duration,
            capacity=capacity,
            online=online,
            join_url=str(data.get("join_url") or "").strip() or None,
            location=str(data.get("location") or "").strip() or None,
            audience=str(data.get("audience") or "").strip()[:500],
        )

    async def create_session(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        try:
            details = self._read_form(data)
            created = await self.database.run(
                sessions.create_session,
                details,
                self.clock.now(),
                created_by_staff_id=caller.staff_id,
                request_key=key,
                teams_meeting_by_graph=self.teams_meetings_by_graph,
            )
        except TrainingError as problem:
            choices = await self.database.run(sessions.courses)
            form = new_session_form(
                choices,
                self.clock.now(),
                self.zone,
                error=str(problem),
                values={k: v for k, v in data.items() if v is not None},
                meeting_by_graph=self.teams_meetings_by_graph,
            )
            return Outcome(card=form)
        if created.online and not created.join_url:
            self.session_changed(created.id)
        return Outcome(card=session_created_card(created, self.zone))

    async def roster(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        found = await self.database.run(
            sessions.roster,
            data["session_id"],
            viewer_staff_id=caller.staff_id,
            now=self.clock.now(),
        )
        return Outcome(card=roster_card(found, self.zone))

    async def confirm_cancel_session(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        found = await self.database.run(booking.session_overview, data["session_id"])
        if found.status != "scheduled":
            return Outcome(text=f"Session {found.id} is already {found.status}.")
        return Outcome(
            card=confirm_cancel_session_card(found, self.zone, str(data.get("reason") or ""))
        )

    async def cancel_session(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        reason = str(data.get("reason") or "").strip()
        result = await self.database.run(
            sessions.cancel_session,
            data["session_id"],
            reason,
            self.clock.now(),
            actor_staff_id=caller.staff_id,
        )
        notices = [
            Notice(
                p.staff_id,
                session_cancelled_notice(result.session, self.zone, reason or None),
                f"{result.session.course_title} has been cancelled.",
                key=f"session-cancelled:{result.session.id}:to:{p.staff_id}",
            )
            for p in result.people_to_tell
        ]
        if result.repeated:  # the notices go again: any that were queued already are skipped
            return Outcome(
                text=f"Session {result.session.id} was already cancelled.", notices=notices
            )
        self.session_changed(result.session.id)
        return Outcome(
            card=session_cancelled_card(result.session, self.zone, len(result.people_to_tell)),
            notices=notices,
        )

    async def audit_log(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        lines = await self.database.run(audit.recent, caller.staff_id, self.clock.now())
        return Outcome(card=audit_card(lines, self.zone))
