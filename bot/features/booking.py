"""Staff book themselves: list sessions, book a seat, wait for one, cancel, see their bookings."""

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlmodel import Session as DbSession

from bot.cards.booking import (
    Page,
    my_bookings_card,
    offer_answer_card,
    seat_given_card,
    seat_offer_card,
    session_booking_card,
    sessions_card,
)
from bot.fields import MAX_ID, Id, SessionRef, Text, YearMonth, number
from bot.router import Feature, route
from bot.turn import Caller, Command, CommandData, NoData, Notice, Outcome, Said, Who
from database.engine import Database
from training.dates.clock import Clock
from training.errors import BookingMoved, SessionFull
from training.figures.plain_words import MONTHS
from training.models import BookingStatus
from training.sessions import booking, seat_offers
from training.sessions.offer_rule import OfferPolicy
from training.sessions.seat_offers import OfferAnswer
from training.views import BookingSummary, SeatPassed


class OfferAnswerer(Protocol):
    """The answer to a seat held for someone: `seat_offers.accept_offer` or `decline_offer`."""

    def __call__(
        self,
        db: DbSession,
        staff_id: int,
        offer_id: int,
        now: datetime,
        *,
        offers: OfferPolicy,
        request_key: str | None = None,
    ) -> OfferAnswer: ...


LIST_WORDS = {"sessions", "session", "courses", "training", "list"}
MY_BOOKINGS = {"my bookings", "bookings", "my booking", "mine"}


PAGE = 10


class ListSessions(CommandData):
    month: YearMonth | None = None
    course: Text | None = None
    skip: Annotated[int, Field(ge=0, le=MAX_ID)] = 0  # the More button's next page


class BookingId(CommandData):
    booking_id: Id


class BookingRef(CommandData):
    booking_id: Id
    # The status the card showed (its Cancel or Leave button): acted on only if still true.
    was: Literal["booked", "waitlisted"] | None = None


class OfferRef(CommandData):
    offer_id: Id


# Words people put between a verb and its number: 'book a seat on session 4',
# 'cancel my booking on 12'.
FILLERS = {"a", "seat", "on", "for", "me", "my", "session", "booking", "place", "onto", "the"}


def _number_after_fillers(rest: tuple[str, ...]) -> int | None:
    """The number at the end of `rest`, when every word before it is a filler."""
    if not rest or not set(rest[:-1]) <= FILLERS:
        return None
    return number(rest[-1])


def read_month(words: tuple[str, ...], today: date) -> tuple[str | None, list[str]]:
    """'march', 'march 2027' or '2027-03' among the words, as 'YYYY-MM', and the other words.
    A month without a year is the next one of that name (this month counts)."""
    rest: list[str] = []
    month = year = None
    for word in words:
        if word in MONTHS and month is None:
            month = MONTHS[word]
        elif re.fullmatch(r"20\d\d", word) and year is None:
            year = int(word)
        elif (m := re.fullmatch(r"(20\d\d)-(\d\d)", word)) and month is None:
            year, month = int(m[1]), int(m[2])
        else:
            rest.append(word)
    if month is None or not 1 <= month <= 12:
        return None, rest + ([str(year)] if year else [])
    if year is None:
        year = today.year if month >= today.month else today.year + 1
    return f"{year:04d}-{month:02d}", rest


