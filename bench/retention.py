"""`python -m bench.retention [--people 12000] [--gone 20] [--url URL]`: a retention run seven
years on, into a SQLite file (or the PostgreSQL database at --url, emptied).

`--gone` people have gone (not seen for seven years, nothing of their own left: a day's
leavers, or many more for a first run); the rest wrote to the bot last month. Inside the period:
25 audit entries a person still about (one in ten names a gone person's address), 8 messages
(cards with names; one about a gone person) and 2 feedback comments. Prints how long the run
took, how many people it anonymised and how many rows each table lost.
"""

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from database import migrate
from database.engine import Database
from tests.factories import add_course, add_session
from training.data_protection.retention import ANONYMOUS, apply_retention
from training.models import AuditEntry, FeedbackResponse, OutboxMessage, Staff

NOW = datetime(2034, 1, 11, 9, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=365 * 7)
RECENTLY = NOW - timedelta(days=30)
CHUNK = 5000


def _name(n: int) -> str:
    return f"Person Number{n}"


def _email(n: int) -> str:
    return f"person.number{n}@barnet.gov.uk"


def _insert(database: Database, model: type, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        with database.unit_of_work() as db:
            db.execute(insert(model), rows[start : start + CHUNK])


def _seed(database: Database, people: int, gone: int) -> None:
    _insert(
        database,
        Staff,
        [
            dict(
                id=n,
                display_name=_name(n),
                email=_email(n),
                aad_object_id=f"aaaaaaaa-0000-0000-0000-{n:012d}",
                roles="",
                created_at=LONG_AGO,
                updated_at=LONG_AGO,
                last_seen_at=LONG_AGO if n <= gone else RECENTLY,
            )
            for n in range(1, people + 1)
        ],
    )
    with database.unit_of_work() as db:
        course = add_course(db)
        sessions = [add_session(db, course, RECENTLY - timedelta(days=d)).id for d in (1, 8)]
    audit = []
    for n in range(gone + 1, people + 1):
        for i in range(25):
            about = (n + i) % gone + 1 if i % 10 == 0 else n
            audit.append(
                dict(
                    at=RECENTLY,
                    actor_staff_id=n,
                    action="team.set",
                    subject=_email(about),
                    detail="Family Services -> Adults MASH",
                )
            )
    _insert(database, AuditEntry, audit)
    messages = []
    for n in range(gone + 1, people + 1):
        for i in range(8):
            about = (n + i) % gone + 1 if i == 0 else n
            card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": _name(about)}]}
            messages.append(
                dict(
                    key=f"m:{n}:{i}",
                    kind="notice",
                    staff_id=n,
                    summary=f"About {_name(about)}",
                    card_json=json.dumps(card),
                    state="sent",
                    attempts=1,
                    next_attempt_at=RECENTLY,
                    last_error="",
                    created_at=RECENTLY,
                )
            )
    _insert(database, OutboxMessage, messages)
    _insert(
        database,
        FeedbackResponse,
        [
            dict(
                session_id=sessions[i],
                staff_id=n,
                overall=4,
                usefulness=4,
                confidence_before=2,
                confidence_after=4,
                most_useful="The case studies",
                could_be_better="More time for questions",
                consent_to_attribute=False,
                submitted_at=RECENTLY,
                updated_at=RECENTLY,
            )
            for n in range(gone + 1, people + 1)
            for i in (0, 1)
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=12_000)
    parser.add_argument("--gone", type=int, default=20)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'retention.db'}"
        if args.url:
            database = Database(url)
            with database.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            database.dispose()
        migrate.upgrade(url)
        database = Database(url)
        _seed(database, args.people, args.gone)
        started, cpu = time.perf_counter(), time.process_time()
        with database.unit_of_work() as db:
            result = apply_retention(db, NOW, 6)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        with database.unit_of_work() as db:
            anonymous = db.scalar(
                select(func.count()).select_from(Staff).where(Staff.display_name == ANONYMOUS)
            )
        database.dispose()
    print(
        f"{database.dialect}: {args.people} people, {result.anonymised_people} anonymised "
        f"({anonymous} now anonymous) in {took:.1f} s ({cpu:.1f} s of this process's CPU; "
        "SQLite's work is in it, PostgreSQL's is not)"
    )
    print("deleted:", {k: v for k, v in result.deleted.items() if v})


if __name__ == "__main__":
    main()
