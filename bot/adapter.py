"""The Bot Framework CloudAdapter, configured from Settings."""

import logging

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, CallerIdConstants
from botframework.connector.auth import AuthenticationConstants

from bot.credentials import BotCredentials
from bot.framework_auth import ReusingBotFrameworkAuthentication
from config.settings import Settings

log = logging.getLogger(__name__)

PUBLIC_CLOUD_METADATA_URL = Settings.model_fields["bot_openid_metadata_url"].default
PUBLIC_CLOUD_LOGIN_URL = Settings.model_fields["bot_login_url"].default


class BotFrameworkConfig:
    """The attribute names botbuilder's configuration classes read."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.microsoft_app_id
        self.APP_PASSWORD = settings.microsoft_app_password.get_secret_value()
        # With no app id botbuilder disables authentication only for its multi-tenant factory.
        self.APP_TYPE = "MultiTenant" if settings.local_mode else settings.microsoft_app_type
        self.APP_TENANTID = settings.microsoft_app_tenant_id
        if (
            settings.bot_openid_metadata_url != PUBLIC_CLOUD_METADATA_URL
            or settings.bot_login_url != PUBLIC_CLOUD_LOGIN_URL
        ):
            # botbuilder then takes every endpoint from here, so give the public cloud's values
            # for all but where the signing keys live.
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.bot_openid_metadata_url
            self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = settings.bot_openid_metadata_url
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = (
                AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
            )
            self.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = (
                AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            )
            self.TO_CHANNEL_FROM_BOT_LOGIN_URL = settings.bot_login_url
            self.OAUTH_URL = AuthenticationConstants.OAUTH_URL
            self.CALLER_ID = CallerIdConstants.public_azure_channel
            self.VALIDATE_AUTHORITY = True


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    log.exception("turn failed", exc_info=error)
    sorry = "Sorry, something went wrong on my side. Please try again."
    try:
        if context.activity.type == ActivityTypes.invoke:
            body = {
                "statusCode": 200,
                "type": "application/vnd.microsoft.activity.message",
                "value": sorry,
            }
            await context.send_activity(
                Activity(
                    type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body)
                )
            )
        elif context.activity.type == ActivityTypes.message and not context.responded:
            await context.send_activity(sorry)
    except Exception:  # the connector itself may be what failed; the turn is over either way
        log.warning("could not tell the user about the failed turn", exc_info=True)


def create_adapter(settings: Settings, credentials: BotCredentials | None = None) -> CloudAdapter:
    """The adapter; pass `credentials` to share them (e.g. to fetch pictures from chat)."""
    configuration = BotFrameworkConfig(settings)
    credentials = credentials or BotCredentials(configuration, settings)
    adapter = CloudAdapter(
        ReusingBotFrameworkAuthentication(configuration, credentials_factory=credentials)
    )
    adapter.on_turn_error = _on_turn_error
    return adapter
