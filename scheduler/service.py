"""The scheduler's lifecycle: one leader among the bot's replicas runs APScheduler.

On PostgreSQL the leader holds a session advisory lock on a connection of its own; if the
process dies, the connection closes, the lock is freed and a standby (trying every
`leader_poll_seconds`) takes over. On SQLite there is one process, so it always leads.

Jobs live in APScheduler's SQLAlchemy job store (table `apscheduler_jobs`) on the same database,
in UK time, coalesced and with a generous misfire grace: a bot that was down for a day runs the
missed sweep once when it is back, and the sweep sends the late reminders once.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from database.engine import normalise_url
from scheduler import jobs
from scheduler.sweep import ReminderSweep

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "reminder-sweep"
# 'wrapbot' in ASCII: the advisory lock every replica asks for.
LEADER_LOCK_KEY = 0x77726170626F74


@dataclass(frozen=True)
class SchedulerOptions:
    zone: ZoneInfo
    sweep_minutes: float = 10
    misfire_grace_seconds: int = 7 * 24 * 3600
    leader_poll_seconds: float = 15
    name: str = "wrapbot"


class LeaderLock:
    """A PostgreSQL session advisory lock held on a connection kept open for as long as we lead."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_engine(
            normalise_url(database_url), poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        connection = self._engine.connect()
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}
        ).scalar()
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except Exception:  # the connection died, and with it the lock
            log.warning("lost the scheduler lock's connection", exc_info=True)
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing the connection frees it anyway
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK_KEY}
                )
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None

    def dispose(self) -> None:
        self.release()
        self._engine.dispose()


class SchedulerService:
    def __init__(self, database_url: str, sweep: ReminderSweep, options: SchedulerOptions) -> None:
        self.database_url = normalise_url(database_url)
        self.sweep = sweep
        self.options = options
        self.scheduler: AsyncIOScheduler | None = None
        self._single_process = make_url(self.database_url).get_backend_name() == "sqlite"
        self._lock = None if self._single_process else LeaderLock(self.database_url)
        self._task: asyncio.Task[None] | None = None

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None

    async def start(self) -> None:
        if self._single_process:
            self._lead()
            return
        self._task = asyncio.create_task(self._contend(), name="scheduler-leader")

    async def _contend(self) -> None:
        assert self._lock is not None
        while True:
            try:
                if not self.is_leader:
                    if await asyncio.to_thread(self._lock.try_acquire):
                        self._lead()
                elif not await asyncio.to_thread(self._lock.still_held):
                    self._step_down()
            except Exception:  # the database is away: keep trying
                log.exception("scheduler leadership check failed")
            await asyncio.sleep(self.options.leader_poll_seconds)

    def _lead(self) -> None:
        options = self.options
        scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=self.database_url)},
            timezone=options.zone,
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": options.misfire_grace_seconds,
                "max_instances": 1,
            },
        )
        jobs.register(options.name, self.sweep)
        scheduler.start()
        interval = timedelta(minutes=options.sweep_minutes)
        job = scheduler.get_job(SWEEP_JOB_ID)
        if job is None:
            scheduler.add_job(
                jobs.reminder_sweep,
                IntervalTrigger(seconds=interval.total_seconds(), timezone=options.zone),
                id=SWEEP_JOB_ID,
                args=[options.name],
                next_run_time=datetime.now(options.zone),
            )
        elif getattr(job.trigger, "interval", None) != interval:
            scheduler.reschedule_job(
                SWEEP_JOB_ID, trigger=IntervalTrigger(seconds=interval.total_seconds())
            )
        self.scheduler = scheduler
        log.info("this process now runs the reminder scheduler")

    def _step_down(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            jobs.unregister(self.options.name, self.sweep)
            log.info("this process no longer runs the reminder scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._step_down()
        if self._lock is not None:
            await asyncio.to_thread(self._lock.dispose)
