"""Totals over a large council: time per query shape on SQLite and PostgreSQL.

`make bench-totals` (or `python -m bench.totals [--attendances N] [--staff N] [--postgres URL]`).
Builds the data once per backend with bulk inserts (SQLAlchemy Core executemany on SQLite,
COPY on PostgreSQL): `--staff` people in 16 teams, sessions of about 25 attendees over six
financial years (2019-20 to 2024-25), one completion per attendance, e-learning completions for
a tenth of the staff and feedback from a tenth of attendees. Then times each query shape
(best of `--repeat` runs) for several scopes. The PostgreSQL database is emptied first: give it
a database of your own.
"""

import argparse
import io
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import SQLModel

from database import migrate
from database.engine import Database
from training.dates import periods
from training.figures.feedback import FeedbackScope, feedback_summary
from training.figures.plain_words import TotalsQuery
from training.figures.totals import (
    _by_month,
    _completions,
    _people,
    _Query,
    _sessions_attended,
    _sessions_delivered,
    compute_totals,
    scope_of,
    vocabulary,
)
from training.models import (
    Booking,
    Completion,
    Course,
    FeedbackResponse,
    Session,
    SessionAttendance,
    Staff,
)

UK = ZoneInfo("Europe/London")
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
FIRST_DAY = datetime(2019, 4, 1, tzinfo=UTC)
DAYS = (datetime(2025, 3, 31, tzinfo=UTC) - FIRST_DAY).days
TEAMS = [
    "Family Services",
    "Barnet Homes",
    "Regional Enterprise",
    "Children's MASH",
    "Adults MASH",
    "National Probation Service",
    "Inclusion Barnet",
    "Mental Health Safeguarding Champions",
    "Onwards and Upwards",
    "Fostering & Adoption",
    "Children in Care",
    "Schools",
    "Libraries",
    "Housing Needs",
    "Street Scene",
    "Customer Services",
]
COURSES = [
    ("WRAP", "WRAP (Workshop to Raise Awareness of Prevent)", "live"),
    ("HO-ELEARN", "Home Office online Prevent training", "elearning"),
    ("ERW", "Extreme right-wing radicalisation awareness briefing", "live"),
    ("ONLINE-RAD", "Conspiracy theories and online radicalisation", "live"),
    ("TTT", "WRAP train the trainer", "live"),
]
PER_SESSION = 25


