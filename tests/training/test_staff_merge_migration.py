"""Migration 0008 merges the duplicate staff records a database already holds, moving what
names them, and then the database keeps one record per Entra id and per address."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import MetaData, insert, select

from database import migrate
from database.engine import make_engine
from tests.conftest import POSTGRES_URL

THEN = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
AAD = "0f0f0f0f-1111-2222-3333-444444444444"
BEFORE = "completions_by_session_index"  # 0007


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def url_at_0007(request, tmp_path, postgres_migrated):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        migrate.upgrade(url, BEFORE)
        yield url
    else:
        migrate.downgrade(postgres_migrated, "base")
        migrate.upgrade(postgres_migrated, BEFORE)
        yield postgres_migrated
        migrate.downgrade(postgres_migrated, "base")
        migrate.upgrade(postgres_migrated)


def _write(url: str, rows: dict[str, list[dict]]) -> None:
    engine = make_engine(url)
    tables = MetaData()
    tables.reflect(engine)
    at = THEN if engine.dialect.name == "postgresql" else THEN.replace(tzinfo=None)
    with engine.begin() as connection:
        for name, items in rows.items():
            for item in items:
                values = {k: (at if v is THEN else v) for k, v in item.items()}
                connection.execute(insert(tables.tables[name]).values(**values))
    engine.dispose()


def _read(url: str, sql_table: str, *columns: str) -> list[tuple]:
    engine = make_engine(url)
    tables = MetaData()
    tables.reflect(engine)
    table = tables.tables[sql_table]
    with engine.connect() as connection:
        found = connection.execute(
            select(*(table.c[c] for c in columns)).order_by(*(table.c[c] for c in columns))
        ).all()
    engine.dispose()
    return [tuple(row) for row in found]


def _person(id_: int, name: str, email: str | None, aad: str | None = None) -> dict:
    return dict(
        id=id_,
        display_name=name,
        email=email,
        aad_object_id=aad,
        roles="",
        created_at=THEN,
        updated_at=THEN,
    )


def test_duplicates_already_held_are_merged(url_at_0007):
    _write(
        url_at_0007,
        {
            "staff": [
                # Chatted before Teams gave her email: nothing yet says she is rows 2 and 3 (her
                # next message will, training.people.staff merges them then).
                _person(1, "Jo Bloggs", None, AAD),
                _person(2, "Jo Bloggs", "Jo.Bloggs@Barnet.gov.uk"),  # named as a board lead
                _person(3, "Jo B", "jo.bloggs@barnet.gov.uk"),  # named again, another case
                _person(4, "Mo", "mo@barnet.gov.uk", "ABCDEF00-0000-0000-0000-000000000001"),
                _person(5, "Mo", None, "abcdef00-0000-0000-0000-000000000001"),
                _person(6, "Ann", "ann@barnet.gov.uk", "a1"),
            ],
            "course": [
                dict(
                    id=1,
                    code="WRAP",
                    title="WRAP",
                    description="",
                    delivery="live",
                    default_duration_minutes=120,
                    refresher_months=36,
                )
            ],
            "training_session": [
                dict(
                    id=1,
                    course_id=1,
                    starts_at=THEN,
                    ends_at=THEN,
                    capacity=10,
                    online=True,
                    facilitators="",
                    audience="",
                    status="scheduled",
                    bookings_open=True,
                    cancellation_cutoff_hours=24,
                    created_at=THEN,
                )
            ],
            "booking": [
                dict(
                    id=1,
                    session_id=1,
                    staff_id=2,
                    status="booked",
                    requested_at=THEN,
                    updated_at=THEN,
                ),
                dict(
                    id=2,
                    session_id=1,
                    staff_id=3,
                    status="booked",
                    requested_at=THEN,
                    updated_at=THEN,
                ),
            ],
            "elearning_claim": [
                dict(
                    id=1,
                    staff_id=6,
                    course_id=1,
                    status="pending",
                    manager_staff_id=5,
                    certificate_name="",
                    certificate_type="",
                    certificate_size=0,
                    certificate_sha256="",
                    certificate_file="",
                    decision_note="",
                    claimed_at=THEN,
                    updated_at=THEN,
                    chase_count=0,
                )
            ],
        },
    )
    migrate.upgrade(url_at_0007)

    assert _read(url_at_0007, "staff", "id", "aad_object_id", "email") == [
        (1, AAD, None),
        (2, None, "jo.bloggs@barnet.gov.uk"),
        (4, "abcdef00-0000-0000-0000-000000000001", "mo@barnet.gov.uk"),
        (6, "a1", "ann@barnet.gov.uk"),
    ]
    assert _read(url_at_0007, "booking", "staff_id", "status") == [
        (2, "booked"),
        (2, "cancelled"),  # Jo was booked twice on one session: one seat stays hers
    ]
    assert _read(url_at_0007, "elearning_claim", "staff_id", "manager_staff_id") == [(6, 4)]
    merges = _read(url_at_0007, "audit_log", "action", "detail")
    assert [action for action, _ in merges] == ["staff.merge"] * 2
    assert {detail.split(":")[0] for _, detail in merges} == {
        "staff 3 merged into staff 2",
        "staff 5 merged into staff 4",
    }
