"""Small building blocks shared by the cards."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from training.views import SessionSummary

Card = dict[str, Any]
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> Card:
    result: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    }
    if actions:
        result["actions"] = actions
    return result


def text(value: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def heading(value: str) -> dict[str, Any]:
    return text(value, size="Medium", weight="Bolder")


def facts(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in pairs]}


def execute(title: str, verb: str, style: str | None = None, **data: Any) -> dict[str, Any]:
    """An `Action.Execute` (Universal Actions) with an `Action.Submit` fallback for older clients.

    The verb travels in `data` too, so both arrive at the same handler.
    """
    payload = {"verb": verb, **data}
    action: dict[str, Any] = {
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
        waiting = f", {session.waitlisted} waiting" if session.waitlisted else ""
        return f"Full{waiting}"
    return f"{session.seats_left} of {session.capacity} left"


def local_date(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y %H:%M}"
