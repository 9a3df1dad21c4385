"""A session's people as files: the printable sign-in sheet (Word) and the roster as a CSV or
an Excel workbook, from the roster the domain has already read."""

import csv
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from documents.spreadsheets import _safe
from training.views import Roster, RosterLine, SessionSummary

ROSTER_FORMATS = ("docx", "csv", "xlsx")
ROSTER_DESCRIPTIONS = {
    "docx": "Sign-in sheet to print (Word)",
    "csv": "Session roster (CSV)",
    "xlsx": "Session roster (Excel workbook)",
}
WALK_IN_LINES = 8  # blank lines for people who come without booking
STATUS_WORDS = {
    "booked": "Booked",
    "attended": "Attended",
    "no_show": "Did not come",
    "waitlisted": "Waiting list",
    "cancelled": "Cancelled",
}
HEADINGS = ["Status", "Place", "Name", "Team", "Email", "Asked on"]


@dataclass(frozen=True)
class RosterFile:
    name: str
    content: bytes
    description: str


def _when(session: SessionSummary, zone: ZoneInfo) -> tuple[str, str]:
    starts, ends = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    return f"{starts:%A} {starts.day} {starts:%B %Y}", f"{starts:%H:%M}–{ends:%H:%M} (UK time)"


def _where(session: SessionSummary) -> str:
    return "Online (Teams)" if session.online else (session.location or "To be confirmed")


def _details(session: SessionSummary, zone: ZoneInfo) -> list[tuple[str, str]]:
    day, hours = _when(session, zone)
    rows = [
        ("Course", session.course_title),
        ("Session", f"#{session.id}"),
        ("Date", day),
        ("Time", hours),
        ("Where", _where(session)),
    ]
    if session.facilitator_emails:
        rows.append(("Facilitators", ", ".join(session.facilitator_emails)))
    if session.audience:
        rows.append(("For", session.audience))
    return rows


def _seated(roster: Roster) -> list[RosterLine]:
    return sorted(roster.booked, key=lambda line: line.person.display_name.lower())


def sign_in_sheet_docx(roster: Roster, zone: ZoneInfo) -> bytes:
    """The session's details, a line per person booked (by name) with a signature column, and
    blank lines for walk-ins."""
    # Imported here, as the file is made: python-docx is not needed for the bot to start.
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    session = roster.session
    doc.add_heading(f"Sign-in sheet: {session.course_title}", level=1)
    details = doc.add_table(rows=0, cols=2)
    for label, value in _details(session, zone):
        cells = details.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_paragraph()
    grid = doc.add_table(rows=1, cols=5)
    grid.style = "Table Grid"
    for cell, head in zip(
        grid.rows[0].cells, ["", "Name", "Team", "Time in", "Signature"], strict=True
    ):
        cell.text = head
        cell.paragraphs[0].runs[0].bold = True
    lines = _seated(roster)
    for number, line in enumerate(lines, start=1):
        cells = grid.add_row().cells
        cells[0].text, cells[1].text = str(number), line.person.display_name
        cells[2].text = line.person.team or ""
    for number in range(len(lines) + 1, len(lines) + WALK_IN_LINES + 1):
        grid.add_row().cells[0].text = str(number)
    for row in grid.rows[1:]:
        row.height = Cm(1.0)
    widths = [Cm(1.2), Cm(7), Cm(6), Cm(3), Cm(8)]
    for row in grid.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    note = doc.add_paragraph(
        f"{len(lines)} booked. Walk-ins: please print your name and team on a blank line. "
        "This sheet holds personal data: keep it safe and destroy it once attendance is recorded."
    )
    note.runs[0].font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _rows(roster: Roster, zone: ZoneInfo) -> list[list[object]]:
    rows: list[list[object]] = []
    for group in (roster.booked, roster.waitlisted):
        for place, line in enumerate(group, start=1):
            asked = line.requested_at.astimezone(zone)
            rows.append(
                [
                    STATUS_WORDS.get(line.status, line.status),
                    place,
                    line.person.display_name,
                    line.person.team or "",
                    line.person.email or "",
                    f"{asked:%Y-%m-%d %H:%M}",
                ]
            )
    for came in roster.walk_ins:
        rows.append(["Came without booking", "", came.display_name, came.team or "", "", ""])
    return rows


def roster_csv(roster: Roster, zone: ZoneInfo) -> bytes:
    """A row per person booked, then waiting (in order), then walk-ins."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    for row in _rows(roster, zone):
        writer.writerow([_safe(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def roster_xlsx(roster: Roster, zone: ZoneInfo) -> bytes:
    """The session's details on one sheet, its people on another."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "Session"
    for label, value in _details(roster.session, zone):
        about.append([label, _safe(value)])
    people = book.create_sheet("People")
    people.append(HEADINGS)
    for cell in people[1]:
        cell.font = Font(bold=True)
    for row in _rows(roster, zone):
        people.append([_safe(v) for v in row])
    for column, width in zip("ABCDEF", (22, 8, 30, 28, 34, 18), strict=True):
        people.column_dimensions[column].width = width
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_file(roster: Roster, file_format: str, zone: ZoneInfo) -> RosterFile:
    session = roster.session
    local = session.starts_at.astimezone(zone)
    stem = f"session-{session.id}-{local:%Y-%m-%d}"
    if file_format == "docx":
        return RosterFile(
            f"{stem}-sign-in-sheet.docx",
            sign_in_sheet_docx(roster, zone),
            ROSTER_DESCRIPTIONS["docx"],
        )
    if file_format == "csv":
        return RosterFile(
            f"{stem}-roster.csv", roster_csv(roster, zone), ROSTER_DESCRIPTIONS["csv"]
        )
    if file_format == "xlsx":
        return RosterFile(
            f"{stem}-roster.xlsx", roster_xlsx(roster, zone), ROSTER_DESCRIPTIONS["xlsx"]
        )
    raise ValueError(f"unknown roster format {file_format!r}")
