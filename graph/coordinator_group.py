"""Coordinators from an Entra group: its members are read through Graph at start and every few
minutes after, in the background, so no request waits for Graph to check who is asking.

A failed read keeps the members last read; before the first good read only the people named in
COORDINATORS count (training/people/coordinators.py fails closed).
"""

import asyncio
import contextlib
import logging

from graph.client import GraphClient
from graph.errors import GraphProblem
from training.people.coordinators import Coordinators

log = logging.getLogger(__name__)


class CoordinatorGroup:
    def __init__(
        self,
        graph: GraphClient,
        group_id: str,
        coordinators: Coordinators,
        refresh_seconds: float,
        *,
        first_wait_seconds: float = 15,
    ) -> None:
        """`first_wait_seconds`: how long start-up waits for the first read before it goes on
        (the read carries on in the background)."""
        self.graph = graph
        self.group_id = group_id
        self.coordinators = coordinators
        self.refresh_seconds = refresh_seconds
        self.first_wait_seconds = first_wait_seconds
        self._task: asyncio.Task[None] | None = None
        self._first_try = asyncio.Event()

    async def refresh(self) -> bool:
        """Read the group once; False (and the last members kept) when Graph fails."""
        try:
            members = await self.graph.group_users(self.group_id)
        except GraphProblem as problem:
            kept = (
                "keeping the members last read"
                if self.coordinators.group_read
                else "only COORDINATORS count until it can be read"
            )
            log.warning(
                "could not read the coordinator group %s (%s %s: %s); %s",
                self.group_id,
                problem.status,
                problem.code,
                problem.message[:200],
                kept,
            )
            return False
        self.coordinators.use_group(
            key for m in members for key in (m.id, m.mail, m.user_principal_name) if key
        )
        log.info("coordinator group %s read: %s people", self.group_id, len(members))
        return True

    async def start(self) -> None:
        """Start reading the group every `refresh_seconds`; return once the first read has
        succeeded or failed, or `first_wait_seconds` have passed."""
        if self._task is None:
            self._task = asyncio.create_task(self._keep_fresh(), name="coordinator-group")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.first_wait_seconds):
                await self._first_try.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _keep_fresh(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception:  # an unexpected failure must not end the refreshes
                log.exception("reading the coordinator group failed")
            self._first_try.set()
            await asyncio.sleep(self.refresh_seconds)
