"""Two staff rows that are one person become one: everything that names the duplicate moves to
the survivor, the survivor takes what only the duplicate knew (an email, a team), the duplicate
goes, and the merge is written to the audit log.

Written in SQL on the columns that name a person, not through the models, so migration 0008
(which merged the duplicates already in the database) runs this same code on the schema of its
day; a table or column that does not exist yet is skipped. A new table that names a person must
be added to `REFERENCES`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, inspect, text

from database.columns import UTCDateTime
from training.models import OPEN_CLAIM_SQL
from training.people.team_rule import COORDINATOR


@dataclass(frozen=True)
class Reference:
    """A column that names a person. With `once`, the person appears at most once per
    `unique_with` among the rows where `where` holds (`{t}` stands for the table): the
    survivor's row wins, and the duplicate's clashing row is deleted, or changed by the SET
    clause `on_clash` so the clash goes away."""

    table: str
    column: str
    once: bool = False
    unique_with: tuple[str, ...] = ()
    where: str = "1 = 1"
    on_clash: str | None = None


LIVE = "{t}.status IN ('booked', 'waitlisted', 'offered')"
OPEN_CLAIM = "{t}." + OPEN_CLAIM_SQL

REFERENCES = (
    Reference("audit_log", "actor_staff_id"),
    Reference("board_lead", "staff_id", once=True, unique_with=("board_id",)),
    Reference("board_update", "recorded_by_staff_id"),
    Reference("conversation_reference", "staff_id"),
    Reference("delivery_block", "staff_id", once=True),
    Reference("elearning_claim", "staff_id", True, ("course_id",), OPEN_CLAIM),
    Reference("export_download", "staff_id"),
    Reference("elearning_claim", "manager_staff_id"),
    Reference("elearning_claim", "decided_by_staff_id"),
    Reference("elearning_claim", "manager_approved_by_staff_id"),
    Reference("outbox", "staff_id"),
    Reference("training_session", "created_by_staff_id"),
    # Two live bookings on one session: the survivor's stays, the other is cancelled.
    Reference(
        "booking",
        "staff_id",
        True,
        ("session_id",),
        LIVE,
        on_clash="status = 'cancelled', cancelled_at = :now, updated_at = :now",
    ),
    Reference("calendar_invite", "staff_id", once=True, unique_with=("session_id",)),
    Reference("completion", "staff_id", True, ("session_id",), "{t}.session_id IS NOT NULL"),
    Reference("completion", "confirmed_by_staff_id"),
    Reference("feedback_request", "staff_id", once=True, unique_with=("session_id",)),
    Reference("feedback_response", "staff_id", once=True, unique_with=("session_id",)),
    Reference("session_attendance", "staff_id"),
    Reference("session_attendance", "resolved_by_staff_id"),
    Reference("session_attendance", "decided_by_staff_id"),
    Reference("team_mapping", "updated_by_staff_id"),
)
# What the survivor takes from the duplicate when it has none of its own: each group whole (a
# team with who set it, a department with when it was read), where the columns exist yet.
FILLED_FROM_DUPLICATE = (
    ("email",),
    ("aad_object_id",),
    ("team", "team_source"),
    ("department", "department_read_at"),
    ("organisation",),
)
# The survivor was last seen when either of them was (where the column exists yet).
LAST_SEEN = "last_seen_at"


def _with_now(sql: str) -> TextClause:
    return text(sql).bindparams(bindparam("now", type_=UTCDateTime()))


def _move(
    connection: Connection, ref: Reference, survivor: int, duplicate: int, now: datetime
) -> int:
    """Point the reference at the survivor; returns how many clashing rows were resolved."""
    table, column = ref.table, ref.column
    ids = {"survivor": survivor, "duplicate": duplicate}
    clashed = 0
    if ref.once:
        same = "".join(f" AND s.{c} = {table}.{c}" for c in ref.unique_with)
        clash = (
            f"{table}.{column} = :duplicate AND {ref.where.format(t=table)} AND EXISTS ("
            f"SELECT 1 FROM {table} s WHERE s.{column} = :survivor{same} "
            f"AND {ref.where.format(t='s')})"
        )
        if ref.on_clash is None:
            clashed = connection.execute(text(f"DELETE FROM {table} WHERE {clash}"), ids).rowcount
        else:
            statement = _with_now(f"UPDATE {table} SET {ref.on_clash} WHERE {clash}")
            clashed = connection.execute(statement, {**ids, "now": now}).rowcount
    connection.execute(
        text(f"UPDATE {table} SET {column} = :survivor WHERE {column} = :duplicate"), ids
    )
    return clashed


def _takes(group: tuple[str, ...], kept: dict[str, Any], given: dict[str, Any]) -> bool:
    """The survivor takes the duplicate's values when it has none; and a team a coordinator
    set wins over one read from the directory."""
    if kept[group[0]] is None:
        return given[group[0]] is not None
    set_by_hand = "team_source" in group and given["team_source"] == COORDINATOR
    return set_by_hand and kept["team_source"] != COORDINATOR


def _keep_latest_seen(connection: Connection, survivor: int, kept: Any, given: Any) -> None:
    if given is not None and (kept is None or given > kept):
        connection.execute(
            text(f"UPDATE staff SET {LAST_SEEN} = :seen WHERE id = :id"),
            {"seen": given, "id": survivor},
        )


def merge_staff(
    connection: Connection, survivor: int, duplicate: int, now: datetime, reason: str
) -> None:
    """Make `duplicate` part of `survivor`, in the caller's transaction."""
    if survivor == duplicate:
        raise ValueError("a person cannot be merged into themselves")
    inspector = inspect(connection)
    present = {
        table: {column["name"] for column in inspector.get_columns(table)}
        for table in {ref.table for ref in REFERENCES}.intersection(inspector.get_table_names())
    }
    clashes = []
    for ref in REFERENCES:
        if ref.column not in present.get(ref.table, ()):
            continue  # not in the schema of the day (migration 0008 runs this too)
        if _move(connection, ref, survivor, duplicate, now):
            clashes.append(f"{ref.table}.{ref.column}")
    staff_columns = {column["name"] for column in inspect(connection).get_columns("staff")}
    groups = [g for g in FILLED_FROM_DUPLICATE if staff_columns.issuperset(g)]
    columns = [name for group in groups for name in group]
    columns += [LAST_SEEN] if LAST_SEEN in staff_columns else []
    select_both = f"SELECT id, {', '.join(columns)} FROM staff WHERE id IN (:s, :d)"
    rows = {
        r[0]: r[1:] for r in connection.execute(text(select_both), {"s": survivor, "d": duplicate})
    }
    connection.execute(text("DELETE FROM staff WHERE id = :id"), {"id": duplicate})
    kept = dict(zip(columns, rows[survivor], strict=True))
    given = dict(zip(columns, rows[duplicate], strict=True))
    if LAST_SEEN in columns:
        _keep_latest_seen(connection, survivor, kept[LAST_SEEN], given[LAST_SEEN])
    for group in groups:
        if _takes(group, kept, given):
            assignments = ", ".join(f"{name} = :{name}" for name in group)
            connection.execute(
                text(f"UPDATE staff SET {assignments} WHERE id = :id"),
                {**{name: given[name] for name in group}, "id": survivor},
            )
    detail = f"staff {duplicate} merged into staff {survivor}: {reason}"
    if clashes:
        detail += f"; the survivor's row kept where both had one ({', '.join(clashes)})"
    connection.execute(
        _with_now(
            "INSERT INTO audit_log (at, actor_staff_id, action, subject, detail) "
            "VALUES (:now, NULL, 'staff.merge', :subject, :detail)"
        ),
        {"now": now, "subject": f"staff {survivor}", "detail": detail[:2000]},
    )
