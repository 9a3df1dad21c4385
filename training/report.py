"""Totals put into words and files: the sentences of a board report, CSV, XLSX, Markdown, DOCX.

Every output is built from one `Totals`, so the card, the spreadsheet and the report agree.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session as DbSession

from training.chart import chart_png, data_uri
from training.feedback import FeedbackSummary
from training.totals import Figures, Line, Totals, UnmatchedCounter, compute_totals, scope_of
from training.totals_language import TotalsQuery

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


def _where(totals: Totals) -> str:
    scope = totals.scope
    parts = []
    if scope.course_code:
        parts.append(f"of {scope.course_code}")
    if scope.team:
        parts.append(f"within {scope.team}")
    parts.append(f"in {scope.period.name}" if scope.period else "to date")
    return " ".join(parts)


def headline(totals: Totals) -> list[str]:
    """The sentences a coordinator would write: 'nine sessions were delivered with ...'."""
    f = totals.figures
    out = [
        f"{_plural(f.sessions_delivered, 'session was', 'sessions were')} delivered "
        f"{_where(totals)}, with {_plural(f.people_attended, 'person', 'people')} attending "
        f"({_plural(f.attendances, 'attendance')}; {_plural(f.no_shows, 'no-show')}).",
        f"{_plural(f.completed_any, 'person', 'people')} completed training: "
        f"{f.completed_live} live and {f.completed_elearning} through confirmed e-learning.",
    ]
    out.append(feedback_sentence(totals.feedback))
    if totals.unmatched_attendees:
        out.append(
            f"{_plural(totals.unmatched_attendees, 'attendee')} from Teams attendance reports "
            "still to be matched to staff records, so attendance may be higher."
        )
    return out


def _one(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def feedback_sentence(summary: FeedbackSummary) -> str:
    if not summary.responses:
        return "No feedback has been received yet for these sessions."
    rate = summary.response_rate
    rate_text = f" ({rate:.0%} of those asked)" if rate is not None else ""
    change = summary.confidence_change
    sentence = (
        f"{_plural(summary.responses, 'person', 'people')} gave feedback{rate_text}: "
        f"overall {_one(summary.average_overall)} out of 5, usefulness for their role "
        f"{_one(summary.average_usefulness)} out of 5."
    )
    if change is not None:
        direction = "rose" if change > 0 else "fell" if change < 0 else "stayed"
        sentence += (
            f" Confidence to recognise and refer a concern {direction} from "
            f"{_one(summary.average_before)} to {_one(summary.average_after)} on average."
        )
    return sentence


def file_stem(totals: Totals) -> str:
    words = "prevent-training " + _where(totals)
    return re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")[:80]


def _safe(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _figure_rows(totals: Totals) -> Iterator[list[object]]:
    yield ["All", totals.scope.label, *(getattr(totals.figures, n) for n in FIGURES)]
    for section, lines in (("Team", totals.by_team), ("Course", totals.by_course)):
        for line in lines:
            yield [section, line.name, *(getattr(line.figures, n) for n in FIGURES)]


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
    # utf-8-sig: Excel opens it with the right characters (an apostrophe, an en dash)
    return out.getvalue().encode("utf-8-sig")


def _summary_rows(totals: Totals, zone: ZoneInfo) -> list[tuple[str, object]]:
    fb = totals.feedback
    made = totals.generated_at.astimezone(zone)
    return [
        ("Scope", totals.scope.label),
        ("Produced", f"{made:%d %b %Y %H:%M} (UK time)"),
        *[(FIGURE_TITLES[n], getattr(totals.figures, n)) for n in FIGURES],
        (
            "Unmatched attendees still to resolve",
            "not tracked" if totals.unmatched_attendees is None else totals.unmatched_attendees,
        ),
        ("Feedback responses", fb.responses),
        ("Feedback response rate", "-" if fb.response_rate is None else f"{fb.response_rate:.0%}"),
        ("Average overall (1-5)", _one(fb.average_overall)),
        ("Average usefulness for role (1-5)", _one(fb.average_usefulness)),
        ("Average confidence before (1-5)", _one(fb.average_before)),
        ("Average confidence after (1-5)", _one(fb.average_after)),
    ]


def totals_xlsx(totals: Totals, zone: ZoneInfo) -> bytes:
    """A workbook: a summary sheet, then one sheet per breakdown and one of comments."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    for name, value in _summary_rows(totals, zone):
        summary.append([name, _safe(value)])
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["B"].width = 40

    def sheet(title: str, header: list[str], rows: list[list[object]]) -> None:
        ws = book.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_safe(v) for v in row])
        ws.freeze_panes = "A2"
        ws.column_dimensions["A"].width = 45

    header = [*(FIGURE_TITLES[n] for n in FIGURES)]
    for title, lines in (("By team", totals.by_team), ("By course", totals.by_course)):
        sheet(title, ["Name", *header], [_line(line) for line in lines])
    sheet(
        "By month",
        ["Month", "Sessions delivered", "People attended (distinct)"],
        [[f"{m.month:%Y-%m}", m.sessions_delivered, m.people_attended] for m in totals.by_month],
    )
    sheet(
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


def _line(line: Line) -> list[object]:
    return [line.name, *(getattr(line.figures, n) for n in FIGURES)]


def _md_table(lines: list[Line]) -> list[str]:
    short = ["sessions_delivered", "people_attended", "attendances", "no_shows", "completed_any"]
    out = [
        "| Name | " + " | ".join(FIGURE_TITLES[n] for n in short) + " |",
        "| --- |" + " ---: |" * len(short),
    ]
    for line in lines:
        name = line.name.replace("|", "/")
        out.append(f"| {name} | " + " | ".join(str(getattr(line.figures, n)) for n in short) + " |")
    return out if lines else ["Nothing in this period."]


def report_markdown(totals: Totals, zone: ZoneInfo, chart_uri: str | None = None) -> str:
    """The training section of the annual Prevent update, in Markdown."""
    made = totals.generated_at.astimezone(zone)
    lines = [
        f"## Prevent training: {totals.scope.label}",
        "",
        *headline(totals),
        "",
        "### Figures",
        "",
        "| Figure | Number |",
        "| --- | ---: |",
        *[f"| {FIGURE_TITLES[n]} | {getattr(totals.figures, n)} |" for n in FIGURES],
        "",
    ]
    if chart_uri:
        lines += [f"![Sessions and people per month and per team]({chart_uri})", ""]
    lines += ["### By team", "", *_md_table(totals.by_team), ""]
    lines += ["### By course", "", *_md_table(totals.by_course), ""]
    lines += ["### Feedback", "", feedback_sentence(totals.feedback), ""]
    for c in totals.feedback.comments:
        by = f" ({c.by})" if c.by else ""
        if c.most_useful:
            lines.append(f"- Most useful: \u201c{c.most_useful}\u201d{by}")
        if c.could_be_better:
            lines.append(f"- Could be better: \u201c{c.could_be_better}\u201d{by}")
    lines += [
        "",
        f"_Produced {made:%d %B %Y %H:%M} UK time. Sessions count by their start date in UK "
        "time; financial years run 1 April to 31 March. Cancelled sessions are never counted "
        "as delivered. Comments are named only where the person agreed._",
        "",
    ]
    return "\n".join(lines)


def report_docx(totals: Totals, zone: ZoneInfo, chart: bytes | None = None) -> bytes:
    """The same section as a Word document, with the chart as a picture."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    doc.add_heading(f"Prevent training: {totals.scope.label}", level=1)
    for sentence in headline(totals):
        doc.add_paragraph(sentence)
    doc.add_heading("Figures", level=2)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Light List Accent 1"
    for name in FIGURES:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = FIGURE_TITLES[name], str(getattr(totals.figures, name))
    if chart:
        doc.add_picture(io.BytesIO(chart), width=Cm(16))
    for title, breakdown in (("By team", totals.by_team), ("By course", totals.by_course)):
        doc.add_heading(title, level=2)
        grid = doc.add_table(rows=1, cols=5)
        grid.style = "Light List Accent 1"
        heads = ["Name", "Sessions", "People attended", "Attendances", "Completed"]
        for cell, head in zip(grid.rows[0].cells, heads, strict=True):
            cell.text = head
        for line in breakdown:
            f = line.figures
            values = [line.name, f.sessions_delivered, f.people_attended, f.attendances]
            for cell, value in zip(grid.add_row().cells, [*values, f.completed_any], strict=True):
                cell.text = str(value)
    doc.add_heading("Feedback", level=2)
    doc.add_paragraph(feedback_sentence(totals.feedback))
    for c in totals.feedback.comments:
        by = f" ({c.by})" if c.by else ""
        if c.most_useful:
            doc.add_paragraph(f"Most useful: \u201c{c.most_useful}\u201d{by}", style="List Bullet")
        if c.could_be_better:
            doc.add_paragraph(
                f"Could be better: \u201c{c.could_be_better}\u201d{by}", style="List Bullet"
            )
    made = totals.generated_at.astimezone(zone)
    doc.add_paragraph(
        f"Produced {made:%d %B %Y %H:%M} UK time. Financial years run 1 April to 31 March; "
        "cancelled sessions are never counted as delivered; comments are named only with consent."
    ).runs[0].italic = True
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class ExportFile:
    name: str
    content: bytes
    description: str
    scope_label: str


EXPORT_DESCRIPTIONS = {
    "csv": "Prevent training totals (CSV)",
    "xlsx": "Prevent training totals (Excel workbook: one sheet per breakdown)",
    "md": "Training section of the Prevent update (Markdown)",
    "docx": "Training section of the Prevent update (Word)",
}


def export_file(
    db: DbSession,
    query: TotalsQuery,
    file_format: str,
    now: datetime,
    zone: ZoneInfo,
    *,
    unmatched: UnmatchedCounter | None = None,
) -> ExportFile:
    """The file for `query` in `file_format` (csv, xlsx, md, docx). Not audited here: the
    adapter records the export once the file has actually been handed over."""
    totals = compute_totals(
        db, scope_of(query, zone), now, zone, unmatched=unmatched, comments_limit=None
    )
    stem = file_stem(totals)
    if file_format == "csv":
        content = totals_csv(totals)
    elif file_format == "xlsx":
        content = totals_xlsx(totals, zone)
    elif file_format == "md":
        content = report_markdown(totals, zone, data_uri(chart_png(totals))).encode("utf-8")
    elif file_format == "docx":
        content = report_docx(totals, zone, chart_png(totals))
    else:
        raise ValueError(f"unknown export format {file_format!r}")
    return ExportFile(
        f"{stem}.{file_format}", content, EXPORT_DESCRIPTIONS[file_format], totals.scope.label
    )
