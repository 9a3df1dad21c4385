"""A person's own record: what they completed, when a refresher is due, what is pending."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from training.models import OPEN_CLAIM_STATUSES, Completion, Course, ElearningClaim


@dataclass(frozen=True)
class CompletionLine:
    course_title: str
    completed_at: datetime
    source: str
    # None: a later completion of the same course renewed it, so no refresher is due for it.
    refresher_due: datetime | None
    overdue: bool


@dataclass(frozen=True)
class MyTraining:
    completions: list[CompletionLine]
    pending: list[str]


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the last day of the month when that day does not exist)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("unreachable")


def my_training(db: DbSession, staff_id: int, now: datetime) -> MyTraining:
    rows = db.exec(
        select(Completion, Course)
        .join(Course)
        .where(Completion.staff_id == staff_id)
        .order_by(col(Completion.completed_at).desc())
    ).all()
    lines = []
    renewed: set[int] = set()  # courses already seen: rows come newest first
    for completion, course in rows:
        assert course.id is not None
        due = (
            None
            if course.id in renewed
            else add_months(completion.completed_at, course.refresher_months)
        )
        renewed.add(course.id)
        overdue = due is not None and due <= now
        lines.append(
            CompletionLine(course.title, completion.completed_at, completion.source, due, overdue)
        )
    claims = db.exec(
        select(ElearningClaim, Course)
        .join(Course)
        .where(
            ElearningClaim.staff_id == staff_id,
            col(ElearningClaim.status).in_(OPEN_CLAIM_STATUSES),
        )
    ).all()
    pending = [f"{course.title}: {claim.status.replace('_', ' ')}" for claim, course in claims]
    return MyTraining(lines, pending)
