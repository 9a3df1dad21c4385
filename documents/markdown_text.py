"""Text that people typed, placed inside Markdown the bot writes (a card, the board report).

One rule for every place: a name, team, course title or comment is shown exactly as written,
never as a heading, list, table row, link, image, emphasis or HTML. CommonMark shows a
backslash-escaped punctuation mark as itself, so escaping the marks that start a construct is
enough. Cards keep a person's line breaks (`escaped`); a report's list item or table cell holds
one line, so there the text is folded first (`inline`, `cell`).
"""

import re
import unicodedata

# Emphasis, links, code, autolinks, HTML, entities and strikethrough anywhere; lists, headings,
# quotes, rules and fences at the start of a line (where indentation would make code).
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
_INLINE = re.compile(r"([\\`*_\[\]<~]|&(?=#?[0-9A-Za-z]+;))")
_LINE_START = re.compile(r"^([-+#>=~])", re.MULTILINE)
_ORDERED = re.compile(r"^(\d{1,9})([.)])", re.MULTILINE)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_CONTROL = ("Cc", "Cs")


def escaped(value: str, *, line_start: bool = True) -> str:
    """`value` as Markdown that shows it as written, line breaks kept. `line_start=False`
    when the text goes on a line already begun (its first line then starts nothing)."""
    if not line_start:
        return escaped("x" + value)[1:]
    lines = value.replace("\r\n", "\n").replace("\r", "\n")
    out = _INLINE.sub(r"\\\1", _INDENT.sub("", lines))
    out = _LINE_START.sub(r"\\\1", out)
    return _ORDERED.sub(r"\1\\\2", out)


def unescaped(value: str) -> str:
    """Escaped text as the words again (for a plain-text answer)."""
    return _ESCAPED.sub(r"\1", value)


def folded(value: str) -> str:
    """`value` on one line: every run of whitespace (line breaks and tabs included) one space,
    control characters dropped (a Word document cannot hold them), ends trimmed."""
    kept = (" " if c.isspace() else c for c in value)
    return " ".join("".join(c for c in kept if unicodedata.category(c) not in _CONTROL).split())


def inline(value: str) -> str:
    """`value` folded and escaped, for a place inside a line (a list item after its label, a
    heading: a `#` there could close the heading, so it is escaped too)."""
    return escaped(folded(value), line_start=False).replace("#", "\\#")


def table_cell(value: str) -> str:
    """`value` for a table cell: inline, and its pipes cannot end the cell."""
    return inline(value).replace("|", "\\|")
