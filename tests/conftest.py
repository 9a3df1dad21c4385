"""Real databases for every test: a new SQLite file, and PostgreSQL if TEST_DATABASE_URL is set."""

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.bootstrap import build
from bot.router import Router
from config.settings import Settings
from database import migrate
from database.engine import Database, make_engine
from training.dates.clock import FixedClock

pytest_plugins = ["tests.graph.fixtures", "tests.bot.graph_chat"]

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _tables() -> list[str]:
    from sqlmodel import SQLModel

    import training.models  # noqa: F401  (registers every table)

    return [table.name for table in SQLModel.metadata.sorted_tables]


# A Monday morning in term time, well away from any clock change.
NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once; each test copies the file (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str | None:
    """A fresh schema: the database may hold another checkout's revisions (a newer branch), so
    it is emptied rather than downgraded."""
    if not POSTGRES_URL:
        return None
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def database(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_migrated: str | None,
) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "wrapbot.db"
        shutil.copy(sqlite_template, path)
        db = Database(f"sqlite:///{path}")
    else:
        assert postgres_migrated
        db = Database(postgres_migrated)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(_tables())} RESTART IDENTITY CASCADE"))
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def router(database: Database, clock: FixedClock) -> Router:
    """The bot's command router as the app builds it, to read phrases without a chat."""
    settings = Settings(_env_file=None, database_url=database.url)
    return build(settings, database, clock).router
