"""Bring a database's schema up to date with the Alembic migrations in `migrations/`."""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from database.engine import normalise_url

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = normalise_url(database_url)
    return config


@contextmanager
def one_at_a_time(database_url: str) -> Iterator[None]:
    """Processes upgrading one SQLite file take turns on a lock file beside it: Alembic commits
    SQLite's migrations one by one, so two at once would both run the same step. (PostgreSQL's
    whole upgrade is one transaction under an advisory lock: see migrations/env.py.)"""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    lock = Path(f"{url.database}.upgrade-lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield


def upgrade(database_url: str, revision: str = "head") -> None:
    with one_at_a_time(database_url):
        command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    with one_at_a_time(database_url):
        command.downgrade(alembic_config(database_url), revision)
