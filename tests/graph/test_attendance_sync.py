"""Teams attendance through the real Graph SDK into bookings, walk-ins and completions."""

import re
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select

from graph.attendance_sync import sync_one_session, sync_recent_sessions
from tests.conftest import NOW
from tests.graph.local_graph import Fault
from tests.graph.scenario import END, booking_statuses, seed, session_status
from training.attendance import reports, unmatched
from training.attendance.completion import CompletionPolicy
from training.models import (
    AttendanceRecordCopy,
    AttendanceReportCopy,
    Completion,
    SessionAttendance,
    Staff,
    SyncState,
)


def _snapshot(database, session_id):
    with database.unit_of_work() as db:
        rows = db.exec(
            select(SessionAttendance).where(SessionAttendance.session_id == session_id)
        ).all()
        people = sorted(
            (r.person_key, r.staff_id, r.attended_seconds, r.completed, r.walk_in) for r in rows
        )
        completions = sorted(
            (c.staff_id, c.attended_seconds) for c in db.exec(select(Completion)).all()
        )
        copies = db.exec(select(func.count()).select_from(AttendanceRecordCopy)).one()
        reports = db.exec(select(func.count()).select_from(AttendanceReportCopy)).one()
    return people, completions, copies, reports, booking_statuses(database, session_id)


