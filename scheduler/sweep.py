"""The reminder sweep: what is due goes into the outbox, then the follow-ups run, one after another.

The follow-ups (seat offers passed on, feedback asked for, Teams attendance read, ...) are
`SweepStep`s, a named list built in the composition root (`bot.bootstrap.sweep_steps`): that list
is the whole of what the sweep does. One step's failure is logged and reported and never stops the
others; the next sweep tries it again.

It is safe to run as often as you like, late, or twice at once: every reminder has a unique
outbox key, and each follow-up is remembered (in the same transaction) once it has run.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session as DbSession

from database.engine import Database
from delivery import outbox
from delivery.outbox import OutgoingMessage
from training.dates.clock import Clock
from training.governance.due import due_reminders
from training.governance.reminders import Reminder, ReminderPolicy
from training.people.coordinators import Coordinators, as_coordinators

log = logging.getLogger(__name__)

ReminderCard = Callable[[Reminder], dict[str, Any]]


@dataclass(frozen=True)
class SweepStep:
    """One follow-up of the sweep: `run(now)` does it and says how many things it did. `due`
    (asked in the database first, when given) says whether it is due at all, for the steps that
    run once a day; a step that is not due is left out of the report."""

    name: str
    run: Callable[[datetime], Awaitable[int]]
    due: Callable[[DbSession, datetime], bool] | None = None


@dataclass
class SweepReport:
    due: int = 0
    written: int = 0
    done: dict[str, int] = field(default_factory=dict)  # step name -> how many it did
    errors: list[str] = field(default_factory=list)  # "<step name>: <the problem>"


def reminder_message(reminder: Reminder, card: ReminderCard) -> OutgoingMessage:
    return OutgoingMessage(
        key=reminder.key,
        kind=reminder.kind,
        staff_id=reminder.staff_id,
        summary=reminder.headline,
        card=card(reminder),
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
        reminder_card: ReminderCard,
        steps: Sequence[SweepStep] = (),
    ) -> None:
        """`reminder_card` draws a reminder (the bot draws the cards: the scheduler knows
        nothing of Teams); `steps` are the follow-ups, run in order after the reminders."""
        self.database = database
        self.clock = clock
        self.policy = policy
        self.coordinators = as_coordinators(coordinators)
        self.wake_sender = wake_sender
        self.reminder_card = reminder_card
        self.steps = tuple(steps)

    async def run(self) -> SweepReport:
        now = self.clock.now()
        report = SweepReport()
        due = await self.database.run(
            due_reminders, now, self.policy, self.coordinators.identifiers()
        )
        report.due = len(due)
        report.written = await self.database.run(
            outbox.enqueue, [reminder_message(r, self.reminder_card) for r in due], now
        )
        for step in self.steps:
            await self._follow_up(step, now, report)
        self.wake_sender()
        if report.written or any(report.done.values()):
            log.info("reminder sweep: %s due, %s new; %s", report.due, report.written, report.done)
        return report

    async def _follow_up(self, step: SweepStep, now: datetime, report: SweepReport) -> None:
        try:
            if step.due is not None and not await self.database.run(step.due, now):
                return
            report.done[step.name] = await step.run(now)
        except Exception as problem:  # one step's trouble must not stop the others
            log.exception("the sweep's %s failed; the next sweep tries again", step.name)
            report.errors.append(f"{step.name}: {problem}")
