"""Booking in chat keeps the session's Teams meeting in line, without ever waiting for Graph:
the real bot over HTTP, the real Graph SDK against the local Graph."""

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.app import WRAPBOT
from graph.calendar_sync import retry_pending
from tests.bot.harness import (
    COMMONMARK,
    button,
    card_from_invoke,
    card_markup,
    card_text,
    cards_in,
)
from tests.factories import add_course
from tests.graph.local_graph import Fault
from training.models import Session
from training.sessions import calendar
from training.sessions.schedule import NEEDS_JOIN_LINK

ONLINE_FORM = {
    "course": "WRAP",
    "date": "2027-02-15",
    "time": "10:00",
    "duration": "120",
    "capacity": "1",
    "mode": "online",
}


async def settled(chat) -> None:
    """Everything the turns started in the background is done, and its notices sent."""
    await chat.app[WRAPBOT].background.drain()
    await chat.notices_sent()


async def _create_online_session(chat, **inputs) -> tuple[dict, int]:
    with chat.database.unit_of_work() as db:
        add_course(db, "WRAP", "WRAP")
    pat = chat.coordinator()
    [form] = cards_in(await pat.says("new session"))
    created = card_from_invoke(
        await pat.presses(button(form, "Create session"), inputs={**ONLINE_FORM, **inputs})
    )
    with chat.database.unit_of_work() as db:
        ids = db.exec(select(Session.id)).all()
    return created, max(ids, default=0)


def _event(chat, graph_server, session_id: int) -> dict:
    with chat.database.unit_of_work() as db:
        session = db.get(Session, session_id)
    assert session.graph_event_id, "no Teams meeting was made"
    event = graph_server.events[session.graph_event_id]
    assert session.join_url == event["onlineMeeting"]["joinUrl"]
    return event


def _invited(event: dict) -> list[str]:
    return sorted(a["emailAddress"]["address"] for a in event["attendees"])


async def test_booking_cancelling_and_calling_off_follow_through_to_the_calendar(
    graph_chat, graph_server, graph
):
    created, session_id = await _create_online_session(graph_chat)
    assert "creating the Teams meeting" in card_text(created)
    await settled(graph_chat)
    assert _event(graph_chat, graph_server, session_id)["isOnlineMeeting"]

    ann, bob = graph_chat.user("Ann Able"), graph_chat.user("Bob Baker")
    await ann.says(f"book {session_id}")
    await bob.says(f"wait {session_id}")
    await settled(graph_chat)
    assert _invited(_event(graph_chat, graph_server, session_id)) == [ann.email]

    await ann.says(f"cancel {session_id}")  # Bob gets the seat
    await settled(graph_chat)
    # The attendee list was written moments ago: the next write waits out the window.
    assert _invited(_event(graph_chat, graph_server, session_id)) == [ann.email]
    later = graph_chat.clock.now() + timedelta(minutes=15)
    assert [o.state for o in await retry_pending(graph_chat.database, graph, later)] == ["synced"]
    assert _invited(_event(graph_chat, graph_server, session_id)) == [bob.email]

    pat = graph_chat.coordinator()
    [confirm] = cards_in(await pat.says(f"cancel session {session_id} Trainer unwell"))
    await pat.presses(
        button(confirm, "Yes, cancel the session"), inputs={"reason": "Trainer unwell"}
    )
    await settled(graph_chat)
    [(event_id, comment)] = graph_server.cancellations
    assert event_id == _event(graph_chat, graph_server, session_id)["id"]
    assert "Trainer unwell" in comment


async def test_nobody_waits_for_graph(graph_chat, graph_server):
    graph_server.held = asyncio.Event()  # Graph answers nothing until released
    created, session_id = await _create_online_session(graph_chat)
    assert "created" in card_text(created)
    ann = graph_chat.user("Ann Able")
    [booked] = cards_in(await ann.says(f"book {session_id}"))
    assert "booked" in card_text(booked).lower()
    assert graph_server.events == {}

    graph_server.held.set()
    await settled(graph_chat)
    assert _invited(_event(graph_chat, graph_server, session_id)) == [ann.email]


async def test_a_graph_failure_never_reaches_the_person_and_is_retried(
    graph_chat, graph_server, graph
):
    _, session_id = await _create_online_session(graph_chat)
    await settled(graph_chat)
    graph_server.faults.append(
        Fault("/events/", 500, times=10, code="InternalServerError", message="Mailbox busy")
    )
    ann = graph_chat.user("Ann Able")
    [booked] = cards_in(await ann.says(f"book {session_id}"))
    assert "booked" in card_text(booked).lower()
    await settled(graph_chat)
    with graph_chat.database.unit_of_work() as db:
        status = calendar.calendar_status(db, session_id)
    assert status.state == "failed" and "Mailbox busy" in status.last_error

    graph_server.faults.clear()
    now = graph_chat.clock.now() + timedelta(minutes=5)
    [outcome] = await retry_pending(graph_chat.database, graph, now)
    assert outcome.state == "synced"
    assert _invited(_event(graph_chat, graph_server, session_id)) == [ann.email]


async def test_without_graph_an_online_session_needs_its_join_link(chat):
    with chat.database.unit_of_work() as db:
        add_course(db, "WRAP", "WRAP")
    pat = chat.coordinator()
    [form] = cards_in(await pat.says("new session"))
    assert any(
        i.get("label") == "Teams join link (needed for an online session)" for i in form["body"]
    )
    refused = card_from_invoke(await pat.presses(button(form, "Create session"), ONLINE_FORM))
    assert NEEDS_JOIN_LINK in card_text(refused)
    with chat.database.unit_of_work() as db:
        assert db.exec(select(Session)).all() == []

    link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"
    made = card_from_invoke(
        await pat.presses(button(form, "Create session"), {**ONLINE_FORM, "join_url": link})
    )
    assert "created" in card_text(made) and "creating the Teams meeting" not in card_text(made)


async def test_changing_the_time_moves_the_teams_meeting_and_keeps_its_link(
    graph_chat, graph_server
):
    _, session_id = await _create_online_session(graph_chat, capacity="5")
    ann = graph_chat.user("Ann Able")
    await ann.says(f"book {session_id}")
    await settled(graph_chat)
    event = _event(graph_chat, graph_server, session_id)
    link = event["onlineMeeting"]["joinUrl"]
    ann.new_replies()

    pat = graph_chat.coordinator()
    [form] = cards_in(await pat.says(f"edit session {session_id}"))
    assert "the Teams meeting was made by the bot" in card_text(form)
    inputs = {i["id"]: i["value"] for i in form["body"] if i["type"].startswith("Input.")}
    assert "mode" not in inputs and "join_url" not in inputs
    refused = card_from_invoke(
        await pat.presses(
            button(form, "Save and tell people"),
            {**inputs, "mode": "in_person", "location": "Hendon Town Hall"},
        )
    )
    assert "it stays online" in card_text(refused)
    await pat.presses(button(form, "Save and tell people"), {**inputs, "time": "13:30"})
    await settled(graph_chat)

    assert event["start"] == {"dateTime": "2027-02-15T13:30:00", "timeZone": "UTC"}
    assert event["end"]["dateTime"] == "2027-02-15T15:30:00"
    assert event["onlineMeeting"]["joinUrl"] == link and len(graph_server.events) == 1
    assert _invited(event) == [ann.email]
    [notice] = cards_in(ann.new_replies())
    assert "13:30" in card_text(notice)
    rendered = "".join(COMMONMARK.render(markup) for markup in card_markup(notice))
    assert f'<a href="{link}">Join the Teams meeting</a>' in rendered
