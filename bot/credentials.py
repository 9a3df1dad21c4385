"""The bot's own Bot Framework credentials: the adapter's, and for downloads from chat.

A picture pasted into a Teams chat arrives as a `contentUrl` on the Bot Connector that answers
only with the bot's token; the same credentials (and msal's token cache) serve the adapter's
replies and those downloads. For a login endpoint other than Microsoft's public one (a
sovereign cloud, or the tests' local authority) msal is told not to ask login.microsoftonline.com
about it (instance discovery) and trusts BOT_CA_BUNDLE.
"""

import asyncio
from typing import Any

import msal
from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory
from botframework.connector.auth import AuthenticationConstants, MicrosoftAppCredentials
from msrest.authentication import Authentication

from config.settings import Settings
from graph.auth import TrustingSession

PUBLIC_LOGIN_URL = Settings.model_fields["bot_login_url"].default


class BotCredentials(ConfigurationServiceClientCredentialFactory):  # type: ignore[misc]  # botbuilder ships no types
    def __init__(self, configuration: Any, settings: Settings) -> None:
        super().__init__(configuration)
        self._settings = settings
        self._own: Authentication | None = None
        self._lock = asyncio.Lock()

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        credentials: Authentication = await super().create_credentials(
            app_id, oauth_scope, login_endpoint, validate_authority
        )
        custom = self._settings.bot_login_url != PUBLIC_LOGIN_URL
        if custom and isinstance(credentials, MicrosoftAppCredentials) and app_id:
            # botbuilder builds this lazily with msal's defaults; give it ours instead.
            credentials.app = msal.ConfidentialClientApplication(
                app_id,
                client_credential=credentials.microsoft_app_password,
                authority=credentials.oauth_endpoint,
                instance_discovery=False,
                http_client=TrustingSession(self._settings.bot_ca_bundle or True),
            )
        return credentials

    async def bot_token(self) -> str | None:
        """The bot's Bot Framework token (cached by msal), or None in local mode (no app id).

        Raises PermissionError when Entra ID refuses it."""
        app_id = self._settings.microsoft_app_id
        if not app_id:
            return None
        async with self._lock:
            if self._own is None:
                self._own = await self.create_credentials(
                    app_id,
                    AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
                    self._settings.bot_login_url,
                    True,
                )
            own = self._own
        # msal is synchronous and may call Entra ID: off the event loop.
        return await asyncio.to_thread(own.get_access_token)  # type: ignore[attr-defined]  # botframework's untyped AppCredentials adds it
