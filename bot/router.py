"""The route registry: every command is declared once, beside its handler, with `@route`.

The router reads what a person typed or pressed into a `Command`, and runs it under the
rules its route declares: who may run it, and whether it may run in a channel or group chat.
Those rules are enforced here and nowhere else.
"""

import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from bot.downloads import FileOffer
from bot.fields import MAX_TEXT
from bot.turn import (
    Caller,
    Command,
    CommandData,
    Handler,
    Outcome,
    PhraseReader,
    Route,
    Said,
    Who,
)
from training.errors import NotACoordinator, NotAnAuditor, NotAReporter, TrainingError

log = logging.getLogger(__name__)

PERSONAL_ONLY = (
    "Let's do that in our personal chat: it shows people's own training records. "
    "Here I can list sessions and book you a seat."
)
_ROUTE_MARK = "__wrapbot_route__"

D = TypeVar("D", bound=CommandData)
F = TypeVar("F", bound="Feature")
Method = Callable[[F, Caller, D, str | None], Awaitable[Outcome]]


class BadPayload(ValueError):
    """A card payload that is not one we sent (tampered, stale or from another app)."""


@dataclass(frozen=True)
class _Declared(Generic[D]):
    verb: str
    data: type[D]
    who: Who
    in_shared_chats: bool
    from_cards: bool
    refreshes: bool
    answers_privately: bool

    def bind(self, handler: Handler[D]) -> Route[D]:
        return Route(
            self.verb,
            handler,
            self.data,
            self.who,
            self.in_shared_chats,
            self.from_cards,
            self.refreshes,
            self.answers_privately,
        )


def route(
    verb: str,
    data: type[D],
    *,
    who: Who,
    from_cards: bool,
    in_shared_chats: bool = False,
    refreshes: bool = False,
    answers_privately: bool = False,
) -> Callable[[Method[F, D]], Method[F, D]]:
    """Declare a handler method as the command `verb`, with its data and its rules. Who may run
    it and whether a card may send it are always said: neither has a default to fall back on.
    `refreshes`: a card may name it to be redrawn as shown (it must read and change nothing).
    `answers_privately`: asked in a group chat or channel, it answers in the personal chat."""

    def mark(method: Method[F, D]) -> Method[F, D]:
        if hasattr(method, _ROUTE_MARK):
            raise ValueError(f"{method.__name__} is already a command; one route per handler")
        declared = _Declared(
            verb, data, who, in_shared_chats, from_cards, refreshes, answers_privately
        )
        setattr(method, _ROUTE_MARK, declared)
        return method

    return mark


class Feature:
    """A feature's handlers. Its routes are its methods marked with `@route`; `phrases`
    reads the typed words that lead to its commands (None: not one of ours)."""

    @classmethod
    def declared(cls) -> dict[str, "_Declared[Any]"]:
        """The routes this feature declares, by the name of their handler method."""
        found = {}
        for name in sorted(dir(cls)):
            declared = getattr(getattr(cls, name), _ROUTE_MARK, None)
            if isinstance(declared, _Declared):
                found[name] = declared
        return found

    def routes(self) -> list[Route[Any]]:
        return [declared.bind(getattr(self, name)) for name, declared in self.declared().items()]

    def phrases(self, said: Said) -> Command | None:
        return None


# Unicode categories of emoji, pictographs, skin tones, joiners and variation selectors.
_DECORATION = {"So", "Sk", "Cf", "Mn", "Me", "Co"}


def without_leading_symbols(raw: str) -> str:
    """The message without emoji or pictographs before its first word ('👋 sessions',
    '✅ book 4'). Anything else ('#7', '?', an @mention) stays: it means something."""
    for start, character in enumerate(raw):
        if not (character.isspace() or unicodedata.category(character) in _DECORATION):
            return raw[start:]
    return ""


def words_of(raw: str) -> tuple[str, ...]:
    """Lower-case words, without @mentions of the bot or commas."""
    return tuple(re.sub(r"<at>.*?</at>", " ", raw[:MAX_TEXT]).lower().replace(",", " ").split())


