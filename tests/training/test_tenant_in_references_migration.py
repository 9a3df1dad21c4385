"""Migration 0020 writes the tenant each conversation reference was stored with into the
reference itself, where botbuilder reads it."""

import json

import pytest

from database import migrate
from tests.conftest import POSTGRES_URL
from tests.training.test_staff_merge_migration import THEN, _person, _read, _write

BEFORE = "files_to_download_by_link"  # 0019
TENANT = "11111111-2222-3333-4444-555555555555"


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def url_at_0019(request, tmp_path, postgres_migrated):
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


def _reference(conversation: dict) -> str:
    return json.dumps({"serviceUrl": "https://smba.example/", "conversation": conversation})


def test_every_reference_takes_the_tenant_it_was_stored_with(url_at_0019):
    _write(
        url_at_0019,
        {
            "staff": [_person(1, "Ann Able", "ann@barnet.gov.uk")],
            "conversation_reference": [
                dict(
                    id=n,
                    staff_id=1 if n == 1 else None,
                    conversation_id=f"a:{n}",
                    conversation_type="personal",
                    tenant_id=tenant,
                    service_url="https://smba.example/",
                    reference_json=reference,
                    updated_at=THEN,
                )
                for n, tenant, reference in [
                    (1, TENANT, _reference({"id": "a:1"})),  # as botbuilder stored them
                    (2, TENANT, _reference({"id": "a:2", "tenantID": TENANT})),
                    (3, None, _reference({"id": "a:3"})),  # no tenant known
                    (4, TENANT, "{}"),
                ]
            ],
        },
    )

    migrate.upgrade(url_at_0019)

    stored = dict(_read(url_at_0019, "conversation_reference", "id", "reference_json"))
    assert json.loads(stored[1])["conversation"] == {"id": "a:1", "tenantID": TENANT}
    assert json.loads(stored[2])["conversation"] == {"id": "a:2", "tenantID": TENANT}
    assert json.loads(stored[3])["conversation"] == {"id": "a:3"}
    assert stored[4] == "{}"
