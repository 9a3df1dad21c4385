"""Sessions' Teams calendar events follow their bookings: the real msal and msgraph-sdk against
the local authority and the local Graph, the real database."""

import asyncio
from datetime import timedelta

from sqlmodel import select

from database.engine import Database
from graph.calendar_sync import retry_pending, sync_session
from tests.factories import add_course, add_session, add_staff
from tests.graph.local_graph import Fault
from training.models import Session
from training.sessions import booking, calendar, schedule
from training.sessions.offer_rule import OfferPolicy

OFFERS = OfferPolicy()  # the default: 3 days, 12 hours

SEATS = 2


def _online_session(database: Database, now, *, join_url: str | None = None) -> int:
    with database.unit_of_work() as db:
        course = add_course(db, "WRAP", "WRAP")
        session = add_session(db, course, now + timedelta(days=7), capacity=SEATS)
        session.join_url = join_url
        db.add(session)
        db.flush()
        return session.id


def _people(database: Database, now, *names: str) -> list[int]:
    with database.unit_of_work() as db:
        return [add_staff(db, name, now).id for name in names]


def _book(database: Database, staff_id: int, session_id: int, now) -> None:
    with database.unit_of_work() as db:
        booking.book_seat(db, staff_id, session_id, now, join_waiting_list=True)


def _attendees(graph_server, session_id: int, database: Database) -> list[str]:
    with database.unit_of_work() as db:
        event_id = db.get(Session, session_id).graph_event_id
    return sorted(a["emailAddress"]["address"] for a in graph_server.events[event_id]["attendees"])


def _status(database: Database, session_id: int) -> calendar.CalendarStatus:
    with database.unit_of_work() as db:
        found = calendar.calendar_status(db, session_id)
    assert found is not None
    return found


async def test_the_meeting_is_made_once_and_invites_only_those_with_a_seat(
    database, clock, graph, graph_server
):
    now = clock.now()
    session_id = _online_session(database, now)
    ann, bob, cat = _people(database, now, "Ann Able", "Bob Baker", "Cat Cole")
    for person in (ann, bob, cat):  # two seats: Cat waits
        _book(database, person, session_id, now)

    outcome = await sync_session(database, graph, session_id, now)

    assert outcome.state == "synced"
    [event] = graph_server.events.values()
    assert event["isOnlineMeeting"] and event["subject"] == f"WRAP (session #{session_id})"
    with database.unit_of_work() as db:
        session = db.get(Session, session_id)
        assert session.graph_event_id == event["id"]
        assert session.join_url == event["onlineMeeting"]["joinUrl"]
    assert _attendees(graph_server, session_id, database) == [
        "ann.able@example.gov.uk",
        "bob.baker@example.gov.uk",
    ]
    calls = len(graph_server.requests)
    again = await sync_session(database, graph, session_id, now)
    assert again.state == "synced" and len(graph_server.requests) == calls  # nothing to say


async def test_a_cancelled_seat_goes_to_the_next_person_and_the_calendar_follows(
    database, clock, graph, graph_server
):
    now = clock.now()
    session_id = _online_session(database, now)
    ann, bob, cat = _people(database, now, "Ann Able", "Bob Baker", "Cat Cole")
    for person in (ann, bob, cat):
        _book(database, person, session_id, now)
    await sync_session(database, graph, session_id, now)
    # Someone the organiser invited by hand (a co-trainer) must survive our updates.
    event = next(iter(graph_server.events.values()))
    event["attendees"].append(
        {"emailAddress": {"address": "trainer@example.gov.uk", "name": "T"}, "type": "required"}
    )
    with database.unit_of_work() as db:
        mine = booking.my_bookings(db, ann, now)[0]
        booking.cancel_booking(db, ann, mine.id, now, offers=OFFERS)

    later = now + timedelta(minutes=15)  # the attendee list was written at `now`
    assert (await sync_session(database, graph, session_id, later)).state == "synced"
    assert _attendees(graph_server, session_id, database) == [
        "bob.baker@example.gov.uk",
        "cat.cole@example.gov.uk",
        "trainer@example.gov.uk",
    ]
    assert _status(database, session_id).invited == [
        "bob.baker@example.gov.uk",
        "cat.cole@example.gov.uk",
    ]


