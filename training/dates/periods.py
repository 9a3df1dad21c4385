"""Reporting periods in the council's calendar: months, quarters, calendar and financial years.

A period is a half-open range of UK calendar dates `[start, end)`. Turning it into UTC happens
only at the edge (`utc_bounds`), so a session at 00:30 BST on 1 April (23:30 UTC on 31 March)
belongs to the new financial year, as the coordinator would expect.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

FY_START_MONTH = 4  # UK public-sector financial years run April to March


def _short(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    # UK clocks change at 01:00/02:00, so local midnight always exists and is unambiguous.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive
    name: str  # how the council writes it: "2020-21", "July 2020", "Q3 2026"
    query: str  # words that ask for exactly this period again: "2020-21", "since july 2020"

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    @property
    def dates(self) -> str:
        return f"{_short(self.start)} to {_short(self.last_day)}"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.dates})"

    def utc_bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return local_midnight_utc(self.start, zone), local_midnight_utc(self.end, zone)

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches."""
        first = self.start.replace(day=1)
        out = []
        while first < self.end:
            out.append(first)
            first = add_months(first, 1)
        return out


def fy_name(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def financial_year(start_year: int) -> Period:
    name = fy_name(start_year)
    return Period(date(start_year, 4, 1), date(start_year + 1, 4, 1), name, name)


def financial_year_of(day: date) -> Period:
    return financial_year(day.year if day.month >= FY_START_MONTH else day.year - 1)


def calendar_year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year + 1, 1, 1), str(year), str(year))


def month(year: int, month_number: int) -> Period:
    start = date(year, month_number, 1)
    name = f"{start:%B %Y}"
    return Period(start, add_months(start, 1), name, name.lower())


def calendar_quarter(year: int, quarter: int) -> Period:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = add_months(start, 3)
    name = f"Q{quarter} {year}"
    return Period(start, end, name, name.lower())


def financial_quarter(start_year: int, quarter: int) -> Period:
    """Quarter 1 of 2021-22 is April to June 2021."""
    start = add_months(date(start_year, FY_START_MONTH, 1), 3 * (quarter - 1))
    name = f"Q{quarter} {fy_name(start_year)}"
    return Period(start, add_months(start, 3), name, name.lower())


def quarter_of(day: date) -> Period:
    return calendar_quarter(day.year, (day.month - 1) // 3 + 1)


def between(start: date, last_day: date) -> Period:
    """From `start` to `last_day`, both included."""
    end = date.fromordinal(last_day.toordinal() + 1)
    return Period(
        start,
        end,
        f"{_short(start)} to {_short(last_day)}",
        f"from {start.isoformat()} to {last_day.isoformat()}",
    )


def since(start: date, today: date) -> Period:
    """From `start` up to and including today."""
    end = date.fromordinal(today.toordinal() + 1)
    return Period(start, end, f"since {start.day} {start:%B %Y}", f"since {start.isoformat()}")
