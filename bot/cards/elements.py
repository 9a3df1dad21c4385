"""Small building blocks shared by the cards.

Teams renders a TextBlock's text and a FactSet's titles and values as Markdown. Text that
people typed (names, comments, board and file names, reasons, places) must not become a link
or bold type inside the bot's own card, so `text` and `facts` escape everything they are given
(by the rule the board report uses too, `documents.markdown_text`)
unless it is `Markdown`: text the bot means as Markdown, built with `markdown` and `bold`
from parts that are escaped in turn.

A card is JSON, named by what it is: `Card` (a whole Adaptive Card), `Element` (a block of its
body: a TextBlock, FactSet, Container, input...) and `Action` (a button). The names are for the
reader and mypy sees plain dicts; each card's shape is checked by the parser Teams renders with
(tests/cards/test_every_card.py).
"""

from datetime import datetime
from typing import Any, TypeAlias
from urllib.parse import quote
from zoneinfo import ZoneInfo

from documents.markdown_text import escaped
from documents.markdown_text import unescaped as _unescaped
from training.views import SessionSummary

Card: TypeAlias = dict[str, Any]
Element: TypeAlias = dict[str, Any]
Action: TypeAlias = dict[str, Any]
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


class Markdown(str):
    """Card text whose Markdown the bot means; its parts from people are escaped."""


def _escaped(value: str, *, line_start: bool = True) -> str:
    """Escaped as the report is, and a line break someone typed stays one: Markdown would run
    single breaks together, so on a card each is doubled into a paragraph break (a TextBlock
    shows "\n\n" as a new line)."""
    return escaped(value, line_start=line_start).replace("\n", "\n\n")


def plain(value: str) -> Markdown:
    """`value` shown exactly as written, whatever Markdown it holds."""
    return value if isinstance(value, Markdown) else Markdown(_escaped(value))


def markdown(*parts: str) -> Markdown:
    """Parts joined: `Markdown` parts as they are, every other part escaped."""
    joined = ""
    for part in parts:
        if isinstance(part, Markdown):
            joined += part
        else:
            joined += _escaped(part, line_start=joined == "" or joined.endswith("\n"))
    return Markdown(joined)


def bold(value: str) -> Markdown:
    """`value` in bold, on one line (Markdown's bold cannot begin or end with a space)."""
    words = " ".join(value.split())
    return Markdown(f"**{plain(words)}**") if words else Markdown("")


def link(title: str, url: str) -> Markdown:
    """A link the bot means, to an https address (anything else is shown, not linked)."""
    if not url.startswith("https://"):
        return plain(url)
    target = "".join(
        c if c.isascii() and c.isprintable() and c not in " ()<>" else quote(c) for c in url
    )
    return Markdown(f"[{plain(title)}]({target})")


def unescaped(value: str) -> str:
    """Card text as words for a plain-text answer (an invoke's message): escapes taken out,
    and typed line breaks single again."""
    return _unescaped(value).replace("\n\n", "\n")


def card(body: list[Element], actions: list[Action] | None = None) -> Card:
    result: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    }
    if actions:
        result["actions"] = actions
    return result


def refreshed_by(shown: Card, verb: str, **data: Any) -> Card:
    """The card, redrawn by Teams with `verb` (a read-only command) whenever it is shown, so an
    old card shows what is true now (Universal Actions' refresh; the bot adds `userIds`)."""
    action: Action = {
        "type": "Action.Execute",
        "title": "Refresh",
        "verb": verb,
        "data": {"verb": verb, **data},
    }
    return {**shown, "refresh": {"action": action}}


def text(value: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": plain(value), "wrap": True, **style}


def heading(value: str) -> Element:
    return text(value, size="Medium", weight="Bolder")


def facts(pairs: list[tuple[str, str]]) -> Element:
    return {
        "type": "FactSet",
        "facts": [{"title": plain(k), "value": plain(v)} for k, v in pairs],
    }


def execute(title: str, verb: str, style: str | None = None, **data: Any) -> Action:
    """An `Action.Execute` (Universal Actions) with an `Action.Submit` fallback for older clients.

    The verb travels in `data` too, so both arrive at the same handler.
    """
    payload = {"verb": verb, **data}
    action: Action = {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "data": payload,
        "fallback": {"type": "Action.Submit", "title": title, "data": payload},
    }
    if style:
        action["style"] = style
    return action


def when(session: SessionSummary, zone: ZoneInfo) -> str:
    starts = session.starts_at.astimezone(zone)
    ends = session.ends_at.astimezone(zone)
    return f"{starts:%a} {starts.day} {starts:%b %Y}, {starts:%H:%M}–{ends:%H:%M}"


def where(session: SessionSummary) -> str:
    return "Online (Teams)" if session.online else (session.location or "To be confirmed")


def seats(session: SessionSummary) -> str:
    if session.status == "cancelled":
        return "Cancelled"
    if session.full:
        held = f", {session.offered} offered to people waiting" if session.offered else ""
        waiting = f", {session.waitlisted} waiting" if session.waitlisted else ""
        return f"Full{held}{waiting}"
    return f"{session.seats_left} of {session.capacity} left"


def local_date(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y %H:%M}"


def delivery_inputs(
    mode: str, join_url: str, location: str, *, meeting_by_graph: bool
) -> list[Element]:
    """How a session is delivered, on the new-session and edit forms: online (with its join
    link, which the bot makes when `meeting_by_graph`) or in person (with its place)."""
    link = (
        "Teams join link (online: leave empty and I'll create the meeting)"
        if meeting_by_graph
        else "Teams join link (needed for an online session)"
    )
    return [
        {
            "type": "Input.ChoiceSet",
            "id": "mode",
            "label": "Delivery",
            "style": "expanded",
            "value": mode,
            "choices": [
                {"title": "Online (Teams)", "value": "online"},
                {"title": "In person", "value": "in_person"},
            ],
        },
        {"type": "Input.Text", "id": "join_url", "label": link, "value": join_url},
        {
            "type": "Input.Text",
            "id": "location",
            "label": "Location (in person)",
            "value": location,
        },
    ]
