"""Keeping under Teams's limits, and waiting politely when told to.

Teams documents, for proactive messages: per conversation 7 operations a second, 8 in 2 s, 60 in
30 s and 1800 an hour; per app per tenant 50 requests a second. Each limit is a sliding window
here. The clock and the sleep are passed in, so tests move time instead of waiting.
"""

import asyncio
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]

PER_CONVERSATION = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
RETRYABLE_STATUSES = frozenset({412, 429, 502, 504})
GONE_STATUSES = frozenset({403, 404})


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

    def _wait(self, key: str, now: float) -> float:
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
            wait = self._wait(key, now)
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


class TeamsRateLimiter:
    """The per-conversation and per-tenant limits together."""

    def __init__(
        self,
        requests_per_second: int = 50,
        headroom: float = 1.0,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        # Headroom below 1 stretches the window rather than cutting the count, so bursts stay whole.
        self.conversations = SlidingWindowLimiter(
            PER_CONVERSATION, monotonic=monotonic, sleep=sleep
        )
        self.tenants = SlidingWindowLimiter(
            [(requests_per_second, 1.0 / headroom)], monotonic=monotonic, sleep=sleep
        )

    async def acquire(self, conversation_id: str, tenant_id: str | None) -> None:
        await self.conversations.acquire(conversation_id)
        await self.tenants.acquire(tenant_id or "")

    def pause(self, conversation_id: str, tenant_id: str | None, seconds: float) -> None:
        """After a 429 we cannot tell which limit was hit, so both wait."""
        self.conversations.pause(conversation_id, seconds)
        self.tenants.pause(tenant_id or "", seconds)


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
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    delay = ceiling * (0.5 + rand() / 2)
    return max(delay, retry_after or 0.0)
