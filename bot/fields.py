"""The typed fields command data is made of: ids, capped text, form values, queries; and the
phrase helpers every feature shares (`number`, `SessionRef`).

Card payloads come back from Teams as JSON we once sent, but anyone can post anything: each
field accepts only what our own cards could send, and anything else makes the payload stale.
"""

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from bot.turn import CommandData

MAX_TEXT = 1000
MAX_QUERY = 300
MAX_ID = 2**31 - 1  # the databases' integer keys


def digits(text: str) -> bool:
    """Plain 0-9 only: str.isdigit() also admits '²' and other digits int() refuses."""
    return text.isascii() and text.isdigit()


def beyond_ids(word: str) -> bool:
    """A number ('12', '#12') larger than any id: no session, booking or claim can have it."""
    word = word.lstrip("#")
    return digits(word) and (len(word) > len(str(MAX_ID)) or int(word) > MAX_ID)


def number(word: str | None) -> int | None:
    """'12' or '#12' as a number (a session, booking or claim); anything else is not one."""
    if word is None:
        return None
    word = word.lstrip("#")
    if not digits(word) or len(word) > len(str(MAX_ID)):
        return None
    return int(word) if int(word) <= MAX_ID else None


def text_after(raw: str, words: int) -> str:
    """What was typed after the first `words` words ('message session 12 <text>'), with the
    person's line breaks kept (each line's trailing spaces and the blank lines around it
    dropped); empty when nothing follows."""
    found = re.match(rf"\s*(?:\S+\s+){{{words}}}", raw)
    if found is None:
        return ""
    lines = raw[found.end() :].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _id(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("a yes/no is not an id")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and digits(value.strip()) and len(value.strip()) < 10:
        return int(value)
    raise ValueError("not an id")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("not text")
    return value[:MAX_TEXT]


def _form_value(value: object) -> str:
    """What an input sends: text, or a number or toggle some clients send unquoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _text(value)


Id = Annotated[int, Field(ge=0, le=MAX_ID), BeforeValidator(_id)]
Text = Annotated[str, BeforeValidator(_text)]
FormValue = Annotated[str, BeforeValidator(_form_value)]
Query = Annotated[str, StringConstraints(max_length=MAX_QUERY), BeforeValidator(_text)]
# A form's one-time token (uuid4 hex), so submitting the same form twice acts once.
FormToken = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
YearMonth = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
ExportFormat = Literal["csv", "xlsx", "docx", "md"]


class SessionRef(CommandData):
    """A command about one session: from a card's button, or a number typed after the verb."""

    session_id: Id
