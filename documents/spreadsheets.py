"""Totals as tables: a CSV and an Excel workbook with one sheet per breakdown.

Both are built from one `Totals`, so the spreadsheet agrees with the card and the report.
"""

import csv
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from training.figures.report import FIGURE_TITLES, FIGURES, score_text
from training.figures.totals import Line, Totals

if TYPE_CHECKING:
    from openpyxl import Workbook


def _safe(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _line(line: Line) -> list[object]:
    return [line.name, *(getattr(line.figures, n) for n in FIGURES)]


def _figure_rows(totals: Totals) -> Iterator[list[object]]:
    yield ["All", totals.scope.label, *(getattr(totals.figures, n) for n in FIGURES)]
    for section, lines in (("Team", totals.by_team), ("Course", totals.by_course)):
        for line in lines:
            yield [section, *_line(line)]


def totals_csv(totals: Totals) -> bytes:
    """One table: a row for the whole scope, then one per team and per course."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Breakdown", "Name", *(FIGURE_TITLES[n] for n in FIGURES)])
    for row in _figure_rows(totals):
        writer.writerow([_safe(v) for v in row])
    for month in totals.by_month:
        writer.writerow(
            ["Month", f"{month.month:%Y-%m}", month.sessions_delivered, "", month.people_attended]
        )
    # Guests are in no figure above: a row of their own.
    writer.writerow(["External guests", totals.scope.label, totals.external_guests])
    # utf-8-sig: Excel opens it with the right characters (an apostrophe, an en dash)
    return out.getvalue().encode("utf-8-sig")


def _summary_rows(totals: Totals, zone: ZoneInfo) -> list[tuple[str, object]]:
    fb = totals.feedback
    made = totals.generated_at.astimezone(zone)
    return [
        ("Scope", totals.scope.label),
        ("Produced", f"{made:%d %b %Y %H:%M} (UK time)"),
        *[(FIGURE_TITLES[n], getattr(totals.figures, n)) for n in FIGURES],
        ("Unmatched attendees still to resolve", totals.unmatched_attendees),
        ("External guests (not in the figures above)", totals.external_guests),
        ("Feedback responses", fb.responses),
        ("Feedback response rate", "-" if fb.response_rate is None else f"{fb.response_rate:.0%}"),
        ("Average overall (1-5)", score_text(fb.average_overall)),
        ("Average usefulness for role (1-5)", score_text(fb.average_usefulness)),
        ("Average confidence before (1-5)", score_text(fb.average_before)),
        ("Average confidence after (1-5)", score_text(fb.average_after)),
    ]


def _sheet(book: "Workbook", title: str, header: list[str], rows: list[list[object]]) -> None:
    from openpyxl.styles import Font

    ws = book.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_safe(v) for v in row])
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 45


def totals_xlsx(totals: Totals, zone: ZoneInfo) -> bytes:
    """A workbook: a summary sheet, then one sheet per breakdown and one of comments."""
    # Imported here, as the file is made: openpyxl adds about 150 ms to the bot's start.
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    summary = book.active
    assert isinstance(summary, Worksheet)  # a new workbook starts with one worksheet
    summary.title = "Summary"
    for name, value in _summary_rows(totals, zone):
        summary.append([name, _safe(value)])
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["B"].width = 40

    header = [*(FIGURE_TITLES[n] for n in FIGURES)]
    for title, lines in (("By team", totals.by_team), ("By course", totals.by_course)):
        _sheet(book, title, ["Name", *header], [_line(line) for line in lines])
    _sheet(
        book,
        "By month",
        ["Month", "Sessions delivered", "People attended (distinct)"],
        [[f"{m.month:%Y-%m}", m.sessions_delivered, m.people_attended] for m in totals.by_month],
    )
    _sheet(
        book,
        "Feedback comments",
        ["Session", "Course", "Most useful", "Could be better", "By"],
        [
            [
                f"{c.session_starts_at.astimezone(zone):%d %b %Y}",
                c.course_title,
                c.most_useful,
                c.could_be_better,
                c.by or "(not named)",
            ]
            for c in totals.feedback.comments
        ],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
