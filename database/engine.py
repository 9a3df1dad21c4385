"""The one place that makes database engines and sessions (units of work)."""

import asyncio
import contextvars
import functools
import math
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import CursorResult, Delete, Engine, Update, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session as DbSession
from sqlmodel import create_engine

T = TypeVar("T")
P = ParamSpec("P")

# Threads for database work, apart from the event loop's default pool: a database that stops
# answering holds these, never the threads that check tokens or make files.
DATABASE_THREADS = 10


def normalise_url(url: str) -> str:
    """Accept the usual `postgres://` and `postgresql://` spellings and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


@dataclass(frozen=True)
class Timeouts:
    """How long to wait for PostgreSQL, in seconds (0: no limit). A server that stops
    answering (packets dropped, not refused) would otherwise hold a request for as long as TCP
    keeps trying; these make it fail fast instead, with a plain apology to the person."""

    connect: float = 0
    statement: float = 0
    pool: float = 30  # SQLAlchemy's own default wait for a free pooled connection


def _postgres_arguments(timeouts: Timeouts) -> dict[str, object]:
    arguments: dict[str, object] = {}
    if timeouts.connect:
        # libpq counts whole seconds, at least 2; the handshake counts too.
        arguments["connect_timeout"] = max(2, math.ceil(timeouts.connect))
    if timeouts.statement:
        milliseconds = math.ceil(timeouts.statement * 1000)
        arguments["options"] = f"-c statement_timeout={milliseconds}"
        # A connection whose sent packets go unacknowledged this long is dead: close it, so a
        # pooled connection to a vanished server fails where statement_timeout (enforced by the
        # server) cannot.
        arguments["tcp_user_timeout"] = milliseconds
        arguments["keepalives"] = 1
        arguments["keepalives_idle"] = 30
        arguments["keepalives_interval"] = 10
        arguments["keepalives_count"] = 3
    return arguments


def make_engine(url: str, timeouts: Timeouts = Timeouts()) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=20,
            pool_timeout=timeouts.pool,
            connect_args=_postgres_arguments(timeouts),
        )

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # We issue BEGIN ourselves (below); the driver's own implicit BEGIN is switched off.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        # Totals group and count a million rows: sort in memory, keep more pages cached.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MB per connection
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # SQLite has no row locks: IMMEDIATE takes the database's write lock at the start of
        # every transaction, so read-check-write steps (count seats, then book) cannot interleave.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def rows_changed(db: DbSession, statement: Update | Delete) -> int:
    """Run a bulk UPDATE or DELETE and say how many rows it changed."""
    result = db.execute(statement)
    assert isinstance(result, CursorResult)  # what the driver returns for a bulk write
    return result.rowcount


class Database:
    """Owns the engine; `unit_of_work()` is a transaction that commits on success."""

    def __init__(self, url: str, timeouts: Timeouts = Timeouts()) -> None:
        self.url = normalise_url(url)
        self.timeouts = timeouts
        self.engine = make_engine(self.url, timeouts)
        # SQLite allows one writer; queueing our own threads here avoids its busy-wait back-off
        # (sleeps of up to 100 ms). Other processes are still kept out by BEGIN IMMEDIATE.
        self._sqlite_writer = threading.Lock() if self.dialect == "sqlite" else None
        self._threads: ThreadPoolExecutor | None = None
        self._threads_lock = threading.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[DbSession]:
        with (
            self._sqlite_writer or nullcontext(),
            DbSession(self.engine, expire_on_commit=False) as session,
        ):
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    async def run(
        self, service: Callable[Concatenate[DbSession, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`service(db, *args, **kwargs)` in its own unit of work, on a worker thread; the
        arguments are checked against the service's own signature."""

        def work() -> T:
            with self.unit_of_work() as db:
                return service(db, *args, **kwargs)

        return await self.in_thread(work)

    async def in_thread(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`work(*args, **kwargs)`, which talks to the database, on one of the database's own
        threads (at most DATABASE_THREADS at once), with the caller's context (its log ids)."""
        with self._threads_lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(DATABASE_THREADS, thread_name_prefix="database")
            threads = self._threads
        call = functools.partial(contextvars.copy_context().run, work, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(threads, call)

    def dispose(self) -> None:
        with self._threads_lock:
            threads, self._threads = self._threads, None
        if threads is not None:
            # Work still waiting for the database is not waited for; a new call starts afresh.
            threads.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()