class Router:
    def __init__(
        self,
        features: Sequence[Feature],
        *,
        not_understood: PhraseReader,
        files_offered: Callable[[Said], Command],
    ) -> None:
        """`features` in the order their phrases are tried: the first that reads a message
        wins. A message no feature reads goes to `files_offered` when it carries files, and
        to `not_understood` otherwise."""
        self._routes: dict[str, Route[Any]] = {}
        for feature in features:
            for found in feature.routes():
                if found.verb in self._routes:
                    raise ValueError(f"two handlers declare the command '{found.verb}'")
                self._routes[found.verb] = found
        self._readers = [feature.phrases for feature in features]
        self._not_understood = not_understood
        self._files_offered = files_offered

    @property
    def routes(self) -> dict[str, Route[Any]]:
        return dict(self._routes)

    def answers_privately(self, command: Command) -> bool:
        """Whether this command's answer, asked in a shared chat, goes to the personal chat."""
        found = self._routes.get(command.verb)
        return found is not None and found.answers_privately

    def card_verbs(self) -> set[str]:
        return {verb for verb, found in self._routes.items() if found.from_cards}

    def read_text(self, raw: str, today: date, files: Sequence[FileOffer] = ()) -> Command:
        raw = without_leading_symbols(raw)
        said = Said(raw, words_of(raw), today, tuple(files))
        for read in self._readers:
            try:
                command = read(said)
            except ValidationError:  # words a phrase read into data its command refuses
                log.info("a phrase read data its command refuses", exc_info=True)
                break
            if command is not None:
                return self._checked(command)
        if said.files:
            return self._files_offered(said)
        command = self._not_understood(said)
        assert command is not None, "the not-understood reader answers everything"
        return command

    def _checked(self, command: Command) -> Command:
        found = self._routes.get(command.verb)
        if found is None or not isinstance(command.data, found.data):
            raise TypeError(f"a phrase gave {command.verb!r} data it does not take")
        return command

    def read_card(self, value: Any, *, refresh: bool = False) -> Command:
        """Read the data of an `Action.Execute` invoke or an `Action.Submit` message.

        Accepts `{"action": {"verb": ..., "data": {...}}}` (invoke) or `{"verb": ..., ...}`
        (submit). Raises `BadPayload` for anything our cards could not have sent, and, for a
        `refresh` (Teams redrawing a card by itself), for any command that would change things.
        """
        if not isinstance(value, dict):
            raise BadPayload("not an object")
        if isinstance(value.get("action"), dict):
            action = value["action"]
            data = action.get("data") if isinstance(action.get("data"), dict) else {}
            verb = action.get("verb") or data.get("verb")
        else:
            data, verb = value, value.get("verb")
        found = self._routes.get(verb) if isinstance(verb, str) else None
        if found is None or not found.from_cards:
            raise BadPayload(f"no card sends the command {verb!r}")
        if refresh and not found.refreshes:
            raise BadPayload(f"{found.verb} changes things: no card refreshes with it")
        fields = {k: v for k, v in data.items() if k != "verb"}
        try:
            return Command(found.verb, found.data.model_validate(fields))
        except ValidationError as problem:
            raise BadPayload(f"{found.verb}: {problem.error_count()} bad fields") from None

    async def run(
        self, caller: Caller, command: Command, request_key: str | None, *, shared_chat: bool
    ) -> Outcome:
        """Run one command under its route's rules; a rule the domain refuses becomes a
        sentence and changes nothing."""
        found = self._routes[command.verb]
        if not isinstance(command.data, found.data):
            raise TypeError(f"{command.verb} takes {found.data.__name__}")
        if shared_chat and not found.in_shared_chats:
            # Rosters, totals, audit and anyone's own bookings would show to the whole chat.
            return Outcome(text=PERSONAL_ONLY)
        try:
            _check_role(found.who, caller)
            return await found.handler(caller, command.data, request_key)
        except TrainingError as refused:
            return Outcome(text=str(refused))


def _check_role(who: Who, caller: Caller) -> None:
    """Refuse a caller the route's role does not admit; coordinators may do everything. Any
    other role fails closed: only what is admitted here runs."""
    if caller.is_coordinator or who in (Who.STAFF, Who.HANDLER_CHECKS):
        return
    if (who is Who.REPORTER and caller.is_reporter) or (who is Who.AUDITOR and caller.is_auditor):
        return
    refusal = {Who.REPORTER: NotAReporter, Who.AUDITOR: NotAnAuditor}.get(who, NotACoordinator)
    raise refusal()
