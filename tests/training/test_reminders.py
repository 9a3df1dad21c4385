"""When each reminder falls due: pure functions of plans and `now`, no database."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from training.governance.reminders import (
    Audience,
    BoardPlan,
    CompletionPlan,
    ReminderPolicy,
    SessionPlan,
    add_months,
    board_reminders,
    coming_up,
    due_now,
    next_due_after,
    refresher_notes,
    session_reminders,
)
from training.models import BoardFrequency, BoardKind

LONDON = ZoneInfo("Europe/London")
POLICY = ReminderPolicy(zone=LONDON)
COORDINATORS = Audience(coordinator_ids=(90,))


def board(**changes) -> BoardPlan:
    fields = {
        "id": 3,
        "name": "Adult Safeguarding Board",
        "focus": "vulnerable adults",
        "kind": BoardKind.BOARD,
        "frequency": BoardFrequency.ANNUAL,
        "next_due_on": date(2027, 7, 1),
        "last_update_on": date(2026, 7, 1),
        "lead_ids": (12,),
    }
    return BoardPlan(**{**fields, **changes})


def test_months_are_added_the_way_a_calendar_does():
    assert add_months(date(2027, 1, 31), 3) == date(2027, 4, 30)
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert add_months(date(2027, 3, 10), -12) == date(2026, 3, 10)


def test_delivering_an_update_rolls_the_date_by_the_frequency():
    delivered = date(2027, 3, 4)
    assert next_due_after(delivered, BoardFrequency.QUARTERLY) == date(2027, 6, 4)
    assert next_due_after(delivered, BoardFrequency.BIANNUAL) == date(2027, 9, 4)
    assert next_due_after(delivered, BoardFrequency.ANNUAL) == date(2028, 3, 4)
    assert next_due_after(delivered, BoardFrequency.TBC) is None


def test_a_lead_is_reminded_28_7_and_1_days_before_at_nine_uk_time():
    now = datetime(2027, 5, 1, tzinfo=UTC)
    reminders = [
        r for r in board_reminders(board(), COORDINATORS, POLICY, now) if r.kind == "board_due"
    ]
    assert [r.due_at.astimezone(LONDON).isoformat() for r in reminders] == [
        "2027-06-03T09:00:00+01:00",  # British Summer Time
        "2027-06-24T09:00:00+01:00",
        "2027-06-30T09:00:00+01:00",
    ]
    assert {r.staff_id for r in reminders} == {12}
    assert reminders[1].key == "board:3:due-7d:2027-07-01:to:12"
    assert "due on Thu 1 Jul 2027" in reminders[0].headline
    # A missed earlier reminder is dropped once the closer one is due, not sent on top of it.
    assert reminders[0].expires_at == reminders[1].due_at


def test_offsets_come_from_the_policy():
    policy = ReminderPolicy(zone=LONDON, offsets_days=(14, 2), hour=8)
    now = datetime(2027, 5, 1, tzinfo=UTC)
    keys = [r.key for r in board_reminders(board(), COORDINATORS, policy, now)]
    assert keys[:2] == ["board:3:due-14d:2027-07-01:to:12", "board:3:due-2d:2027-07-01:to:12"]


def test_an_overdue_update_is_told_to_the_lead_and_the_coordinator():
    now = datetime(2027, 7, 2, 9, 30, tzinfo=UTC)
    overdue = [
        r for r in board_reminders(board(), COORDINATORS, POLICY, now) if r.kind == "board_overdue"
    ]
    assert {r.staff_id for r in overdue} == {12, 90}
    assert all(r.due_at == datetime(2027, 7, 2, 9, tzinfo=LONDON) for r in overdue)
    assert all(r in due_now(overdue, now) for r in overdue)


def test_a_board_without_a_lead_reminds_the_coordinators():
    now = datetime(2027, 5, 1, tzinfo=UTC)
    reminders = board_reminders(board(lead_ids=()), COORDINATORS, POLICY, now)
    assert {r.staff_id for r in reminders} == {90}


def test_a_date_to_be_confirmed_is_chased_every_monday():
    tbc = board(next_due_on=None)
    monday = datetime(2027, 1, 11, 10, tzinfo=UTC)
    first = due_now(board_reminders(tbc, COORDINATORS, POLICY, monday), monday)
    assert [r.key for r in first] == ["board:3:tbc:2027-W02:to:90"]
    a_week_on = monday + timedelta(days=7)
    second = due_now(board_reminders(tbc, COORDINATORS, POLICY, a_week_on), a_week_on)
    assert [r.key for r in second] == ["board:3:tbc:2027-W03:to:90"]


def test_a_meeting_recurs_by_itself_and_is_never_overdue():
    group = board(
        name="Prevent Delivery Group",
        kind=BoardKind.MEETING,
        frequency=BoardFrequency.QUARTERLY,
        next_due_on=date(2027, 1, 5),
        lead_ids=(1, 2),
    )
    now = datetime(2027, 3, 1, tzinfo=UTC)
    reminders = board_reminders(group, COORDINATORS, POLICY, now)
    assert {r.kind for r in reminders} == {"board_due"}
    assert {r.key.split(":")[3] for r in reminders} == {"2027-04-05"}
    assert {r.staff_id for r in reminders} == {1, 2}


def test_the_day_before_a_session_each_person_booked_gets_the_link():
    session = SessionPlan(
        id=7,
        course_title="WRAP",
        starts_at=datetime(2027, 2, 10, 10, tzinfo=UTC),
        ends_at=datetime(2027, 2, 10, 12, tzinfo=UTC),
        online=True,
        join_url="https://teams.microsoft.com/l/meetup-join/x",
        location=None,
        booked_staff_ids=(4, 5),
    )
    reminders = session_reminders(session, POLICY)
    assert [r.staff_id for r in reminders] == [4, 5]
    assert reminders[0].due_at == datetime(2027, 2, 9, 9, tzinfo=LONDON)
    assert reminders[0].link == session.join_url
    assert ("Where", "Online (Teams)") in reminders[0].details
    assert due_now(reminders, session.starts_at) == []  # too late once it has started


def test_an_in_person_session_reminder_gives_the_place():
    session = SessionPlan(
        7,
        "WRAP",
        datetime(2027, 2, 10, 10, tzinfo=UTC),
        datetime(2027, 2, 10, 12, tzinfo=UTC),
        False,
        None,
        "Hendon Town Hall",
        (4,),
    )
    [reminder] = session_reminders(session, POLICY)
    assert ("Where", "Hendon Town Hall") in reminder.details and reminder.link is None


def test_a_refresher_note_falls_due_when_the_completion_lapses():
    completion = CompletionPlan(4, 1, "WRAP", datetime(2025, 3, 3, 11, tzinfo=UTC), 24)
    [note] = refresher_notes(completion, POLICY)
    assert note.due_at == datetime(2027, 3, 3, 9, tzinfo=LONDON)
    assert due_now([note], datetime(2027, 3, 2, tzinfo=UTC)) == []
    assert due_now([note], datetime(2027, 3, 3, 10, tzinfo=UTC)) == [note]


def test_coming_up_lists_only_the_window_soonest_first():
    now = datetime(2027, 5, 30, tzinfo=UTC)
    reminders = board_reminders(board(), COORDINATORS, POLICY, now)
    soon = coming_up(reminders, now, now + timedelta(days=14))
    assert [r.key for r in soon] == ["board:3:due-28d:2027-07-01:to:12"]