def rows_of_world(attendances: int, staff: int, seed: int = 5) -> dict[str, list[dict[str, Any]]]:
    """Every row, as plain dicts keyed by column name, in insert order."""
    rng = random.Random(seed)
    at = FIRST_DAY
    people = [
        {
            "id": i,
            "aad_object_id": f"aad-{i}",
            "email": f"person{i}@example.gov.uk",
            "display_name": f"Person {i}",
            "team": None if i % 97 == 0 else TEAMS[rng.randrange(len(TEAMS))],
            "organisation": "London Borough of Barnet",
            "roles": "",
            "created_at": at,
            "updated_at": at,
        }
        for i in range(1, staff + 1)
    ]
    courses = [
        {
            "id": i,
            "code": code,
            "title": title,
            "description": "",
            "delivery": delivery,
            "default_duration_minutes": 120,
            "refresher_months": 24,
        }
        for i, (code, title, delivery) in enumerate(COURSES, start=1)
    ]
    live_courses = [1, 1, 1, 3, 4, 5]  # WRAP most often
    # About 4% of sessions are cancelled, so a few more are made to reach `attendances`.
    n_sessions = round(attendances / PER_SESSION / 0.96)
    sessions, bookings, completions, feedback = [], [], [], []
    attendance: list[dict[str, Any]] = []
    for sid in range(1, n_sessions + 1):
        starts = FIRST_DAY + timedelta(days=rng.randrange(DAYS), hours=rng.choice([9, 10, 14]))
        cancelled = rng.random() < 0.04
        course = rng.choice(live_courses)
        sessions.append(
            {
                "id": sid,
                "course_id": course,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "online": True,
                "join_url": None,
                "location": None,
                "capacity": 40,
                "facilitators": "",
                "audience": "",
                "status": "cancelled" if cancelled else "delivered",
                "bookings_open": False,
                "cancellation_cutoff_hours": 24,
                "cancelled_at": starts - timedelta(days=2) if cancelled else None,
                "cancel_reason": None,
                "created_by_staff_id": None,
                "created_at": starts - timedelta(days=30),
            }
        )
        chosen = rng.sample(range(1, staff + 1), PER_SESSION + 3)
        for k, person in enumerate(chosen):
            if cancelled:
                status = "cancelled"
            elif k < PER_SESSION:
                status = "attended"
            else:
                status = ("no_show", "cancelled", "waitlisted")[k - PER_SESSION]
            bookings.append(
                {
                    "session_id": sid,
                    "staff_id": person,
                    "status": status,
                    "requested_at": starts - timedelta(days=10),
                    "seat_given_at": None,
                    "cancelled_at": None,
                    "updated_at": starts,
                }
            )
            if status == "attended":
                # What a sync keeps: the person's attendance row, then their completion.
                attendance.append(
                    {
                        "session_id": sid,
                        "person_key": f"aad:{person}",
                        "identity_keys": f"aad:{person}",
                        "staff_id": person,
                        "role": "attendee",
                        "display_name": "",
                        "email": None,
                        "attended_seconds": 7000,
                        "required_seconds": 5400,
                        "completed": True,
                        "walk_in": False,
                        "data_gaps": False,
                        "resolution": "matched",
                        "resolved_by_staff_id": None,
                        "resolved_at": None,
                        "updated_at": starts + timedelta(hours=3),
                    }
                )
                completions.append(
                    {
                        "staff_id": person,
                        "course_id": course,
                        "session_id": sid,
                        "source": "attendance",
                        "completed_at": starts + timedelta(hours=2),
                        "attended_seconds": 7000,
                        "confirmed_by_staff_id": None,
                        "recorded_at": starts + timedelta(hours=3),
                    }
                )
                if rng.random() < 0.1:
                    feedback.append(
                        {
                            "session_id": sid,
                            "staff_id": person,
                            "overall": rng.randint(3, 5),
                            "usefulness": rng.randint(2, 5),
                            "confidence_before": rng.randint(1, 3),
                            "confidence_after": rng.randint(3, 5),
                            "most_useful": "Case studies" if rng.random() < 0.3 else "",
                            "could_be_better": "",
                            "consent_to_attribute": rng.random() < 0.5,
                            "submitted_at": starts + timedelta(days=1),
                            "updated_at": starts + timedelta(days=1),
                        }
                    )
    for person in rng.sample(range(1, staff + 1), staff // 10):
        done = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        completions.append(
            {
                "staff_id": person,
                "course_id": 2,
                "session_id": None,
                "source": "elearning",
                "completed_at": done,
                "attended_seconds": None,
                "confirmed_by_staff_id": None,
                "recorded_at": done,
            }
        )
    return {
        "staff": people,
        "course": courses,
        "training_session": sessions,
        "booking": bookings,
        "session_attendance": attendance,
        "completion": completions,
        "feedback_response": feedback,
    }


TABLES = {
    "staff": Staff,
    "course": Course,
    "training_session": Session,
    "booking": Booking,
    "session_attendance": SessionAttendance,
    "completion": Completion,
    "feedback_response": FeedbackResponse,
}


def _chunks(rows: list[dict[str, Any]], size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def load_sqlite(database: Database, world: dict[str, list[dict[str, Any]]]) -> None:
    with database.engine.begin() as conn:
        for name, rows in world.items():
            table = SQLModel.metadata.tables[name]
            for chunk in _chunks(rows):
                conn.execute(table.insert(), chunk)
        conn.exec_driver_sql("ANALYZE")


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def load_postgres(database: Database, world: dict[str, list[dict[str, Any]]]) -> None:
    names = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for name, rows in world.items():
            columns = list(rows[0])
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(_copy_value(row[c]) for c in columns) + "\n")
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
        for name in world:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {name}))"
            )
        raw.commit()
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        for name in world:
            cursor.execute(f"VACUUM ANALYZE {name}")
    finally:
        raw.close()


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


SCOPES = [
    ("all time", TotalsQuery()),
    ("FY 2022-23", TotalsQuery(period=periods.financial_year(2022))),
    (
        "FY 2022-23, one team",
        TotalsQuery(period=periods.financial_year(2022), team="Family Services"),
    ),
    (
        "WRAP, one quarter",
        TotalsQuery(period=periods.financial_quarter(2023, 2), course_code="WRAP"),
    ),
    ("one month", TotalsQuery(period=periods.month(2024, 3))),
]


