"""Turn what a person typed, or the data of a card they pressed, into a `Command`."""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from training.totals_language import MONTHS

MAX_TEXT = 1000


STAFF_VERBS = {
    "help",
    "list_sessions",
    "book",
    "join_waitlist",
    "my_bookings",
    "cancel_booking",
    "cancel_on_session",
    "my_training",
    "record_elearning",
    "elearning_certificate",
    "name_manager",
    "confirm_elearning",
    "reject_elearning",
    "feedback_form",
    "submit_feedback",
    "view_certificate",
}
COORDINATOR_VERBS = {
    "audit_log",
    "sync_attendance",
    "session_attendance",
    "unmatched",
    "assign_attendee",
    "mark_guest",
    "pending_confirmations",
    "chase_confirmation",
    "new_session_form",
    "create_session",
    "roster",
    "confirm_cancel_session",
    "cancel_session",
    # The governance calendar and reminders (issue 4). `boards` and `board update delivered`
    # are open to board leads too: their handlers check the caller leads the board.
    "board_form",
    "save_board",
    "reminders",
    "failed_deliveries",
    "retry_delivery",
    # Totals, exports, the board report and feedback summaries (issue 5)
    "totals",
    "report",
    "export_totals",
    "feedback_summary",
}
BOARD_CARD_VERBS = {
    "list_boards",
    "board_delivered",
    "board_form",
    "save_board",
    "reminders",
    "failed_deliveries",
    "retry_delivery",
}
CARD_VERBS = {
    "book",
    "join_waitlist",
    "cancel_booking",
    "list_sessions",
    "my_bookings",
    "new_session_form",
    "create_session",
    "roster",
    "confirm_cancel_session",
    "cancel_session",
    "my_training",
    "name_manager",
    "confirm_elearning",
    "reject_elearning",
    "sync_attendance",
    "session_attendance",
    "unmatched",
    "assign_attendee",
    "mark_guest",
    "pending_confirmations",
    "chase_confirmation",
    *BOARD_CARD_VERBS,
    "feedback_form",
    "submit_feedback",
    "totals",
    "report",
    "export_totals",
    "view_certificate",
}
CARD_INT_FIELDS = {
    "session_attendance": "session_id",
    "assign_attendee": "attendance_id",
    "mark_guest": "attendance_id",
    "name_manager": "claim_id",
    "confirm_elearning": "claim_id",
    "reject_elearning": "claim_id",
    "chase_confirmation": "claim_id",
    "view_certificate": "claim_id",
}
FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
IMAGE_TYPES = {"image/png", "image/jpeg", "image/jpg", "image/*"}
EXPORT_FORMATS = {"csv", "xlsx", "docx", "md"}
MAX_QUERY = 300


class BadPayload(ValueError):
    """A card payload that is not one we sent (tampered, stale or from another app)."""


@dataclass(frozen=True)
class Command:
    verb: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def for_coordinators(self) -> bool:
        return self.verb in COORDINATOR_VERBS


@dataclass(frozen=True)
class MonthFilter:
    year: int
    month: int


def _month(words: list[str], today: date) -> tuple[MonthFilter | None, list[str]]:
    rest: list[str] = []
    month = year = None
    for word in words:
        if word in MONTHS and month is None:
            month = MONTHS[word]
        elif re.fullmatch(r"20\d\d", word) and year is None:
            year = int(word)
        elif (m := re.fullmatch(r"(20\d\d)-(\d\d)", word)) and month is None:
            year, month = int(m[1]), int(m[2])
        else:
            rest.append(word)
    if month is None or not 1 <= month <= 12:
        return None, rest + ([str(year)] if year else [])
    if year is None:
        year = today.year if month >= today.month else today.year + 1
    return MonthFilter(year, month), rest


def _number(word: str | None) -> int | None:
    if word is None:
        return None
    word = word.lstrip("#")
    return int(word) if word.isdigit() and len(word) < 10 else None