async def test_calling_the_session_off_cancels_the_event_once_with_the_reason(
    database, clock, graph, graph_server
):
    now = clock.now()
    session_id = _online_session(database, now)
    [ann] = _people(database, now, "Ann Able")
    _book(database, ann, session_id, now)
    await sync_session(database, graph, session_id, now)
    with database.unit_of_work() as db:
        schedule.cancel_session(db, session_id, "Trainer unwell", now)

    assert (await sync_session(database, graph, session_id, now)).state == "synced"
    [(event_id, comment)] = graph_server.cancellations
    assert graph_server.events[event_id]["isCancelled"]
    assert "cancelled (Trainer unwell)" in comment
    assert await retry_pending(database, graph, now + timedelta(hours=1)) == []
    assert len(graph_server.cancellations) == 1


async def test_a_failure_is_recorded_and_retried_later_without_a_second_meeting(
    database, clock, graph, graph_server
):
    now = clock.now()
    session_id = _online_session(database, now)
    [ann] = _people(database, now, "Ann Able")
    _book(database, ann, session_id, now)
    # The event is made, then Graph fails on the attendee update (500 is not retried by kiota).
    graph_server.faults.append(Fault("/events/", 500, code="InternalServerError", message="x"))

    failed = await sync_session(database, graph, session_id, now)

    assert failed.state == "failed" and "500" in failed.problem
    status = _status(database, session_id)
    assert (status.state, status.attempts, status.invited) == ("failed", 1, [])
    assert status.next_attempt_at == now + timedelta(minutes=1)
    with database.unit_of_work() as db:  # the meeting's link was kept at once
        assert db.get(Session, session_id).join_url is not None
    assert await retry_pending(database, graph, now) == []  # not due yet

    [retried] = await retry_pending(database, graph, now + timedelta(minutes=2))

    assert retried.state == "synced"
    assert len(graph_server.events) == 1
    assert _attendees(graph_server, session_id, database) == ["ann.able@example.gov.uk"]
    assert _status(database, session_id).state == "synced"


async def test_a_meeting_made_but_not_recorded_is_found_again_by_its_transaction_id(
    database, clock, graph, graph_server
):
    now = clock.now()
    session_id = _online_session(database, now)
    with database.unit_of_work() as db:  # as if the process died right after Graph answered
        plan = calendar.begin(db, session_id, now)
    assert plan is not None and plan.create is not None
    await graph.create_teams_meeting(
        transaction_id=plan.transaction_id,
        subject="WRAP",
        starts_at=plan.create.starts_at,
        ends_at=plan.create.ends_at,
    )

    later = now + calendar.LEASE + timedelta(seconds=1)  # the dead worker's lease ran out
    [outcome] = await retry_pending(database, graph, later)

    assert outcome.state == "synced"
    assert len(graph_server.events) == 1
    with database.unit_of_work() as db:
        assert db.get(Session, session_id).graph_event_id in graph_server.events


async def test_two_workers_at_once_make_one_meeting(database, clock, graph, graph_server):
    now = clock.now()
    session_id = _online_session(database, now)
    ann, bob = _people(database, now, "Ann Able", "Bob Baker")
    _book(database, ann, session_id, now)
    _book(database, bob, session_id, now)

    outcomes = await asyncio.gather(
        sync_session(database, graph, session_id, now),
        sync_session(database, graph, session_id, now),
    )

    assert {o.state for o in outcomes} <= {"synced", "busy"}
    assert len(graph_server.events) == 1
    assert len(_attendees(graph_server, session_id, database)) == 2


async def test_sessions_with_a_pasted_link_or_in_person_are_left_alone(
    database, clock, graph, graph_server
):
    now = clock.now()
    pasted = _online_session(database, now, join_url="https://teams.microsoft.com/l/x")
    with database.unit_of_work() as db:
        course = db.exec(select(Session)).first().course_id
        in_person = Session(
            course_id=course,
            starts_at=now + timedelta(days=3),
            ends_at=now + timedelta(days=3, hours=2),
            online=False,
            location="Town Hall",
            capacity=5,
            created_at=now,
        )
        db.add(in_person)
        db.flush()
        in_person_id = in_person.id
    [ann] = _people(database, now, "Ann Able")
    _book(database, ann, pasted, now)
    _book(database, ann, in_person_id, now)

    assert await retry_pending(database, graph, now) == []
    assert graph_server.events == {} and graph_server.requests == []


