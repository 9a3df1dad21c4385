"""A local Entra ID token endpoint over HTTPS on 127.0.0.1, with a test CA made here.

msal accepts only https authorities, so the test makes a CA and a server certificate for
127.0.0.1 with `cryptography`, serves OpenID discovery and the v2.0 token endpoint, and checks
client credentials: a secret, a certificate's signed client assertion (RS256), or a token from a
trusted outside issuer (workload identity federation). `LocalManagedIdentity` plays the identity
endpoint Azure App Service gives a process with a managed identity.
"""

import base64
import datetime as dt
import ipaddress
import itertools
import json
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CLIENT_SECRET = "test-secret-not-real"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# A federated identity credential on the app: tokens from this issuer about this subject.
FEDERATION_AUDIENCE = "api://AzureADTokenExchange"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class TestPki:
    """A CA, a TLS certificate for 127.0.0.1 signed by it, and an app certificate (PEM files)."""

    ca_file: Path
    server_cert_file: Path
    server_key_file: Path
    app_pem_file: Path
    app_public_key: rsa.RSAPublicKey

    @classmethod
    def create(cls, directory: Path) -> "TestPki":
        now = dt.datetime.now(dt.UTC)
        ca_key = _key()
        ca = (
            x509.CertificateBuilder()
            .subject_name(_name("wrapbot test CA"))
            .issuer_name(_name("wrapbot test CA"))
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        server_key = _key()
        server = (
            x509.CertificateBuilder()
            .subject_name(_name("127.0.0.1"))
            .issuer_name(ca.subject)
            .public_key(server_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        app_key = _key()
        app_cert = (
            x509.CertificateBuilder()
            .subject_name(_name("wrapbot app"))
            .issuer_name(_name("wrapbot app"))
            .public_key(app_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .sign(app_key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        files = {
            "ca.pem": ca.public_bytes(pem),
            "server.pem": server.public_bytes(pem),
            "server.key": server_key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            "app.pem": app_key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            + app_cert.public_bytes(pem),
        }
        for name, data in files.items():
            (directory / name).write_bytes(data)
        return cls(
            directory / "ca.pem",
            directory / "server.pem",
            directory / "server.key",
            directory / "app.pem",
            app_key.public_key(),
        )


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass
class LocalAuthority:
    pki: TestPki
    url: str = ""
    issued: set[str] = field(default_factory=set)
    token_requests: int = 0
    refused: list[str] = field(default_factory=list)
    # Other apps it knows (e.g. the bot's own Bot Framework app): client id -> (secret, scope).
    clients: dict[str, tuple[str, str]] = field(default_factory=dict)
    # The app's federated credential: the outside issuer's public key, its name and the subject.
    federation: tuple[rsa.RSAPublicKey, str, str] | None = None
    _runner: web.AppRunner | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.pki.server_cert_file, self.pki.server_key_file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"https://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _discovery(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        base = f"{self.url}/{tenant}"
        return web.json_response(
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "issuer": f"{base}/v2.0",
            }
        )

    def _assertion_ok(self, assertion: str, audience: str) -> bool:
        try:
            header, payload, signature = assertion.split(".")
            self.pki.app_public_key.verify(
                _b64decode(signature),
                f"{header}.{payload}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:  # any malformed or badly signed assertion is a refusal
            return False
        claims = json.loads(_b64decode(payload))
        return claims.get("aud") == audience and claims.get("iss") == CLIENT_ID

    def _federated_ok(self, assertion: str) -> bool:
        if self.federation is None:
            return False
        key, issuer, subject = self.federation
        try:
            header, payload, signature = assertion.split(".")
            key.verify(
                _b64decode(signature),
                f"{header}.{payload}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:  # any malformed or badly signed token is a refusal
            return False
        claims = json.loads(_b64decode(payload))
        return (
            claims.get("iss") == issuer
            and claims.get("sub") == subject
            and claims.get("aud") == FEDERATION_AUDIENCE
            and claims.get("exp", 0) > time.time()
        )

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        tenant = request.match_info["tenant"]
        endpoint = f"{self.url}/{tenant}/oauth2/v2.0/token"
        problem = None
        other = self.clients.get(str(form.get("client_id")))
        if tenant != TENANT:
            problem = "unknown tenant"
        elif other is not None:
            secret, scope = other
            if form.get("grant_type") != "client_credentials" or form.get("scope") != scope:
                problem = f"bad grant or scope {form.get('scope')}"
            elif form.get("client_secret") != secret:
                problem = "bad client secret"
        elif form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT_ID:
            problem = "bad client"
        elif form.get("scope") != GRAPH_SCOPE:
            problem = f"bad scope {form.get('scope')}"
        elif "client_assertion" in form:
            assertion = str(form["client_assertion"])
            if not (self._assertion_ok(assertion, endpoint) or self._federated_ok(assertion)):
                problem = "bad client assertion"
        elif form.get("client_secret") != CLIENT_SECRET:
            problem = "bad client secret"
        if problem:
            self.refused.append(problem)
            return web.json_response(
                {"error": "invalid_client", "error_description": problem}, status=401
            )
        token = f"token-{next(self._ids)}"
        self.issued.add(token)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
        )


@dataclass
class LocalManagedIdentity:
    """App Service's managed identity endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER): plain http on
    loopback, as Azure serves it to the process; its tokens are good at the local Graph."""

    issued: set[str]
    header: str = "identity-header-not-real"
    url: str = ""
    asked: list[dict[str, str]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/msi/token", self._token)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/msi/token"
        return self.url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _token(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.asked.append(query)
        if request.headers.get("X-IDENTITY-HEADER") != self.header:
            return web.json_response({"error": "unauthorized"}, status=401)
        if query.get("resource") != GRAPH_SCOPE.removesuffix("/.default"):
            return web.json_response({"error": "bad resource"}, status=400)
        token = f"mi-token-{next(self._ids)}"
        self.issued.add(token)
        return web.json_response(
            {
                "access_token": token,
                "expires_on": str(int(time.time()) + 3600),
                "resource": query["resource"],
                "token_type": "Bearer",
            }
        )
