"""The functions APScheduler runs.

A persistent job store keeps each job as a textual reference to a module-level function with
plain arguments, so a job cannot carry live objects. Each process registers its sweep here under
a name when it becomes the scheduler's leader, and the stored job passes that name.
"""

import logging

from scheduler.sweep import ReminderSweep

log = logging.getLogger(__name__)

_sweeps: dict[str, ReminderSweep] = {}


def register(name: str, sweep: ReminderSweep) -> None:
    _sweeps[name] = sweep


def unregister(name: str, sweep: ReminderSweep) -> None:
    if _sweeps.get(name) is sweep:
        del _sweeps[name]


async def reminder_sweep(name: str) -> None:
    """Job: write due reminders to the outbox and start the follow-ups of ended sessions."""
    sweep = _sweeps.get(name)
    if sweep is None:
        log.warning("reminder sweep '%s' is not running in this process; skipped", name)
        return
    await sweep.run()
