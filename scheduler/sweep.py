"""The reminder sweep: what is due goes into the outbox; ended sessions get their follow-ups.

It is safe to run as often as you like, late, or twice at once: every reminder has a unique
outbox key, and each follow-up is remembered (in the same transaction) once it has run.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from database.engine import Database
from delivery import outbox
from delivery.outbox import OutgoingMessage
from scheduler import hooks
from scheduler.hooks import FeedbackCard, SeatCards
from training.data_protection.retention import retention_due
from training.dates.clock import Clock
from training.governance.due import due_reminders
from training.governance.reminders import Reminder, ReminderPolicy
from training.people.coordinators import Coordinators, as_coordinators
from training.people.teams import directory_refresh_due
from training.sessions.offer_rule import OfferPolicy

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    due: int = 0
    written: int = 0
    feedback_requests: int = 0
    attendance_syncs: int = 0
    calendar_retries: int = 0
    seat_messages: int = 0
    directory_refreshed: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SweepCards:
    """The cards the sweep queues, drawn by the bot: the scheduler knows nothing of Teams."""

    reminder: Callable[[Reminder], dict[str, Any]]
    feedback: FeedbackCard
    seats: SeatCards


def reminder_message(reminder: Reminder, cards: SweepCards) -> OutgoingMessage:
    return OutgoingMessage(
        key=reminder.key,
        kind=reminder.kind,
        staff_id=reminder.staff_id,
        summary=reminder.headline,
        card=cards.reminder(reminder),
        not_before=reminder.due_at,
    )


class ReminderSweep:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        policy: ReminderPolicy,
        coordinators: Coordinators | Sequence[str],
        wake_sender: Callable[[], None] = lambda: None,
        *,
        cards: SweepCards,
        attendance_sync: Callable[[datetime], Awaitable[int]] | None = None,
        calendar_sync: Callable[[datetime], Awaitable[int]] | None = None,
        retention: Callable[[datetime], Awaitable[None]] | None = None,
        directory_refresh: Callable[[datetime], Awaitable[None]] | None = None,
        feedback_edit_days: int = 5,
        offers: OfferPolicy | None = None,
    ) -> None:
        """`attendance_sync(now)` reads Teams attendance for sessions due a look and returns how
        many it looked at; `calendar_sync(now)` retries Teams meeting updates that failed;
        `retention(now)` applies the retention rule; `directory_refresh(now)` reads everyone's
        Entra department (both once a day). All are optional. `offers` says how seats freed
        by offers nobody answered are passed on (the settings' defaults if not given)."""
        self.offers = offers or OfferPolicy()
        self.directory_refresh = directory_refresh
        self.cards = cards
        self.attendance_sync = attendance_sync
        self.calendar_sync = calendar_sync
        self.retention = retention
        self.feedback_edit_days = feedback_edit_days
        self.database = database
        self.clock = clock
        self.policy = policy
        self.coordinators = as_coordinators(coordinators)
        self.wake_sender = wake_sender

    async def run(self) -> SweepReport:
        now = self.clock.now()
        report = SweepReport()
        due = await self.database.run(
            due_reminders, now, self.policy, self.coordinators.identifiers()
        )
        report.due = len(due)
        report.written = await self.database.run(
            outbox.enqueue, [reminder_message(r, self.cards) for r in due], now
        )
        await self._seat_offers(now, report)
        await self._feedback(now, report)
        await self._attendance(now, report)
        await self._calendar(now, report)
        await self._retention(now, report)
        await self._directory(now, report)
        self.wake_sender()
        if report.written or report.feedback_requests:
            log.info(
                "reminder sweep: %s due, %s new, %s feedback requests",
                report.due,
                report.written,
                report.feedback_requests,
            )
        return report

    async def _seat_offers(self, now: datetime, report: SweepReport) -> None:
        try:
            report.seat_messages = await self.database.run(
                hooks.pass_on_seat_offers, now, self.offers, self.policy.zone, self.cards.seats
            )
        except Exception as problem:  # seat trouble must not stop reminders; next sweep retries
            log.exception("passing on seat offers failed")
            report.errors.append(f"seat offers: {problem}")

    async def _feedback(self, now: datetime, report: SweepReport) -> None:
        try:
            report.feedback_requests = await self.database.run(
                hooks.request_feedback,
                now,
                self.feedback_edit_days,
                self.policy.zone,
                self.cards.feedback,
            )
        except IntegrityError:  # another replica queued the same requests in the same moment
            return
        except Exception as problem:  # feedback trouble must not stop reminders
            log.exception("feedback requests failed")
            report.errors.append(f"feedback: {problem}")

    async def _attendance(self, now: datetime, report: SweepReport) -> None:
        if self.attendance_sync is None:
            return
        try:
            report.attendance_syncs = await self.attendance_sync(now)
        except Exception as problem:  # Graph trouble must not stop reminders; next sweep retries
            log.exception("attendance sync failed")
            report.errors.append(f"attendance: {problem}")

    async def _calendar(self, now: datetime, report: SweepReport) -> None:
        if self.calendar_sync is None:
            return
        try:
            report.calendar_retries = await self.calendar_sync(now)
        except Exception as problem:  # tried again at the next sweep
            log.exception("calendar sync failed")
            report.errors.append(f"calendar: {problem}")

    async def _retention(self, now: datetime, report: SweepReport) -> None:
        if self.retention is None or not await self.database.run(retention_due, now):
            return
        try:
            await self.retention(now)
        except Exception as problem:  # tried again at the next sweep
            log.exception("retention run failed")
            report.errors.append(f"retention: {problem}")

    async def _directory(self, now: datetime, report: SweepReport) -> None:
        if self.directory_refresh is None or not await self.database.run(
            directory_refresh_due, now
        ):
            return
        try:
            await self.directory_refresh(now)
            report.directory_refreshed = True
        except Exception as problem:  # not marked done: the next sweep reads it again
            log.exception("directory refresh failed")
            report.errors.append(f"directory: {problem}")
