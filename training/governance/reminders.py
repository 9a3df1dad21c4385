"""Which reminders fall due when: pure functions of plain plans and `now` (no database).

Every reminder occurrence has a key naming what it is about, which date it is for and whom it
is to (e.g. 'board:3:due-7d:2027-03-01:to:12'). The outbox stores each key once, so computing
the same reminder again (a second sweep, a restart, a second replica) never sends it twice.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from training.models import BoardFrequency, BoardKind

MONTHS = {
    BoardFrequency.QUARTERLY: 3,
    BoardFrequency.BIANNUAL: 6,
    BoardFrequency.ANNUAL: 12,
}
FREQUENCY_WORDS = {
    BoardFrequency.QUARTERLY: "quarterly",
    BoardFrequency.BIANNUAL: "twice a year",
    BoardFrequency.ANNUAL: "annually",
    BoardFrequency.TBC: "as arranged",
}


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders fall due: days before a due date, and the UK hour they are sent at."""

    zone: ZoneInfo
    offsets_days: tuple[int, ...] = (28, 7, 1)
    hour: int = 9

    def at(self, day: date) -> datetime:
        """`hour` o'clock UK time on `day`, as an aware datetime."""
        return datetime.combine(day, time(self.hour), tzinfo=self.zone)


@dataclass(frozen=True)
class Reminder:
    key: str
    kind: str
    staff_id: int
    due_at: datetime
    headline: str
    details: tuple[tuple[str, str], ...] = ()
    link: str | None = None
    # After this it is pointless (the meeting has happened); None: it never goes stale.
    expires_at: datetime | None = None


@dataclass(frozen=True)
class BoardPlan:
    id: int
    name: str
    focus: str
    kind: str
    frequency: str
    next_due_on: date | None
    last_update_on: date | None
    lead_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class SessionPlan:
    id: int
    course_title: str
    starts_at: datetime
    ends_at: datetime
    online: bool
    join_url: str | None
    location: str | None
    booked_staff_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class CompletionPlan:
    staff_id: int
    course_id: int
    course_title: str
    completed_at: datetime
    refresher_months: int


@dataclass(frozen=True)
class Audience:
    """Who may be reminded: the coordinators (as staff ids) besides each board's own people."""

    coordinator_ids: tuple[int, ...] = ()


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day if shorter (31 Jan -> 30 Apr)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due_after(delivered_on: date, frequency: str) -> date | None:
    """The next due date once an update is delivered; None (to be confirmed) if irregular."""
    months = MONTHS.get(BoardFrequency(frequency))
    return add_months(delivered_on, months) if months else None


def effective_due(board: BoardPlan, today: date) -> date | None:
    """A meeting recurs by itself, so a past date rolls on; an update stays due until delivered."""
    due = board.next_due_on
    months = MONTHS.get(BoardFrequency(board.frequency))
    if due is None or board.kind != BoardKind.MEETING or not months:
        return due
    steps = 0
    while add_months(due, months * steps) < today:
        steps += 1
    return add_months(due, months * steps)


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _board_details(board: BoardPlan, due: date | None) -> tuple[tuple[str, str], ...]:
    pairs = [("Board", board.name)]
    if board.focus:
        pairs.append(("Focus", board.focus))
    pairs.append(("Due", f"{due:%a} {due.day} {due:%b %Y}" if due else "to be confirmed"))
    if board.last_update_on:
        last = board.last_update_on
        pairs.append(("Last update", f"{last.day} {last:%b %Y}"))
    return tuple(pairs)


def _due_headline(board: BoardPlan, due: date) -> str:
    # The date, not "in 7 days": a reminder sent late must still be true.
    when = f"{due:%a} {due.day} {due:%b %Y}"
    if board.kind == BoardKind.MEETING:
        return f"{board.name} meets on {when}"
    if board.kind == BoardKind.BRIEFING:
        return f"{board.name} is due on {when}"
    return f"Prevent update to {board.name} is due on {when}"


def board_reminders(
    board: BoardPlan, audience: Audience, policy: ReminderPolicy, now: datetime
) -> list[Reminder]:
    """Every reminder the board's current date calls for: before it, overdue, or unconfirmed."""
    today = now.astimezone(policy.zone).date()
    due = effective_due(board, today)
    leads = _unique(board.lead_ids) or list(audience.coordinator_ids)
    if due is None:
        return tbc_nudges(board, audience, policy, now)
    out: list[Reminder] = []
    details = _board_details(board, due)
    offsets = sorted({d for d in policy.offsets_days if d > 0}, reverse=True)
    for days, closer in zip(offsets, [*offsets[1:], 0], strict=True):
        occurrence = f"board:{board.id}:due-{days}d:{due.isoformat()}"
        out += [
            Reminder(
                key=f"{occurrence}:to:{staff_id}",
                kind="board_due",
                staff_id=staff_id,
                due_at=policy.at(due - timedelta(days=days)),
                headline=_due_headline(board, due),
                details=details,
                # Once the next, closer reminder is due, a missed earlier one would only repeat it.
                expires_at=policy.at(due - timedelta(days=closer)),
            )
            for staff_id in leads
        ]
    if board.kind != BoardKind.MEETING:
        occurrence = f"board:{board.id}:overdue:{due.isoformat()}"
        out += [
            Reminder(
                key=f"{occurrence}:to:{staff_id}",
                kind="board_overdue",
                staff_id=staff_id,
                due_at=policy.at(due + timedelta(days=1)),
                headline=f"Overdue: {board.name} was due on {due.day} {due:%b %Y}",
                details=(
                    *details,
                    ("What to do", f"Type 'board update delivered {board.name}' once it's done."),
                ),
            )
            for staff_id in _unique([*leads, *audience.coordinator_ids])
        ]
    return out


