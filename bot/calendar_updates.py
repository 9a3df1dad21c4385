"""After a booking change commits, bring the session's Teams calendar event in line, in the
background: the person's reply never waits for Graph, and a Graph failure never reaches them
(it is recorded, and `graph.calendar_sync.retry_pending` tries again later)."""

from datetime import timedelta

from bot.background import Background
from database.engine import Database
from graph.calendar_sync import sync_session
from graph.client import GraphClient
from training.dates.clock import Clock


class CalendarUpdates:
    def __init__(
        self,
        background: Background,
        database: Database,
        graph: GraphClient,
        clock: Clock,
        update_every: timedelta,
    ) -> None:
        """`update_every`: at most one attendee-list write per session in this time."""
        self._background = background
        self._update_every = update_every
        self._database = database
        self._graph = graph
        self._clock = clock
        self._running: set[int] = set()
        self._again: set[int] = set()

    def session_changed(self, session_id: int) -> None:
        """Called after the change committed. One worker per session: a change arriving while
        it works makes it go round once more, so nothing is missed and calls never interleave."""
        if session_id in self._running:
            self._again.add(session_id)
            return
        self._running.add(session_id)
        self._background.start(self._work(session_id), f"calendar session {session_id}")

    async def _work(self, session_id: int) -> None:
        try:
            while True:
                self._again.discard(session_id)
                await sync_session(
                    self._database,
                    self._graph,
                    session_id,
                    self._clock.now(),
                    update_every=self._update_every,
                )
                if session_id not in self._again:
                    return
        finally:
            self._running.discard(session_id)
