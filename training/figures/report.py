"""The board report in words: the sentences a coordinator would write about one `Totals`, and
each figure's title. Plain text, so the report card and every file (`documents/`) say the same.
"""

from dataclasses import fields

from training.figures.feedback import FeedbackSummary
from training.figures.totals import Figures, Totals

FIGURE_TITLES = {
    "sessions_delivered": "Sessions delivered",
    "people_booked": "People booked",
    "people_attended": "People attended (distinct)",
    "attendances": "Attendances",
    "no_shows": "No-shows",
    "completed_live": "Completed live",
    "completed_elearning": "Completed e-learning (confirmed)",
    "completed_any": "Completed (distinct, either)",
}
FIGURES = [f.name for f in fields(Figures)]


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 person', '2 people', '1 session', '3 sessions'."""
    return _plural(n, one, many)


def scope_phrase(totals: Totals) -> str:
    """What the totals cover, to end a sentence: 'of WRAP within Adult Social Care in
    2020-21', or 'to date'."""
    scope = totals.scope
    parts = []
    if scope.course_code:
        parts.append(f"of {scope.course_code}")
    if scope.team:
        parts.append(f"within {scope.team}")
    if scope.period is None:
        parts.append("to date")
    elif scope.period.name.startswith(("since ", "from ", "up to ")):
        parts.append(scope.period.name)  # 'since 1 July 2026', not 'in since ...'
    else:
        parts.append(f"in {scope.period.name}")
    return " ".join(parts)


def _both(people: int) -> str:
    """Those counted in live and in e-learning, so the parts visibly add up to the whole."""
    return f" ({_plural(people, 'person', 'people')} did both)" if people > 0 else ""


def headline(totals: Totals) -> list[str]:
    """The sentences a coordinator would write: 'nine sessions were delivered with ...'."""
    f = totals.figures
    out = [
        f"{_plural(f.sessions_delivered, 'session was', 'sessions were')} delivered "
        f"{scope_phrase(totals)}, with {_plural(f.people_attended, 'person', 'people')} "
        f"attending ({_plural(f.attendances, 'attendance')}; {_plural(f.no_shows, 'no-show')}).",
        f"{_plural(f.completed_any, 'person', 'people')} completed training: "
        f"{f.completed_live} live and {f.completed_elearning} through confirmed e-learning"
        f"{_both(f.completed_live + f.completed_elearning - f.completed_any)}.",
    ]
    if totals.external_guests:
        out.append(
            f"{_plural(totals.external_guests, 'external guest')} from partner organisations "
            "also attended (counted apart from staff)."
        )
    out.append(feedback_sentence(totals.feedback))
    if totals.unmatched_attendees:
        out.append(
            f"{_plural(totals.unmatched_attendees, 'attendee')} from Teams attendance reports "
            "still to be matched to staff records, so attendance may be higher."
        )
    return out


def score_text(value: float | None) -> str:
    """A 1-5 average to one decimal place; '-' when nobody answered."""
    return "-" if value is None else f"{value:.1f}"


def feedback_sentence(summary: FeedbackSummary) -> str:
    if not summary.responses:
        return "No feedback has been received yet for these sessions."
    rate = summary.response_rate
    rate_text = f" ({rate:.0%} of those asked)" if rate is not None else ""
    change = summary.confidence_change
    respondents = summary.respondents
    if respondents is None or respondents == summary.responses:
        who = f"{_plural(summary.responses, 'person', 'people')} gave feedback"
    else:  # one person may answer for several sessions
        who = (
            f"{_plural(summary.responses, 'response')} from "
            f"{_plural(respondents, 'person', 'people')}"
        )
    sentence = (
        f"{who}{rate_text}: "
        f"overall {score_text(summary.average_overall)} out of 5, usefulness for their role "
        f"{score_text(summary.average_usefulness)} out of 5."
    )
    if change is not None:
        direction = "rose" if change > 0 else "fell" if change < 0 else "stayed"
        sentence += (
            f" Confidence to recognise and refer a concern {direction} from "
            f"{score_text(summary.average_before)} to {score_text(summary.average_after)} "
            "on average."
        )
    return sentence
