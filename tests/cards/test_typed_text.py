"""Text people typed reads as typed on a card, whatever Markdown it holds, while the Markdown
the bot means (bold, a meeting link) still works. Rendered as CommonMark, as Teams does."""

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cards.elements import Markdown, bold, facts, link, markdown, plain, text, unescaped
from tests.bot.harness import COMMONMARK

MARKDOWN_CHARACTERS = list("\n\r\t *_[]()<>`#-+=~!&;:|.\\1)x/")
PIECES = ["https://evil.example", "&amp;", "&#91;", "    ", "1.", "```", "~~~", "***", "- "]
TYPED = st.lists(
    st.text(st.sampled_from(MARKDOWN_CHARACTERS) | st.characters(exclude_categories=("Cs", "Cc")))
    | st.sampled_from(PIECES),
    max_size=12,
).map("".join)


def tags_and_words(markdown_text: str) -> tuple[set[str], str]:
    rendered = COMMONMARK.render(markdown_text)
    between_lines = re.sub(r"</?p>|<br />", " ", rendered)
    words = html.unescape(re.sub(r"<[^>]*>", "", between_lines))
    return set(re.findall(r"<[^>]*>", rendered)), " ".join(words.split())


@settings(max_examples=600, deadline=None)
@given(TYPED)
def test_any_typed_text_reads_as_typed_and_makes_no_markup(typed):
    tags, words = tags_and_words(plain(typed))
    assert tags <= {"<p>", "</p>", "<br />"}
    assert words == " ".join(typed.split())
    assert unescaped(plain(typed)) == re.sub(
        r"^[ \t]+", "", typed.replace("\r\n", "\n").replace("\r", "\n"), flags=re.MULTILINE
    )


@settings(max_examples=300, deadline=None)
@given(TYPED, TYPED)
def test_typed_parts_inside_the_bots_own_markdown_stay_plain(name, rest):
    tags, words = tags_and_words(markdown("✅ ", bold(name), f": {rest}"))
    one_line = " ".join(name.split())
    assert tags <= {"<p>", "</p>", "<br />"} | ({"<strong>", "</strong>"} if one_line else set())
    assert words == " ".join(f"✅ {one_line}: {rest}".split())


def test_the_bots_own_markdown_still_works():
    assert COMMONMARK.render(markdown(bold("Ann Able"), ": booked")) == (
        "<p><strong>Ann Able</strong>: booked</p>\n"
    )
    meeting = link("Teams meeting link", "https://teams.microsoft.com/l/meetup-join/19%3a(x) y")
    assert COMMONMARK.render(meeting) == (
        '<p><a href="https://teams.microsoft.com/l/meetup-join/19%3a%28x%29%20y">'
        "Teams meeting link</a></p>\n"
    )
    assert link("Teams meeting link", "javascript:alert(1)") == "javascript:alert(1)"


def test_text_and_facts_escape_what_they_are_given_unless_it_is_markdown():
    typed = "[click](https://evil.example) **x**"
    assert text(typed)["text"] == r"\[click\](https://evil.example) \*\*x\*\*"
    [fact] = facts([("Comment", typed)])["facts"]
    assert fact["value"] == r"\[click\](https://evil.example) \*\*x\*\*"
    assert text(Markdown("**meant**"))["text"] == "**meant**"
    assert text(plain(typed))["text"] == text(typed)["text"]  # escaped once, never twice
