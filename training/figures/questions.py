"""A coordinator's question in plain words, read and answered in one unit of work: the words are
read against the courses and teams as they are, and the figures counted from the same moment.

`NotUnderstood` comes back instead of an answer when the words cannot be read (it says what
to try); nothing is counted or audited then. An Allow on a file offer is read here too, as the
totals it names must still read when the file is made.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from zoneinfo import ZoneInfo

from sqlmodel import Session as DbSession

from training.data_protection import audit
from training.figures.feedback import FeedbackScope, FeedbackSummary, feedback_summary
from training.figures.plain_words import NotUnderstood, TotalsQuery, parse_totals_request
from training.figures.totals import (
    NO_TEAM,
    Totals,
    course_id_of,
    scope_of,
    totals_for_export,
    view_totals,
    vocabulary,
)
from training.handled import first_time, was_handled
from training.people.teams import no_team_in

PERIOD_COMMENTS = 10


@dataclass(frozen=True)
class TotalsAnswer:
    """The totals the words asked for, and how many people the '(no team recorded)' line
    holds when it is shown (None when every line has a team)."""

    query: TotalsQuery
    totals: Totals
    no_team: int | None = None


@dataclass(frozen=True)
class PeriodFeedback:
    label: str
    summary: FeedbackSummary


def read_question(
    db: DbSession, words: str, now: datetime, zone: ZoneInfo
) -> TotalsQuery | NotUnderstood:
    """The words as a totals question, read on the UK date of `now`."""
    return parse_totals_request(words, now.astimezone(zone).date(), vocabulary(db))


def answer_totals(
    db: DbSession,
    words: str,
    now: datetime,
    zone: ZoneInfo,
    *,
    viewer_staff_id: int | None,
    action: str = "totals.view",
) -> TotalsAnswer | NotUnderstood:
    """Totals for the words, audited as `action`, with the no-team count the card explains."""
    query = read_question(db, words, now, zone)
    if isinstance(query, NotUnderstood):
        return query
    found = view_totals(db, query, now, zone, viewer_staff_id=viewer_staff_id, action=action)
    no_team = None
    if any(line.name == NO_TEAM for line in found.by_team):
        scope = found.scope
        no_team = no_team_in(db, scope.start, scope.end, scope.course_code)
    return TotalsAnswer(query, found, no_team)


def totals_to_export(
    db: DbSession,
    words: str,
    now: datetime,
    zone: ZoneInfo,
) -> TotalsAnswer | NotUnderstood:
    """Every figure for the words with every comment, for a file; audited once it is handed
    over, not here."""
    query = read_question(db, words, now, zone)
    if isinstance(query, NotUnderstood):
        return query
    return TotalsAnswer(query, totals_for_export(db, query, now, zone))


def feedback_for_period(
    db: DbSession, words: str, now: datetime, zone: ZoneInfo, *, viewer_staff_id: int
) -> PeriodFeedback | NotUnderstood:
    """Feedback over the period, team and course the words name, with the viewing audited."""
    query = read_question(db, words, now, zone)
    if isinstance(query, NotUnderstood):
        return query
    scope = scope_of(query, zone)
    summary = feedback_summary(
        db,
        FeedbackScope(scope.start, scope.end, scope.team, course_id_of(db, scope.course_code)),
        now,
        comments_limit=PERIOD_COMMENTS,
    )
    audit.record(
        db, viewer_staff_id, "feedback.view", now, subject=scope.label, detail=query.words()
    )
    return PeriodFeedback(query.describe(), summary)


class OfferRefused(Enum):
    NOT_READ = "its totals no longer read"
    NEVER_OFFERED = "no such offer was made to this person"
    ANSWERED_BEFORE = "the offer was answered before"


@dataclass(frozen=True)
class FileAccepted:
    """An Allow to act on: make the totals `query` asks for (None: the offer was a roster)."""

    query: TotalsQuery | None


def accept_file_offer(
    db: DbSession,
    words: str | None,
    offered: str,
    keys: Sequence[str | None],
    now: datetime,
    zone: ZoneInfo,
) -> FileAccepted | OfferRefused:
    """An Allow on a file offer, acted on once: the totals it names must still read (`words`,
    None for a roster), the offer must have been made (its key `offered` recorded when it was
    sent), and none of `keys` (the offer's own, the activity's) handled before; they are
    recorded as handled now."""
    query = None
    if words is not None:
        read = read_question(db, words, now, zone)
        if isinstance(read, NotUnderstood):
            return OfferRefused.NOT_READ
        query = read
    if not was_handled(db, offered):
        return OfferRefused.NEVER_OFFERED
    if not first_time(db, keys, now):
        return OfferRefused.ANSWERED_BEFORE
    return FileAccepted(query)
