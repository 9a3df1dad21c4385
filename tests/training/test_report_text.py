"""People's words in the board report stay their words: a feedback comment, a name, a team or a
course title is found intact inside its own list item or table cell, in Markdown (read by a
CommonMark parser with tables) and in Word, however much Markdown, HTML or line breaks it holds."""

import io
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from documents.markdown_text import folded
from documents.reports import report_docx, report_markdown
from training.figures.feedback import FeedbackComment, FeedbackSummary
from training.figures.totals import Figures, Line, Totals, TotalsScope

UK = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
HOSTILE = (
    "Great\n# Heading\n| a | b |\n|---|---|\n[link](https://evil.example) ![img](x.png) "
    "<b>bold</b> &amp; *em* `code` ~~gone~~ 1. list\n\n- item\r\n> quote\t\\"
)
# Text as people type it, leaning on the characters that make Markdown and HTML.
TYPED = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("#|*_`[]()!<>&;~\\-+=.:1 \t\n\r\"'/ab")), st.characters()
    ),
    max_size=60,
)


def totals_saying(comment: str, name: str, team: str, course: str) -> Totals:
    figures = Figures(sessions_delivered=1, people_attended=1, attendances=1)
    said = FeedbackComment(1, course, NOW, comment, comment, name or None)
    feedback = FeedbackSummary(1, 1, 4.0, 4.0, 2.0, 4.0, [said])
    return Totals(
        scope=TotalsScope(None, None, None, team or None, None),
        figures=figures,
        by_team=[Line(team, figures)],
        by_course=[Line(course, figures)],
        by_month=[],
        feedback=feedback,
        unmatched_attendees=0,
        generated_at=NOW,
    )


def words(inline: Token) -> str:
    """An inline token's text, only if it is nothing but text (no link, image, emphasis, code,
    HTML or break)."""
    children = inline.children or []
    assert [c.type for c in children if c.type != "text"] == [], inline.content
    return "".join(c.content for c in children)


def parsed(markdown: str) -> list[Token]:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown)


def list_items(tokens: list[Token]) -> list[str]:
    return [
        words(tokens[i + 2])
        for i, t in enumerate(tokens)
        if t.type == "list_item_open" and tokens[i + 2].type == "inline"
    ]


def first_cells(tokens: list[Token]) -> list[str]:
    """The first cell of every body row of every table."""
    out = []
    for i, t in enumerate(tokens):
        if t.type == "tr_open" and tokens[i + 1].type == "td_open":
            out.append(words(tokens[i + 2]))
    return out


def expected_items(comment: str, name: str) -> list[str]:
    if not folded(comment):
        return []
    named = f" ({folded(name)})" if folded(name) else ""
    said = f"\u201c{folded(comment)}\u201d{named}"
    return [f"Most useful: {said}", f"Could be better: {said}"]


@settings(max_examples=300, deadline=None)
@given(comment=TYPED, name=TYPED, team=TYPED, course=TYPED)
def test_typed_text_is_found_intact_in_its_own_item_and_cell(comment, name, team, course):
    tokens = parsed(report_markdown(totals_saying(comment, name, team, course), UK))
    assert list_items(tokens) == expected_items(comment, name)
    assert first_cells(tokens)[-2:] == [folded(team), folded(course)]
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h2"] + ["h3"] * 4
    assert not [t for t in tokens if t.type in ("html_block", "code_block", "fence", "hr")]


def test_a_hostile_comment_reads_as_the_comment():
    markdown = report_markdown(totals_saying(HOSTILE, "Eve [x](y)", "Adults #", "WRAP"), UK)
    tokens = parsed(markdown)
    assert list_items(tokens) == expected_items(HOSTILE, "Eve [x](y)")
    assert first_cells(tokens)[-2:] == ["Adults #", "WRAP"]
    heading = next(tokens[i + 1] for i, t in enumerate(tokens) if t.type == "heading_open")
    assert words(heading) == "Prevent training: All time, Adults #"


def paragraphs_and_xml(docx: bytes) -> tuple[list[str], str]:
    document = Document(io.BytesIO(docx))
    texts = [p.text for p in document.paragraphs]
    texts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    with zipfile.ZipFile(io.BytesIO(docx)) as files:
        return texts, files.read("word/document.xml").decode("utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(comment=TYPED, name=TYPED, team=TYPED)
def test_typed_text_is_one_plain_run_in_word(comment, name, team):
    texts, xml = paragraphs_and_xml(report_docx(totals_saying(comment, name, team, "WRAP"), UK))
    for item in expected_items(comment, name):
        assert item in texts
    assert folded(team) in texts
    # No breaks, tabs, fields or hyperlinks made from what people typed.
    for tag in ("<w:br", "<w:tab/", "<w:fldSimple", "<w:instrText", "<w:hyperlink"):
        assert tag not in xml


def test_a_hostile_comment_in_word_is_the_comment():
    texts, _ = paragraphs_and_xml(
        report_docx(totals_saying(HOSTILE + "\x00\x0b{ DDE }", "", "T", "C"), UK)
    )
    assert f"Most useful: \u201c{folded(HOSTILE)} {{ DDE }}\u201d" in texts
