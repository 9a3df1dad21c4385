"""The file a coordinator asked for (csv, xlsx, md or docx), named and described for Teams'
file consent card, from totals the domain has already counted."""

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from documents.chart import chart_png, data_uri
from documents.reports import report_docx, report_markdown
from documents.spreadsheets import totals_csv, totals_xlsx
from training.figures.report import scope_phrase
from training.figures.totals import Totals


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


def file_stem(totals: Totals) -> str:
    words = "prevent-training " + scope_phrase(totals)
    return re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")[:80]


def export_file(totals: Totals, file_format: str, zone: ZoneInfo) -> ExportFile:
    """`totals` (from `training.figures.totals.totals_for_export`) as a file in `file_format`."""
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
        f"{file_stem(totals)}.{file_format}",
        content,
        EXPORT_DESCRIPTIONS[file_format],
        totals.scope.label,
    )
