"""Refresher notes come from each person's latest completion, picked out by the database."""

from datetime import timedelta

from config.settings import Settings
from tests.factories import add_course, add_staff
from training.governance.due import due_reminders
from training.governance.reminders import ReminderPolicy
from training.models import Completion, CompletionSource

POLICY = ReminderPolicy(zone=Settings(_env_file=None).zone, offsets_days=(28, 7, 1), hour=9)


def test_only_lapsed_latest_completions_get_a_refresher_note(database, clock):
    now = clock.now()
    with database.unit_of_work() as db:
        course = add_course(db)  # refresher every 24 months
        lapsed, renewed, recent = (add_staff(db, n, now) for n in ("Lee", "Rae", "Neve"))
        for person, months_ago in ((lapsed, 25), (renewed, 25), (renewed, 2), (recent, 6)):
            done = now - timedelta(days=round(30.5 * months_ago))
            db.add(
                Completion(
                    staff_id=person.id,
                    course_id=course.id,
                    source=CompletionSource.ATTENDANCE,
                    completed_at=done,
                    recorded_at=done,
                )
            )
    with database.unit_of_work() as db:
        notes = [r for r in due_reminders(db, now, POLICY, []) if r.kind == "refresher"]
    assert [r.staff_id for r in notes] == [lapsed.id]
