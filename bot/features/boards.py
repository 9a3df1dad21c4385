"""The governance calendar: boards, their updates and leads, reminders and failed deliveries.

Board leads may list the boards they lead and record their own updates; everything else here
is for coordinators.
"""

import re
from datetime import date
from zoneinfo import ZoneInfo

from bot.cards.boards import (
    board_form,
    board_saved_card,
    boards_card,
    failed_deliveries_card,
    upcoming_reminders_card,
    update_delivered_card,
)
from bot.fields import FormValue, Id, Text
from bot.router import Feature, route
from bot.turn import Caller, Command, CommandData, NoData, Outcome, Said, Who
from database.engine import Database
from delivery import outbox
from training.dates.clock import Clock
from training.errors import InvalidBoardDetails, NotTheBoardLead, TrainingError, UnknownBoard
from training.governance import boards
from training.governance.boards import BoardDetails, BoardView
from training.governance.due import upcoming_reminders
from training.governance.reminders import ReminderPolicy
from training.people.coordinators import Coordinators

REMINDER_DAYS = 14
LIST_BOARDS = {"boards", "board", "governance", "calendar", "governance calendar"}
BOARD_DELIVERED = (
    ("board", "update", "delivered"),
    ("board", "updates", "delivered"),
    ("board", "delivered"),
    ("update", "delivered"),
)
NEW_BOARD = {"new board", "add board", "add a board"}
REMINDERS = {"reminders", "upcoming reminders", "reminders coming up"}
FAILED = {"failed deliveries", "failed delivery", "failed", "deliveries"}


class BoardChoice(CommandData):
    """A board by its id (from a card) or by words naming it (typed)."""

    board_id: Id | None = None
    board: Text = ""


class BoardForm(CommandData):
    board_id: Id | None = None
    name: FormValue = ""
    focus: FormValue = ""
    kind: FormValue = "board"
    frequency: FormValue = ""
    next_due: FormValue = ""
    last_update: FormValue = ""
    leads: FormValue = ""


class OutboxRef(CommandData):
    outbox_id: Id


