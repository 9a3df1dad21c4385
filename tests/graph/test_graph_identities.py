"""Graph without a secret: a managed identity, or workload identity federation, through
azure-identity's real credentials against a local identity endpoint and the local authority."""

import time
from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from graph.auth import AzureIdentityCredential, MsalCredential
from graph.client import GraphClient
from graph.errors import GraphProblem
from tests.graph.fixtures import graph_settings
from tests.graph.local_authority import CLIENT_ID, FEDERATION_AUDIENCE, LocalManagedIdentity
from tests.graph.local_graph import at

START = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
ISSUER = "https://oidc.aks.example.net/issuer/"
SUBJECT = "system:serviceaccount:wrapbot:bot"


async def _meeting(graph: GraphClient) -> str:
    meeting = await graph.create_teams_meeting(
        transaction_id="identity-1", subject="WRAP", starts_at=START, ends_at=at(START, 120)
    )
    return meeting.event_id


@pytest.fixture
async def identity_endpoint(authority, monkeypatch):
    endpoint = LocalManagedIdentity(authority.issued)
    url = await endpoint.start()
    for name in ("MSI_ENDPOINT", "MSI_SECRET", "IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IDENTITY_ENDPOINT", url)
    monkeypatch.setenv("IDENTITY_HEADER", endpoint.header)
    yield endpoint
    await endpoint.stop()


@pytest.mark.parametrize("user_assigned", [False, True])
async def test_a_managed_identity_needs_no_secret(
    authority, graph_server, pki, tmp_path, identity_endpoint, user_assigned
):
    settings = graph_settings(
        authority,
        graph_server,
        pki,
        tmp_path,
        graph_managed_identity=True,
        graph_client_secret="",
        graph_client_id=CLIENT_ID if user_assigned else "",
        graph_tenant_id="",
    )
    assert settings.graph_configured
    graph = GraphClient(settings)
    try:
        assert isinstance(graph.credential, AzureIdentityCredential)
        assert await _meeting(graph) in graph_server.events
    finally:
        await graph.close()
    assert authority.token_requests == 0  # no secret went to Entra ID
    [asked] = identity_endpoint.asked  # one token, reused
    assert asked.get("client_id") == (CLIENT_ID if user_assigned else None)


async def test_a_refused_managed_identity_is_a_clear_graph_problem(
    authority, graph_server, pki, tmp_path, identity_endpoint
):
    identity_endpoint.header = "something else"
    settings = graph_settings(
        authority, graph_server, pki, tmp_path, graph_managed_identity=True, graph_client_secret=""
    )
    graph = GraphClient(settings)
    try:
        with pytest.raises(GraphProblem) as refused:
            await _meeting(graph)
    finally:
        await graph.close()
    assert refused.value.status == 401
    assert "managed identity gave no token" in str(refused.value)
    assert graph_server.events == {}


def _federated_token(tmp_path, key: rsa.RSAPrivateKey, subject: str = SUBJECT) -> str:
    now = int(time.time())
    token = jwt.encode(
        {"iss": ISSUER, "sub": subject, "aud": FEDERATION_AUDIENCE, "iat": now, "exp": now + 600},
        key,
        algorithm="RS256",
    )
    path = tmp_path / "federated-token"
    path.write_text(token)
    return str(path)


@pytest.mark.parametrize("subject, works", [(SUBJECT, True), ("system:serviceaccount:x:y", False)])
async def test_workload_identity_federation_exchanges_a_trusted_token(
    authority, graph_server, pki, tmp_path, subject, works
):
    issuer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    authority.federation = (issuer_key.public_key(), ISSUER, SUBJECT)
    settings = graph_settings(
        authority,
        graph_server,
        pki,
        tmp_path,
        graph_client_secret="",
        graph_federated_token_file=_federated_token(tmp_path, issuer_key, subject),
    )
    assert settings.graph_configured
    graph = GraphClient(settings)
    try:
        assert isinstance(graph.credential, AzureIdentityCredential)
        if works:
            assert await _meeting(graph) in graph_server.events
        else:
            with pytest.raises(GraphProblem, match="workload identity gave no token"):
                await _meeting(graph)
            assert authority.refused == ["bad client assertion"]
    finally:
        await graph.close()


async def test_a_secret_or_certificate_still_goes_through_msal(
    authority, graph_server, pki, tmp_path
):
    graph = GraphClient(graph_settings(authority, graph_server, pki, tmp_path))
    try:
        assert isinstance(graph.credential, MsalCredential)
    finally:
        await graph.close()
