"""The Bot Framework CloudAdapter, configured from Settings."""

import logging

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ActivityTypes

from bot.reused_clients import ReusingBotFrameworkAuthentication
from training.settings import Settings

log = logging.getLogger(__name__)


class BotFrameworkConfig:
    """The attribute names botbuilder's configuration classes read."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.microsoft_app_id
        self.APP_PASSWORD = settings.microsoft_app_password.get_secret_value()
        self.APP_TYPE = settings.microsoft_app_type
        self.APP_TENANTID = settings.microsoft_app_tenant_id


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    log.exception("turn failed", exc_info=error)
    if context.activity.type == ActivityTypes.message and not context.responded:
        await context.send_activity("Sorry, something went wrong on my side. Please try again.")


def create_adapter(settings: Settings) -> CloudAdapter:
    adapter = CloudAdapter(ReusingBotFrameworkAuthentication(BotFrameworkConfig(settings)))
    adapter.on_turn_error = _on_turn_error
    return adapter
