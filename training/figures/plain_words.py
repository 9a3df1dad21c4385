"""How a coordinator asks for totals in plain words, read into a `TotalsQuery`.

"totals WRAP by team this quarter", "how many trained in Adults MASH last year",
"totals since July 2020", "totals 2020-21". Pure: the team and course names it knows and today's
UK date come in as arguments. What it cannot read it does not guess: `NotUnderstood` says what
was understood and offers choices.
"""

import difflib
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from training.dates import periods
from training.dates.periods import Period

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
LEAD_PHRASES = [
    ("how", "many", "people", "were", "trained"),
    ("how", "many", "staff", "were", "trained"),
    ("how", "many", "were", "trained"),
    ("how", "many", "people", "trained"),
    ("how", "many", "staff", "trained"),
    ("how", "many", "trained"),
    ("how", "many", "attended"),
    ("how", "many", "people"),
    ("how", "many", "staff"),
    ("how", "many"),
    ("totals",),
    ("total",),
    ("figures",),
    ("report",),
]
FILLER = {
    "in", "for", "during", "of", "the", "at", "within", "on", "and", "please", "show", "me",
    "what", "were", "was", "trained", "people", "staff", "attended", "sessions", "team",
    "course", "period", "a", "an", "all", "with", "over", "across", "give", "figures",
}  # fmt: skip
BREAKDOWNS = {"team": "team", "teams": "team", "course": "course", "courses": "course"}
BREAKDOWNS |= {"month": "month", "months": "month"}
ALL_TIME = [("all", "time"), ("ever",), ("to", "date")]
ELEARNING_WORDS = {"elearning", "e-learning", "online-package"}
TEAM_CUTOFF = 0.8  # difflib ratio for a misspelt team or course name to be read as that name
SUGGEST_CUTOFF = 0.5
MAX_WORDS = 40


@dataclass(frozen=True)
class CourseName:
    code: str
    title: str
    elearning: bool = False


@dataclass(frozen=True)
class Vocabulary:
    """The names the parser can recognise: every team on a staff record, every course."""

    teams: list[str]
    courses: list[CourseName]


@dataclass(frozen=True)
class Choice:
    """A button: its title, and the words that ask for that reading."""

    title: str
    query: str


@dataclass(frozen=True)
class TotalsQuery:
    period: Period | None = None  # None: all time
    team: str | None = None
    course_code: str | None = None
    breakdown: str | None = None  # "team", "course" or "month": shown first
    notes: tuple[str, ...] = ()  # how a loose word was read ("'famly services' as ...")
    alternatives: tuple[Choice, ...] = ()  # other fair readings, offered as buttons

    def words(self) -> str:
        """Words that ask for exactly this query again (round-trips through the parser)."""
        parts = ["totals"]
        if self.course_code:
            parts.append(self.course_code)
        if self.team:
            parts.append(self.team)
        if self.breakdown:
            parts.append(f"by {self.breakdown}")
        parts.append(self.period.query if self.period else "all time")
        return " ".join(parts)

    def describe(self) -> str:
        parts = [self.period.label if self.period else "all time"]
        if self.team:
            parts.append(f"team {self.team}")
        if self.course_code:
            parts.append(f"course {self.course_code}")
        return ", ".join(parts)


@dataclass(frozen=True)
class NotUnderstood:
    understood: TotalsQuery
    puzzling: str
    choices: tuple[Choice, ...] = field(default_factory=tuple)

    def sentence(self) -> str:
        what = self.understood.describe()
        return (
            f"I didn't understand '{self.puzzling}'. So far I read: {what}. "
            "Did you mean one of these?"
        )


def tokens(raw: str) -> list[str]:
    text = re.sub(r"<at>.*?</at>", " ", raw.lower())
    text = text.replace("’", "").replace("'", "").replace("&", " and ")
    text = re.sub(r"[^a-z0-9/\- ]+", " ", text)
    return [t.strip("-") for t in text.split() if t.strip("-")][:MAX_WORDS]


def _phrase(name: str) -> tuple[str, ...]:
    return tuple(tokens(name))


def _strip_lead(words: list[str]) -> list[str]:
    for lead in LEAD_PHRASES:
        if tuple(words[: len(lead)]) == lead:
            return words[len(lead) :]
    return words