def shapes(database: Database, query: TotalsQuery) -> dict[str, Callable[[], object]]:
    scope = scope_of(query, UK)

    def run(fn: Callable[..., object], *args: Any, **kwargs: Any) -> Callable[[], object]:
        def work() -> object:
            with database.unit_of_work() as db:
                return fn(db, *args, **kwargs)

        return work

    def q(db: Any) -> _Query:
        return _Query(db, scope, NOW)

    return {
        # The headline people and completion figures are the sums of the team lines.
        "sessions delivered": run(lambda db: _sessions_delivered(db, q(db), None)),
        "people by team": run(lambda db: _people(db, q(db), "team")),
        "sessions per team": run(lambda db: _sessions_attended(db, q(db), "team")),
        "completions by team": run(lambda db: _completions(db, q(db), "team")),
        "people by course": run(lambda db: _people(db, q(db), "course")),
        "completions by course": run(lambda db: _completions(db, q(db), "course")),
        "per month (chart)": run(lambda db: _by_month(db, q(db), UK)),
        "feedback summary": run(
            lambda db: feedback_summary(
                db, FeedbackScope(scope.start, scope.end, scope.team, q(db).course_id), NOW
            )
        ),
        "whole totals card": run(compute_totals, scope, NOW, UK),
    }


def bench(name: str, database: Database, repeat: int) -> None:
    print(f"\n{name}: time per query shape, best of {repeat} (ms)")
    with database.unit_of_work() as db:
        started = time.perf_counter()
        vocabulary(db)
        took = (time.perf_counter() - started) * 1000
        print(f"  {'team and course names (parser vocabulary)':<44}{took:8.1f}")
    labels = list(shapes(database, TotalsQuery()))
    header = "  " + f"{'shape':<24}" + "".join(f"{s[:18]:>20}" for s, _ in SCOPES)
    print(header)
    results = {s: shapes(database, q) for s, q in SCOPES}
    for label in labels:
        cells = [best_of(repeat, results[s][label]) * 1000 for s, _ in SCOPES]
        print("  " + f"{label:<24}" + "".join(f"{c:20.1f}" for c in cells))


def counts(database: Database) -> str:
    with database.engine.connect() as conn:
        n = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("staff", "training_session", "booking", "completion", "feedback_response")
        }
        attended = conn.execute(text("SELECT count(*) FROM session_attendance")).scalar()
    return (
        f"{n['staff']:,} staff, {n['training_session']:,} sessions, {n['booking']:,} bookings "
        f"({attended:,} attendance records), {n['completion']:,} completions, "
        f"{n['feedback_response']:,} feedback responses"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.totals", description=__doc__)
    parser.add_argument("--attendances", type=int, default=1_000_000)
    parser.add_argument("--staff", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--sqlite-path", type=Path, help="keep the SQLite data here (reused if it exists)"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    world = rows_of_world(args.attendances, args.staff)
    print(f"made the rows in {time.perf_counter() - started:.1f} s")
    del started

    if not args.skip_sqlite:
        path = args.sqlite_path or Path(tempfile.mkdtemp(prefix="bench-totals-")) / "totals.db"
        url = f"sqlite:///{path}"
        reuse = path.exists()
        migrate.upgrade(url)
        database = Database(url)
        started = time.perf_counter()
        if not reuse:
            load_sqlite(database, world)
        print(f"SQLite: loaded in {time.perf_counter() - started:.1f} s: {counts(database)}")
        bench("SQLite", database, args.repeat)
        database.dispose()
        if not args.sqlite_path:
            path.unlink()
    if args.postgres:
        migrate.upgrade(args.postgres)
        database = Database(args.postgres)
        started = time.perf_counter()
        load_postgres(database, world)
        print(f"\nPostgreSQL: loaded in {time.perf_counter() - started:.1f} s: {counts(database)}")
        bench("PostgreSQL", database, args.repeat)
        database.dispose()
    else:
        print("\n(no --postgres URL or BENCH_DATABASE_URL: PostgreSQL skipped)")


if __name__ == "__main__":
    main()
