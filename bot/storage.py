"""Runs domain services in a unit of work on a worker thread, off the event loop."""

from collections.abc import Callable
from typing import Any, TypeVar

from training.db import Database

T = TypeVar("T")


class Storage:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def run(self, service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`service(db, *args, **kwargs)` in its own transaction; committed if it returns."""
        return await self.database.run(service, *args, **kwargs)
