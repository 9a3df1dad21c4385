"""After someone writes to the bot, read their Entra department in the background: the reply
never waits for Graph, and a failure never reaches them (they are read again the next time they
write, and by the daily refresh)."""

import logging

from bot.background import Background
from database.engine import Database
from graph.client import GraphClient
from graph.directory_teams import read_people
from training.dates.clock import Clock

log = logging.getLogger(__name__)


class TeamLookups:
    def __init__(
        self, background: Background, database: Database, graph: GraphClient, clock: Clock
    ) -> None:
        self._background = background
        self._database = database
        self._graph = graph
        self._clock = clock
        # Asked about in this process (or being asked now): one look per person, not per turn.
        self._asked: set[int] = set()

    def contacted(self, staff_id: int) -> None:
        """Called after a turn recorded who is writing; returns at once."""
        if staff_id in self._asked:
            return
        self._asked.add(staff_id)
        self._background.start(self._read(staff_id), f"department of staff {staff_id}")

    async def _read(self, staff_id: int) -> None:
        try:
            result = await read_people(self._database, self._graph, [staff_id], self._clock.now())
        except Exception:
            self._asked.discard(staff_id)  # the database failed: try at their next message
            raise
        if result.failed:
            self._asked.discard(staff_id)  # Graph failed: try at their next message


def no_lookups(staff_id: int) -> None:
    """Without Graph there is nothing to read."""
    return None
