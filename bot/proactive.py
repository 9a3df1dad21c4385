"""Messages the bot starts itself (a seat came free, a session was cancelled)."""

import asyncio
import json
import logging

from botbuilder.core import BotAdapter, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import ConversationReference

from bot.handlers import Notice
from bot.storage import Storage
from training.staff import personal_references

log = logging.getLogger(__name__)


class Notifier:
    """Sends notices after the turn that caused them, without holding up the reply."""

    def __init__(self, adapter: BotAdapter, storage: Storage, app_id: str) -> None:
        self._adapter = adapter
        self._storage = storage
        self._app_id = app_id
        self._pending: set[asyncio.Task[None]] = set()

    def send_soon(self, notices: list[Notice]) -> None:
        if not notices:
            return
        task = asyncio.create_task(self._send_all(notices))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait for notices already handed over (used at shutdown and by tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _send_all(self, notices: list[Notice]) -> None:
        references = await self._storage.run(personal_references, [n.staff_id for n in notices])
        for notice in notices:
            raw = references.get(notice.staff_id)
            if raw is None:
                log.warning("no conversation with staff %s; notice not sent", notice.staff_id)
                continue
            try:
                await self.send(ConversationReference().deserialize(json.loads(raw)), notice)
            except Exception:  # one person's failure must not stop the others
                log.exception("could not notify staff %s", notice.staff_id)

    async def send(self, reference: ConversationReference, notice: Notice) -> None:
        message = MessageFactory.attachment(CardFactory.adaptive_card(notice.card))
        message.summary = notice.summary

        async def deliver(context: TurnContext) -> None:
            await context.send_activity(message)

        await self._adapter.continue_conversation(reference, deliver, self._app_id)