async def test_a_sync_marks_bookings_walk_ins_and_completions(
    database, graph, graph_server, sync_policy
):
    graph_server.page_size = 3
    graph_server.faults += [
        Fault("attendanceRecords", 429, retry_after="1"),
        Fault("skiptoken=3", 503, retry_after="1", code="ServiceUnavailable"),
    ]
    world = seed(database, graph_server, NOW)
    result = await sync_one_session(database, graph, sync_policy, world.session_id, NOW)

    assert (result.reports, result.records, result.people) == (2, 10, 8)
    assert (result.completed, result.unmatched, result.no_shows, result.walk_ins) == (5, 1, 1, 1)
    assert result.state == SyncState.FINAL  # a week after the session: every try is past
    assert all(f.times == 0 for f in graph_server.faults)
    staff = world.staff
    statuses = booking_statuses(database, world.session_id)
    assert statuses[staff["Hal Hunt"]] == "no_show"
    for name in ("Ann Able", "Bob Baker", "Cat Cole", "Dev Dean", "Eve Evans", "Fay Fox"):
        assert statuses[staff[name]] == "attended", name
    with database.unit_of_work() as db:
        done = {c.staff_id: c.attended_seconds for c in db.exec(select(Completion)).all()}
    minutes = {name: done[staff[name]] // 60 for name in staff if staff[name] in done}
    # Dev's two reports overlap (10:40-10:50): 100 minutes, not 110. Bob re-joined three
    # times: 110. Fay joined early: clipped to the session. Nobody counted twice.
    assert minutes == {
        "Ann Able": 120,
        "Bob Baker": 110,
        "Dev Dean": 100,
        "Fay Fox": 120,
        "Gus Gray": 120,
    }
    assert session_status(database, world.session_id) == "delivered"


async def test_syncing_twice_changes_nothing(database, graph, graph_server, sync_policy):
    graph_server.page_size = 3
    world = seed(database, graph_server, NOW)
    await sync_one_session(database, graph, sync_policy, world.session_id, NOW)
    before = _snapshot(database, world.session_id)
    reads = sum("attendanceRecords" in r for r in graph_server.requests)
    again = await sync_one_session(database, graph, sync_policy, world.session_id, NOW)
    assert _snapshot(database, world.session_id) == before
    assert again.completed == 5 and again.people == 8
    # Complete reports are not read again: our copies are the record.
    assert sum("attendanceRecords" in r for r in graph_server.requests) == reads


async def test_a_sync_that_stops_between_pages_resumes_with_the_right_counts(
    database, graph, graph_server, sync_policy
):
    graph_server.page_size = 3
    world = seed(database, graph_server, NOW)
    graph_server.faults.append(Fault("skiptoken=6", 500, code="InternalServerError"))
    broken = await sync_one_session(database, graph, sync_policy, world.session_id, NOW)
    assert broken.problem and broken.completed == 0
    # A half-read report proves nothing: nobody is marked absent yet.
    assert set(booking_statuses(database, world.session_id).values()) == {"booked"}

    graph_server.requests.clear()
    resumed = await sync_one_session(database, graph, sync_policy, world.session_id, NOW)
    assert not any(
        "report-1/attendanceRecords " in r or r.endswith("report-1/attendanceRecords")
        for r in graph_server.requests
    )  # page one was not fetched again
    assert (resumed.records, resumed.people, resumed.completed) == (10, 8, 5)
    assert (resumed.no_shows, resumed.walk_ins, resumed.unmatched) == (1, 1, 1)


async def test_a_report_not_yet_made_is_tried_again_not_taken_as_nobody_came(
    database, graph, graph_server, sync_policy
):
    world = seed(database, graph_server, NOW)
    made, world.meeting.reports = world.meeting.reports, []
    soon = END + timedelta(minutes=10)
    result = await sync_one_session(database, graph, sync_policy, world.session_id, soon)
    assert result.state == SyncState.WAITING
    assert result.next_attempt_at == END + timedelta(minutes=30)
    assert set(booking_statuses(database, world.session_id).values()) == {"booked"}

    with database.unit_of_work() as db:
        not_yet = reports.sessions_due(db, END + timedelta(minutes=20), lookback_days=14)
        due = reports.sessions_due(db, END + timedelta(minutes=31), lookback_days=14)
    assert [t.session_id for t in not_yet] == []
    assert [t.session_id for t in due] == [world.session_id]

    world.meeting.reports = made  # Teams has made the reports by the 30-minute look
    [later] = await sync_recent_sessions(database, graph, sync_policy, END + timedelta(minutes=31))
    assert later.state == SyncState.PROVISIONAL  # more looks at 2 h and 24 h
    assert later.completed == 5 and later.no_shows == 1


async def test_no_report_after_every_try_is_flagged_and_nobody_is_marked_absent(
    database, graph, graph_server, sync_policy
):
    world = seed(database, graph_server, NOW)
    world.meeting.reports = []
    result = await sync_one_session(database, graph, sync_policy, world.session_id, NOW)
    assert result.state == SyncState.NO_REPORT
    assert set(booking_statuses(database, world.session_id).values()) == {"booked"}


async def test_no_application_access_policy_is_explained_with_the_fix(
    database, graph, graph_server, sync_policy
):
    world = seed(database, graph_server, NOW)
    graph_server.faults.append(
        Fault(
            "attendanceReports",
            403,
            code="Forbidden",
            message="No Application Access Policy found for this app.",
        )
    )
    result = await sync_one_session(database, graph, sync_policy, world.session_id, NOW)
    assert result.state == SyncState.BLOCKED
    assert "Grant-CsApplicationAccessPolicy" in result.problem
    assert result.next_attempt_at == NOW + timedelta(minutes=30)
    assert set(booking_statuses(database, world.session_id).values()) == {"booked"}


async def test_resolving_the_guest_records_their_completion(
    database, graph, graph_server, sync_policy
):
    world = seed(database, graph_server, NOW)
    await sync_one_session(database, graph, sync_policy, world.session_id, NOW)
    with database.unit_of_work() as db:
        [guest] = unmatched.unmatched(db, viewer_staff_id=None, now=NOW)
        line = unmatched.mark_guest(
            db,
            guest.attendance_id,
            "Metropolitan Police",
            actor_staff_id=world.staff["Ann Able"],
            now=NOW,
            completion=CompletionPolicy(75),
        )
        created = db.get(Staff, line.staff_id)
        assert created is not None and created.organisation == "Metropolitan Police"
        assert (
            db.exec(select(Completion).where(Completion.staff_id == line.staff_id)).first()
            is not None
        )
        assert unmatched.unmatched(db, viewer_staff_id=None, now=NOW) == []
    again = await sync_one_session(database, graph, sync_policy, world.session_id, NOW)
    assert again.unmatched == 0 and again.completed == 6 and again.people == 8


async def test_a_looping_records_link_stops_the_sync_with_a_problem_not_for_ever(
    database, graph, graph_server, sync_policy
):
    graph_server.page_size = 3
    world = seed(database, graph_server, NOW)
    graph_server.rewrite_next_link = lambda link: re.sub(r"skiptoken=\d+", "skiptoken=3", link)
    result = await sync_one_session(database, graph, sync_policy, world.session_id, NOW)
    assert "already read" in result.problem
    assert len([r for r in graph_server.requests if "skiptoken=3" in r]) == 1
    # A half-read report proves nothing: nobody is marked absent.
    assert set(booking_statuses(database, world.session_id).values()) == {"booked"}
