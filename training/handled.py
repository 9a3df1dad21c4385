"""Requests acted on once: a redelivered Teams activity, or one answer arriving twice."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session as DbSession
from sqlmodel import col

from training.models import HandledRequest


def first_time(db: DbSession, keys: Sequence[str | None], now: datetime) -> bool:
    """Record every key as handled; True only when none of them was handled before.

    Each key is inserted with ON CONFLICT DO NOTHING, so two deliveries at once cannot both
    see a key as new: on PostgreSQL the second waits for the first's commit and then finds it.
    """
    insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    first = True
    for key in dict.fromkeys(k[:300] for k in keys if k):
        added = db.execute(
            insert(HandledRequest)
            .values(key=key, handled_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(col(HandledRequest.key))
        ).first()
        first = first and added is not None
    return first


def was_handled(db: DbSession, key: str) -> bool:
    return db.get(HandledRequest, key[:300]) is not None
