"""Bot Framework authentication: clients reused across turns, and every bad token a 401.

botbuilder builds a new ConnectorClient and a new UserTokenClient for every turn; each builds an
msrest configuration whose retry policy set-up alone costs about 5 ms of CPU. Reusing them (per
app id, service URL and audience) is what lets the bot outpace the stock echo bot.
"""

import asyncio
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

import requests
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
    JwtTokenValidation,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)

MAX_CLIENTS = 256
# Token checks run on threads of their own: neither a database that stops answering (its own
# threads, database.engine) nor slow file-making can keep a request waiting to be let in.
TOKEN_CHECK_THREADS = 4


class AuthenticationUnavailable(Exception):
    """The Bot Framework's signing keys could not be fetched: the request can't be judged now."""


K = TypeVar("K")
V = TypeVar("V")


class _LruCache(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


def _app_id(claims_identity: ClaimsIdentity) -> str:
    claims = claims_identity.claims if claims_identity else None
    return JwtTokenValidation.get_app_id_from_claims(claims or {}) or ""


class _ReusingConnectorFactory(ConnectorFactory):  # type: ignore[misc]  # botframework ships no types
    def __init__(
        self,
        inner: ConnectorFactory,
        app_id: str,
        cache: _LruCache[tuple[str, str, str], ConnectorClient],
    ) -> None:
        self._inner = inner
        self._app_id = app_id
        self._cache = cache

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self._app_id, service_url, audience or "")
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._cache.put(key, client)
        return client


class ReusingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]  # botbuilder ships no types
    """The configured Bot Framework authentication, with its outbound clients kept and reused."""

    def __init__(
        self, configuration: object, credentials_factory: ServiceClientCredentialsFactory | None
    ) -> None:
        super().__init__(configuration, credentials_factory=credentials_factory)
        self._checks_tokens = bool(getattr(configuration, "APP_ID", ""))
        self._connectors: _LruCache[tuple[str, str, str], ConnectorClient] = _LruCache(MAX_CLIENTS)
        self._token_clients: _LruCache[str, UserTokenClient] = _LruCache(MAX_CLIENTS)
        self._threads = ThreadPoolExecutor(TOKEN_CHECK_THREADS, thread_name_prefix="token-check")

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        checking = super().authenticate_request(activity, auth_header)
        try:
            if self._checks_tokens:
                # botbuilder fetches signing keys with blocking `requests` calls inside this
                # coroutine; run it on its own loop in a worker thread so ours never stalls.
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self._threads, asyncio.run, checking)
            else:
                result = await checking
        except PermissionError:
            raise
        except requests.RequestException as unreachable:
            raise AuthenticationUnavailable("token signing keys unreachable") from unreachable
        except Exception as bad_token:
            # botbuilder reports a malformed or unverifiable token in many ways (jwt errors,
            # IndexError for an unknown key id, a bare Exception for endorsements): all are 401.
            raise PermissionError(f"invalid token: {type(bad_token).__name__}") from bad_token
        if result.connector_factory is not None:
            result.connector_factory = _ReusingConnectorFactory(
                result.connector_factory, _app_id(result.claims_identity), self._connectors
            )
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        inner = super().create_connector_factory(claims_identity)
        return _ReusingConnectorFactory(inner, _app_id(claims_identity), self._connectors)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = _app_id(claims_identity)
        client = self._token_clients.get(key)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._token_clients.put(key, client)
        return client