def tbc_nudges(
    board: BoardPlan, audience: Audience, policy: ReminderPolicy, now: datetime
) -> list[Reminder]:
    """A board with no date is chased every Monday (this week's and the next two) until set."""
    today = now.astimezone(policy.zone).date()
    monday = today - timedelta(days=today.weekday())
    out = []
    for weeks in range(3):
        day = monday + timedelta(weeks=weeks)
        year, week, _ = day.isocalendar()
        out += [
            Reminder(
                key=f"board:{board.id}:tbc:{year}-W{week:02d}:to:{staff_id}",
                kind="board_tbc",
                staff_id=staff_id,
                due_at=policy.at(day),
                headline=f"{board.name}: the next Prevent update date is still to be confirmed",
                details=(
                    *_board_details(board, None),
                    ("What to do", f"Type 'edit board {board.name}' to set the date."),
                ),
                expires_at=policy.at(day + timedelta(days=7)),
            )
            for staff_id in audience.coordinator_ids
        ]
    return out


def day_words(day: date, sent_on: date) -> str:
    """'Today', 'Tomorrow' or the date, for `day` as read on `sent_on` (both UK dates)."""
    if day == sent_on:
        return "Today"
    if day == sent_on + timedelta(days=1):
        return "Tomorrow"
    return f"On {day:%a} {day.day} {day:%b}"


def session_reminders(
    session: SessionPlan, policy: ReminderPolicy, now: datetime | None = None
) -> list[Reminder]:
    """The day before a session, each person booked is reminded, with the link or the place.
    It says 'Tomorrow' or 'Today' by the session's UK date against the day it goes out: the
    day before, or `now` when it goes out late (a booking made on the day, a sweep after a
    restart)."""
    local_start = session.starts_at.astimezone(policy.zone)
    ends = session.ends_at.astimezone(policy.zone)
    when = (
        f"{local_start:%a} {local_start.day} {local_start:%b %Y}, {local_start:%H:%M}–{ends:%H:%M}"
    )
    where = "Online (Teams)" if session.online else (session.location or "To be confirmed")
    details = [("When", when), ("Where", where)]
    if session.online and session.join_url:
        details.append(("Join", f"[Teams meeting link]({session.join_url})"))
    day_before = local_start.date() - timedelta(days=1)
    sent_on = max(day_before, now.astimezone(policy.zone).date()) if now else day_before
    return [
        Reminder(
            key=f"session:{session.id}:day-before:{local_start.date().isoformat()}:to:{staff_id}",
            kind="session_day_before",
            staff_id=staff_id,
            due_at=policy.at(day_before),
            headline=f"{day_words(local_start.date(), sent_on)}: {session.course_title}",
            details=tuple(details),
            link=session.join_url if session.online else None,
            expires_at=session.starts_at,
        )
        for staff_id in _unique(session.booked_staff_ids)
    ]


def refresher_notes(completion: CompletionPlan, policy: ReminderPolicy) -> list[Reminder]:
    """A person's latest completion of a course has run past the course's refresher period."""
    done = completion.completed_at.astimezone(policy.zone).date()
    lapses = add_months(done, completion.refresher_months)
    return [
        Reminder(
            key=f"refresher:course:{completion.course_id}:{done.isoformat()}"
            f":to:{completion.staff_id}",
            kind="refresher",
            staff_id=completion.staff_id,
            due_at=policy.at(lapses),
            headline=f"Time to refresh your {completion.course_title}",
            details=(
                ("Last completed", f"{done.day} {done:%b %Y}"),
                ("Renew every", f"{completion.refresher_months} months"),
                ("What to do", "Type 'sessions' to book a place."),
            ),
        )
    ]


def is_due(reminder: Reminder, now: datetime) -> bool:
    return reminder.due_at <= now and (reminder.expires_at is None or now < reminder.expires_at)


def due_now(reminders: Iterable[Reminder], now: datetime) -> list[Reminder]:
    """Those to send at `now`, oldest first: late ones too, as long as they still make sense."""
    return sorted((r for r in reminders if is_due(r, now)), key=lambda r: (r.due_at, r.key))


def coming_up(reminders: Iterable[Reminder], now: datetime, until: datetime) -> list[Reminder]:
    """Those that will fall due after `now` and no later than `until`, soonest first."""
    return sorted(
        (r for r in reminders if now < r.due_at <= until), key=lambda r: (r.due_at, r.key)
    )
