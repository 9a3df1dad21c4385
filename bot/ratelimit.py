"""Keeping under Teams's limits, and waiting politely when told to.

Teams documents, for proactive messages: per conversation 7 operations a second, 8 in 2 s, 60 in
30 s and 1800 an hour; per app per tenant 50 requests a second. A conversation's limits are
sliding windows in this process; the tenant's is an even pace, kept here with one process and in
the database, shared by all, with several (`delivery.pace`). The clock and the sleep are
passed in, so tests move time instead of waiting.
"""

import asyncio
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from database.engine import Database
from delivery import pace

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]

PER_CONVERSATION = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
# Answers worth another try: throttling, a precondition race, and any server error; a send with
# no answer at all (reset, timeout) too.
RETRYABLE_STATUSES = frozenset({408, 412, 429})
GONE_STATUSES = frozenset({403, 404})


def transient(status: int | None) -> bool:
    """A failure that may pass: no answer, throttling, or the server's own trouble (5xx)."""
    return status is None or status >= 500 or status in RETRYABLE_STATUSES


class SlidingWindowLimiter:
    """At most `limit` acquisitions in any `period` seconds, for every (limit, period), per key."""

    def __init__(
        self,
        windows: Sequence[tuple[int, float]],
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._windows = tuple(windows)
        self._keep = max(limit for limit, _ in self._windows)
        self._longest = max(period for _, period in self._windows)
        self._monotonic = monotonic
        self._sleep = sleep
        self._log: dict[str, deque[float]] = {}
        self._paused_until: dict[str, float] = {}

    def wait_seconds(self, key: str, now: float) -> float:
        """How long before one more operation on `key` fits (0 or less: now)."""
        wait = self._paused_until.get(key, 0.0) - now
        log = self._log.get(key)
        if log:
            for limit, period in self._windows:
                if len(log) >= limit:
                    wait = max(wait, log[-limit] + period - now)
        return wait

    async def acquire(self, key: str) -> None:
        """Wait until one more operation on `key` keeps every window under its limit."""
        while True:
            now = self._monotonic()
            wait = self.wait_seconds(key, now)
            if wait <= 0:
                log = self._log.setdefault(key, deque(maxlen=self._keep))
                log.append(now)
                return
            await self._sleep(wait)

    def pause(self, key: str, seconds: float) -> None:
        """Hold every operation on `key` for `seconds` (a 429's Retry-After)."""
        until = self._monotonic() + seconds
        self._paused_until[key] = max(self._paused_until.get(key, 0.0), until)

    def forget_idle(self) -> None:
        """Drop keys with nothing in their longest window, so memory stays small."""
        now = self._monotonic()
        for key in [k for k, log in self._log.items() if not log or log[-1] < now - self._longest]:
            del self._log[key]
        for key in [k for k, until in self._paused_until.items() if until < now]:
            del self._paused_until[key]


def tenant_wide(answers: Sequence[tuple[str, bool]]) -> bool:
    """Do these recent answers (conversation, throttled) say the whole tenant is throttled?

    One busy conversation is throttled on its own; the tenant is when 429s come from several
    conversations at once (three or more) and make up at least half of all answers.
    """
    throttled = [conversation for conversation, was_throttled in answers if was_throttled]
    return len(set(throttled)) >= 3 and 2 * len(throttled) >= len(answers)


class SharedPace(Protocol):
    """The tenant's pace kept where every replica sees it (see `delivery.pace`)."""

    async def reserve(self, tenant_id: str) -> float: ...

    async def hold(self, tenant_id: str, seconds: float) -> None: ...


class LocalPace:
    """The tenant's pace in this process (one process: SQLite), as `delivery.pace` keeps it in
    the database for several: each send takes the next moment, one interval after the last."""

    def __init__(self, requests_per_second: float, monotonic: Monotonic = time.monotonic) -> None:
        self._interval = 1.0 / requests_per_second
        self._monotonic = monotonic
        self._next: dict[str, float] = {}

    async def reserve(self, tenant_id: str) -> float:
        now = self._monotonic()
        moment = max(self._next.get(tenant_id, now), now)
        self._next[tenant_id] = moment + self._interval
        return moment - now

    async def hold(self, tenant_id: str, seconds: float) -> None:
        until = self._monotonic() + seconds
        self._next[tenant_id] = max(self._next.get(tenant_id, until), until)


class DatabasePace:
    """The tenant's pace in PostgreSQL, so all replicas together keep to one rate."""

    def __init__(self, database: Database, requests_per_second: float) -> None:
        self._database = database
        self._interval = 1.0 / requests_per_second

    async def reserve(self, tenant_id: str) -> float:
        return await self._database.run(pace.reserve, tenant_id, self._interval)

    async def hold(self, tenant_id: str, seconds: float) -> None:
        await self._database.run(pace.hold, tenant_id, seconds)


class TeamsRateLimiter:
    """The per-conversation and per-tenant limits together.

    Conversations are limited in this process (a person's messages are sent by whichever
    replica claimed them, in order). The tenant's sends are evenly paced at
    `requests_per_second * headroom`: with `shared` set, one pace for every replica through
    the database; without it (one process, SQLite), here. Evenly spaced, no second holds a burst.
    """

    SIGNAL_SECONDS = 2.0

    def __init__(
        self,
        requests_per_second: int = 50,
        headroom: float = 1.0,
        *,
        shared: SharedPace | None = None,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.conversations = SlidingWindowLimiter(
            PER_CONVERSATION, monotonic=monotonic, sleep=sleep
        )
        self.pace = shared or LocalPace(requests_per_second * headroom, monotonic)
        self._monotonic = monotonic
        self._sleep = sleep
        self._answers: dict[str, deque[tuple[float, str, bool]]] = {}

    def conversation_wait(self, conversation_id: str) -> float:
        """Seconds before one more send into the conversation keeps within its limits."""
        return max(self.conversations.wait_seconds(conversation_id, self._monotonic()), 0.0)

    async def acquire_conversation(self, conversation_id: str) -> None:
        await self.conversations.acquire(conversation_id)

    async def acquire_tenant(self, tenant_id: str | None, *, at_most: float) -> bool:
        """Wait for the tenant's next turn, unless that is more than `at_most` seconds away."""
        wait = await self.pace.reserve(tenant_id or "")
        if wait > at_most:
            return False
        if wait > 0:
            await self._sleep(wait)
        return True

    async def answered(
        self, conversation_id: str, tenant_id: str | None, *, retry_after: float | None = None
    ) -> None:
        """Note Teams's answer; a 429 (`retry_after` given) holds its conversation, and holds the
        tenant too when 429s are coming from many conversations at once."""
        tenant = tenant_id or ""
        now = self._monotonic()
        answers = self._answers.setdefault(tenant, deque(maxlen=200))
        answers.append((now, conversation_id, retry_after is not None))
        while answers and answers[0][0] < now - self.SIGNAL_SECONDS:
            answers.popleft()
        if retry_after is None:
            return
        self.conversations.pause(conversation_id, retry_after)
        if tenant_wide([(c, throttled) for _, c, throttled in answers]):
            await self.pace.hold(tenant, retry_after)


def backoff_seconds(
    attempt: int,
    retry_after: float | None = None,
    *,
    base: float = 1.0,
    cap: float = 300.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """Exponential backoff with jitter; never sooner than the server's Retry-After.

    Half the delay is fixed and half random ("equal jitter"): retries from many senders spread
    out, yet none comes back at once.
    """
    ceiling = min(cap, base * 2.0 ** max(attempt - 1, 0))
    delay = ceiling * (0.5 + rand() / 2)
    return max(delay, retry_after or 0.0)
