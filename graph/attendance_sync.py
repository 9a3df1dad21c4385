"""Read Teams attendance for sessions through Graph and record it: the scheduler's entry point.

    await sync_recent_sessions(database, graph, policy, now)   # every session that is due
    await sync_one_session(database, graph, policy, session_id, now)   # a coordinator asked
    await sync_sessions(database, graph, policy, targets, now)   # targets chosen beforehand

Each page of records is stored in its own transaction with the link to the next page, so a
run that stops part-way resumes where it stopped, and a second run changes nothing.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from database.engine import Database
from graph.client import GraphClient
from graph.directory_teams import read_attendees
from graph.errors import GraphProblem
from training.attendance import reports
from training.attendance.completion import CompletionPolicy
from training.attendance.reports import SyncTarget
from training.attendance.sheet import SyncResult
from training.errors import AttendanceProblem

log = logging.getLogger(__name__)
T = TypeVar("T")
NO_POLICY_HELP = (
    "Microsoft Graph refused to read this meeting's attendance: 'No Application Access Policy "
    "found for this app'. A Teams administrator must allow the bot's app to read the "
    "organiser's meetings: New-CsApplicationAccessPolicy with the app id, then "
    "Grant-CsApplicationAccessPolicy for the organiser (or -Global). It can take up to 30 "
    "minutes to apply; I will try again by myself."
)
NO_MEETING_HELP = (
    "Teams has no meeting with this session's join link for the organiser. Check that the "
    "link is exactly the one in the invitation and that GRAPH_ORGANISER is the organiser."
)


@dataclass(frozen=True)
class AttendanceSyncPolicy:
    """What reading Teams attendance goes by: who completed (`completion`), how many days back
    ended sessions are looked at, the minutes after a session ends at which to look for its
    reports, and the mailbox (Entra object id or UPN) that organises the meetings."""

    completion: CompletionPolicy
    lookback_days: int = 14
    retry_offsets: tuple[int, ...] = (5, 30, 120, 1440)
    organiser: str = ""


async def _read_reports(
    database: Database, graph: GraphClient, target: SyncTarget, now: datetime
) -> int:
    """Store every report of the session's meeting and all their records; returns how many."""
    meeting_id = target.online_meeting_id
    if meeting_id is None:
        meeting = await graph.find_meeting(target.join_url)
        if meeting is None:
            raise GraphProblem(404, "meeting_not_found", NO_MEETING_HELP)
        meeting_id = meeting.id
        await database.run(reports.remember_meeting, target.session_id, meeting_id, now)
    listed = await graph.attendance_reports(meeting_id)
    for report in listed:
        progress = await database.run(
            reports.open_report,
            target.session_id,
            report.raw,
            graph.first_records_url(meeting_id, report.id),
            now,
        )
        url = None if progress.complete else progress.next_page_url
        trail = graph.trail(f"report {report.id}'s attendance records")
        while url is not None:
            page = await graph.records_page(url)
            await database.run(
                reports.store_page, progress.copy_id, page.records, page.next_link, now
            )
            url = None if page.next_link is None else trail.follow(page.next_link)
    return len(listed)


async def _sync(
    database: Database,
    graph: GraphClient,
    policy: AttendanceSyncPolicy,
    target: SyncTarget,
    now: datetime,
) -> SyncResult:
    try:
        listed = await _read_reports(database, graph, target, now)
    except AttendanceProblem as problem:  # e.g. a report without an id: say so, go on
        return await database.run(
            reports.finish_sync,
            target.session_id,
            now,
            reports_listed=0,
            problem=f"{problem} I will try again later.",
            retry_offsets=policy.retry_offsets,
            completion=policy.completion,
            organiser=policy.organiser,
        )
    except GraphProblem as problem:
        if problem.no_access_policy:
            text, blocked = NO_POLICY_HELP, True
        elif problem.code == "meeting_not_found":
            text, blocked = NO_MEETING_HELP, False
        else:
            text, blocked = f"{problem} I will try again later.", False
        return await database.run(
            reports.finish_sync,
            target.session_id,
            now,
            reports_listed=0,
            problem=text,
            blocked=blocked,
            retry_offsets=policy.retry_offsets,
            completion=policy.completion,
            organiser=policy.organiser,
        )
    return await database.run(
        reports.finish_sync,
        target.session_id,
        now,
        reports_listed=listed,
        retry_offsets=policy.retry_offsets,
        completion=policy.completion,
        organiser=policy.organiser,
    )


async def _attendee_teams(
    database: Database, graph: GraphClient, session_id: int, now: datetime
) -> None:
    """Teams for the session's matched attendees whose department was never read; a failure
    here never fails the sync (they are read again at the next sync or daily refresh)."""
    try:
        await read_attendees(database, graph, session_id, now)
    except Exception:
        log.warning(
            "could not read the departments of session %s's attendees", session_id, exc_info=True
        )


async def sync_one_session(
    database: Database,
    graph: GraphClient,
    policy: AttendanceSyncPolicy,
    session_id: int,
    now: datetime,
) -> SyncResult:
    """Read one session's attendance now, whatever its schedule (a coordinator asked).

    Raises `training.errors.AttendanceProblem` (a `TrainingError`) when the session cannot
    have a Teams report: in person, cancelled, no join link, or not finished.
    """
    target = await database.run(reports.session_to_sync, session_id, now)
    result = await _sync(database, graph, policy, target, now)
    await _attendee_teams(database, graph, session_id, now)
    return result


async def sync_recent_sessions(
    database: Database,
    graph: GraphClient,
    policy: AttendanceSyncPolicy,
    now: datetime,
    *,
    only_due: bool = True,
    concurrency: int = 4,
) -> list[SyncResult]:
    """Read attendance for every online session that ended in the last
    `policy.lookback_days` days and whose next look is due (after the session ends, at
    `policy.retry_offsets` minutes: 5 min, 30 min, 2 h, 24 h by default).

    Safe to call as often as you like (e.g. every 5 minutes): sessions not due are skipped,
    and a repeated run changes nothing. Graph failures are recorded on the session (with a
    retry time), never raised; one session's failure does not stop the others.
    `only_due=False` reads every recent session not yet settled, due or not.
    """
    targets = await database.run(
        reports.sessions_due,
        now,
        lookback_days=policy.lookback_days,
        only_due=only_due,
    )
    return await sync_sessions(database, graph, policy, targets, now, concurrency=concurrency)


async def sync_sessions(
    database: Database,
    graph: GraphClient,
    policy: AttendanceSyncPolicy,
    targets: list[SyncTarget],
    now: datetime,
    *,
    concurrency: int = 4,
) -> list[SyncResult]:
    """Read attendance for sessions already chosen (`reports.session_to_sync` or
    `reports.sessions_due`), `concurrency` at a time; failures are recorded, not
    raised."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(target: SyncTarget) -> SyncResult:
        async with gate:
            result = await _sync(database, graph, policy, target, now)
        await _attendee_teams(database, graph, target.session_id, now)
        return result

    return list(await asyncio.gather(*(one(t) for t in targets)))
