"""Migration 0013 gives everyone a last-seen time from what they last did (not only from when
their name last changed), and keeps every e-learning claim as it was."""

from datetime import UTC, datetime, timedelta

import pytest

from database import migrate
from tests.conftest import POSTGRES_URL
from tests.training.test_staff_merge_migration import THEN, _person, _read, _write

LATER = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
BEFORE = "teams_for_everyone_a_department_to_reporting_team_map"  # 0010


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def url_at_0010(request, tmp_path, postgres_migrated):
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


def _at(url: str, moment: datetime) -> datetime:
    return moment if url.startswith("postgresql") else moment.replace(tzinfo=None)


def test_last_seen_comes_from_the_latest_thing_a_person_did(url_at_0010):
    _write(
        url_at_0010,
        {
            "staff": [
                _person(1, "Quiet Quentin", "quentin@barnet.gov.uk"),
                _person(2, "Chatty Cath", "cath@barnet.gov.uk"),
                _person(3, "Claiming Clare", "clare@barnet.gov.uk"),
            ],
            "course": [
                dict(
                    id=1,
                    code="HO-ELEARN",
                    title="E",
                    description="",
                    delivery="elearning",
                    default_duration_minutes=60,
                    refresher_months=24,
                )
            ],
            "conversation_reference": [
                dict(
                    staff_id=2,
                    conversation_id="a:cath",
                    conversation_type="personal",
                    service_url="https://smba.example/",
                    reference_json="{}",
                    updated_at=_at(url_at_0010, LATER),
                ),
            ],
            "elearning_claim": [
                dict(
                    staff_id=3,
                    course_id=1,
                    status=status,
                    certificate_name="",
                    certificate_type="",
                    certificate_size=0,
                    certificate_sha256="",
                    certificate_file="",
                    claimed_at=_at(url_at_0010, LATER + timedelta(days=n)),
                    decision_note="",
                    chase_count=0,
                    updated_at=THEN,
                )
                for n, status in enumerate(["confirmed", "rejected", "pending"])
            ],
        },
    )
    migrate.upgrade(url_at_0010)
    seen = dict(_read(url_at_0010, "staff", "id", "last_seen_at"))
    as_utc = {k: v.replace(tzinfo=UTC) if v.tzinfo is None else v for k, v in seen.items()}
    assert as_utc == {1: THEN, 2: LATER, 3: LATER + timedelta(days=2)}
    assert _read(url_at_0010, "elearning_claim", "staff_id", "status") == [
        (3, "confirmed"),
        (3, "pending"),
        (3, "rejected"),
    ]