def month_range(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    year, number_ = (int(part) for part in month.split("-"))
    start = datetime(year, number_, 1, tzinfo=zone)
    return start, (start + timedelta(days=32)).replace(day=1)


def seat_notices(
    passed: tuple[SeatPassed, ...], zone: ZoneInfo, now: datetime
) -> tuple[Notice, ...]:
    """Tell each person a freed seat went to: booked, or offered with Accept and Decline."""
    notices = []
    for one in passed:
        offered = one.booking.status == BookingStatus.OFFERED
        card = (seat_offer_card if offered else seat_given_card)(one.booking, zone, now)
        summary, key = seat_offers.notice_summary(one), seat_offers.notice_key(one)
        notices.append(Notice(one.person.staff_id, card, summary, key=key))
    return tuple(notices)


class BookingCommands(Feature):
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        seats_changed: Callable[[int], None],
        offers: OfferPolicy,
        undo: timedelta = timedelta(0),
    ) -> None:
        """`seats_changed(session_id)` is told of each committed change to a session's seats
        (it keeps the Teams meeting's attendees in line, in the background); `offers` says when
        a freed seat is offered rather than given; a seat booked may be given back within
        `undo`, even inside the cancellation cut-off."""
        self.undo = undo
        self.database = database
        self.clock = clock
        self.zone = zone
        self.seats_changed = seats_changed
        self.offers = offers

    def phrases(self, said: Said) -> Command | None:
        first, rest, words = said.first, said.rest, said.words
        if first in LIST_WORDS and not (
            first == "session" and rest and number(rest[0]) is not None
        ):
            month, leftover = read_month(rest, said.today)
            course = " ".join(leftover) or None
            return Command("list_sessions", ListSessions(month=month, course=course))
        if said.joined in MY_BOOKINGS:
            return Command("my_bookings")
        if first == "book" and (n := _number_after_fillers(rest)) is not None:
            return Command("book", SessionRef(session_id=n))
        if first in {"wait", "waitlist"} and (n := number(rest[-1] if rest else None)) is not None:
            return Command("join_waitlist", SessionRef(session_id=n))
        if said.joined.startswith("join waiting list") and (n := number(words[-1])) is not None:
            return Command("join_waitlist", SessionRef(session_id=n))
        if first == "cancel" and (n := number(rest[-1] if rest else None)) is not None:
            return Command("cancel_on_session", SessionRef(session_id=n))
        answering = first in {"accept", "decline"} and rest[:-1] in {(), ("seat",)}
        if answering and (n := number(rest[-1] if rest else None)) is not None:
            verb = "accept_offer_on_session" if first == "accept" else "decline_offer_on_session"
            return Command(verb, SessionRef(session_id=n))
        return None

    @route(
        "list_sessions",
        ListSessions,
        in_shared_chats=True,
        who=Who.STAFF,
        from_cards=True,
        refreshes=True,
    )
    async def list_sessions(self, caller: Caller, data: ListSessions, key: str | None) -> Outcome:
        title = "Upcoming Prevent training"
        starts_from = starts_before = None
        if data.month:
            starts_from, starts_before = month_range(data.month, self.zone)
            title += f" in {starts_from:%B %Y}"
        listing = await self.database.run(
            booking.session_listing,
            caller.staff_id,
            self.clock.now(),
            course_words=data.course,
            starts_from=starts_from,
            starts_before=starts_before,
            limit=PAGE,
            skip=data.skip,
        )
        if isinstance(listing, booking.CourseNotMatched):
            names = "; ".join(f"'{c.code.lower()}' ({c.title})" for c in listing.choices)
            return Outcome(
                text=f"I don't know a course called '{data.course}'. Try one of: {names}."
            )
        if listing.course:
            title = title.replace("Prevent training", listing.course.title)
        page = Page(data.skip, listing.total, data.model_dump(exclude={"skip"}, exclude_none=True))
        # Posted to a group, the card is everyone's: each viewer's refresh shows their own.
        mine = {} if caller.answer_is_public else dict(listing.my_status)
        shown = sessions_card(
            list(listing.sessions),
            self.zone,
            title=title,
            my_status=mine,
            asked=data.model_dump(exclude_none=True),
            page=page,
        )
        return Outcome(card=shown)

    @route(
        "book",
        SessionRef,
        in_shared_chats=True,
        answers_privately=True,
        who=Who.STAFF,
        from_cards=True,
    )
    async def book(self, caller: Caller, data: SessionRef, key: str | None) -> Outcome:
        return await self._book(caller, data.session_id, key, join_waiting_list=False)

    @route(
        "join_waitlist",
        SessionRef,
        in_shared_chats=True,
        answers_privately=True,
        who=Who.STAFF,
        from_cards=True,
    )
    async def join_waitlist(self, caller: Caller, data: SessionRef, key: str | None) -> Outcome:
        return await self._book(caller, data.session_id, key, join_waiting_list=True)

    async def _book(
        self, caller: Caller, session_id: int, key: str | None, *, join_waiting_list: bool
    ) -> Outcome:
        try:
            outcome = await self.database.run(
                booking.book_seat,
                caller.staff_id,
                session_id,
                self.clock.now(),
                join_waiting_list=join_waiting_list,
                request_key=key,
                undo=self.undo,
            )
        except SessionFull as full:
            found = await self.database.run(booking.session_overview, full.session_id)
            return Outcome(
                text=f"{full} Type 'wait {full.session_id}' or press the button.",
                card=sessions_card([found], self.zone, title="Session"),
            )
        self._changed(outcome.booking)
        return Outcome(card=session_booking_card(outcome.booking, self.zone, self.clock.now()))

    def _changed(self, booked: BookingSummary) -> None:
        if booked.status != BookingStatus.WAITLISTED:
            self.seats_changed(booked.session.id)

    @route("my_bookings", NoData, who=Who.STAFF, from_cards=True, refreshes=True)
    async def my_bookings(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        mine = await self.database.run(booking.my_bookings, caller.staff_id, self.clock.now())
        return Outcome(card=my_bookings_card(mine, self.zone, self.clock.now()))

    @route("show_booking", BookingId, who=Who.STAFF, from_cards=True, refreshes=True)
    async def show_booking(self, caller: Caller, data: BookingId, key: str | None) -> Outcome:
        now = self.clock.now()
        mine = await self.database.run(booking.one_booking, caller.staff_id, data.booking_id)
        return Outcome(card=session_booking_card(mine, self.zone, now))

    @route("cancel_booking", BookingRef, who=Who.STAFF, from_cards=True)
    async def cancel_booking(self, caller: Caller, data: BookingRef, key: str | None) -> Outcome:
        return await self._cancel(caller, data.booking_id, key, data.was)

    async def _cancel(
        self, caller: Caller, booking_id: int, key: str | None, was: str | None = None
    ) -> Outcome:
        now = self.clock.now()
        try:
            result = await self.database.run(
                booking.cancel_booking,
                caller.staff_id,
                booking_id,
                now,
                offers=self.offers,
                request_key=key,
                expected_status=was,
            )
        except BookingMoved as moved:
            return Outcome(
                text=str(moved), card=session_booking_card(moved.booking, self.zone, now)
            )
        self.seats_changed(result.booking.session.id)
        return Outcome(
            card=session_booking_card(result.booking, self.zone, now),
            notices=seat_notices(result.passed, self.zone, now),
        )

    @route("cancel_on_session", SessionRef, from_cards=False, who=Who.STAFF)
    async def cancel_on_session(self, caller: Caller, data: SessionRef, key: str | None) -> Outcome:
        mine = await self.database.run(booking.my_bookings, caller.staff_id, self.clock.now())
        match = next((b for b in mine if b.session.id == data.session_id), None)
        handled = await self.database.run(booking.booking_handled_by, key) if key else None
        if match is None and handled is not None:  # a redelivery: answer as the first time
            return await self._cancel(caller, handled, key)
        if match is None:
            return Outcome(
                text=f"You have no booking on session {data.session_id}. "
                "Type 'my bookings' to see yours."
            )
        return await self._cancel(caller, match.id, key)

    @route("accept_seat_offer", OfferRef, who=Who.STAFF, from_cards=True)
    async def accept_seat_offer(self, caller: Caller, data: OfferRef, key: str | None) -> Outcome:
        return await self._answer(seat_offers.accept_offer, caller, data.offer_id, key)

    @route("decline_seat_offer", OfferRef, who=Who.STAFF, from_cards=True)
    async def decline_seat_offer(self, caller: Caller, data: OfferRef, key: str | None) -> Outcome:
        return await self._answer(seat_offers.decline_offer, caller, data.offer_id, key)

    @route("accept_offer_on_session", SessionRef, who=Who.STAFF, from_cards=False)
    async def accept_offer_on_session(
        self, caller: Caller, data: SessionRef, key: str | None
    ) -> Outcome:
        return await self._answer_on_session(seat_offers.accept_offer, caller, data, key)

    @route("decline_offer_on_session", SessionRef, who=Who.STAFF, from_cards=False)
    async def decline_offer_on_session(
        self, caller: Caller, data: SessionRef, key: str | None
    ) -> Outcome:
        return await self._answer_on_session(seat_offers.decline_offer, caller, data, key)

    async def _answer_on_session(
        self, answer: OfferAnswerer, caller: Caller, data: SessionRef, key: str | None
    ) -> Outcome:
        offer_id = await self.database.run(
            seat_offers.offer_on_session, caller.staff_id, data.session_id, key
        )
        if offer_id is None:
            return Outcome(
                text=f"No seat on session {data.session_id} is held for you. "
                "Type 'my bookings' to see yours."
            )
        return await self._answer(answer, caller, offer_id, key)

    async def _answer(
        self, answer: OfferAnswerer, caller: Caller, offer_id: int, key: str | None
    ) -> Outcome:
        now = self.clock.now()
        result = await self.database.run(
            answer, caller.staff_id, offer_id, now, offers=self.offers, request_key=key
        )
        if result.changed or result.passed:
            self.seats_changed(result.booking.session.id)
        return Outcome(
            card=offer_answer_card(result, self.zone, now),
            notices=seat_notices(result.passed, self.zone, now),
        )