class _Reader:
    """One pass over the words, taking out what it recognises."""

    def __init__(self, words: list[str], today: date, vocabulary: Vocabulary) -> None:
        self.words: list[str | None] = list(words)
        self.today = today
        self.vocabulary = vocabulary
        self.query = TotalsQuery()
        self.problem: tuple[str, list[tuple[str, Period]]] | None = None
        self.other_periods: list[tuple[str, Period]] = []  # fair other readings of a period

    # -- helpers -------------------------------------------------------------------------------
    def _window(self, i: int, n: int) -> tuple[str, ...] | None:
        part = self.words[i : i + n]
        if len(part) < n or any(w is None for w in part):
            return None
        return tuple(w for w in part if w is not None)

    def _take(self, i: int, n: int) -> None:
        for k in range(i, i + n):
            self.words[k] = None

    def _set(self, what: str, value: object, said: str) -> None:
        if getattr(self.query, what) is not None and getattr(self.query, what) != value:
            self._fail(said, f"I can only take one {what.replace('_code', '')} at a time")
            return
        # The field is named at run time (a team, course, period or breakdown that was read).
        change: dict[str, Any] = {what: value}
        self.query = replace(self.query, **change)

    def _fail(
        self, said: str, _why: str = "", choices: list[tuple[str, Period]] | None = None
    ) -> None:
        if self.problem is None:
            self.problem = (said, choices or [])

    def _note(self, note: str, *other_periods: tuple[str, Period]) -> None:
        self.query = replace(self.query, notes=(*self.query.notes, note))
        self.other_periods += other_periods

    def with_periods(self, choices: list[tuple[str, Period]]) -> tuple[Choice, ...]:
        return tuple(Choice(title, replace(self.query, period=p).words()) for title, p in choices)

    # -- names ---------------------------------------------------------------------------------
    def exact_names(self) -> None:
        names: list[tuple[tuple[str, ...], str, str]] = [
            (_phrase(t), "team", t) for t in self.vocabulary.teams
        ]
        for c in self.vocabulary.courses:
            names += [(_phrase(c.code), "course_code", c.code)]
            names += [(_phrase(c.title), "course_code", c.code)]
        names.sort(key=lambda n: -len(n[0]))  # longest first: "adults mash" before "mash"
        for phrase, what, value in names:
            if not phrase:
                continue
            for i in range(len(self.words)):
                if self._window(i, len(phrase)) == phrase:
                    self._set(what, value, " ".join(phrase))
                    self._take(i, len(phrase))
        for i, word in enumerate(self.words):
            if word in ELEARNING_WORDS:
                online = [c for c in self.vocabulary.courses if c.elearning]
                if len(online) == 1:
                    self._set("course_code", online[0].code, word)
                    self._take(i, 1)

    def loose_names(self, chunk: list[str]) -> bool:
        """A misspelt or partial team or course name; True when read."""
        said = " ".join(chunk)
        candidates = [(t, "team", t) for t in self.vocabulary.teams]
        candidates += [(c.title, "course_code", c.code) for c in self.vocabulary.courses]
        candidates += [(c.code, "course_code", c.code) for c in self.vocabulary.courses]
        contained = {
            (what, value)
            for name, what, value in candidates
            if set(chunk) <= set(_phrase(name)) and what == "team"
        }
        if len(contained) == 1:
            what, value = contained.pop()
            self._set(what, value, said)
            self._note(f"'{said}' read as {value}")
            return True
        scored = sorted(
            (
                (difflib.SequenceMatcher(None, said, " ".join(_phrase(name))).ratio(), what, value)
                for name, what, value in candidates
            ),
            reverse=True,
        )
        best = scored[0] if scored else None
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        if best and best[0] >= TEAM_CUTOFF and best[0] - runner_up > 0.05:
            self._set(best[1], best[2], said)
            self._note(f"'{said}' read as {best[2]}")
            return True
        return False

    def suggestions(self, said: str) -> tuple[Choice, ...]:
        names = {t: "team" for t in self.vocabulary.teams}
        names |= {c.title: c.code for c in self.vocabulary.courses}
        words = set(said.split())
        containing = [n for n in names if words <= set(_phrase(n))]
        close = difflib.get_close_matches(said, list(names), n=3, cutoff=SUGGEST_CUTOFF)
        out = []
        for name in list(dict.fromkeys(containing + close))[:4]:
            wanted = (
                replace(self.query, team=name)
                if names[name] == "team"
                else replace(self.query, course_code=names[name])
            )
            out.append(Choice(name, wanted.words()))
        return tuple(out)

    # -- periods -------------------------------------------------------------------------------
    def _year(self, word: str | None) -> int | None:
        if word and re.fullmatch(r"(19|20)\d\d", word):
            return int(word)
        return None

    def _fy_start(self, word: str | None) -> int | None:
        m = re.fullmatch(r"((?:19|20)\d\d)[-/](\d\d|\d{4})", word or "")
        if not m:
            return None
        first, second = int(m[1]), int(m[2])
        if (len(m[2]) == 2 and second == (first + 1) % 100) or second == first + 1:
            return first
        return None

    def _day_at(self, i: int) -> tuple[date, int] | None:
        """'2020-07-01' or '1 july 2020'."""
        word = self.words[i]
        if word and (m := re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", word)):
            try:
                return date(int(m[1]), int(m[2]), int(m[3])), 1
            except ValueError:
                return None
        w = self._window(i, 3)
        if w and w[0].isdigit() and w[1] in MONTHS and (year := self._year(w[2])):
            try:
                return date(year, MONTHS[w[1]], int(w[0])), 3
            except ValueError:
                return None
        return None

    def _latest_month(self, number: int) -> Period:
        year = self.today.year if number <= self.today.month else self.today.year - 1
        return periods.month(year, number)

    def simple_period_at(self, i: int) -> tuple[Period, int] | None:
        """A named period starting at word i, and how many words it took."""
        word = self.words[i]
        if word is None:
            return None
        nxt = self.words[i + 1] if i + 1 < len(self.words) else None
        if day := self._day_at(i):
            return periods.between(day[0], day[0]), day[1]
        if word in {"fy", "financial"}:
            skip = 2 if word == "financial" and nxt == "year" else 1
            if word == "financial" and skip == 1:
                return None
            after = self.words[i + skip] if i + skip < len(self.words) else None
            if (start := self._fy_start(after)) is not None:
                return periods.financial_year(start), skip + 1
            if (year := self._year(after)) is not None:
                self._fail(
                    f"{' '.join(w for w in self.words[i : i + skip] if w)} {year}",
                    choices=[
                        (f"Financial year {periods.fy_name(y)}", periods.financial_year(y))
                        for y in (year - 1, year)
                    ],
                )
                self._take(i, skip + 1)  # asked about, not read: nothing is set
            return None
            return None
        if (start := self._fy_start(word)) is not None:
            return periods.financial_year(start), 1
        if m := re.fullmatch(r"q([1-4])", word):
            quarter = int(m[1])
            if (start := self._fy_start(nxt)) is not None:
                return periods.financial_quarter(start, quarter), 2
            if (year := self._year(nxt)) is not None:
                return periods.calendar_quarter(year, quarter), 2
            return periods.calendar_quarter(self.today.year, quarter), 1
        if (m := re.fullmatch(r"((?:19|20)\d\d)-(\d\d)", word)) and 1 <= int(m[2]) <= 12:
            return periods.month(int(m[1]), int(m[2])), 1
        if word in MONTHS:
            if (year := self._year(nxt)) is not None:
                return periods.month(year, MONTHS[word]), 2
            return self._latest_month(MONTHS[word]), 1
        if (year := self._year(word)) is not None:
            return periods.calendar_year(year), 1
        return None

    def relative_period_at(self, i: int) -> tuple[Period, int] | None:
        w = self._window(i, 3) or self._window(i, 2)
        if not w or w[0] not in {"this", "last", "current", "previous"}:
            return None
        back = 1 if w[0] in {"last", "previous"} else 0
        today = self.today
        if w[1:3] == ("financial", "year") or w[1] == "fy":
            this_fy = periods.financial_year_of(today).start.year
            return periods.financial_year(this_fy - back), 3 if w[1] == "financial" else 2
        if w[1] == "month":
            first = periods.add_months(today.replace(day=1), -back)
            return periods.month(first.year, first.month), 2
        if w[1] == "quarter":
            start = periods.add_months(periods.quarter_of(today).start, -3 * back)
            return periods.quarter_of(start), 2
        if w[1] == "year":
            period = periods.calendar_year(today.year - back)
            fy = periods.financial_year(periods.financial_year_of(today).start.year - back)
            self._note(
                f"'{w[0]} year' read as the calendar year {period.name}",
                (f"Financial year {fy.name} instead", fy),
            )
            return period, 2
        return None

    def periods(self) -> None:
        i = 0
        while i < len(self.words):
            word = self.words[i]
            found: tuple[Period, int] | None = None
            if word == "since" and i + 1 < len(self.words):
                inner = self.relative_period_at(i + 1) or self.simple_period_at(i + 1)
                if inner:
                    start = inner[0].start
                    found = periods.since(start, self.today), inner[1] + 1
            elif word == "from" and i + 1 < len(self.words):
                found = self._range_at(i)
            elif any(self._window(i, len(p)) == p for p in ALL_TIME):
                n = next(len(p) for p in ALL_TIME if self._window(i, len(p)) == p)
                self._take(i, n)
                i += n
                continue
            else:
                found = self.relative_period_at(i) or self.simple_period_at(i)
            if found:
                period, n = found
                said = " ".join(w for w in self.words[i : i + n] if w)
                self._set("period", period, said)
                self._take(i, n)
                i += n
            else:
                i += 1

    def _range_at(self, i: int) -> tuple[Period, int] | None:
        first = self.simple_period_at(i + 1)
        if not first:
            return None
        j = i + 1 + first[1]
        if j < len(self.words) and self.words[j] in {"to", "until", "till", "-"}:
            second = self.simple_period_at(j + 1)
            if second and second[0].end > first[0].start:
                return periods.between(first[0].start, second[0].last_day), j + 1 + second[1] - i
        return None

    def breakdown(self) -> None:
        for i in range(len(self.words) - 1):
            if self.words[i] in {"by", "per"} and self.words[i + 1] in BREAKDOWNS:
                self._set("breakdown", BREAKDOWNS[self.words[i + 1] or ""], "by")
                self._take(i, 2)
        for i, word in enumerate(self.words):
            if word == "monthly":
                self._set("breakdown", "month", word)
                self._take(i, 1)

    def leftovers(self) -> list[list[str]]:
        chunks: list[list[str]] = [[]]
        for word in self.words:
            if word is None or word in FILLER:
                chunks.append([])
            else:
                chunks[-1].append(word)
        return [c for c in chunks if c]


def parse_totals_request(
    raw: str, today: date, vocabulary: Vocabulary
) -> TotalsQuery | NotUnderstood:
    """Read what the coordinator asked. `today` is the UK date the request is read on."""
    reader = _Reader(_strip_lead(tokens(raw)), today, vocabulary)
    reader.breakdown()
    reader.exact_names()
    reader.periods()
    unread: list[str] = []
    for chunk in reader.leftovers():
        if reader.problem is None and not reader.loose_names(chunk):
            unread.append(" ".join(chunk))
    if reader.problem is not None:
        said, other_periods = reader.problem
        choices = reader.with_periods(other_periods or _usual_periods(today))
        return NotUnderstood(reader.query, said, choices)
    if unread:
        choices = reader.suggestions(unread[0]) or reader.with_periods(_usual_periods(today))
        return NotUnderstood(reader.query, " ".join(unread), choices)
    return replace(reader.query, alternatives=reader.with_periods(reader.other_periods))


def _usual_periods(today: date) -> list[tuple[str, Period]]:
    this_fy = periods.financial_year_of(today)
    last_fy = periods.financial_year(this_fy.start.year - 1)
    this_quarter = periods.quarter_of(today)
    return [
        (f"This financial year ({this_fy.name})", this_fy),
        (f"Last financial year ({last_fy.name})", last_fy),
        (f"This quarter ({this_quarter.name})", this_quarter),
    ]