def _writes(graph_server) -> list[str]:
    return [r for r in graph_server.requests if r.startswith("PATCH ")]


async def test_attendee_changes_are_written_at_most_once_per_window_and_never_for_the_waiting_list(
    database, clock, graph, graph_server
):
    now = clock.now()
    session_id = _online_session(database, now)
    ann, bob, cat, dan = _people(database, now, "Ann Able", "Bob Baker", "Cat Cole", "Dan Dee")
    _book(database, ann, session_id, now)
    await sync_session(database, graph, session_id, now)  # made, Ann invited: one write
    assert len(_writes(graph_server)) == 1

    # Within the window: Bob books, Cat and Dan wait (two seats), Bob cancels, Cat gets it.
    soon = now + timedelta(minutes=3)
    for person in (bob, cat, dan):
        _book(database, person, session_id, soon)
    with database.unit_of_work() as db:
        booking.cancel_booking(
            db, bob, booking.my_bookings(db, bob, soon)[0].id, soon, offers=OFFERS
        )
    for minutes in (3, 8, 14):
        moment = now + timedelta(minutes=minutes)
        assert (await sync_session(database, graph, session_id, moment)).state == "synced"
        assert await retry_pending(database, graph, moment) == []
    assert len(_writes(graph_server)) == 1  # nothing written inside the window
    assert _attendees(graph_server, session_id, database) == ["ann.able@example.gov.uk"]

    window_over = now + timedelta(minutes=15)
    [outcome] = await retry_pending(database, graph, window_over)
    assert outcome.state == "synced"
    assert len(_writes(graph_server)) == 2  # one write for all of it
    # Bob booked and cancelled inside the window: never invited, never cancelled. Dan waits.
    assert _attendees(graph_server, session_id, database) == [
        "ann.able@example.gov.uk",
        "cat.cole@example.gov.uk",
    ]
    assert await retry_pending(database, graph, window_over + timedelta(hours=1)) == []


async def test_a_session_given_a_new_time_moves_its_event_at_once_with_waiting_attendees(
    database, clock, graph, graph_server
):
    now = clock.now()
    session_id = _online_session(database, now)
    ann, bob = _people(database, now, "Ann Able", "Bob Baker")
    _book(database, ann, session_id, now)
    await sync_session(database, graph, session_id, now)
    _book(database, bob, session_id, now)  # held: the list was just written
    assert (await sync_session(database, graph, session_id, now)).state == "synced"
    [event] = graph_server.events.values()
    join_url = event["onlineMeeting"]["joinUrl"]

    with database.unit_of_work() as db:
        moved = db.get(Session, session_id)
        moved.starts_at = moved.starts_at + timedelta(days=1, hours=2)
        moved.ends_at = moved.ends_at + timedelta(days=1, hours=2)
        db.add(moved)
        new_start, new_end = moved.starts_at, moved.ends_at
    assert (await sync_session(database, graph, session_id, now)).state == "synced"

    assert event["start"] == {"dateTime": f"{new_start:%Y-%m-%dT%H:%M:%S}", "timeZone": "UTC"}
    assert event["end"]["dateTime"] == f"{new_end:%Y-%m-%dT%H:%M:%S}"
    assert event["onlineMeeting"]["joinUrl"] == join_url  # the same meeting, moved
    assert _attendees(graph_server, session_id, database) == [
        "ann.able@example.gov.uk",
        "bob.baker@example.gov.uk",
    ]
    patches = _writes(graph_server)
    assert len(patches) == 2  # Ann's invitation, then the move with Bob in the same write
    calls = len(graph_server.requests)
    assert (await sync_session(database, graph, session_id, now)).state == "synced"
    assert len(graph_server.requests) == calls  # moved once
