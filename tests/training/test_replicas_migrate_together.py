"""Several replicas starting at once against one new database upgrade it once, together."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import training.models  # noqa: F401  (registers every table)
from database.engine import make_engine
from database.migrate import alembic_config
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = 3
# What `python -m bot` does first, started by each replica at the same moment.
START_AND_UPGRADE = """
import sys, time
from database import migrate
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
migrate.upgrade(sys.argv[1])
"""


def _head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def new_database_url(request, tmp_path, postgres_migrated):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    engine = make_engine(postgres_migrated)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield postgres_migrated  # left at head by the test, as the other tests expect it


def test_three_replicas_starting_together_upgrade_a_new_database_once(new_database_url):
    start = time.time() + 4  # after every interpreter has imported alembic and the models
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", START_AND_UPGRADE, new_database_url, str(start)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(REPLICAS)
    ]
    outputs = [replica.communicate(timeout=300)[0] for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0] * REPLICAS, outputs
    engine = make_engine(new_database_url)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert versions == [(_head(),)]
    assert set(SQLModel.metadata.tables) <= tables
