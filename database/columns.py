"""Column types shared by the models: aware UTC datetimes, and text cut to its column."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which has no zones) and on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_column(nullable: bool = False) -> Column[datetime]:
    """A column of aware UTC datetimes, for a model's `sa_column`."""
    return Column(UTCDateTime(), nullable=nullable)


def cut(value: str, column: Any) -> str:
    """`value` cut to the length of a model's string column (`Staff.display_name`), so text
    from outside (Entra names, Graph ids) stores the same on PostgreSQL as on SQLite."""
    length = getattr(getattr(column, "type", None), "length", None)
    return value[:length] if isinstance(length, int) else value


def cut_or_none(value: str | None, column: Any) -> str | None:
    return None if value is None else cut(value, column)