def parse_text(raw: str, today: date) -> Command:
    """Read a typed message. Unknown words become `Command("unknown")`."""
    words = re.sub(r"<at>.*?</at>", " ", raw[:MAX_TEXT]).lower().replace(",", " ").split()
    if not words:
        return Command("help")
    first, rest = words[0], words[1:]
    joined = " ".join(words)

    if first in {"help", "hi", "hello", "?", "menu", "start"}:
        return Command("help")
    if records_command := _training_records_text(words):
        return records_command
    if first in {"sessions", "session", "courses", "training", "list"} and not (
        first == "session" and rest and _number(rest[0]) is not None
    ):
        month, leftover = _month(rest, today)
        data: dict[str, Any] = {}
        if month:
            data["month"] = month
        if leftover:
            data["course"] = " ".join(leftover)
        return Command("list_sessions", data)
    if joined in {"my bookings", "bookings", "my booking", "mine"}:
        return Command("my_bookings")
    if first == "book" and (n := _number(rest[0] if rest else None)) is not None:
        return Command("book", {"session_id": n})
    if first in {"wait", "waitlist"} and (n := _number(rest[-1] if rest else None)) is not None:
        return Command("join_waitlist", {"session_id": n})
    if joined.startswith("join waiting list") and (n := _number(words[-1])) is not None:
        return Command("join_waitlist", {"session_id": n})
    if first == "cancel" and rest[:1] == ["session"] and len(rest) >= 2:
        n = _number(rest[1])
        if n is not None:
            reason = " ".join(raw.split()[3:])[:300]
            return Command("confirm_cancel_session", {"session_id": n, "reason": reason})
    if first == "cancel" and (n := _number(rest[-1] if rest else None)) is not None:
        return Command("cancel_on_session", {"session_id": n})
    if joined in {"new session", "create session", "add session"}:
        return Command("new_session_form")
    if joined in {"audit", "audit log"}:
        return Command("audit_log")
    if first in {"roster", "attendees"} or (first == "session" and rest):
        n = _number(rest[0] if rest else None)
        if n is not None:
            return Command("roster", {"session_id": n})
    if board := _board_command(words):
        return board
    if found := _insights(first, rest, joined, raw):
        return found
    return Command("unknown", {"text": raw[:100]})


def _training_records_text(words: list[str]) -> Command | None:
    """Attendance and e-learning commands; read before 'session 12' (the roster) is."""
    joined = " ".join(words)
    is_sheet = len(words) == 3 and words[0] == "session" and words[2] == "attendance"
    if is_sheet and (n := _number(words[1])) is not None:
        return Command("session_attendance", {"session_id": n})
    if words[:2] == ["sync", "attendance"] and len(words) <= 3:
        if len(words) == 2:
            return Command("sync_attendance")
        if (n := _number(words[2])) is not None:
            return Command("sync_attendance", {"session_id": n})
    if joined in {"unmatched", "unmatched attendees"}:
        return Command("unmatched")
    if joined in {"pending confirmations", "pending", "confirmations"}:
        return Command("pending_confirmations")
    if joined in {"my training", "my record", "my completions"}:
        return Command("my_training")
    if joined in {"record e-learning", "record elearning", "e-learning", "elearning"}:
        return Command("record_elearning")
    return None


@dataclass(frozen=True)
class FileOffer:
    """A file someone attached in chat: where to fetch it and what they called it."""

    name: str
    url: str
    # A picture pasted into the chat lives on the Bot Connector, which wants the bot's token.
    bot_token: bool = False


def _origin(url: str | None) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url or "")
        return (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port)
    except ValueError:
        return None


def on_bot_connector(url: str, service_url: str | None) -> bool:
    """The URL is on the Bot Connector that sent us this activity (same scheme, host, port):
    the only place the bot's token may be sent."""
    origin = _origin(url)
    return origin is not None and bool(origin[1]) and origin == _origin(service_url)


def attached_files(
    attachments: list[dict[str, Any]], service_url: str | None = None
) -> list[FileOffer]:
    """Files and pictures in a Teams message (its own HTML rendering is not a file)."""
    found = []
    for item in attachments[:5]:
        kind = str(item.get("contentType") or "").lower()
        content = item.get("content") if isinstance(item.get("content"), dict) else {}
        name = str(item.get("name") or "certificate")[:200]
        if kind == FILE_DOWNLOAD_INFO and isinstance(content.get("downloadUrl"), str):
            found.append(FileOffer(name, content["downloadUrl"]))
        elif kind in IMAGE_TYPES and isinstance(item.get("contentUrl"), str):
            url = item["contentUrl"]
            found.append(FileOffer(name, url, on_bot_connector(url, service_url)))
    return found


