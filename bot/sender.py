"""The proactive sender: takes due messages from the outbox and delivers them through Teams.

Every message is claimed with a lease, re-checked in the database right before it is sent
(a claim another sender took over is never sent here), sent within Teams's rate limits and then
marked: sent; to retry later (429, 408, 412, any 5xx, a reset or no answer within the send
timeout: exponential backoff with jitter, never sooner than Retry-After, up to `max_attempts`
tries); blocked (403/404: recorded against the person, not retried); or failed. A message whose
turn is further off than a claim may wait is handed back untried. Messages to one person go in
order; different people are served concurrently, at most `concurrency` sends at a time.
"""

import asyncio
import contextlib
import heapq
import json
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from botbuilder.core import BotAdapter, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ConversationReference

from bot.liveness import SenderLiveness
from bot.ratelimit import GONE_STATUSES, TeamsRateLimiter, backoff_seconds, transient
from database.engine import Database
from delivery import outbox
from delivery.outbox import ClaimedMessage
from training.dates.clock import Clock

log = logging.getLogger(__name__)

NO_CONVERSATION = "no Teams chat with this person yet: they need to open the bot once"


class DeliveryFailed(Exception):
    """Teams did not take the message. `status` is None when there was no answer at all."""

    def __init__(self, status: int | None, detail: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status or 'no answer'}: {detail}")
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