def _date(raw: str, label: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidBoardDetails(f"The {label} must be a date (YYYY-MM-DD).") from None


def read_board_form(form: BoardForm) -> BoardDetails:
    """The board form's inputs as details; a field that cannot be read says which."""
    return BoardDetails(
        name=form.name.strip(),
        focus=form.focus.strip(),
        kind=form.kind or "board",
        frequency=form.frequency,
        next_due_on=_date(form.next_due, "next date"),
        last_update_on=_date(form.last_update, "last update"),
        lead_emails=tuple(e for e in re.split(r"[,;\s]+", form.leads) if e),
    )


def _leads(caller: Caller, board: BoardView) -> bool:
    return any(lead.staff_id == caller.staff_id for lead in board.leads)


class BoardCommands(Feature):
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        policy: ReminderPolicy,
        coordinators: Coordinators,
    ) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone
        self.policy = policy
        self.coordinators = coordinators

    def phrases(self, said: Said) -> Command | None:
        words, joined = said.words, said.joined
        if joined in LIST_BOARDS:
            return Command("list_boards")
        for prefix in BOARD_DELIVERED:
            if words[: len(prefix)] == prefix:
                named = " ".join(words[len(prefix) :])
                return Command("board_delivered", BoardChoice(board=named))
        if joined in NEW_BOARD:
            return Command("board_form", BoardChoice())
        if words[:2] in (("edit", "board"), ("change", "board")) and len(words) > 2:
            return Command("board_form", BoardChoice(board=" ".join(words[2:])))
        if joined in REMINDERS:
            return Command("reminders")
        if joined in FAILED:
            return Command("failed_deliveries")
        return None

    def _today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    async def _board(self, choice: BoardChoice, caller: Caller) -> BoardView:
        """The board chosen; for someone not a coordinator, only one they lead, with the same
        refusal for a board that is not theirs, not there, or not clear."""
        led_by = None if caller.is_coordinator else caller.staff_id
        if choice.board_id is not None:
            try:
                board = await self.database.run(boards.board_view, choice.board_id)
            except UnknownBoard:
                if led_by is None:
                    raise
                raise NotTheBoardLead() from None
            if led_by is not None and not _leads(caller, board):
                raise NotTheBoardLead()
            return board
        return await self.database.run(boards.find_board, choice.board, led_by)

    @route("list_boards", NoData, who=Who.HANDLER_CHECKS, from_cards=True)
    async def list_boards(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        found = await self.database.run(boards.list_boards)
        if not caller.is_coordinator:  # a board lead sees the boards they lead
            found = [b for b in found if _leads(caller, b)]
            if not found:
                raise NotTheBoardLead()
        return Outcome(
            card=boards_card(found, self._today(), for_coordinator=caller.is_coordinator)
        )

    @route("board_delivered", BoardChoice, who=Who.HANDLER_CHECKS, from_cards=True)
    async def board_delivered(self, caller: Caller, data: BoardChoice, key: str | None) -> Outcome:
        if data.board_id is None and not data.board.strip():
            return Outcome(
                text="Which board? For example: 'board update delivered Adult Safeguarding'."
            )
        board = await self._board(data, caller)
        result = await self.database.run(
            boards.record_update_delivered,
            board.id,
            self._today(),
            self.clock.now(),
            actor_staff_id=caller.staff_id,
            request_key=key,
        )
        if result.repeated:
            return Outcome(text=f"That update to {board.name} was already recorded.")
        return Outcome(card=update_delivered_card(result.board, result.was_due_on))

    @route("board_form", BoardChoice, who=Who.COORDINATOR, from_cards=True)
    async def board_form(self, caller: Caller, data: BoardChoice, key: str | None) -> Outcome:
        named = data.board_id is not None or data.board.strip()
        return Outcome(card=board_form(await self._board(data, caller) if named else None))

    @route("save_board", BoardForm, who=Who.COORDINATOR, from_cards=True)
    async def save_board(self, caller: Caller, data: BoardForm, key: str | None) -> Outcome:
        try:
            saved = await self.database.run(
                boards.save_board,
                read_board_form(data),
                self.clock.now(),
                board_id=data.board_id,
                actor_staff_id=caller.staff_id,
            )
        except TrainingError as problem:
            current = None
            if data.board_id is not None:
                current = await self.database.run(boards.board_view, data.board_id)
            values = data.model_dump(exclude={"board_id"})
            return Outcome(card=board_form(current, error=str(problem), values=values))
        return Outcome(card=board_saved_card(saved, created=data.board_id is None))

    @route("reminders", NoData, who=Who.COORDINATOR, from_cards=True)
    async def reminders(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        upcoming = await self.database.run(
            upcoming_reminders,
            self.clock.now(),
            self.policy,
            self.coordinators.identifiers(),
            days=REMINDER_DAYS,
            viewer_staff_id=caller.staff_id,
        )
        return Outcome(card=upcoming_reminders_card(upcoming, self.zone, REMINDER_DAYS))

    @route("failed_deliveries", NoData, who=Who.COORDINATOR, from_cards=True)
    async def failed_deliveries(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        problems = await self.database.run(
            outbox.failed_deliveries, viewer_staff_id=caller.staff_id, now=self.clock.now()
        )
        return Outcome(card=failed_deliveries_card(problems, self.zone))

    @route("retry_delivery", OutboxRef, who=Who.COORDINATOR, from_cards=True)
    async def retry_delivery(self, caller: Caller, data: OutboxRef, key: str | None) -> Outcome:
        await self.database.run(
            outbox.retry_delivery,
            data.outbox_id,
            self.clock.now(),
            actor_staff_id=caller.staff_id,
        )
        return Outcome(text="I'll try that message again now.")
