"""Notices caused by a turn (a seat came free, a session was cancelled) go through the outbox.

They are written before the turn answers, so once a person sees "done" the notices to others
are safely stored; the sender delivers them, once, even if the bot restarts in between.
"""

import hashlib
import uuid
from collections.abc import Sequence

from bot.sender import ProactiveSender
from bot.turn import Notice
from database.engine import Database
from delivery import outbox
from delivery.outbox import OutgoingMessage
from training.dates.clock import Clock


def notice_messages(notices: Sequence[Notice], request_key: str | None) -> list[OutgoingMessage]:
    """Outbox rows for a turn's notices; a redelivered activity maps to the same keys."""
    origin = request_key or uuid.uuid4().hex
    digest = hashlib.sha256(origin.encode()).hexdigest()[:24]
    return [
        OutgoingMessage(
            key=notice.key or f"notice:{digest}:{index}:to:{notice.staff_id}",
            kind="notice",
            staff_id=notice.staff_id,
            summary=notice.summary,
            card=notice.card,
        )
        for index, notice in enumerate(notices)
    ]


class Notifier:
    """Writes a turn's notices to the outbox and wakes the sender."""

    def __init__(self, database: Database, sender: ProactiveSender, clock: Clock) -> None:
        self._database = database
        self._sender = sender
        self._clock = clock

    async def send_soon(self, notices: Sequence[Notice], request_key: str | None = None) -> None:
        if not notices:
            return
        messages = notice_messages(notices, request_key)
        await self._database.run(outbox.enqueue, messages, self._clock.now())
        self._sender.wake()

    async def drain(self) -> None:
        """Deliver everything due now (used by tests and at shutdown)."""
        await self._sender.deliver_until_idle()
