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
from datetime import datetime
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
# A Retry-After is honoured up to these: a conversation's limits reach over an hour, the
# tenant's over a second, so a longer tenant hold is a mistake (ours or Teams's) that would
# silence every message; a conversation or message waiting longer is retried after an hour.
LONGEST_RETRY_AFTER = 3600.0
LONGEST_TENANT_HOLD = 60.0


def retry_after_capped(seconds: float | None) -> float | None:
    """A Retry-After no longer than LONGEST_RETRY_AFTER (None stays None)."""
    return None if seconds is None else min(max(seconds, 0.0), LONGEST_RETRY_AFTER)


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

    async def reserve(self, tenant_id: str, at_most: float | None = None) -> float: ...

    async def hold(self, tenant_id: str, seconds: float) -> None: ...


class LocalPace:
    """The tenant's pace in this process (one process: SQLite), as `delivery.pace` keeps it in
    the database for several: each send takes the next moment, one interval after the last,
    and only when it is no more than `at_most` seconds away."""

    def __init__(self, requests_per_second: float, monotonic: Monotonic = time.monotonic) -> None:
        self._interval = 1.0 / requests_per_second
        self._monotonic = monotonic
        self._next: dict[str, float] = {}

    async def reserve(self, tenant_id: str, at_most: float | None = None) -> float:
        now = self._monotonic()
        moment = max(self._next.get(tenant_id, now), now)
        if at_most is not None and moment - now > at_most:
            return moment - now
        self._next[tenant_id] = moment + self._interval
        return moment - now

    async def hold(self, tenant_id: str, seconds: float) -> None:
        until = self._monotonic() + seconds
        self._next[tenant_id] = max(self._next.get(tenant_id, until), until)


class DatabasePace:
    """The tenant's pace in PostgreSQL, so all replicas together keep to one rate. It runs on
    the database's clock; `clock` is for tests that move time instead of waiting."""

    def __init__(
        self,
        database: Database,
        requests_per_second: float,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._database = database
        self._interval = 1.0 / requests_per_second
        self._clock = clock

    def _now(self) -> datetime | None:
        return self._clock() if self._clock is not None else None

    async def reserve(self, tenant_id: str, at_most: float | None = None) -> float:
        return await self._database.run(
            pace.reserve, tenant_id, self._interval, at_most=at_most, now=self._now()
        )

    async def hold(self, tenant_id: str, seconds: float) -> None:
        await self._database.run(pace.hold, tenant_id, seconds, now=self._now())


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
        self.interval = 1.0 / (requests_per_second * headroom)
        self._monotonic = monotonic
        self._handed_back_until: dict[str, float] = {}
        self._sleep = sleep
        self._answers: dict[str, deque[tuple[float, str, bool]]] = {}

    def conversation_wait(self, conversation_id: str) -> float:
        """Seconds before one more send into the conversation keeps within its limits."""
        return max(self.conversations.wait_seconds(conversation_id, self._monotonic()), 0.0)

    async def acquire_conversation(self, conversation_id: str) -> None:
        await self.conversations.acquire(conversation_id)

    async def acquire_tenant(self, tenant_id: str | None, *, at_most: float) -> float | None:
        """Wait for the tenant's next turn; None once it has come. A turn more than `at_most`
        seconds away is not taken: returns how many seconds off the tenant's pace is free."""
        wait = await self.pace.reserve(tenant_id or "", at_most)
        if wait > at_most:
            return wait
        if wait > 0:
            await self._sleep(wait)
        return None

    def hand_back_after(self, tenant_id: str | None, wait: float) -> float:
        """When a message refused a turn `wait` seconds off should come due again: the messages
        handed back here for a tenant come due one interval apart, in the order handed back,
        rather than all at once when the tenant's pace is free (and all refused again)."""
        tenant = tenant_id or ""
        now = self._monotonic()
        moment = max(now + wait, self._handed_back_until.get(tenant, now) + self.interval)
        self._handed_back_until[tenant] = moment
        return moment - now

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
        self.conversations.pause(conversation_id, min(retry_after, LONGEST_RETRY_AFTER))
        if tenant_wide([(c, throttled) for _, c, throttled in answers]):
            await self.pace.hold(tenant, min(retry_after, LONGEST_TENANT_HOLD))


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
    return max(delay, retry_after_capped(retry_after) or 0.0)
