"""The migrations are one chain whose file numbers follow it, and a database stamped with a
revision id from before they were renumbered upgrades to the same schema as a new one."""

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from database import migrate
from database.engine import make_engine
from database.old_revisions import OLD_REVISIONS
from tests.conftest import POSTGRES_URL

VERSIONS = migrate.MIGRATIONS / "versions"
RULE = "a branch that lands second renumbers its migration to follow the head"
README = "see the README, Changing the schema"


def _files() -> list[Path]:
    return sorted(VERSIONS.glob("*.py"))


def _ids(path: Path) -> tuple[object, object]:
    """A migration file's revision and down_revision, read without Alembic (which will not load
    a chain that names a revision no file has, as a branch from before a renumbering does)."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            found[node.target.id] = ast.literal_eval(node.value)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.literal_eval(node.value)
    return found.get("revision"), found.get("down_revision")


def test_the_file_numbers_follow_the_chain_to_one_head():
    before = None
    for number, path in enumerate(_files(), start=1):
        name = re.fullmatch(r"(\d{4})_(\w+)\.py", path.name)
        assert name, f"{path.name} should be named NNNN_<slug>.py: {RULE}"
        revision, down_revision = _ids(path)
        assert revision == name[2], (
            f"{path.name}'s revision id should be its slug, {name[2]!r}: {README}"
        )
        assert int(name[1]) == number, f"{path.name} should be numbered {number:04d}: {RULE}"
        assert down_revision == before, (
            f"{path.name} follows {down_revision!r}, not the file before it ({before!r}): {RULE}"
        )
        before = revision
    heads = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_heads()
    assert heads == [before], f"the migrations have heads {heads}: {RULE}"


RENUMBERED_HEAD = "files_to_download_by_link"  # the head when the ids became slugs (issue 18)


def test_every_old_revision_id_names_a_migration_and_none_is_a_new_id():
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    new_ids = {revision.revision for revision in script.walk_revisions()}
    assert sorted(OLD_REVISIONS) == [f"{n:04d}" for n in range(1, 21) if n != 16]
    # The map is closed: it names every migration up to the renumbering, and none after it.
    after = {r.revision for r in script.iterate_revisions("heads", RENUMBERED_HEAD)}
    assert sorted(OLD_REVISIONS.values()) == sorted(new_ids - after | {RENUMBERED_HEAD})
    assert not any(new.startswith(old) for old in OLD_REVISIONS for new in new_ids)


def _plain(described: Any) -> str:
    """One index or constraint as text (a partial index's condition is a clause, read as SQL)."""
    return json.dumps(described, sort_keys=True, default=str)


def _schema(url: str) -> dict[str, Any]:
    """Every table's columns, indexes, unique constraints, foreign keys and primary key."""
    engine = make_engine(url)
    with engine.connect() as connection:
        found = inspect(connection)
        schema = {
            table: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
                sorted(_plain(i) for i in found.get_indexes(table)),
                sorted(_plain(u) for u in found.get_unique_constraints(table)),
                sorted(_plain(f) for f in found.get_foreign_keys(table)),
                found.get_pk_constraint(table)["constrained_columns"],
            )
            for table in found.get_table_names()
            if table != "alembic_version"
        }
        schema["alembic_version"] = connection.execute(
            text("SELECT version_num FROM alembic_version")
        ).all()
    engine.dispose()
    return schema


def _stamp_as_before(url: str, old: str) -> None:
    """The version table as Alembic made it before the renumbering (32 characters), holding
    the old id."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(
            text(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,"
                " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
            )
        )
        connection.execute(text("INSERT INTO alembic_version VALUES (:old)"), {"old": old})
    engine.dispose()


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def fresh_and_empty(request, tmp_path, sqlite_template, postgres_migrated):
    """A fresh upgrade's schema, and an empty database of the same kind."""
    if request.param == "sqlite":
        yield _schema(f"sqlite:///{sqlite_template}"), f"sqlite:///{tmp_path / 'old.db'}"
        return
    fresh = _schema(postgres_migrated)
    migrate.downgrade(postgres_migrated, "base")
    yield fresh, postgres_migrated
    migrate.downgrade(postgres_migrated, "base")
    migrate.upgrade(postgres_migrated)


@pytest.mark.parametrize("old", sorted(OLD_REVISIONS))
def test_a_database_stamped_with_an_old_revision_id_upgrades_to_the_fresh_schema(
    old, fresh_and_empty
):
    fresh, url = fresh_and_empty
    # The migration files kept their contents: at the new id a database is what it was at the old.
    migrate.upgrade(url, OLD_REVISIONS[old])
    _stamp_as_before(url, old)

    migrate.upgrade(url)

    assert _schema(url) == fresh
