"""The migration that names facilitators by their staff record (issue 19) moves each name or
email typed on a session where exactly one staff record has it, and leaves the rest on the
session, listed for a coordinator to fix: a name two people share is never guessed."""

import pytest

from database import migrate
from tests.conftest import POSTGRES_URL
from tests.training.test_staff_merge_migration import THEN, _person, _read, _write

BEFORE = "conversation_references_keep_their_tenant"


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def url_before(request, tmp_path, postgres_migrated):
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


def _session(id_: int, facilitators: str) -> dict:
    return dict(
        id=id_,
        course_id=1,
        starts_at=THEN,
        ends_at=THEN,
        capacity=10,
        online=True,
        facilitators=facilitators,
        audience="",
        status="scheduled",
        bookings_open=True,
        cancellation_cutoff_hours=24,
        created_at=THEN,
    )


def test_names_matching_one_staff_record_move_and_the_rest_are_left_to_fix(url_before):
    _write(
        url_before,
        {
            "staff": [
                _person(1, "Sarah Whitfield", "sarah.whitfield@barnet.gov.uk"),
                _person(2, "Sam Jones", "sam.jones@barnet.gov.uk"),
                _person(3, "Sam Jones", "sam.jones2@barnet.gov.uk"),
                _person(4, "Dee Trainer", "dee.trainer@barnet.gov.uk"),
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
                _session(1, "sarah whitfield; Sam Jones, SO15"),
                _session(2, "DEE.TRAINER@barnet.gov.uk\nnobody@met.police.uk"),
                _session(3, ""),
            ],
        },
    )
    migrate.upgrade(url_before)
    assert _read(url_before, "session_facilitator", "session_id", "staff_id") == [(1, 1), (2, 4)]
    assert _read(url_before, "training_session", "id", "facilitators") == [
        (1, "Sam Jones; SO15"),  # two people called Sam Jones, and nobody called SO15
        (2, "nobody@met.police.uk"),
        (3, ""),
    ]
