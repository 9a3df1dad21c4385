"""Fifty people press Book at once, over HTTP, with Teams redelivering some presses."""

import asyncio

from sqlmodel import select

from tests.bot.harness import card_from_invoke, card_text
from tests.factories import add_course, add_session
from training.models import Booking


async def test_fifty_presses_at_once_never_overbook(chat, clock):
    from datetime import timedelta

    with chat.database.unit_of_work() as db:
        session_id = add_session(
            db, add_course(db), clock.now() + timedelta(days=3), capacity=10
        ).id
    people = [chat.user(f"Person {i}") for i in range(50)]
    for person in people:  # first contact, so each is on record
        await person.says("hi")

    press = {"verb": "join_waitlist", "data": {"session_id": session_id}}
    bodies = await asyncio.gather(
        *(p.presses(press, id=f"press-{i}") for i, p in enumerate(people))
    )
    # Teams retries five of them: the same activity ids arrive again.
    retries = await asyncio.gather(*(people[i].presses(press, id=f"press-{i}") for i in range(5)))

    shown = [card_text(card_from_invoke(b)) for b in bodies + retries]
    assert sum("You're booked" in s for s in shown[:50]) == 10
    assert sum("waiting list" in s for s in shown[:50]) == 40
    with chat.database.unit_of_work() as db:
        rows = db.exec(select(Booking)).all()
    assert len(rows) == 50
    assert sum(b.status == "booked" for b in rows) == 10
    assert len({b.staff_id for b in rows}) == 50
