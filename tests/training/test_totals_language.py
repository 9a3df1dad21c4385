"""What the coordinator types, and what the totals parser reads (no database needed)."""

from datetime import date

import pytest

from training.dates import periods
from training.figures.plain_words import (
    CourseName,
    NotUnderstood,
    TotalsQuery,
    Vocabulary,
    parse_totals_request,
)

TODAY = date(2027, 1, 11)  # a Monday in January: financial year 2026-27, quarter Q1 2027
WORDS = Vocabulary(
    teams=[
        "Family Services",
        "Children's MASH",
        "Adults MASH",
        "Barnet Homes",
        "Fostering & Adoption",
        "Children in Care",
        "Inclusion Barnet",
    ],
    courses=[
        CourseName("WRAP", "WRAP (Workshop to Raise Awareness of Prevent)"),
        CourseName("HO-ELEARN", "Home Office online Prevent training", elearning=True),
        CourseName("ERW", "Extreme right-wing radicalisation awareness briefing"),
        CourseName("TTT", "WRAP train the trainer"),
    ],
)


def read(text: str, today: date = TODAY) -> TotalsQuery:
    result = parse_totals_request(text, today, WORDS)
    assert isinstance(result, TotalsQuery), result
    return result


def span(query: TotalsQuery) -> tuple[date, date] | None:
    """The period as (first day, last day), both UK dates."""
    return (query.period.start, query.period.last_day) if query.period else None


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("totals 2020-21", date(2020, 4, 1), date(2021, 3, 31)),
        ("totals 2020/21", date(2020, 4, 1), date(2021, 3, 31)),
        ("totals 2020-2021", date(2020, 4, 1), date(2021, 3, 31)),
        ("totals fy 2020-21", date(2020, 4, 1), date(2021, 3, 31)),
        ("totals financial year 2019/20", date(2019, 4, 1), date(2020, 3, 31)),
        ("totals 2020", date(2020, 1, 1), date(2020, 12, 31)),
        ("totals july 2020", date(2020, 7, 1), date(2020, 7, 31)),
        ("totals Jul 2020", date(2020, 7, 1), date(2020, 7, 31)),
        ("totals 2020-07", date(2020, 7, 1), date(2020, 7, 31)),
        ("totals february 2024", date(2024, 2, 1), date(2024, 2, 29)),
        ("totals july", date(2026, 7, 1), date(2026, 7, 31)),  # the latest July, not next
        ("totals january", date(2027, 1, 1), date(2027, 1, 31)),
        ("totals since July 2020", date(2020, 7, 1), TODAY),
        ("totals since 1 july 2020", date(2020, 7, 1), TODAY),
        ("totals since 2020-21", date(2020, 4, 1), TODAY),
        ("totals since last year", date(2026, 1, 1), TODAY),
        ("totals from july 2020 to march 2021", date(2020, 7, 1), date(2021, 3, 31)),
        ("totals from 2020-07-01 to 2020-07-31", date(2020, 7, 1), date(2020, 7, 31)),
        ("totals this quarter", date(2027, 1, 1), date(2027, 3, 31)),
        ("totals last quarter", date(2026, 10, 1), date(2026, 12, 31)),
        ("totals this month", date(2027, 1, 1), date(2027, 1, 31)),
        ("totals last month", date(2026, 12, 1), date(2026, 12, 31)),
        ("totals this financial year", date(2026, 4, 1), date(2027, 3, 31)),
        ("totals last financial year", date(2025, 4, 1), date(2026, 3, 31)),
        ("totals last fy", date(2025, 4, 1), date(2026, 3, 31)),
        ("totals last year", date(2026, 1, 1), date(2026, 12, 31)),
        ("totals this year", date(2027, 1, 1), date(2027, 12, 31)),
        ("totals q1 2021-22", date(2021, 4, 1), date(2021, 6, 30)),
        ("totals q4 2020-21", date(2021, 1, 1), date(2021, 3, 31)),
        ("totals q3 2020", date(2020, 7, 1), date(2020, 9, 30)),
        ("totals 2021-03-31", date(2021, 3, 31), date(2021, 3, 31)),
    ],
)
def test_periods(text, first, last):
    assert span(read(text)) == (first, last)


def test_this_quarter_in_spring_is_april_to_june():
    assert span(read("totals this quarter", date(2021, 4, 1))) == (
        date(2021, 4, 1),
        date(2021, 6, 30),
    )


def test_the_financial_year_turns_on_1_april():
    assert read("totals this financial year", date(2021, 3, 31)).period.name == "2020-21"
    assert read("totals this financial year", date(2021, 4, 1)).period.name == "2021-22"


