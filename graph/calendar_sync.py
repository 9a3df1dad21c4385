"""Bring sessions' Teams calendar events in line with their bookings, through Graph.

    await sync_session(database, graph, session_id, now)   # one session, now (after a change)
    await retry_pending(database, graph, now)              # the scheduler, every few minutes

The domain (training/sessions/calendar.py) says what the calendar must be told; this module
tells it and reports back. A failure is recorded on the session with a time to try again, never
raised: the chat turn that caused the change has long been answered.
"""

import asyncio
import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from database.engine import Database
from graph.client import GraphClient
from graph.errors import GraphProblem
from training.sessions import calendar
from training.sessions.calendar import UPDATE_EVERY, CalendarPlan, EventTimes

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class CalendarOutcome:
    session_id: int
    # "synced" (or nothing to do), "busy" (another worker has it), or "failed"
    state: str
    problem: str = ""
    retry_at: datetime | None = None


async def _carry_out(
    database: Database, graph: GraphClient, plan: CalendarPlan, now: datetime
) -> None:
    event_id = plan.event_id
    if plan.create is not None:
        made = await graph.create_teams_meeting(
            transaction_id=plan.transaction_id,
            subject=plan.create.subject,
            starts_at=plan.create.starts_at,
            ends_at=plan.create.ends_at,
            body_html=f"<p>{html.escape(plan.create.description)}</p>",
        )
        event_id = made.event_id
        times = EventTimes(plan.create.starts_at, plan.create.ends_at)
        await database.run(
            calendar.event_created, plan.session_id, event_id, made.join_url, now, times
        )
    if event_id is None:
        return
    if plan.cancel_comment is not None:
        await graph.cancel_event(event_id, plan.cancel_comment)
    elif plan.move is not None:
        await graph.move_event(
            event_id,
            plan.move.starts_at,
            plan.move.ends_at,
            invite=[(p.email, p.name) for p in plan.invite],
            uninvite=[p.email for p in plan.uninvite],
        )
    elif plan.invite or plan.uninvite:
        await graph.update_attendees(
            event_id,
            invite=[(p.email, p.name) for p in plan.invite],
            uninvite=[p.email for p in plan.uninvite],
        )


async def sync_session(
    database: Database,
    graph: GraphClient,
    session_id: int,
    now: datetime,
    *,
    update_every: timedelta = UPDATE_EVERY,
) -> CalendarOutcome:
    """Create, move, update or cancel one session's Teams calendar event to match the session
    and its bookings; attendee changes are written at most once per `update_every`.

    Idempotent: the event is created with the session's own `transactionId`, attendees are
    compared before they are written, and a cancelled event is cancelled once."""
    plan = await database.run(calendar.begin, session_id, now, update_every=update_every)
    if plan is None:
        return CalendarOutcome(session_id, "busy")
    if plan.empty:
        return CalendarOutcome(session_id, "synced")
    try:
        await _carry_out(database, graph, plan, now)
    except Exception as error:  # whatever stopped it (Graph, network, a bug) is kept and retried
        problem = str(error) if isinstance(error, GraphProblem) else repr(error)
        if not isinstance(error, GraphProblem):
            log.exception("calendar sync of session %s failed", session_id)
        retry_at = await database.run(calendar.failed, session_id, problem, now)
        return CalendarOutcome(session_id, "failed", problem, retry_at)
    await database.run(calendar.succeeded, plan, now)
    return CalendarOutcome(session_id, "synced")


async def retry_pending(
    database: Database,
    graph: GraphClient,
    now: datetime,
    *,
    limit: int = 100,
    concurrency: int = 4,
    update_every: timedelta = UPDATE_EVERY,
) -> list[CalendarOutcome]:
    """Every session whose calendar event is behind its bookings or times and due a try
    (failures wait 1, 5, 15, 60, then 240 minutes; attendee changes wait out `update_every`
    since the last attendee write), at most `limit` of them, `concurrency` at a time.

    Safe to call as often as you like; a session another worker is syncing is skipped. Never
    raises for a Graph failure: each is recorded on the session and in the returned outcomes."""
    due = await database.run(calendar.pending_sessions, now, limit=limit, update_every=update_every)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(session_id: int) -> CalendarOutcome:
        async with gate:
            return await sync_session(database, graph, session_id, now, update_every=update_every)

    return list(await asyncio.gather(*(one(s) for s in due)))
