"""Two syncs of one session at once, through the real Graph SDK: the coordinator's `sync
attendance` and the scheduler in one process, or two replicas with their own connections."""

import asyncio

from sqlalchemy import func
from sqlmodel import select

from database.engine import Database
from graph.attendance_sync import sync_one_session, sync_recent_sessions
from tests.conftest import NOW
from tests.graph.scenario import booking_statuses, seed
from training.models import AttendanceRecordCopy, AttendanceReportCopy, AttendanceSync, Completion


async def _both_at_once(database, graph, graph_server, policy, replica: Database):
    world = seed(database, graph_server, NOW)
    graph_server.page_size = 3
    graph_server.held = asyncio.Event()  # both wait for Graph, then run side by side
    coordinator = asyncio.create_task(
        sync_one_session(database, graph, policy, world.session_id, NOW)
    )
    scheduler = asyncio.create_task(
        sync_recent_sessions(replica, graph, policy, NOW, only_due=False)
    )
    await asyncio.sleep(0.2)
    graph_server.held.set()
    mine = await coordinator
    [theirs] = await scheduler
    return world, mine, theirs


def _stored(database):
    with database.unit_of_work() as db:
        copies = db.exec(select(AttendanceReportCopy)).all()
        records = db.exec(select(func.count()).select_from(AttendanceRecordCopy)).one()
        completions = db.exec(select(func.count()).select_from(Completion)).one()
        sync = db.exec(select(AttendanceSync)).one()
    return (
        sorted((c.report_id, c.records_read, c.complete) for c in copies),
        records,
        completions,
        (sync.attempts),
    )


async def test_two_syncs_in_one_process_never_fail(database, graph, graph_server, sync_policy):
    world, mine, theirs = await _both_at_once(database, graph, graph_server, sync_policy, database)
    for result in (mine, theirs):
        assert result.problem == "", result.problem
    assert _stored(database) == (
        [("report-1", 8, True), ("report-2", 2, True)],
        10,
        5,
        2,  # both looks counted
    )
    assert booking_statuses(database, world.session_id)[world.staff["Hal Hunt"]] == "no_show"


async def test_two_replicas_syncing_one_session_never_fail(
    database, graph, graph_server, sync_policy
):
    replica = Database(database.url)  # its own engine and connections, as another process
    try:
        _, mine, theirs = await _both_at_once(database, graph, graph_server, sync_policy, replica)
    finally:
        replica.dispose()
    for result in (mine, theirs):
        assert result.problem == "", result.problem
        assert result.completed == 5
    assert _stored(database) == ([("report-1", 8, True), ("report-2", 2, True)], 10, 5, 2)
