"""Working days in England and Wales: weekends and bank holidays, from the rules that set them.

The rules (the Banking and Financial Dealings Act 1971 and the royal proclamations since):
New Year's Day, Good Friday, Easter Monday, the first and last Mondays of May, the last Monday
of August, Christmas Day and Boxing Day; a holiday on a weekend is made up on the next weekday
that is not already one. Days the government moved or added are listed in `MOVED` and `ADDED`.
"""

from datetime import date, timedelta

# Bank holidays moved by proclamation: (year, the rule's name) -> the day it was held.
MOVED = {
    (1995, "Early May bank holiday"): date(1995, 5, 8),  # VE Day 50
    (2002, "Spring bank holiday"): date(2002, 6, 4),
    (2012, "Spring bank holiday"): date(2012, 6, 4),
    (2020, "Early May bank holiday"): date(2020, 5, 8),  # VE Day 75
    (2022, "Spring bank holiday"): date(2022, 6, 2),
}
ADDED = {
    date(1999, 12, 31): "Millennium celebrations",
    date(2002, 6, 3): "Golden Jubilee",
    date(2011, 4, 29): "Royal wedding",
    date(2012, 6, 5): "Diamond Jubilee",
    date(2022, 6, 3): "Platinum Jubilee",
    date(2022, 9, 19): "State funeral of Queen Elizabeth II",
    date(2023, 5, 8): "Coronation of King Charles III",
}


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def bank_holidays(year: int) -> dict[date, str]:
    """England and Wales's bank holidays in `year`, each with its name."""
    easter = easter_sunday(year)
    fixed_mondays = {
        "Good Friday": easter - timedelta(days=2),
        "Easter Monday": easter + timedelta(days=1),
        "Early May bank holiday": _first_monday(year, 5),
        "Spring bank holiday": _last_monday(year, 5),
        "Summer bank holiday": _last_monday(year, 8),
    }
    found = {MOVED.get((year, name), day): name for name, day in fixed_mondays.items()}
    christmas = [("Christmas Day", date(year, 12, 25)), ("Boxing Day", date(year, 12, 26))]
    if christmas[0][1].weekday() == 6:  # Boxing Day keeps its Monday; Christmas moves on
        christmas.reverse()
    for name, held in [("New Year's Day", date(year, 1, 1)), *christmas]:
        day = held
        while day.weekday() >= 5 or day in found:  # a weekend one is made up on a free weekday
            day += timedelta(days=1)
        found[day] = name if day == held else f"{name} (substitute day)"
    found.update({day: name for day, name in ADDED.items() if day.year == year})
    return dict(sorted(found.items()))


def not_working(day: date) -> str | None:
    """Why `day` is not a working day ('a Saturday', 'a bank holiday (Easter Monday)'), or
    None when it is one."""
    if day.weekday() >= 5:
        return f"a {day:%A}"
    name = bank_holidays(day.year).get(day)
    return f"a bank holiday ({name})" if name else None


def next_working_day(after: date) -> date:
    """The first working day after `after`."""
    day = after + timedelta(days=1)
    while not_working(day):
        day += timedelta(days=1)
    return day
