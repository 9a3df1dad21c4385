"""The sweep reads everyone's Entra department once a day, and again after a failed read."""

from datetime import timedelta

from sqlmodel import select

from bot.bootstrap import directory_step
from bot.cards.reminders import reminder_card
from config.settings import Settings
from scheduler.sweep import ReminderSweep
from tests.conftest import NOW
from tests.factories import add_staff
from tests.graph.local_graph import Fault
from training.dates.clock import FixedClock
from training.governance.reminders import ReminderPolicy
from training.models import Staff

USERS = "/v1.0/users?"


async def test_the_directory_is_read_once_a_day_and_a_failure_is_retried(
    database, graph, graph_server
):
    with database.unit_of_work() as db:
        add_staff(db, "Ann Able", NOW, team=None, aad_object_id="aad-ann")
    graph_server.add_user("aad-ann", "Ann Able", "ann.able@example.gov.uk", "Adults MASH")
    graph_server.faults.append(Fault(USERS, 503, retry_after="180", code="ServiceUnavailable"))
    clock = FixedClock(NOW)
    policy = ReminderPolicy(zone=Settings(_env_file=None).zone, offsets_days=(28, 7, 1), hour=9)
    sweep = ReminderSweep(
        database,
        clock,
        policy,
        [],
        reminder_card=reminder_card,
        steps=[directory_step(database, graph)],
    )

    failed = await sweep.run()
    assert "directory" not in failed.done and failed.errors[0].startswith("directory:")
    clock.move_to(NOW + timedelta(minutes=10))
    assert "directory" in (await sweep.run()).done  # the next sweep tries again
    clock.move_to(NOW + timedelta(hours=2))
    assert "directory" not in (await sweep.run()).done  # done for today
    clock.move_to(NOW + timedelta(days=1))
    assert "directory" in (await sweep.run()).done

    assert sum(r.startswith(f"GET {USERS}") for r in graph_server.requests) == 3
    with database.unit_of_work() as db:
        assert db.exec(select(Staff.team)).one() == "Adults MASH"
