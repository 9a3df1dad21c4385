"""Cards for the coordinator's totals: the figures, a chart, the breakdowns and the feedback."""

from zoneinfo import ZoneInfo

from bot.cards.elements import Card, Element, card, execute, facts, heading, text
from training.figures.feedback import FeedbackSummary
from training.figures.plain_words import NotUnderstood, TotalsQuery
from training.figures.report import feedback_sentence, headline, plural, scope_phrase
from training.figures.totals import NO_TEAM, Figures, Line, Totals
from training.views import SessionSummary

MAX_LINES = 12
MAX_COMMENTS = 3
EXPORTS = [
    ("CSV", "csv"),
    ("Excel workbook", "xlsx"),
    ("Report (Word)", "docx"),
    ("Report (Markdown)", "md"),
]


def _line_text(line: Line) -> str:
    f = line.figures
    people = plural(f.people_attended, "person", "people")
    return (
        f"{plural(f.sessions_delivered, 'session')}, {people} "
        f"({plural(f.attendances, 'attendance')}), {f.completed_any} completed"
    )


def _breakdown(title: str, lines: list[Line], whole: Totals) -> list[Element]:
    """A breakdown's lines; none when it has one line that only repeats the whole."""
    lines = [ln for ln in lines if not (ln.name == NO_TEAM and ln.figures == Figures())]
    if not lines or (len(lines) == 1 and lines[0].figures == whole.figures):
        return []
    shown = lines[:MAX_LINES]
    body = [
        text(title, weight="Bolder", spacing="Medium"),
        facts([(ln.name, _line_text(ln)) for ln in shown]),
    ]
    if len(lines) > MAX_LINES:
        body.append(text(f"…and {len(lines) - MAX_LINES} more in the exports.", isSubtle=True))
    return body


def _comments(summary: FeedbackSummary, zone: ZoneInfo, limit: int) -> list[Element]:
    out = []
    for c in summary.comments[:limit]:
        when = c.session_starts_at.astimezone(zone)
        who = c.by or "not named"
        said = " / ".join(
            part
            for part in (
                f"Most useful: {c.most_useful}" if c.most_useful else "",
                f"Could be better: {c.could_be_better}" if c.could_be_better else "",
            )
            if part
        )
        out.append(
            text(f"“{said}” ({who}, {c.course_title} {when.day} {when:%b %Y})", isSubtle=True)
        )
    return out


def feedback_facts(summary: FeedbackSummary) -> Element:
    # Never a bare "-": Teams reads a value of "-" as the start of a bulleted list.
    def one(value: float | None) -> str:
        return "no answers yet" if value is None else f"{value:.1f} / 5"

    rate = summary.response_rate
    change = summary.confidence_change
    responses = f"{summary.responses} of {summary.invited} asked"
    if summary.respondents is not None and summary.respondents != summary.responses:
        responses += f" ({plural(summary.respondents, 'person', 'people')})"
    return facts(
        [
            ("Responses", responses),
            ("Response rate", "nobody asked yet" if rate is None else f"{rate:.0%}"),
            ("Overall", one(summary.average_overall)),
            ("Useful for role", one(summary.average_usefulness)),
            (
                "Confidence before → after",
                f"{one(summary.average_before)} → {one(summary.average_after)}",
            ),
            ("Change in confidence", "not known yet" if change is None else f"{change:+.1f}"),
        ]
    )


def _booked(totals: Totals) -> list[tuple[str, str]]:
    """People booked, split into sessions held and sessions to come when both are in scope."""
    held, to_come = totals.booked_held, totals.booked_to_come
    if held is None or to_come is None or not to_come:
        return [("People booked", str(totals.figures.people_booked))]
    if not held:
        return [("People booked on sessions to come", str(to_come))]
    return [
        ("People booked on sessions held", str(held)),
        ("People booked on sessions to come", str(to_come)),
    ]


def no_team_note(line: Line, people: int | None) -> str:
    """What the '(no team recorded)' line holds and how to empty it."""
    count = line.figures.people_attended if people is None else people
    held = f"{count} {'person' if count == 1 else 'people'} with no team on their record"
    return (
        f"{NO_TEAM}: {held}. Type 'no team' to see who; give them a team with "
        "'team email Team name', a CSV with 'import teams', or map their Entra department "
        "with 'team map'."
    )


