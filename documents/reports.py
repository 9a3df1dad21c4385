"""The training section of the annual Prevent update, in Markdown and as a Word document.

Both say the same sentences as the report card (`training.figures.report`), with the figures, the
breakdowns, the feedback comments people agreed to share and, where given, the chart.

Names, team names, course titles and comments are people's words: each is folded onto one line
and, in Markdown, escaped (`documents.markdown_text`), so a comment reads as the comment and can
never add a heading, a table row, a link or an image. Word takes each as the plain text of one run
(no breaks, tabs, fields or formatting of its own).
"""

import io
from zoneinfo import ZoneInfo

from documents.markdown_text import folded, inline, table_cell
from training.figures.report import FIGURE_TITLES, FIGURES, feedback_sentence, headline
from training.figures.totals import Line, Totals


def _md_table(lines: list[Line]) -> list[str]:
    short = ["sessions_delivered", "people_attended", "attendances", "no_shows", "completed_any"]
    out = [
        "| Name | " + " | ".join(FIGURE_TITLES[n] for n in short) + " |",
        "| --- |" + " ---: |" * len(short),
    ]
    for line in lines:
        out.append(
            f"| {table_cell(line.name)} | "
            + " | ".join(str(getattr(line.figures, n)) for n in short)
            + " |"
        )
    return out if lines else ["Nothing in this period."]


def _comments(totals: Totals) -> list[tuple[str, str, str]]:
    """Each shared comment as (label, comment, name or ''), folded onto one line."""
    out = []
    for c in totals.feedback.comments:
        for label, comment in (
            ("Most useful", c.most_useful),
            ("Could be better", c.could_be_better),
        ):
            if comment and folded(comment):
                out.append((label, folded(comment), folded(c.by or "")))
    return out


def report_markdown(totals: Totals, zone: ZoneInfo, chart_uri: str | None = None) -> str:
    """The training section of the annual Prevent update, in Markdown."""
    made = totals.generated_at.astimezone(zone)
    lines = [
        f"## Prevent training: {inline(totals.scope.label)}",
        "",
        *[inline(sentence) for sentence in headline(totals)],
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
    for label, comment, by in _comments(totals):
        named = f" ({inline(by)})" if by else ""
        lines.append(f"- {label}: \u201c{inline(comment)}\u201d{named}")
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
    # Imported here, as the file is made: python-docx is not needed for the bot to start.
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    doc.add_heading(f"Prevent training: {folded(totals.scope.label)}", level=1)
    for sentence in headline(totals):
        doc.add_paragraph(folded(sentence))
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
            values = [folded(line.name), f.sessions_delivered, f.people_attended, f.attendances]
            for cell, value in zip(grid.add_row().cells, [*values, f.completed_any], strict=True):
                cell.text = str(value)
    doc.add_heading("Feedback", level=2)
    doc.add_paragraph(feedback_sentence(totals.feedback))
    for label, comment, by in _comments(totals):
        named = f" ({by})" if by else ""
        doc.add_paragraph(f"{label}: \u201c{comment}\u201d{named}", style="List Bullet")
    made = totals.generated_at.astimezone(zone)
    doc.add_paragraph(
        f"Produced {made:%d %B %Y %H:%M} UK time. Financial years run 1 April to 31 March; "
        "cancelled sessions are never counted as delivered; comments are named only with consent."
    ).runs[0].italic = True
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
