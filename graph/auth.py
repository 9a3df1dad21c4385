"""App-only tokens from Entra ID, handed to msgraph-sdk as an async credential: msal with a
secret or certificate, or azure-identity where Azure gives the app an identity (managed identity,
workload identity federation) and no secret is needed."""

import asyncio
import time
from pathlib import Path
from typing import Any

import msal
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import AzureError
from azure.identity.aio import ManagedIdentityCredential, WorkloadIdentityCredential
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from config.settings import Settings
from graph.errors import GraphProblem

GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]
MICROSOFT_AUTHORITY_HOSTS = {"login.microsoftonline.com", "login.microsoft.com"}


class TrustingSession(requests.Session):
    """Passes `verify` on every request: a session-wide `verify` loses to REQUESTS_CA_BUNDLE."""

    def __init__(self, verify: str | bool, timeout: float = 30) -> None:
        super().__init__()
        self._verify = verify
        self._timeout = timeout

    def request(
        self, method: str, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs["verify"] = self._verify
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)


def _certificate_credential(path: str) -> dict[str, str]:
    """A PEM file with the private key and its certificate, as msal wants it."""
    pem = Path(path).read_bytes()
    certificate = x509.load_pem_x509_certificate(pem)
    return {
        "private_key": pem.decode(),
        "thumbprint": certificate.fingerprint(hashes.SHA1()).hex().upper(),  # x5t: SHA-1
        "public_certificate": certificate.public_bytes(Encoding.PEM).decode(),
    }


def build_confidential_client(settings: Settings) -> msal.ConfidentialClientApplication:
    """msal's client for the app, with an in-memory token cache shared by every Graph call."""
    host = settings.graph_authority_host.rstrip("/")
    if settings.graph_client_certificate_path:
        credential: dict[str, str] | str = _certificate_credential(
            settings.graph_client_certificate_path
        )
    else:
        credential = settings.graph_client_secret.get_secret_value()
    verify: str | bool = settings.graph_ca_bundle or True
    return msal.ConfidentialClientApplication(
        settings.graph_client_id,
        client_credential=credential,
        authority=f"{host}/{settings.graph_tenant_id}",
        # Instance discovery asks login.microsoftonline.com whether the host is an authority:
        # right for Microsoft's hosts, impossible for a sovereign or test authority.
        instance_discovery=host.split("//")[-1] in MICROSOFT_AUTHORITY_HOSTS,
        http_client=TrustingSession(verify),
        token_cache=msal.TokenCache(),
    )


class MsalCredential:
    """An azure-core style async credential over msal (which is synchronous: run off the loop)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # Built on first use, off the loop: msal's constructor already calls the authority.
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = asyncio.Lock()
        self.token_requests = 0  # how many times msal was asked (it answers most from its cache)

    async def get_token(self, *scopes: str, claims: str | None = None, **_: Any) -> AccessToken:
        async with self._lock:  # one token request at a time: the first fills msal's cache
            self.token_requests += 1
            result = await asyncio.to_thread(self._acquire, list(scopes), claims)
        if "access_token" not in result:
            raise GraphProblem(
                401,
                str(result.get("error", "token_error")),
                str(result.get("error_description", "Entra ID gave no token"))[:500],
            )
        return AccessToken(result["access_token"], int(time.time()) + int(result["expires_in"]))

    def _acquire(self, scopes: list[str], claims: str | None) -> dict[str, Any]:
        try:
            if self._app is None:
                self._app = build_confidential_client(self._settings)
            result: dict[str, Any] = self._app.acquire_token_for_client(
                scopes, claims_challenge=claims
            )
            return result
        except (requests.RequestException, ValueError) as error:
            return {"error": "authority_unreachable", "error_description": repr(error)}

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> "MsalCredential":
        return self

    async def __aexit__(self, *args: object) -> None:
        return None


class AzureIdentityCredential:
    """azure-identity's managed identity or workload identity credential, answering as
    MsalCredential does (a refusal is a GraphProblem, not an azure-core error)."""

    def __init__(self, settings: Settings) -> None:
        self.kind = "managed identity" if settings.graph_managed_identity else "workload identity"
        self._credential: ManagedIdentityCredential | WorkloadIdentityCredential
        if settings.graph_managed_identity:
            # A user-assigned identity is named by its client id; none means system-assigned.
            self._credential = ManagedIdentityCredential(client_id=settings.graph_client_id or None)
        else:
            host = settings.graph_authority_host.rstrip("/")
            self._credential = WorkloadIdentityCredential(
                tenant_id=settings.graph_tenant_id,
                client_id=settings.graph_client_id,
                token_file_path=settings.graph_federated_token_file,
                authority=host,
                disable_instance_discovery=host.split("//")[-1] not in MICROSOFT_AUTHORITY_HOSTS,
                connection_verify=settings.graph_ca_bundle or True,
            )
        self.token_requests = 0

    async def get_token(self, *scopes: str, claims: str | None = None, **_: Any) -> AccessToken:
        self.token_requests += 1
        try:
            return await self._credential.get_token(*scopes, claims=claims)
        except (AzureError, ValueError, OSError) as error:
            raise GraphProblem(
                401, "token_error", f"{self.kind} gave no token: {error}"[:500]
            ) from error

    async def close(self) -> None:
        await self._credential.close()

    async def __aenter__(self) -> "AzureIdentityCredential":
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.close()


def graph_credential(settings: Settings) -> MsalCredential | AzureIdentityCredential:
    """The credential the settings ask for: an Azure identity where one is named, else msal."""
    if settings.graph_managed_identity or (
        settings.graph_federated_token_file
        and not settings.graph_client_secret.get_secret_value()
        and not settings.graph_client_certificate_path
    ):
        return AzureIdentityCredential(settings)
    return MsalCredential(settings)
