"""Alembic environment: the URL comes from the caller (database.migrate) or from Settings."""

from typing import Any

from alembic import context
from sqlalchemy import Connection, text
from sqlmodel import SQLModel

import training.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from config.settings import Settings
from database.engine import make_engine
from database.old_revisions import restamp

url = context.config.attributes.get("database_url") or Settings().database_url

# 'migrate' in ASCII: replicas starting together upgrade one at a time (the scheduler's leader
# lock is another key).
UPGRADE_LOCK_KEY = 0x6D696772617465

# Tables other libraries manage themselves: APScheduler's job store creates `apscheduler_jobs`.
FOREIGN_TABLES = {"apscheduler_jobs"}


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run_migrations_offline() -> None:
    context.configure(
        url=url,
        target_metadata=SQLModel.metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_pragma(connection: Connection, pragma: str) -> list[Any]:
    """Outside any transaction, where SQLite honours the foreign_keys pragma."""
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    return list(dbapi.execute(f"PRAGMA {pragma}").fetchall())


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild a table (copy, drop, rename); with foreign keys on, SQLite
            # refuses to drop a table others point at. Checked again once the migrations ran.
            _sqlite_pragma(connection, "foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Held until this transaction (the whole upgrade) commits: a replica that
                # waited here then reads the version the first wrote and has nothing left to
                # do. (SQLite takes turns on a lock file: database.migrate.one_at_a_time.)
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK_KEY}
                )
            # A database stamped before the migrations were renumbered moves to the new id first.
            restamp(connection)
            if sqlite:
                connection.commit()  # as each migration does here: SQLite has no outer transaction
            context.run_migrations()
        if sqlite:
            broken = _sqlite_pragma(connection, "foreign_key_check")
            _sqlite_pragma(connection, "foreign_keys=ON")
            if broken:
                raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