BOARD_DELIVERED = (
    ["board", "update", "delivered"],
    ["board", "updates", "delivered"],
    ["board", "delivered"],
    ["update", "delivered"],
)


def _board_command(words: list[str]) -> Command | None:
    """The coordinator's governance calendar commands, or None."""
    joined = " ".join(words)
    if joined in {"boards", "board", "governance", "calendar", "governance calendar"}:
        return Command("list_boards")
    for prefix in BOARD_DELIVERED:
        if words[: len(prefix)] == prefix:
            return Command("board_delivered", {"board": " ".join(words[len(prefix) :])})
    if joined in {"new board", "add board", "add a board"}:
        return Command("board_form")
    if words[:2] in (["edit", "board"], ["change", "board"]) and len(words) > 2:
        return Command("board_form", {"board": " ".join(words[2:])})
    if joined in {"reminders", "upcoming reminders", "reminders coming up"}:
        return Command("reminders")
    if joined in {"failed deliveries", "failed delivery", "failed", "deliveries"}:
        return Command("failed_deliveries")
    return None


def _insights(first: str, rest: list[str], joined: str, raw: str) -> Command | None:
    """Feedback, totals and reports; the totals words are read by training.totals_language."""
    if first in {"totals", "total"} or joined.startswith("how many"):
        return Command("totals", {"query": raw[:MAX_QUERY]})
    if first == "report":
        return Command("report", {"query": raw[:MAX_QUERY]})
    if first == "feedback" and rest[:1] == ["summary"]:
        n = _number(rest[1]) if len(rest) == 2 else None
        if n is not None:
            return Command("feedback_summary", {"session_id": n})
        return Command("feedback_summary", {"query": " ".join(rest[1:])[:MAX_QUERY]})
    if first == "feedback" and (n := _number(rest[0] if rest else None)) is not None:
        return Command("feedback_form", {"session_id": n})
    return None


def _int_field(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool):
        raise BadPayload(name)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value)
    raise BadPayload(name)


def parse_card(value: Any) -> Command:
    """Read the data of an `Action.Execute` invoke or an `Action.Submit` message.

    Accepts `{"action": {"verb": ..., "data": {...}}}` (invoke) or `{"verb": ..., ...}` (submit).
    Raises `BadPayload` for anything we did not send.
    """
    if not isinstance(value, dict):
        raise BadPayload("not an object")
    if isinstance(value.get("action"), dict):
        action = value["action"]
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        verb = action.get("verb") or data.get("verb")
    else:
        data, verb = value, value.get("verb")
    if verb not in CARD_VERBS:
        raise BadPayload(f"unknown verb {verb!r}")
    data = {k: v for k, v in data.items() if k != "verb"}
    if verb in {"book", "join_waitlist", "roster", "confirm_cancel_session", "cancel_session"}:
        data["session_id"] = _int_field(data, "session_id")
    if verb == "cancel_booking":
        data["booking_id"] = _int_field(data, "booking_id")
    if verb in CARD_INT_FIELDS:
        data[CARD_INT_FIELDS[verb]] = _int_field(data, CARD_INT_FIELDS[verb])
    if verb == "sync_attendance" and "session_id" in data:
        data["session_id"] = _int_field(data, "session_id")
    if verb in {"board_delivered", "board_form", "save_board"} and "board_id" in data:
        data["board_id"] = _int_field(data, "board_id")
    if verb == "board_delivered" and "board_id" not in data:
        raise BadPayload("board_id")
    if verb == "retry_delivery":
        data["outbox_id"] = _int_field(data, "outbox_id")
    if verb in {"feedback_form", "submit_feedback"}:
        data["session_id"] = _int_field(data, "session_id")
    if verb in {"totals", "report", "export_totals"} and not (
        isinstance(data.get("query", ""), str) and len(data.get("query", "")) <= MAX_QUERY
    ):
        raise BadPayload("query")
    if verb == "export_totals" and data.get("format") not in EXPORT_FORMATS:
        raise BadPayload("format")
    for key, item in list(data.items()):
        if isinstance(item, str):
            data[key] = item[:MAX_TEXT]
        elif not isinstance(item, int | float | bool) and item is not None:
            raise BadPayload(f"field {key} has an unexpected shape")
    return Command(str(verb), data)