def totals_card(
    totals: Totals,
    zone: ZoneInfo,
    query: TotalsQuery,
    chart_uri: str | None,
    no_team_people: int | None = None,
) -> Card:
    """`no_team_people`: how many people the '(no team recorded)' line holds (None: the
    people who attended in it)."""
    f = totals.figures
    body: list[Element] = [
        heading("Prevent training totals"),
        text(totals.scope.label, isSubtle=True, spacing="None"),
    ]
    body += [text(f"ℹ️ {note}", isSubtle=True, spacing="None") for note in totals.notes]
    # Each figure once: the facts here; the sentences are the report's ('report 2020-21').
    body.append(text(f"Delivered {scope_phrase(totals)}:", spacing="Small"))
    pairs = [
        ("Sessions delivered", str(f.sessions_delivered)),
        *_booked(totals),
        ("People attended", f"{f.people_attended} ({plural(f.attendances, 'attendance')})"),
        ("No-shows", str(f.no_shows)),
        ("Completed live", str(f.completed_live)),
        ("Completed e-learning", str(f.completed_elearning)),
        ("Completed (either)", str(f.completed_any)),
        ("Unmatched attendees to resolve", str(totals.unmatched_attendees)),
    ]
    if totals.external_guests:
        pairs.append(("External guests (apart from staff)", str(totals.external_guests)))
    body.append(facts(pairs))
    if chart_uri:
        body.append(
            {
                "type": "Image",
                "url": chart_uri,
                "altText": "Sessions and people per month and per team",
                "size": "Stretch",
            }
        )
    team = _breakdown("By team", totals.by_team, totals)
    team += [
        text(no_team_note(line, no_team_people), isSubtle=True)
        for line in totals.by_team
        if line.name == NO_TEAM
        and (line.figures.people_attended if no_team_people is None else no_team_people)
    ]
    course = _breakdown("By course", totals.by_course, totals)
    body += course + team if query.breakdown == "course" else team + course
    body.append(text("Feedback", weight="Bolder", spacing="Medium"))
    body.append(feedback_facts(totals.feedback))
    body += _comments(totals.feedback, zone, MAX_COMMENTS)
    words = query.words()
    actions = [execute(c.title, "totals", query=c.query) for c in query.alternatives]
    actions += [
        execute(title, "export_totals", query=words, format=kind) for title, kind in EXPORTS
    ]
    return card(body, actions)


REPORT_FORMATS = [("Word document", "docx"), ("Markdown", "md")]


def report_card(totals: Totals, words: str) -> Card:
    """The training section of the Prevent update in sentences, with the formats to save."""
    body = [
        heading("Training section of the Prevent update"),
        text(totals.scope.label, isSubtle=True, spacing="None"),
        *[text(sentence) for sentence in headline(totals)],
        text("Choose a format: I'll send the document here for you to save.", isSubtle=True),
    ]
    actions = [
        execute(title, "export_totals", query=words, format=kind) for title, kind in REPORT_FORMATS
    ]
    return card(body, actions)


def not_understood_card(result: NotUnderstood, verb: str = "totals") -> Card:
    return card(
        [heading("Which totals?"), text(result.sentence())],
        [execute(choice.title, verb, query=choice.query) for choice in result.choices[:5]],
    )


def session_feedback_card(
    session: SessionSummary, summary: FeedbackSummary, zone: ZoneInfo
) -> Card:
    starts = session.starts_at.astimezone(zone)
    body = [
        heading(f"Feedback: {session.course_title} (#{session.id})"),
        text(f"{starts:%a} {starts.day} {starts:%b %Y}", isSubtle=True, spacing="None"),
        text(feedback_sentence(summary)),
        feedback_facts(summary),
        *_comments(summary, zone, 20),
    ]
    return card(body)


def period_feedback_card(label: str, summary: FeedbackSummary, zone: ZoneInfo) -> Card:
    return card(
        [
            heading("Feedback"),
            text(label, isSubtle=True, spacing="None"),
            text(feedback_sentence(summary)),
            feedback_facts(summary),
            *_comments(summary, zone, 10),
        ]
    )
