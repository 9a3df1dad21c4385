"""Settings that would serve the wrong people refuse to start; another tenant's word is not
taken for who someone is."""

import os
import subprocess
import sys
from typing import Any

import pytest
from sqlmodel import select

from bot.app import create_app
from config.settings import RefusedToStart, Settings
from database.engine import Database
from tests.bot.harness import TENANT, texts_in
from training.models import Staff

PARTNER = "99999999-8888-7777-6666-555555555555"
APP_ID = "a1b2c3d4-0000-4000-8000-000000000001"


# What a deployed bot also needs: where managers' certificate links point, and their key.
LINKS = {"public_url": "https://wrapbot.example.gov.uk", "certificate_link_secret": "k" * 32}
DEPLOYED = {
    "MICROSOFT_APP_ID": APP_ID,
    "MICROSOFT_APP_PASSWORD": "x",
    "MICROSOFT_APP_TENANT_ID": "11111111-2222-3333-4444-555555555555",
    "PUBLIC_URL": "https://wrapbot.example.gov.uk",
    "CERTIFICATE_LINK_SECRET": "k" * 32,
}


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def test_single_tenant_is_the_default_app_type() -> None:
    assert _settings().microsoft_app_type == "SingleTenant"
    assert _settings(microsoft_app_type="multitenant").microsoft_app_type == "MultiTenant"
    with pytest.raises(ValueError, match="MICROSOFT_APP_TYPE"):
        _settings(microsoft_app_type="AnyTenant")


def test_an_app_id_with_no_tenant_refuses_to_start() -> None:
    settings = _settings(
        microsoft_app_id=APP_ID, microsoft_app_password="s", microsoft_app_type="MultiTenant"
    )
    assert not settings.tenant_allowed(TENANT)
    with pytest.raises(RefusedToStart, match="MICROSOFT_APP_TENANT_ID nor ALLOWED_TENANT_IDS"):
        settings.refuse_unsafe()


def test_the_allow_list_defaults_to_the_bots_own_tenant() -> None:
    settings = _settings(
        microsoft_app_id=APP_ID, microsoft_app_password="s", microsoft_app_tenant_id=TENANT, **LINKS
    )
    settings.refuse_unsafe()
    assert settings.tenant_allowed(TENANT.upper())
    assert not settings.tenant_allowed(PARTNER)
    assert not settings.tenant_allowed(None)


@pytest.mark.parametrize(
    "values, problem",
    [
        ({"microsoft_app_password": "s"}, "set MICROSOFT_APP_TENANT_ID"),
        ({"microsoft_app_tenant_id": TENANT}, "without MICROSOFT_APP_PASSWORD"),
    ],
)
def test_a_single_tenant_bot_needs_its_tenant_and_secret(values, problem) -> None:
    settings = _settings(microsoft_app_id=APP_ID, allowed_tenant_ids=[TENANT], **values)
    with pytest.raises(RefusedToStart, match=problem):
        settings.refuse_unsafe()


@pytest.mark.parametrize("missing", ["public_url", "certificate_link_secret"])
def test_an_app_id_needs_a_public_url_and_a_shared_link_secret(missing) -> None:
    values = {k: v for k, v in LINKS.items() if k != missing}
    settings = _settings(
        microsoft_app_id=APP_ID,
        microsoft_app_password="s",
        microsoft_app_tenant_id=TENANT,
        **values,
    )
    with pytest.raises(RefusedToStart, match="PUBLIC_URL or CERTIFICATE_LINK_SECRET"):
        settings.refuse_unsafe()


@pytest.mark.parametrize(
    "values, problem",
    [
        ({"certificate_link_secret": "k" * 31}, "CERTIFICATE_LINK_SECRET is 31 bytes"),
        ({"public_url": "http://wrapbot.example.gov.uk"}, "PUBLIC_URL is http://"),
        ({"graph_tenant_id": PARTNER}, f"GRAPH_TENANT_ID is {PARTNER}, not the bot's home"),
    ],
)
def test_links_and_graph_must_be_the_councils_own(values, problem) -> None:
    settings = _settings(
        microsoft_app_id=APP_ID,
        microsoft_app_password="s",
        microsoft_app_tenant_id=TENANT,
        **{**LINKS, **values},
    )
    with pytest.raises(RefusedToStart, match=problem):
        settings.refuse_unsafe()
    _settings(**{**values, "graph_tenant_id": TENANT}).refuse_unsafe()  # local mode: any