@pytest.mark.parametrize(
    ("text", "team", "course", "breakdown"),
    [
        ("totals", None, None, None),
        ("totals Family Services", "Family Services", None, None),
        ("totals family services 2020-21", "Family Services", None, None),
        ("totals WRAP by team this quarter", None, "WRAP", "team"),
        ("how many trained in Adults MASH last year", "Adults MASH", None, None),
        ("how many people were trained in Childrens MASH", "Children's MASH", None, None),
        ("totals children's mash", "Children's MASH", None, None),
        ("totals Children in Care 2020", "Children in Care", None, None),
        ("totals fostering and adoption", "Fostering & Adoption", None, None),
        ("totals e-learning", None, "HO-ELEARN", None),
        ("totals wrap train the trainer", None, "TTT", None),
        ("totals erw by month", None, "ERW", "month"),
        ("totals per course 2020", None, None, "course"),
        ("totals barnet homes wrap", "Barnet Homes", "WRAP", None),
        ("totals all time", None, None, None),
    ],
)
def test_teams_courses_and_breakdowns(text, team, course, breakdown):
    query = read(text)
    assert (query.team, query.course_code, query.breakdown) == (team, course, breakdown)


@pytest.mark.parametrize(
    ("text", "team"),
    [
        ("totals famly services", "Family Services"),
        ("totals Familly Servises", "Family Services"),
        ("totals adult mash", "Adults MASH"),
        ("totals barnett homes", "Barnet Homes"),
        ("totals fostering", "Fostering & Adoption"),
        ("totals inclusion", "Inclusion Barnet"),
    ],
)
def test_close_misspellings_are_read_and_said(text, team):
    query = read(text)
    assert query.team == team
    assert any(team in note for note in query.notes)


def test_last_year_says_how_it_was_read_and_offers_the_financial_year():
    query = read("how many trained in Adults MASH last year")
    assert query.notes == ("'last year' read as the calendar year 2026",)
    [choice] = query.alternatives
    assert choice.title == "Financial year 2025-26 instead"
    assert read(choice.query).period == periods.financial_year(2025)
    assert read(choice.query).team == "Adults MASH"


@pytest.mark.parametrize(
    "text",
    [
        "totals",
        "totals Family Services",
        "totals WRAP by team this quarter",
        "totals since July 2020",
        "totals from july 2020 to march 2021",
        "totals Children's MASH q1 2021-22 by course",
        "totals 2021-03-31",
    ],
)
def test_every_reading_can_be_asked_again_in_words(text):
    query = read(text)
    assert read(query.words()) == TotalsQuery(
        query.period, query.team, query.course_code, query.breakdown
    )


@pytest.mark.parametrize(
    ("text", "puzzling"),
    [
        ("totals blah", "blah"),
        ("totals Family Services wibble", "wibble"),
        ("totals 2020 2021", "2021"),
        ("totals since", "since"),
        ("totals q5 2020", "q5"),
        ("totals 42", "42"),
        ("totals 2020-23", "2020-23"),
    ],
)
def test_what_it_cannot_read_it_says_and_offers_choices(text, puzzling):
    result = parse_totals_request(text, TODAY, WORDS)
    assert isinstance(result, NotUnderstood)
    assert result.puzzling == puzzling
    assert result.choices, "always offer something to press"
    for choice in result.choices:
        assert isinstance(parse_totals_request(choice.query, TODAY, WORDS), TotalsQuery)


def test_a_partial_reading_is_kept_in_the_choices():
    result = parse_totals_request("totals Family Services wibble", TODAY, WORDS)
    assert isinstance(result, NotUnderstood)
    assert result.understood.team == "Family Services"
    assert "team Family Services" in result.sentence()
    assert all("Family Services" in c.query for c in result.choices)


def test_an_ambiguous_fy_year_asks_which():
    result = parse_totals_request("totals fy 2021", TODAY, WORDS)
    assert isinstance(result, NotUnderstood)
    assert result.understood.period is None
    assert [c.title for c in result.choices] == [
        "Financial year 2020-21",
        "Financial year 2021-22",
    ]


def test_a_misspelling_close_to_two_teams_is_not_guessed():
    result = parse_totals_request("totals mash", TODAY, WORDS)
    assert isinstance(result, NotUnderstood)
    titles = {c.title for c in result.choices}
    assert {"Adults MASH", "Children's MASH"} <= titles


def test_two_teams_at_once_are_refused():
    result = parse_totals_request("totals Family Services Barnet Homes", TODAY, WORDS)
    assert isinstance(result, NotUnderstood)


def test_periods_in_utc_respect_summer_time():
    from zoneinfo import ZoneInfo

    start, end = periods.financial_year(2021).utc_bounds(ZoneInfo("Europe/London"))
    assert (start.isoformat(), end.isoformat()) == (
        "2021-03-31T23:00:00+00:00",
        "2022-03-31T23:00:00+00:00",
    )
    start, end = periods.month(2021, 1).utc_bounds(ZoneInfo("Europe/London"))
    assert (start.isoformat(), end.isoformat()) == (
        "2021-01-01T00:00:00+00:00",
        "2021-02-01T00:00:00+00:00",
    )
