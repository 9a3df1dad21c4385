"""The register (coordinators and a session's facilitators): attendance taken by hand, for an
in-person session, or to correct what Teams recorded of an online one."""

import re
from typing import Annotated, Self
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, StringConstraints, model_validator

from bot.cards.register import register_card
from bot.fields import FormValue, Id, number
from bot.router import Feature, route
from bot.turn import Caller, Command, CommandData, Outcome, Said, Who
from database.engine import Database
from training.attendance import register
from training.attendance.completion import CompletionPolicy
from training.attendance.register import TEAMS, RegisterEntry, RegisterPolicy
from training.dates.clock import Clock

CHOICES = {"", "present", "left_early", "absent", TEAMS}
MARK_INPUT = re.compile(r"m_([sa]\d{1,10})")
# What the card showed, person by person: 'key=choice', ';' between them (at most a page).
PAIR = r"[sa]\d{1,10}=(present|left_early|absent|teams)?"
DRAWN = rf"^({PAIR})?(;{PAIR})*$"
Drawn = Annotated[str, StringConstraints(max_length=1200, pattern=DRAWN)]
PAGES = 1000  # a register has fewer pages than this; more is not a page our card drew


class RegisterRef(CommandData):
    session_id: Id
    page: Id = 1


class RegisterSave(CommandData):
    """A press of the register card: its hidden data and every input on it (`m_<key>` is one
    person's choice)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    session_id: Id
    page: Id = 1  # the page to show after saving
    on: Id = 1  # the page the card showed
    drawn: Drawn = ""
    everyone: FormValue = "false"
    walk_in: FormValue = ""
    reason: FormValue = ""

    @model_validator(mode="after")
    def _only_the_cards_inputs(self) -> Self:
        for name, value in (self.model_extra or {}).items():
            if not MARK_INPUT.fullmatch(name):
                raise ValueError(f"unknown field {name}")
            if value not in CHOICES:
                raise ValueError(f"{name} is not a choice the card offers")
        return self

    @property
    def marks(self) -> dict[str, str]:
        found = {}
        for name, value in (self.model_extra or {}).items():
            if match := MARK_INPUT.fullmatch(name):
                found[match[1]] = str(value)
        return found

    @property
    def drawn_marks(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in self.drawn.split(";") if item)
        return {key: mark for key, mark in pairs}

    def changed(self) -> dict[str, str]:
        """The choices changed on the card (what a refused save shows again)."""
        drawn = self.drawn_marks
        return {k: v for k, v in self.marks.items() if k in drawn and v and v != drawn[k]}


class RegisterCommands(Feature):
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        completion: CompletionPolicy,
        policy: RegisterPolicy,
    ) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone
        self.completion = completion
        self.policy = policy

    def phrases(self, said: Said) -> Command | None:
        words = said.words
        if len(words) == 2 and words[0] == "register" and (n := number(words[1])) is not None:
            return Command("register", RegisterRef(session_id=n))
        return None

    @route("register", RegisterRef, who=Who.HANDLER_CHECKS, from_cards=True)
    async def register(self, caller: Caller, data: RegisterRef, key: str | None) -> Outcome:
        """Coordinators and the session's facilitators (the service refuses anyone else)."""
        shown = await self.database.run(
            register.register,
            data.session_id,
            viewer_staff_id=caller.staff_id,
            is_coordinator=caller.is_coordinator,
            now=self.clock.now(),
            completion=self.completion,
            page=min(data.page, PAGES),
            policy=self.policy,
        )
        return Outcome(card=register_card(shown, self.zone))

    @route("register_save", RegisterSave, who=Who.HANDLER_CHECKS, from_cards=True)
    async def register_save(self, caller: Caller, data: RegisterSave, key: str | None) -> Outcome:
        """Coordinators and the session's facilitators (the service refuses anyone else)."""
        entry = RegisterEntry(
            marks=data.marks,
            drawn=data.drawn_marks,
            everyone_booked_here=data.everyone == "true",
            walk_ins=data.walk_in,
            reason=data.reason,
            page=min(data.page, PAGES),
            on_page=min(data.on, PAGES),
        )
        shown = await self.database.run(
            register.take_register,
            data.session_id,
            entry,
            actor_staff_id=caller.staff_id,
            is_coordinator=caller.is_coordinator,
            now=self.clock.now(),
            completion=self.completion,
            policy=self.policy,
        )
        if shown.saved:
            return Outcome(card=register_card(shown, self.zone))
        return Outcome(
            card=register_card(
                shown, self.zone, chosen=data.changed(), walk_in=data.walk_in, reason=data.reason
            )
        )
