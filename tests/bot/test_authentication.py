"""With an app id configured, only requests carrying a valid Bot Framework token are served.

The test publishes its own OpenID configuration and signing keys on loopback (the metadata URL is
a setting), and signs good and bad tokens with them.
"""

import json
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import func, select

from bot.app import create_app
from config.settings import Settings
from tests.bot.harness import TENANT, LocalConnector, TeamsUser
from training.models import Staff

APP_ID = "a1b2c3d4-0000-4000-8000-000000000001"
ISSUER = "https://api.botframework.com"
KEY_ID = "test-signing-key"
PASSWORD = "not-a-real-secret-5f1e"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = _private_key()
FORGER_KEY = _private_key()


async def _signing_keys_server() -> tuple[web.AppRunner, str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(SIGNING_KEY.public_key()))
    jwk.update(kid=KEY_ID, use="sig", endorsements=["msteams", "webchat"])
    app = web.Application()

    async def metadata(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": ISSUER,
                "jwks_uri": f"{request.url.origin()}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def keys(request: web.Request) -> web.Response:
        return web.json_response({"keys": [jwk]})

    app.router.add_get("/openid", metadata)
    app.router.add_get("/keys", keys)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/openid"


def token(service_url: str, *, key=SIGNING_KEY, kid=KEY_ID, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": now - 60,
        "exp": now + 3600,
        **overrides,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
async def secured(database, clock) -> AsyncIterator[tuple[TeamsUser, str]]:
    keys_runner, metadata_url = await _signing_keys_server()
    connector = LocalConnector()
    await connector.start()
    settings = Settings(
        _env_file=None,
        database_url=database.url,
        microsoft_app_id=APP_ID,
        microsoft_app_password="not-a-real-secret",
        microsoft_app_tenant_id=TENANT,
        bot_openid_metadata_url=metadata_url,
        public_url="https://wrapbot.example.gov.uk",
        certificate_link_secret="a-secret-every-replica-shares-0123456789",
    )
    runner = web.AppRunner(create_app(settings, database, clock), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http:
        user = TeamsUser(http, f"http://127.0.0.1:{port}/api/messages", connector, "Megan Bowen")
        yield user, connector.url
    await runner.cleanup()
    await connector.stop()
    await keys_runner.cleanup()


async def _post(user: TeamsUser, authorization: str | None) -> int:
    # An invoke answers in the HTTP response, so a good token needs no outbound call to succeed.
    activity = user.activity(
        "invoke",
        name="adaptiveCard/action",
        channelId="webchat",
        value={"action": {"verb": "list_sessions", "data": {}}},
    )
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    async with user.http.post(user.bot_url, data=json.dumps(activity), headers=headers) as r:
        return r.status


def _people(database) -> int:
    with database.unit_of_work() as db:
        return db.exec(select(func.count()).select_from(Staff)).one()


async def test_a_valid_token_is_served_and_the_password_never_logged(secured, database, caplog):
    user, service_url = secured
    with caplog.at_level(logging.DEBUG):
        assert await _post(user, f"Bearer {token(service_url)}") == 200
        assert await _post(user, f"Bearer {token(service_url, key=FORGER_KEY)}") == 401
    assert _people(database) == 1
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "not a jwt",
        "forged",
        "expired",
        "wrong audience",
        "wrong issuer",
        "unknown key",
        "other service url",
        "basic scheme",
    ],
)
async def test_a_bad_token_gets_401_and_nothing_is_processed(secured, database, case):
    user, service_url = secured
    header = {
        "missing": None,
        "not a jwt": "Bearer abc.def.ghi",
        "forged": f"Bearer {token(service_url, key=FORGER_KEY)}",
        "expired": f"Bearer {token(service_url, exp=int(time.time()) - 3600)}",
        "wrong audience": f"Bearer {token(service_url, aud='someone-elses-bot')}",
        "wrong issuer": f"Bearer {token(service_url, iss='https://evil.example.com')}",
        "unknown key": f"Bearer {token(service_url, kid='no-such-key')}",
        "other service url": f"Bearer {token('https://evil.example.com/')}",
        "basic scheme": "Basic dXNlcjpwYXNz",
    }[case]
    assert await _post(user, header) == 401
    assert _people(database) == 0


async def test_with_only_the_bots_tenant_set_another_tenant_is_refused(secured, database):
    """ALLOWED_TENANT_IDS is empty here: the bot's own tenant is the allow-list."""
    user, service_url = secured
    outsider = TeamsUser(
        user.http, user.bot_url, user.connector, "Olga Outsider", tenant=OTHER_TENANT
    )
    activity = outsider.activity(
        "invoke",
        name="adaptiveCard/action",
        channelId="webchat",
        value={"action": {"verb": "list_sessions", "data": {}}},
    )
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token(service_url)}"}
    async with user.http.post(user.bot_url, data=json.dumps(activity), headers=headers) as r:
        answer = await r.json()
    assert "only serves the council's own" in json.dumps(answer)
    assert _people(database) == 0
    assert await _post(user, f"Bearer {token(service_url)}") == 200
    assert _people(database) == 1
