"""A form is acted on once: pressing Create twice, or at the same moment twice, makes one
session, and the second press says which."""

import asyncio

from sqlmodel import func, select

from tests.bot.harness import button, card_from_invoke, card_text, cards_in
from training.models import Session

FORM = {
    "course": "WRAP",
    "date": "2027-06-15",
    "time": "14:30",
    "duration": "90",
    "capacity": "12",
    "mode": "in_person",
    "location": "Colindale Office, Room 2",
}


def _sessions(chat) -> int:
    """Sessions made here (the three from `wrap_sessions` not counted)."""
    with chat.database.unit_of_work() as db:
        return db.exec(select(func.count()).select_from(Session)).one() - 3


async def test_pressing_create_twice_makes_one_session(chat, wrap_sessions):
    pat = chat.coordinator()
    [form] = cards_in(await pat.says("new session"))
    create = button(form, "Create session")
    first = card_text(card_from_invoke(await pat.presses(create, inputs=FORM)))
    again = await pat.presses(create, inputs=FORM)
    assert _sessions(chat) == 1
    number = first.split("#")[1].split()[0]
    [said] = [e["activity"]["text"] for e in pat.new_replies() if e["activity"].get("text")]
    assert said == f"That form was already used: it created session #{number}."
    assert f"Session #{number} created" in card_text(card_from_invoke(again))

    [other] = cards_in(await pat.says("new session"))  # a new form is a new session
    await pat.presses(button(other, "Create session"), inputs=FORM)
    assert _sessions(chat) == 2


async def test_two_presses_at_the_same_moment_make_one_session(chat, wrap_sessions):
    pat = chat.coordinator()
    [form] = cards_in(await pat.says("new session"))
    create = button(form, "Create session")
    await asyncio.gather(*(pat.presses(create, inputs=FORM) for _ in range(4)))
    assert _sessions(chat) == 1


async def test_a_refused_form_keeps_its_token_and_can_still_create(chat, wrap_sessions):
    pat = chat.coordinator()
    [form] = cards_in(await pat.says("new session"))
    refused = card_from_invoke(
        await pat.presses(button(form, "Create session"), inputs={**FORM, "capacity": "0"})
    )
    assert "Capacity" in card_text(refused)
    fixed = button(refused, "Create session")
    assert fixed["data"]["form_id"] == button(form, "Create session")["data"]["form_id"]
    await pat.presses(fixed, inputs=FORM)
    assert _sessions(chat) == 1
