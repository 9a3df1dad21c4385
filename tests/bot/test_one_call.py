"""A command reads its whole card in one unit of work: the domain returns the whole view, so
a turn never stitches a card together from several reads (each its own transaction, each able
to see a different moment).

`services` records the domain services a turn runs through `Database.run`; the bot's own
bookkeeping (the person, request keys, the outbox) runs there too and is left out."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.bot.harness import button, card_text, cards_in, texts_in

# Every turn records who is talking first; that is the turn's, not the command's.
THE_PERSON = "training.people.staff.record_contact"


def _commands(ran: list[str]) -> list[str]:
    return [service for service in ran if service != THE_PERSON]


@pytest.fixture
def services(chat, monkeypatch) -> Iterator[list[str]]:
    ran: list[str] = []
    run = chat.database.run

    async def counted(service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        ran.append(f"{service.__module__}.{service.__qualname__}")
        return await run(service, *args, **kwargs)

    monkeypatch.setattr(chat.database, "run", counted)
    yield ran


async def test_sessions_narrowed_by_course_is_one_read(chat, wrap_sessions, services):
    megan = chat.user("Megan Bowen")
    [card] = cards_in(await megan.says("sessions wrap february 2027"))
    await megan.presses(button(card, "Book a seat"))
    services.clear()
    [card] = cards_in(await megan.says("sessions wrap february 2027"))
    assert "February 2027" in card_text(card) and "You're booked" in card_text(card)
    assert _commands(services) == ["training.sessions.booking.session_listing"]
    [unknown] = texts_in(await megan.says("sessions knitting"))
    assert "don't know a course called 'knitting'" in unknown
    assert _commands(services)[1:] == ["training.sessions.booking.session_listing"]
