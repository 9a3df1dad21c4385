"""Bank holidays in England and Wales from the rules, against the published lists (issue 14)."""

from datetime import date

import pytest

from training.dates.working_days import bank_holidays, easter_sunday, next_working_day, not_working


def days(*spelled: str) -> list[date]:
    return [date.fromisoformat(day) for day in spelled]


@pytest.mark.parametrize(
    ("year", "published"),
    [
        (2020, days("2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25",
                    "2020-08-31", "2020-12-25", "2020-12-28")),
        (2022, days("2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02",
                    "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27")),
        (2023, days("2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08",
                    "2023-05-29", "2023-08-28", "2023-12-25", "2023-12-26")),
        (2025, days("2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26",
                    "2025-08-25", "2025-12-25", "2025-12-26")),
        (2026, days("2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25",
                    "2026-08-31", "2026-12-25", "2026-12-28")),
        (2027, days("2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31",
                    "2027-08-30", "2027-12-27", "2027-12-28")),
    ],
)  # fmt: skip
def test_the_rules_give_the_published_bank_holidays(year, published):
    assert list(bank_holidays(year)) == published


def test_substitute_days_are_named_as_such():
    assert bank_holidays(2022)[date(2022, 12, 27)] == "Christmas Day (substitute day)"
    assert bank_holidays(2022)[date(2022, 12, 26)] == "Boxing Day"
    assert bank_holidays(2026)[date(2026, 12, 28)] == "Boxing Day (substitute day)"


@pytest.mark.parametrize(
    ("year", "easter"), [(2000, "2000-04-23"), (2019, "2019-04-21"), (2038, "2038-04-25")]
)
def test_easter(year, easter):
    assert easter_sunday(year) == date.fromisoformat(easter)


@pytest.mark.parametrize(
    ("after", "next_one"),
    [
        ("2027-01-11", "2027-01-12"),  # Monday -> Tuesday
        ("2027-01-15", "2027-01-18"),  # Friday -> Monday
        ("2027-03-25", "2027-03-30"),  # Thursday before Easter -> the Tuesday after
        ("2027-12-24", "2027-12-29"),  # Christmas Eve -> past the weekend and two substitutes
    ],
)
def test_the_next_working_day(after, next_one):
    assert next_working_day(date.fromisoformat(after)) == date.fromisoformat(next_one)


def test_why_a_day_is_not_a_working_day():
    assert not_working(date(2027, 1, 16)) == "a Saturday"
    assert not_working(date(2027, 3, 29)) == "a bank holiday (Easter Monday)"
    assert not_working(date(2027, 1, 18)) is None