def test_a_federated_token_file_must_exist_and_be_the_only_credential(tmp_path) -> None:
    token = tmp_path / "token"
    graph = {"graph_tenant_id": TENANT, "graph_client_id": APP_ID}
    with pytest.raises(RefusedToStart, match=r"GRAPH_FEDERATED_TOKEN_FILE is .* does not exist"):
        _settings(graph_federated_token_file=str(token), **graph).refuse_unsafe()
    token.write_text("eyJ...")
    _settings(graph_federated_token_file=str(token), **graph).refuse_unsafe()
    with pytest.raises(RefusedToStart, match="together with GRAPH_CLIENT_SECRET"):
        _settings(
            graph_federated_token_file=str(token), graph_client_secret="s", **graph
        ).refuse_unsafe()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"])
def test_local_mode_may_listen_on_loopback(host: str) -> None:
    _settings(host=host).refuse_unsafe()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "wrapbot.example.gov.uk"])
def test_local_mode_refuses_any_other_address(host: str) -> None:
    with pytest.raises(RefusedToStart, match="listens only on this machine"):
        _settings(host=host).refuse_unsafe()


def test_create_app_refuses_unsafe_settings(database: Database) -> None:
    with pytest.raises(RefusedToStart):
        create_app(_settings(database_url=database.url, host="0.0.0.0"), database)


@pytest.mark.parametrize(
    "environment, says",
    [
        ({"HOST": "0.0.0.0"}, "listens only on this machine"),
        (
            {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "x"},
            "MICROSOFT_APP_TENANT_ID nor ALLOWED_TENANT_IDS",
        ),
        ({**DEPLOYED, "CERTIFICATE_LINK_SECRET": "short"}, "CERTIFICATE_LINK_SECRET is 5 bytes"),
        ({**DEPLOYED, "PUBLIC_URL": "http://wrapbot.example"}, "PUBLIC_URL is http://"),
        ({**DEPLOYED, "GRAPH_TENANT_ID": PARTNER}, "GRAPH_TENANT_ID is"),
        ({"GRAPH_FEDERATED_TOKEN_FILE": "/nowhere/token"}, "GRAPH_FEDERATED_TOKEN_FILE is"),
    ],
)
def test_the_bot_process_refuses_to_start(tmp_path, environment, says) -> None:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MICROSOFT_", "ALLOWED_", "GRAPH_", "PUBLIC_URL", "CERTIFICATE_"))
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        env={
            **clean,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "SCHEDULER_ENABLED": "false",
            **environment,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert says in done.stderr
    assert "listening" not in done.stdout


@pytest.mark.parametrize(
    "chat_settings",
    [
        {
            "microsoft_app_tenant_id": TENANT,
            "allowed_tenant_ids": [TENANT, PARTNER],
            "coordinators": ["pat.coordinator@example.gov.uk"],
        }
    ],
)
async def test_a_coordinator_named_by_email_is_one_only_in_the_home_tenant(chat, database):
    """A partner tenant's administrator can give anyone any email; only the council's own
    directory is believed."""
    impostor = chat.user("Mallory Partner", tenant=PARTNER)
    impostor.connector.members[impostor.user_id].update(
        email="pat.coordinator@example.gov.uk", userPrincipalName="pat@example.gov.uk"
    )
    refused = texts_in(await impostor.says("audit log"))
    assert refused == ["Only the Prevent coordinators and the auditors can read the audit log."]

    real = chat.user("Pat Coordinator", tenant=TENANT)
    assert texts_in(await real.says("audit log")) != refused

    with database.unit_of_work() as db:
        people = {s.display_name: s for s in db.exec(select(Staff))}
    # The partner's word did not attach the council's address to the impostor's record.
    assert people["Mallory Partner"].email is None
    assert people["Pat Coordinator"].email == "pat.coordinator@example.gov.uk"


@pytest.mark.parametrize(
    "headers, status",
    [
        # What a web page may send cross-site without asking first.
        ({"Content-Type": "text/plain;charset=application/json"}, 415),
        ({"Content-Type": "application/json", "Origin": "https://evil.example"}, 403),
        ({"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, 403),
        # A DNS name rebound to 127.0.0.1 still names itself in Host.
        ({"Content-Type": "application/json", "Host": "attacker.example:3978"}, 403),
    ],
)
async def test_local_mode_answers_no_web_page(chat, headers, status):
    """Nothing is authenticated in local mode: a page open in the developer's browser must not
    reach the bot on loopback, or it could read rosters and the audit log."""
    pat = chat.coordinator()
    activity = pat.activity(text="audit log")
    async with pat.http.post(pat.bot_url, json=activity, headers=headers) as response:
        assert response.status == status
    assert chat.connector.sent == []
    with chat.database.unit_of_work() as db:
        assert db.exec(select(Staff)).all() == []
    async with pat.http.post(pat.bot_url, json=activity) as response:  # the bot itself is fine
        assert response.status in (200, 201)
