"""The completion rule on its own: clipping, merging, missing times, one person once."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.graph.local_graph import record
from training.attendance.completion import (
    CompletionPolicy,
    gather,
    merged_seconds,
    required_seconds,
)
from training.records.my_training import add_months

START = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
END = START + timedelta(hours=2)


def _at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def test_overlapping_intervals_count_once_and_are_clipped_to_the_session():
    intervals = [(_at(-30), _at(30)), (_at(20), _at(50)), (_at(110), _at(200))]
    assert merged_seconds(intervals, START, END) == (50 + 10) * 60


def test_the_threshold_is_a_share_of_the_scheduled_time_rounded_up():
    assert required_seconds(START, END, 75) == 5400
    assert required_seconds(START, START + timedelta(seconds=101), 50) == 51


@pytest.mark.parametrize(
    ("default_percent", "course_percent", "attended_minutes", "needed_minutes", "completed"),
    [
        (75, None, 90, 90, True),  # exactly the default share of two hours
        (75, None, 89, 90, False),
        (75, 50, 60, 60, True),  # the course's own threshold wins over the default
        (75, 50, 59, 60, False),
        (50, None, 60, 60, True),  # the council's default, from the settings
        (75, 0, 90, 90, True),  # a course threshold of 0 is "not set": the default applies
        (75, 100, 119, 120, False),  # all of it means all of it
        (75, 100, 120, 120, True),
    ],
)
def test_who_completed_by_the_course_threshold_else_the_default(
    default_percent, course_percent, attended_minutes, needed_minutes, completed
):
    policy = CompletionPolicy(default_percent)
    needed = policy.seconds_needed(START, END, course_percent)
    assert needed == needed_minutes * 60
    assert policy.completed(attended_minutes * 60, needed) is completed


def test_a_missing_leave_time_uses_the_duration_or_counts_nothing():
    with_duration = record("A", aad="a", email="a@x", intervals=[(START, _at(60))])
    with_duration["attendanceIntervals"][0]["leaveDateTime"] = None
    without = record("B", aad="b", email="b@x", intervals=[(START, None)])
    people = gather([with_duration, without])
    assert merged_seconds(people["aad:a"].intervals, START, END) == 3600
    assert people["aad:b"].intervals == [] and people["aad:b"].data_gaps


def test_the_same_person_by_id_and_by_email_is_one_person():
    by_id = record("Dev", aad="D-1", email="Dev@X.gov.uk", intervals=[(START, _at(50))])
    by_email = record("Dev", aad=None, email="dev@x.gov.uk", intervals=[(_at(40), _at(100))])
    people = gather([by_id, by_email])
    assert list(people) == ["aad:d-1"]
    assert merged_seconds(people["aad:d-1"].intervals, START, END) == 100 * 60


def test_a_guest_with_no_id_and_no_email_is_one_person_per_record():
    guest = record(
        "Sam Guest (External)", aad=None, email="", intervals=[(START, END)], record_id="r-1"
    )
    people = gather([guest])
    assert list(people) == ["record:r-1"]
    assert people["record:r-1"].email is None
    assert people["record:r-1"].display_name == "Sam Guest (External)"


def test_two_records_known_only_by_the_same_name_are_never_merged():
    # Two anonymous phones in one meeting: Teams names both "iPhone". (Issue 11: they were
    # merged into one person with both people's time.)
    first = record("iPhone", aad=None, email="", intervals=[(START, _at(50))], record_id="p-1")
    second = record("iPhone", aad=None, email="", intervals=[(_at(40), END)], record_id="p-2")
    people = gather([first, second])
    assert sorted(people) == ["record:p-1", "record:p-2"]
    assert merged_seconds(people["record:p-1"].intervals, START, END) == 50 * 60


def test_refreshers_fall_due_on_the_same_day_or_the_month_end():
    assert add_months(datetime(2025, 8, 31, tzinfo=UTC), 6) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2025, 1, 15, tzinfo=UTC), 24) == datetime(2027, 1, 15, tzinfo=UTC)
