"""Which reporting team a person is counted in: the rule itself, no database.

A person's team in the totals is their Entra department, read through the department-to-team
map (several departments may report as one team), or the department as it is when the map
does not name it. A coordinator may set someone's team by hand (partner organisations are not
in the council's directory): that wins over the directory until the coordinator clears it.
"""

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

DIRECTORY = "directory"  # from Entra ID, through the map
COORDINATOR = "coordinator"  # set in chat or by a CSV import: the directory leaves it alone
MAX_NAME = 200
EMAIL = re.compile(r"^[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[^@\s,;<>\"']+$")


@dataclass(frozen=True)
class Filed:
    """A person's team and who set it."""

    team: str | None
    source: str | None


def clean_name(name: str | None) -> str:
    """A department or team name as kept: spaces collapsed, cut to the column."""
    return " ".join((name or "").split())[:MAX_NAME]


def department_key(name: str) -> str:
    """How departments are compared: case and spacing do not make a different department."""
    return clean_name(name).lower()


def is_email(value: str) -> bool:
    return len(value) <= 320 and bool(EMAIL.match(value))


def reporting_team(department: str | None, mapping: Mapping[str, str], current: Filed) -> Filed:
    """The team a person is filed in, given their department as the directory now says it.

    `mapping` is department key -> reporting team. A coordinator's setting stands. With no
    department, a team the directory gave goes (the directory no longer says it), and a team
    recorded before teams came from anywhere (source None) stays.
    """
    if current.source == COORDINATOR:
        return current
    name = clean_name(department)
    if not name:
        return Filed(None, None) if current.source == DIRECTORY else current
    return Filed(mapping.get(department_key(name), name), DIRECTORY)


@dataclass(frozen=True)
class TeamLine:
    """One line of an `email,team` file: the person and the team to file them in."""

    line: int
    email: str
    team: str


class BadTeamFile(ValueError):
    """A team file with lines that cannot be read: every problem, by line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


MAX_LINES = 5000
HEADER = ("email", "team")


def read_team_file(data: bytes) -> list[TeamLine]:
    """The lines of a CSV of `email,team` (a header line is optional; blank lines are skipped).

    Raises `BadTeamFile` with one sentence per bad line, so nothing is applied from a file
    with any mistake in it. One person named twice with two teams is a mistake too.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problem = "The file is not text (UTF-8 CSV): save it as CSV and send it again."
        raise BadTeamFile([problem]) from None
    rows = list(csv.reader(io.StringIO(text)))
    problems: list[str] = []
    found: list[TeamLine] = []
    seen: dict[str, TeamLine] = {}
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and tuple(c.lower() for c in cells[:2]) == HEADER:
            continue
        if len(cells) != 2:
            problems.append(f"line {number}: expected 2 columns (email,team), found {len(cells)}")
            continue
        email, team = cells[0].lower(), clean_name(cells[1])
        if not is_email(email):
            problems.append(f"line {number}: '{cells[0][:80]}' is not an email address")
        elif not team:
            problems.append(f"line {number}: no team for {email}")
        elif email in seen and seen[email].team.lower() != team.lower():
            problems.append(
                f"line {number}: {email} is already on line {seen[email].line} "
                f"with another team ({seen[email].team})"
            )
        elif email not in seen:
            seen[email] = TeamLine(number, email, team)
            found.append(seen[email])
    if len(found) > MAX_LINES:
        problems.append(f"the file has {len(found)} people; send at most {MAX_LINES} at a time")
    if not found and not problems:
        problems.append("the file has no lines of email,team")
    if problems:
        raise BadTeamFile(problems)
    return found
