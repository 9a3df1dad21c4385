"""The sweep reads Teams attendance through Graph and applies the retention rule once a day."""

from datetime import timedelta

from sqlmodel import func, select

from bot.bootstrap import attendance_step, retention_step
from bot.cards.reminders import reminder_card
from config.settings import Settings
from scheduler.sweep import ReminderSweep, SweepStep
from tests.conftest import NOW
from tests.factories import add_course, add_session, add_staff
from tests.graph.scenario import seed
from training.data_protection.retention import ANONYMOUS
from training.dates.clock import FixedClock
from training.governance.reminders import ReminderPolicy
from training.models import AuditEntry, Booking, Completion, Staff
from training.people.coordinators import Coordinators


def _sweep(database, clock, step: SweepStep) -> ReminderSweep:
    policy = ReminderPolicy(zone=Settings(_env_file=None).zone, offsets_days=(28, 7, 1), hour=9)
    return ReminderSweep(database, clock, policy, [], reminder_card=reminder_card, steps=[step])


async def test_the_sweep_records_completions_from_teams_attendance(
    database, graph, graph_server, sync_policy
):
    world = seed(database, graph_server, NOW)
    sweep = _sweep(
        database,
        FixedClock(NOW),
        attendance_step(database, graph, sync_policy),
    )
    report = await sweep.run()
    assert report.done["attendance"] == 1 and report.errors == []
    with database.unit_of_work() as db:
        completed = db.exec(select(Completion.staff_id)).all()
    assert world.staff["Ann Able"] in completed


async def test_retention_runs_once_a_day_from_the_sweep(database, tmp_path):
    clock = FixedClock(NOW)
    long_ago = NOW - timedelta(days=365 * 8)
    with database.unit_of_work() as db:
        old = add_session(db, add_course(db), long_ago)
        person = add_staff(db, "Old Timer", long_ago)
        db.add(
            Booking(
                session_id=old.id,
                staff_id=person.id,
                status="attended",
                requested_at=long_ago,
                updated_at=long_ago,
            )
        )
    settings = Settings(_env_file=None, certificate_dir=str(tmp_path), retention_years=6)
    sweep = _sweep(
        database,
        clock,
        retention_step(database, settings, Coordinators()),
    )

    await sweep.run()
    clock.move_to(NOW + timedelta(hours=2))
    await sweep.run()
    clock.move_to(NOW + timedelta(days=1))
    await sweep.run()

    with database.unit_of_work() as db:
        assert db.exec(select(func.count()).select_from(Booking)).one() == 0
        runs = db.exec(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "retention.run")
        ).one()
    assert runs == 2


async def test_retention_keeps_the_coordinators_and_waits_until_their_group_is_read(
    database, tmp_path
):
    long_ago = NOW - timedelta(days=365 * 8)
    with database.unit_of_work() as db:
        named = add_staff(db, "Cora Named", long_ago).id
        grouped = add_staff(db, "Gus Grouped", long_ago, aad_object_id="9a9a-group-member").id
        leaver = add_staff(db, "Lee Leaver", long_ago).id
    coordinators = Coordinators(["CORA.NAMED@example.gov.uk"])
    settings = Settings(
        _env_file=None, certificate_dir=str(tmp_path), coordinator_group_id="prevent-group"
    )
    apply = retention_step(database, settings, coordinators).run

    def names() -> dict[int, str]:
        with database.unit_of_work() as db:
            return {s.id: s.display_name for s in db.exec(select(Staff)).all()}

    await apply(NOW)
    assert ANONYMOUS not in names().values()  # the group is not read: anyone may be in it

    coordinators.use_group(["9A9A-GROUP-MEMBER"])
    await apply(NOW + timedelta(days=1))
    assert names() == {named: "Cora Named", grouped: "Gus Grouped", leaver: ANONYMOUS}
