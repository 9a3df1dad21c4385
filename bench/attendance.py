"""`python -m bench.attendance`: ingest Teams attendance through the real msal + msgraph-sdk
stack from the local authority and local Graph used by the tests, into a SQLite file.

1. One meeting with 1,000 attendees in three reports (pages of 100 records).
2. 200 sessions, 30 attendees each (every fifth with a second report), via sync_recent_sessions.

Prints records per second and peak memory (the process's maximum resident set size).
"""

import asyncio
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.bootstrap import attendance_sync_policy
from database import migrate
from database.engine import Database
from graph.attendance_sync import sync_one_session, sync_recent_sessions
from graph.client import GraphClient
from tests.factories import add_course
from tests.graph.fixtures import graph_settings
from tests.graph.local_authority import LocalAuthority, TestPki
from tests.graph.local_graph import LocalGraph, Report, at, record
from training.models import Session, Staff

START = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
NOW = START + timedelta(days=3)


def _aad(n: int) -> str:
    return f"bbbbbbbb-0000-0000-0000-{n:012d}"


def _people(first: int, count: int, start: datetime, rejoin: bool) -> list[dict]:
    out = []
    for n in range(first, first + count):
        spans = (
            [(start, at(start, 60)), (at(start, 62), at(start, 120))]
            if rejoin
            else [(at(start, n % 20), at(start, 110))]
        )
        email = "" if n % 97 == 0 else f"person{n}@example.gov.uk"
        out.append(
            record(
                f"Person {n}", aad=None if n % 97 == 0 else _aad(n), email=email, intervals=spans
            )
        )
    return out


def _seed(database: Database, sessions: int, people: int) -> list[tuple[int, str, datetime]]:
    made = []
    with database.unit_of_work() as db:
        course = add_course(db)
        db.add_all(
            Staff(
                aad_object_id=_aad(n),
                email=f"person{n}@example.gov.uk",
                display_name=f"Person {n}",
                created_at=START,
                updated_at=START,
            )
            for n in range(people)
        )
        for i in range(sessions):
            begins = START + timedelta(hours=3 * i)
            session = Session(
                course_id=course.id,
                starts_at=begins,
                ends_at=begins + timedelta(hours=2),
                online=True,
                join_url=f"https://teams.microsoft.com/l/meetup-join/bench-{i}",
                capacity=1000,
                created_at=START - timedelta(days=30),
            )
            db.add(session)
            db.flush()
            made.append((session.id, session.join_url, begins))
    return made


def _mb(kilobytes: int) -> str:
    return f"{kilobytes / 1024:.0f} MB"


async def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        authority = LocalAuthority(TestPki.create(base))
        await authority.start()
        graph_server = LocalGraph(authority.issued, page_size=100, check_responses=False)
        await graph_server.start()
        settings = graph_settings(authority, graph_server, authority.pki, base)
        graph = GraphClient(settings)

        url = f"sqlite:///{base / 'bench.db'}"
        migrate.upgrade(url)
        database = Database(url)
        [(big_id, big_url, begins)] = _seed(database, 1, 1000)
        graph_server.add_meeting(
            big_url,
            [
                Report("r1", begins, at(begins, 60), _people(0, 1000, begins, rejoin=False)),
                Report("r2", at(begins, 50), at(begins, 120), _people(0, 600, begins, rejoin=True)),
                Report("r3", at(begins, 100), at(begins, 120), _people(400, 300, begins, False)),
            ],
        )
        started = time.perf_counter()
        result = await sync_one_session(
            database, graph, attendance_sync_policy(settings), big_id, NOW
        )
        took = time.perf_counter() - started
        print(
            f"1,000-attendee meeting: {result.records} records in {result.reports} reports "
            f"({len([r for r in graph_server.requests if 'attendanceRecords' in r])} pages), "
            f"{took:.2f} s, {result.records / took:,.0f} records/s; "
            f"{result.completed} completed, {result.unmatched} unmatched"
        )
        database.dispose()

        url = f"sqlite:///{base / 'bench200.db'}"
        migrate.upgrade(url)
        database = Database(url)
        for i, (_, join_url, begins) in enumerate(_seed(database, 200, 30)):
            reports = [Report(f"s{i}-r1", begins, at(begins, 120), _people(0, 30, begins, False))]
            if i % 5 == 0:
                reports.append(
                    Report(f"s{i}-r2", begins, at(begins, 120), _people(0, 10, begins, rejoin=True))
                )
            graph_server.add_meeting(join_url, reports)
        now = START + timedelta(days=30)
        settings = graph_settings(
            authority, graph_server, authority.pki, base, attendance_lookback_days=60
        )
        started = time.perf_counter()
        results = await sync_recent_sessions(database, graph, attendance_sync_policy(settings), now)
        took = time.perf_counter() - started
        records = sum(r.records for r in results)
        print(
            f"200 sessions: {records} records in {sum(r.reports for r in results)} reports, "
            f"{took:.2f} s, {records / took:,.0f} records/s, {len(results) / took:.1f} sessions/s"
        )
        print(f"token requests to the authority: {authority.token_requests}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"peak memory (max RSS of the whole process, servers included): {_mb(peak)}")
        database.dispose()
        await graph.close()
        await graph_server.stop()
        await authority.stop()


if __name__ == "__main__":
    asyncio.run(main())
