"""Which outbox senders are alive, so a dead one's claims are taken back at once.

On PostgreSQL each sender holds a session advisory lock named after it, on a connection of its
own, for as long as it runs. When its process dies (kill -9, a crash, a lost machine) the
connection closes and the lock is free: any other sender that can take that lock knows the
claims under that name are orphaned and releases them, instead of waiting for their lease to
run out. The same holds for a sender whose connection to the database was cut: its claims are
released, and its own re-check before each send stops it sending any of them.

On SQLite there is one process, so the senders alive are the ones in this process.
"""

import contextlib
import hashlib
import logging
import threading

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from database.engine import Database, normalise_url
from delivery import outbox

log = logging.getLogger(__name__)

_ALIVE_HERE: set[str] = set()
_ALIVE_HERE_LOCK = threading.Lock()


def lock_key(worker: str) -> int:
    """A 64-bit advisory lock key for a sender's name."""
    return int.from_bytes(
        hashlib.sha256(b"wrapbot-sender:" + worker.encode()).digest()[:8], "big", signed=True
    )


class SenderLiveness:
    """Registers this sender as alive and releases the claims of senders that are not."""

    def __init__(self, database: Database) -> None:
        self._database = database
        url = normalise_url(database.url)
        self._shared = make_url(url).get_backend_name() == "postgresql"
        self._engine = (
            create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
            if self._shared
            else None
        )
        self._connection: Connection | None = None
        self.worker: str | None = None

    def alive_as(self, worker: str) -> bool:
        """Hold `worker`'s mark of life (again, if it was lost); False if that cannot be done now.

        A sender whose mark was lost must take a new name: its old claims may be released."""
        if not self._shared:
            with _ALIVE_HERE_LOCK:
                _ALIVE_HERE.add(worker)
            self.worker = worker
            return True
        if self._connection is not None and self.worker == worker:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception:  # the connection died, and with it the lock
                log.warning("the outbox sender lost its database connection", exc_info=True)
                self._drop()
                return False
        self._drop()
        assert self._engine is not None
        connection = self._engine.connect()
        taken = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(worker)}
        ).scalar()
        if not taken:
            connection.close()
            return False
        self._connection, self.worker = connection, worker
        return True

    def release_the_dead(self, now_holders: list[str]) -> int:
        """Release the claims of every sender in `now_holders` that is not alive."""
        released = 0
        for holder in now_holders:
            if holder == self.worker:
                continue
            if not self._shared:
                with _ALIVE_HERE_LOCK:
                    dead = holder not in _ALIVE_HERE
                if dead:
                    released += self._release(holder)
                continue
            assert self._connection is not None
            key = {"key": lock_key(holder)}
            if self._connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar():
                try:
                    released += self._release(holder)
                finally:
                    self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)
        return released

    def _release(self, holder: str) -> int:
        with self._database.unit_of_work() as db:
            released = outbox.release_claims(db, holder)
        if released:
            log.warning("took back %s outbox claims of a sender that died (%s)", released, holder)
        return released

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing it frees the lock anyway
                self._connection.close()
            self._connection = None

    def close(self) -> None:
        if self.worker is not None:
            with _ALIVE_HERE_LOCK:
                _ALIVE_HERE.discard(self.worker)
        self._drop()
        if self._engine is not None:
            self._engine.dispose()
