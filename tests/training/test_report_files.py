"""The files made from totals: chart, CSV, workbook and report agree with the figures."""

import csv
import io

import pytest
from PIL import Image

from documents.chart import chart_png
from documents.exports import export_file
from documents.reports import report_markdown
from documents.spreadsheets import totals_csv
from tests.training.report_world import NOW, UK, build_world
from training.dates import periods
from training.figures.plain_words import TotalsQuery
from training.figures.totals import compute_totals, scope_of, totals_for_export
from training.models import Staff

FY = TotalsQuery(period=periods.financial_year(2020))


@pytest.fixture
def year_totals(database):
    with database.unit_of_work() as db:
        world = build_world(db)
        # A team name a spreadsheet would run as a formula.
        db.get(Staff, world.staff["Gus"]).team = "=HYPERLINK(1)"
    with database.unit_of_work() as db:
        return compute_totals(db, scope_of(FY, UK), NOW, UK)


def test_the_chart_is_a_small_png(year_totals):
    png = chart_png(year_totals)
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", (720, 440))
    assert len(png) < 15_000  # travels inside a card as a data URI


def test_the_csv_rows_match_the_totals_and_formulas_are_defused(year_totals):
    rows = list(csv.reader(io.StringIO(totals_csv(year_totals).decode("utf-8-sig"))))
    assert rows[1][2:] == ["4", "6", "5", "7", "1", "5", "2", "6"]
    teams = {r[1]: r[2:] for r in rows if r[0] == "Team"}
    assert teams["'=HYPERLINK(1)"] == ["0", "0", "0", "0", "0", "0", "1", "1"]
    months = [r for r in rows if r[0] == "Month"]
    assert len(months) == 12 and months[3][:5] == ["Month", "2020-07", "1", "", "2"]


def test_the_report_says_it_in_sentences(year_totals):
    markdown = report_markdown(year_totals, UK)
    assert "4 sessions were delivered in 2020-21, with 5 people attending" in markdown
    assert (
        "6 people completed training: 5 live and 2 through confirmed e-learning "
        "(1 person did both)."
    ) in markdown


def test_every_export_format_has_a_name_and_content(database, year_totals):
    with database.unit_of_work() as db:
        figures = totals_for_export(db, FY, NOW, UK)
    files = {f: export_file(figures, f, UK) for f in ("csv", "xlsx", "md", "docx")}
    assert {f.name for f in files.values()} == {
        f"prevent-training-in-2020-21.{ext}" for ext in ("csv", "xlsx", "md", "docx")
    }
    assert files["xlsx"].content[:2] == files["docx"].content[:2] == b"PK"  # zip containers
    with pytest.raises(ValueError):
        export_file(figures, "exe", UK)
