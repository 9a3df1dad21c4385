"""Coordinator handlers for the governance calendar, reminders and failed deliveries."""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.reminders import (
    board_form,
    board_saved_card,
    boards_card,
    failed_deliveries_card,
    upcoming_reminders_card,
    update_delivered_card,
)
from bot.handlers import Caller, Outcome
from training import boards, outbox
from training.boards import BoardDetails, BoardView
from training.clock import Clock
from training.coordinators import Coordinators
from training.db import Database
from training.due import upcoming_reminders
from training.errors import InvalidBoardDetails, NotTheBoardLead, TrainingError
from training.reminders import ReminderPolicy

REMINDER_DAYS = 14
Route = Callable[[Caller, dict[str, Any], str | None], Awaitable[Outcome]]


def _date(data: dict[str, Any], name: str, label: str) -> date | None:
    raw = str(data.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidBoardDetails(f"The {label} must be a date (YYYY-MM-DD).") from None


def read_board_form(data: dict[str, Any]) -> BoardDetails:
    """The board form's inputs as details; a field that cannot be read says which."""
    leads = tuple(e.strip() for e in str(data.get("leads") or "").split(",") if e.strip())
    return BoardDetails(
        name=str(data.get("name") or "").strip(),
        focus=str(data.get("focus") or "").strip(),
        kind=str(data.get("kind") or "board"),
        frequency=str(data.get("frequency") or ""),
        next_due_on=_date(data, "next_due", "next date"),
        last_update_on=_date(data, "last_update", "last update"),
        lead_emails=leads,
    )


class BoardHandlers:
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

    def routes(self) -> dict[str, Route]:
        return {
            "list_boards": self.list_boards,
            "board_delivered": self.board_delivered,
            "board_form": self.board_form,
            "save_board": self.save_board,
            "reminders": self.reminders,
            "failed_deliveries": self.failed_deliveries,
            "retry_delivery": self.retry_delivery,
        }

    def _today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    async def _board(self, data: dict[str, Any]) -> BoardView:
        if "board_id" in data:
            return await self.database.run(boards.board_view, data["board_id"])
        return await self.database.run(boards.find_board, str(data.get("board") or ""))

    async def list_boards(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        found = await self.database.run(boards.list_boards)
        if not caller.is_coordinator:  # a board lead sees the boards they lead
            found = [b for b in found if _leads(caller, b)]
            if not found:
                raise NotTheBoardLead()
        return Outcome(card=boards_card(found, self._today()))

    async def board_delivered(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        if "board_id" not in data and not str(data.get("board") or "").strip():
            return Outcome(
                text="Which board? For example: 'board update delivered Adult Safeguarding'."
            )
        board = await self._board(data)
        if not (caller.is_coordinator or _leads(caller, board)):
            raise NotTheBoardLead()
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

    async def board_form(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        board = await self._board(data) if ("board_id" in data or data.get("board")) else None
        return Outcome(card=board_form(board))

    async def save_board(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        board_id = data.get("board_id")
        try:
            saved = await self.database.run(
                boards.save_board,
                read_board_form(data),
                self.clock.now(),
                board_id=board_id,
                actor_staff_id=caller.staff_id,
            )
        except TrainingError as problem:
            current = await self.database.run(boards.board_view, board_id) if board_id else None
            values = {k: v for k, v in data.items() if isinstance(v, str)}
            return Outcome(card=board_form(current, error=str(problem), values=values))
        return Outcome(card=board_saved_card(saved, created=board_id is None))

    async def reminders(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        upcoming = await self.database.run(
            upcoming_reminders,
            self.clock.now(),
            self.policy,
            self.coordinators.identifiers(),
            days=REMINDER_DAYS,
            viewer_staff_id=caller.staff_id,
        )
        return Outcome(card=upcoming_reminders_card(upcoming, self.zone, REMINDER_DAYS))

    async def failed_deliveries(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        problems = await self.database.run(
            outbox.failed_deliveries, viewer_staff_id=caller.staff_id, now=self.clock.now()
        )
        return Outcome(card=failed_deliveries_card(problems, self.zone))

    async def retry_delivery(self, caller: Caller, data: dict, key: str | None) -> Outcome:
        await self.database.run(
            outbox.retry_delivery,
            data["outbox_id"],
            self.clock.now(),
            actor_staff_id=caller.staff_id,
        )
        return Outcome(text="I'll try that message again now.")


def _leads(caller: Caller, board: BoardView) -> bool:
    return any(lead.staff_id == caller.staff_id for lead in board.leads)
