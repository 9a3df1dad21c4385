"""The scheduler runs in one replica at a time, and a day's downtime means one late run."""

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import text

from bot.cards.reminders import reminder_card
from database.engine import Database
from scheduler.service import SWEEP_JOB_ID, SchedulerOptions, SchedulerService
from scheduler.sweep import ReminderSweep
from training.dates.clock import FixedClock
from training.governance.reminders import ReminderPolicy

LONDON = ZoneInfo("Europe/London")


def service(database: Database, clock: FixedClock, poll: float = 0.05) -> SchedulerService:
    sweep = ReminderSweep(database, clock, ReminderPolicy(LONDON), [], reminder_card=reminder_card)
    options = SchedulerOptions(zone=LONDON, sweep_minutes=10, leader_poll_seconds=poll)
    return SchedulerService(database.url, sweep, options)


@pytest.fixture
def fresh_jobs(database: Database) -> Database:
    with database.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
    return database


async def until(condition, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


def sweep_runs(caplog) -> int:
    """APScheduler logs each run of a job it executes."""
    return sum(r.getMessage().startswith("Running job") for r in caplog.records)


async def test_a_day_of_downtime_gives_one_late_run_not_one_per_missed_interval(
    fresh_jobs, clock, caplog
):
    caplog.set_level(logging.INFO, logger="apscheduler.executors")
    first = service(fresh_jobs, clock)
    await first.start()
    await until(lambda: first.is_leader and sweep_runs(caplog) == 1)
    job = first.scheduler.get_job(SWEEP_JOB_ID)
    assert str(job.trigger.timezone) == "Europe/London"
    await first.stop()

    # The bot was down for a day: the stored next run is 144 ten-minute intervals ago.
    store = SQLAlchemyJobStore(url=fresh_jobs.url)
    store.start(None, "default")
    job = store.lookup_job(SWEEP_JOB_ID)
    job.next_run_time = datetime.now(LONDON) - timedelta(days=1)
    store.update_job(job)
    store.shutdown()

    caplog.clear()
    second = service(fresh_jobs, clock)
    await second.start()
    await until(lambda: sweep_runs(caplog) >= 1)
    await asyncio.sleep(0.3)  # any further catch-up run would have happened by now
    next_run = second.scheduler.get_job(SWEEP_JOB_ID).next_run_time
    await second.stop()
    assert sweep_runs(caplog) == 1
    assert next_run > datetime.now(LONDON)


async def test_only_one_replica_runs_the_scheduler_and_another_takes_over(fresh_jobs, clock):
    if fresh_jobs.dialect != "postgresql":
        pytest.skip("several replicas need PostgreSQL; on SQLite the one process leads")
    one, two = service(fresh_jobs, clock), service(Database(fresh_jobs.url), clock)
    await one.start()
    await until(lambda: one.is_leader)
    await two.start()
    await asyncio.sleep(0.3)  # several of its tries
    assert not two.is_leader
    await one.stop()  # the leader goes away (its lock's connection closes)
    await until(lambda: two.is_leader)
    await two.stop()
