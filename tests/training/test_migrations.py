"""The Alembic migrations build exactly the schema the models describe, both ways."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import training.models  # noqa: F401
from database import migrate
from database.engine import make_engine
from tests.conftest import POSTGRES_URL


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def empty_database_url(request, tmp_path, postgres_migrated):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        migrate.downgrade(postgres_migrated, "base")
        yield postgres_migrated
        migrate.upgrade(postgres_migrated)


def test_upgrade_downgrade_upgrade_matches_the_models(empty_database_url):
    migrate.upgrade(empty_database_url)
    migrate.downgrade(empty_database_url, "base")
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    with engine.connect() as connection:
        # APScheduler's own job table (created by the scheduler, not by us) is not compared.
        context = MigrationContext.configure(
            connection,
            opts={"include_name": lambda name, type_, _: name != "apscheduler_jobs"},
        )
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []
