"""What one turn is made of: who asks, what they asked for, and what the bot answers.

Every feature speaks these types; the router (bot/router.py) and the Teams handler
(bot/teams_bot.py) are the only places that turn them into Teams activities.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.cards.elements import Card
from bot.downloads import FileOffer


@dataclass(frozen=True)
class Caller:
    """The person this turn is from, as the bot knows them."""

    staff_id: int
    display_name: str
    is_coordinator: bool
    is_reporter: bool = False  # REPORTERS or their group: figures without personal data
    is_auditor: bool = False  # AUDITORS or their group: the audit log
    # The answer is posted where others read it (a message typed in a group chat or channel),
    # so it must show nothing of this person's own (their bookings' status).
    answer_is_public: bool = False


@dataclass(frozen=True)
class Notice:
    """A message to send to someone else after this turn (e.g. a seat came free)."""

    staff_id: int
    card: Card
    summary: str
    # What makes this notice unique (e.g. 'session-cancelled:12:to:7'): asking twice, by a
    # redelivery or a second press, queues it once.
    key: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What the person sees: a card, or a sentence when nothing changed."""

    card: Card | None = None
    text: str | None = None
    notices: tuple[Notice, ...] = ()
    attachments: tuple[dict[str, Any], ...] = ()  # Teams attachments (JSON): a file consent card


class CommandData(BaseModel):
    """The typed data of one command, from a card press or from typed words.

    Frozen, and strict about shape: a field the command does not know is refused, so a
    tampered or stale card payload never reaches a handler.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoData(CommandData):
    """A command that needs nothing more than its verb ('my bookings')."""


D = TypeVar("D", bound=CommandData)


@dataclass(frozen=True)
class Command:
    verb: str
    data: CommandData = field(default_factory=NoData)


class Who(Enum):
    """Who may run a command; the router checks it before the handler runs."""

    STAFF = "anyone the bot knows"
    COORDINATOR = "the Prevent coordinators"
    # Figures with no one's personal data in them (totals, the board report, their exports).
    REPORTER = "the coordinators and the people who report on training"
    AUDITOR = "the coordinators and the auditors"
    # Anyone may ask; the handler itself decides (e.g. 'leads this board') and must refuse
    # everyone its rule does not admit, coordinators aside.
    HANDLER_CHECKS = "checked by the handler"


Handler = Callable[[Caller, D, str | None], Awaitable[Outcome]]


@dataclass(frozen=True)
class Route(Generic[D]):
    """One command: its verb, its handler, and the rules the router enforces for it."""

    verb: str
    handler: Handler[D]
    data: type[D]
    who: Who = Who.STAFF
    # Channels and group chats see only what is safe to show everyone there.
    in_shared_chats: bool = False
    # Whether a card button may send it (typed-only commands refuse card payloads).
    from_cards: bool = True
    # Whether Teams may run it to redraw a card as it is shown (Universal Actions' refresh):
    # only commands that read and change nothing.
    refreshes: bool = False
    # Run in a group chat or channel, its answer goes to the person's personal chat only (a
    # booking's card carries the join link and is theirs alone).
    answers_privately: bool = False


@dataclass(frozen=True)
class Said:
    """A typed message, ready for the features' phrase readers."""

    raw: str
    words: tuple[str, ...]
    today: date
    files: tuple[FileOffer, ...] = ()  # attached to the message (e.g. a certificate)

    @property
    def first(self) -> str:
        return self.words[0] if self.words else ""

    @property
    def rest(self) -> tuple[str, ...]:
        return self.words[1:]

    @property
    def joined(self) -> str:
        return " ".join(self.words)


PhraseReader = Callable[[Said], Command | None]