class CardDelivery(Protocol):
    async def send(
        self, reference: ConversationReference, card: dict[str, Any], summary: str
    ) -> None: ...


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def _http_status(error: BaseException) -> tuple[int | None, str | None]:
    """The status and Retry-After of an msrest/botframework HTTP error, if it carries them."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    headers = getattr(response, "headers", None) or {}
    return (int(status) if status else None), headers.get("Retry-After")


class BotConnectorDelivery:
    """Sends one card through the Bot Connector with `continue_conversation`."""

    def __init__(self, adapter: BotAdapter, app_id: str) -> None:
        self._adapter = adapter
        self._app_id = app_id

    async def send(
        self, reference: ConversationReference, card: dict[str, Any], summary: str
    ) -> None:
        message = MessageFactory.attachment(CardFactory.adaptive_card(card))
        message.summary = summary
        await self.send_activity(reference, message)

    async def send_activity(self, reference: ConversationReference, message: Activity) -> None:
        problems: list[Exception] = []

        async def deliver(context: TurnContext) -> None:
            # The adapter hands errors raised here to its on_turn_error and returns normally,
            # so the error is kept to be raised below.
            try:
                await context.send_activity(message)
            except Exception as error:  # msrest, aiohttp and botbuilder raise their own types
                problems.append(error)

        try:
            await self._adapter.continue_conversation(reference, deliver, self._app_id)
        except Exception as error:  # e.g. no token for the service URL
            problems.append(error)
        if problems:
            first = problems[0]
            status, retry_after = _http_status(first)
            raise DeliveryFailed(
                status, f"{type(first).__name__} {first}"[:200], retry_after_seconds(retry_after)
            ) from first


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    blocked: int = 0
    lease_lost: int = 0
    deferred: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return (
            self.sent + self.retrying + self.failed + self.blocked + self.lease_lost + self.deferred
        )

    def add(self, other: "DeliveryReport") -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.blocked += other.blocked
        self.lease_lost += other.lease_lost
        self.deferred += other.deferred
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ProactiveSender:
    """Sends what falls due in the outbox, promising each message is sent at most once except
    for the sends in flight (at most `concurrency`) when the process dies; see README."""

    def __init__(
        self,
        database: Database,
        delivery: CardDelivery,
        clock: Clock,
        *,
        limiter: TeamsRateLimiter | None = None,
        worker_id: str | None = None,
        lease_seconds: int = 60,
        max_attempts: int = 8,
        batch_size: int = 100,
        concurrency: int = 8,
        poll_seconds: float = 5.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.database = database
        self.delivery = delivery
        self.clock = clock
        self.limiter = limiter or TeamsRateLimiter()
        self.worker_id = worker_id or default_worker_id()
        self.lease_seconds = lease_seconds
        # A claim is renewed just before its send, so waiting for a turn and waiting for an answer
        # each stay within a quarter of the lease: nobody else may take the row meanwhile.
        self.longest_wait_seconds = lease_seconds / 4
        self.send_timeout_seconds = min(30.0, lease_seconds / 4)
        self.max_attempts = max_attempts
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._rand = rand
        self._slots = asyncio.Semaphore(concurrency)
        self._one_batch_at_a_time = asyncio.Lock()
        self._wake = asyncio.Event()
        self._coming_due: list[datetime] = []  # a heap: when rows handed back fall due
        self._last_claim_at = datetime.min.replace(tzinfo=UTC)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._liveness = SenderLiveness(database)

    def wake(self) -> None:
        """Something was written to the outbox: look now rather than at the next poll."""
        self._wake.set()

    async def deliver_due(self) -> DeliveryReport:
        """Claim one batch of due messages and deliver it."""
        async with self._one_batch_at_a_time:
            if not await self._alive():
                return DeliveryReport()
            self._last_claim_at = self.clock.now()
            claimed = await self.database.run(
                outbox.claim,
                self.worker_id,
                self._last_claim_at,
                lease_seconds=self.lease_seconds,
                limit=self.batch_size,
            )
            report = DeliveryReport()
            by_person: dict[int, list[ClaimedMessage]] = {}
            for message in claimed:
                by_person.setdefault(message.staff_id, []).append(message)
            await asyncio.gather(*(self._one_person(ms, report) for ms in by_person.values()))
            return report

    async def _alive(self) -> bool:
        """Hold this sender's mark of life and take back the claims of senders that died."""
        if not await self.database.in_thread(self._liveness.alive_as, self.worker_id):
            # The mark was lost (or is held by an old self): claims under that name may be
            # released by others, so go on under a new one.
            self.worker_id = default_worker_id()
            if not await self.database.in_thread(self._liveness.alive_as, self.worker_id):
                return False
        holders = await self.database.run(outbox.claim_holders, self.clock.now())
        await self.database.in_thread(self._liveness.release_the_dead, holders)
        return True

    async def deliver_until_idle(self) -> DeliveryReport:
        """Deliver batches until nothing is due (retries scheduled for later stay for later)."""
        total = DeliveryReport()
        while not self._stopping:
            report = await self.deliver_due()
            total.add(report)
            if report.handled == 0:
                break
        return total

    async def _one_person(self, messages: list[ClaimedMessage], report: DeliveryReport) -> None:
        async with self._slots:
            for message in messages:
                try:
                    await self._deliver(message, report)
                except Exception:  # a database hiccup: the lease runs out and it is tried again
                    log.exception("could not record the delivery of outbox %s", message.id)

    async def _deliver(self, message: ClaimedMessage, report: DeliveryReport) -> None:
        if message.blocked:
            await self.database.run(
                outbox.mark_blocked,
                message.id,
                self.worker_id,
                message.staff_id,
                self.clock.now(),
                status_code=403,
                reason="Teams refused earlier messages to this person",
            )
            report.blocked += 1
            return
        if message.reference_json is None:
            await self.database.run(outbox.mark_failed, message.id, self.worker_id, NO_CONVERSATION)
            report.failed += 1
            return
        reference = ConversationReference().deserialize(json.loads(message.reference_json))
        conversation = reference.conversation
        conversation_id = conversation.id if conversation else ""
        tenant = conversation.tenant_id if conversation else None
        wait = self.limiter.conversation_wait(conversation_id)
        if wait > self.longest_wait_seconds:
            await self._give_back(message, wait, report)
            return
        await self.limiter.acquire_conversation(conversation_id)
        if not await self._renew(message, report):
            return
        busy = await self.limiter.acquire_tenant(tenant, at_most=self.longest_wait_seconds)
        if busy is not None:
            await self._give_back(message, self.limiter.hand_back_after(tenant, busy), report)
            return
        try:
            await asyncio.wait_for(
                self.delivery.send(reference, message.card, message.summary),
                self.send_timeout_seconds,
            )
        except TimeoutError:
            failure = DeliveryFailed(None, f"no answer within {self.send_timeout_seconds:g} s")
            await self._after_failure(message, failure, conversation_id, tenant, report)
            return
        except DeliveryFailed as failure:
            await self._after_failure(message, failure, conversation_id, tenant, report)
            return
        await self.limiter.answered(conversation_id, tenant)
        if await self.database.run(outbox.mark_sent, message.id, self.worker_id, self.clock.now()):
            report.sent += 1
        else:
            log.warning("outbox %s was sent after its lease ran out", message.id)
            report.lease_lost += 1

    async def _renew(self, message: ClaimedMessage, report: DeliveryReport) -> bool:
        """Re-check the claim in the database right before sending, and extend it."""
        renewed = await self.database.run(
            outbox.renew,
            message.id,
            self.worker_id,
            self.clock.now(),
            lease_seconds=self.lease_seconds,
        )
        if not renewed:
            log.info("outbox %s was taken over by another sender: not sent here", message.id)
            report.lease_lost += 1
        return renewed

    async def _give_back(
        self, message: ClaimedMessage, wait_seconds: float, report: DeliveryReport
    ) -> None:
        """The turn is further off than a claim may wait: hand the row back until then."""
        not_before = self.clock.now() + timedelta(seconds=wait_seconds)
        if await self.database.run(outbox.give_back, message.id, self.worker_id, not_before):
            report.deferred += 1
            self._due_again(not_before)
        else:
            report.lease_lost += 1

    async def _after_failure(
        self,
        message: ClaimedMessage,
        failure: DeliveryFailed,
        conversation_id: str,
        tenant: str | None,
        report: DeliveryReport,
    ) -> None:
        status = failure.status
        if status is not None:
            report.statuses[status] = report.statuses.get(status, 0) + 1
        if status == 429:
            await self.limiter.answered(
                conversation_id, tenant, retry_after=failure.retry_after or 1.0
            )
        now = self.clock.now()
        if status in GONE_STATUSES:
            log.info(
                "Teams refused outbox %s with %s: the person is marked blocked", message.id, status
            )
            await self.database.run(
                outbox.mark_blocked,
                message.id,
                self.worker_id,
                message.staff_id,
                now,
                status_code=status,
                reason="the person removed or blocked the app",
            )
            report.blocked += 1
            return
        if transient(status):
            delay = backoff_seconds(message.attempts + 1, failure.retry_after, rand=self._rand)
            outcome = await self.database.run(
                outbox.mark_retry,
                message.id,
                self.worker_id,
                now,
                delay_seconds=delay,
                error=str(failure),
                max_attempts=self.max_attempts,
            )
            if outcome == "pending":
                report.retrying += 1
                self._due_again(now + timedelta(seconds=delay))
            else:
                report.failed += 1
            return
        await self.database.run(outbox.mark_failed, message.id, self.worker_id, str(failure))
        report.failed += 1

    def _due_again(self, at: datetime) -> None:
        heapq.heappush(self._coming_due, at)

    def next_look_seconds(self) -> float:
        """How long until a row this sender handed back (or set to retry) falls due, or until
        the next poll, whichever is sooner."""
        while self._coming_due and self._coming_due[0] <= self._last_claim_at:
            heapq.heappop(self._coming_due)  # the last claim saw it due
        if not self._coming_due:
            return self.poll_seconds
        wait = (self._coming_due[0] - self.clock.now()).total_seconds()
        return min(self.poll_seconds, max(wait, 0.0))

    async def run_forever(self) -> None:
        """Deliver whatever is due, then wait to be woken, for a retry, or for the next poll."""
        while not self._stopping:
            self._wake.clear()
            try:
                await self.deliver_until_idle()
            except Exception:  # the database may be away for a moment: try again later
                log.exception("the outbox could not be read")
            self.limiter.conversations.forget_idle()
            wait = self.next_look_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run_forever(), name="outbox-sender")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let the batch in hand finish (cutting it short would resend it later), then stop."""
        if self._task is None:
            await self.database.in_thread(self._liveness.close)
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace_seconds)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        await self.database.in_thread(self._liveness.close)
