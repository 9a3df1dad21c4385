"""A role's members from an Entra group (the coordinators', the reporters' or the auditors'):
read through Graph at start and every few minutes after, in the background, so no request waits
for Graph to check who is asking.

A failed read keeps the members last read; before the first good read only the people named in
the role's setting (COORDINATORS, REPORTERS, AUDITORS) count (training/people/coordinators.py
fails closed).
"""

import asyncio
import contextlib
import logging

from graph.client import GraphClient
from graph.errors import GraphProblem
from training.people.coordinators import Members

log = logging.getLogger(__name__)


class RoleGroup:
    def __init__(
        self,
        graph: GraphClient,
        group_id: str,
        members: Members,
        refresh_seconds: float,
        *,
        first_wait_seconds: float = 15,
        role: str = "coordinator",
        named_setting: str = "COORDINATORS",
    ) -> None:
        """`first_wait_seconds`: how long start-up waits for the first read before it goes on
        (the read carries on in the background). `role` and `named_setting` name the role and
        its setting in the log."""
        self.role = role
        self.named_setting = named_setting
        self.graph = graph
        self.group_id = group_id
        self.members = members
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
                if self.members.group_read
                else f"only {self.named_setting} count until it can be read"
            )
            log.warning(
                "could not read the %s group %s (%s %s: %s); %s",
                self.role,
                self.group_id,
                problem.status,
                problem.code,
                problem.message[:200],
                kept,
            )
            return False
        self.members.use_group(
            key for m in members for key in (m.id, m.mail, m.user_principal_name) if key
        )
        log.info("%s group %s read: %s people", self.role, self.group_id, len(members))
        return True

    async def start(self) -> None:
        """Start reading the group every `refresh_seconds`; return once the first read has
        succeeded or failed, or `first_wait_seconds` have passed."""
        if self._task is None:
            self._task = asyncio.create_task(self._keep_fresh(), name=f"{self.role}-group")
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
                log.exception("reading the %s group failed", self.role)
            self._first_try.set()
            await asyncio.sleep(self.refresh_seconds)
