"""Alembic environment: the URL comes from the caller (training.migrate) or from Settings."""

from alembic import context
from sqlmodel import SQLModel

import training.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from config.settings import Settings
from training.db import make_engine

url = context.config.attributes.get("database_url") or Settings().database_url

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


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
