"""A person's own record: only the newest completion of a course has a refresher date."""

from datetime import UTC, datetime

from tests.factories import add_course, add_staff
from training.models import Completion
from training.records.my_training import my_training

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _done(db, staff, course, at: datetime) -> None:
    db.add(
        Completion(
            staff_id=staff.id,
            course_id=course.id,
            source="attended",
            completed_at=at,
            recorded_at=at,
        )
    )


def test_a_course_done_again_is_not_overdue_for_its_older_completions(database):
    with database.unit_of_work() as db:
        wrap = add_course(db, "WRAP", "WRAP")
        other = add_course(db, "ERW", "Extreme right-wing briefing")
        patti = add_staff(db, "Patti Fernandez", NOW)
        _done(db, patti, wrap, datetime(2021, 3, 1, tzinfo=UTC))
        _done(db, patti, wrap, datetime(2023, 5, 1, tzinfo=UTC))
        _done(db, patti, wrap, datetime(2026, 11, 27, tzinfo=UTC))
        _done(db, patti, other, datetime(2022, 1, 10, tzinfo=UTC))
        mine = my_training(db, patti.id, NOW)
    shown = [(line.course_title, line.refresher_due, line.overdue) for line in mine.completions]
    assert shown == [
        ("WRAP", datetime(2028, 11, 27, tzinfo=UTC), False),
        ("WRAP", None, False),
        ("Extreme right-wing briefing", datetime(2024, 1, 10, tzinfo=UTC), True),
        ("WRAP", None, False),
    ]
