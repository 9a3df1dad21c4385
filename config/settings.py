"""The one settings class, read from the environment (and an optional `.env` file)."""

import ipaddress
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[list[str], NoDecode]
CommaInts = Annotated[list[int], NoDecode]

# How botbuilder signs the bot in: Azure creates single-tenant bots (or a user-assigned managed
# identity); multi-tenant is kept for bots registered before that.
APP_TYPES = ("SingleTenant", "MultiTenant", "UserAssignedMSI")
# The shortest download-link key accepted outside local mode: as long as its HMAC-SHA256 output.
LINK_SECRET_BYTES = 32


class RefusedToStart(RuntimeError):
    """Settings that would serve people they must not (see Settings.start_problems)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("wrapbot will not start: " + " ".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = "sqlite:///var/wrapbot.db"
    # PostgreSQL: how long to wait for a connection, for one statement, and for a free pooled
    # connection, so a database that stops answering fails requests in seconds, not minutes.
    database_connect_timeout_seconds: float = Field(default=5, ge=0)
    database_statement_timeout_seconds: float = Field(default=30, ge=0)
    database_pool_timeout_seconds: float = Field(default=10, gt=0)
    host: str = "127.0.0.1"
    port: int = 3978

    microsoft_app_id: str = ""
    microsoft_app_password: SecretStr = SecretStr("")
    microsoft_app_tenant_id: str = ""
    microsoft_app_type: str = "SingleTenant"
    # Where the Bot Framework publishes its token signing keys; tests point it at loopback.
    bot_openid_metadata_url: str = (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )
    # Where the bot gets its own Bot Framework token (to reply, and to fetch pictures pasted into
    # chat), and a CA bundle to trust for it; tests point them at a local authority.
    bot_login_url: str = "https://login.microsoftonline.com/botframework.com"
    bot_ca_bundle: str = ""
    # The bot's public origin (its messaging endpoint without /api/messages), for the short-lived
    # certificate download links managers get; empty: http://HOST:PORT (local use).
    public_url: str = ""
    # Signs those links; empty: a random key each start (links then die with the process).
    # Both are required with an app id (see start_problems).
    certificate_link_secret: SecretStr = SecretStr("")
    certificate_link_minutes: int = Field(default=10, ge=1, le=60)
    # How exports, reports and rosters reach people: Teams' file consent card (saved to their
    # OneDrive), or a signed download link from the bot (signed with the same key) for clients
    # that cannot take file consent; `auto` gives links in local mode (the Agents Playground).
    export_delivery: Literal["auto", "consent", "link"] = "auto"
    export_link_minutes: int = Field(default=10, ge=1, le=60)
    allowed_tenant_ids: CommaList = Field(default_factory=list)
    coordinators: CommaList = Field(default_factory=list)
    # An Entra group (object id) whose members, nested groups included, are coordinators too;
    # read through Graph at start and every few minutes after. Empty: COORDINATORS only.
    coordinator_group_id: str = ""
    coordinator_group_refresh_minutes: float = Field(default=10, gt=0)
    # Least privilege: people who may see the figures (totals, the board report, exports
    # without names), and people who may read the audit log; each also from an optional Entra
    # group, read like the coordinators' (every COORDINATOR_GROUP_REFRESH_MINUTES).
    reporters: CommaList = Field(default_factory=list)
    reporter_group_id: str = ""
    auditors: CommaList = Field(default_factory=list)
    auditor_group_id: str = ""

    # The Teams app package (`make package`): the app's own id is fixed for the product; the
    # domain is where this bot is served over HTTPS.
    teams_app_id: str = "0c4676de-8fd3-48cc-b866-4022eae7b4f8"
    teams_app_version: str = "1.0.0"
    bot_domain: str = ""

    time_zone: str = "Europe/London"
    log_level: str = "INFO"
    log_json: bool = False
    default_cancellation_cutoff_hours: int = 24
    # A seat someone booked may be given back this long after, even inside the cut-off.
    booking_undo_minutes: int = Field(default=30, ge=0, le=24 * 60)
    # A seat freed less than this many days before its session is offered to the first person
    # waiting (0: never, it is given), for this many hours but never past the cut-off.
    seat_offer_window_days: int = Field(default=3, ge=0, le=60)
    seat_offer_hours: int = Field(default=12, ge=1, le=168)
    # Training records older than this are deleted or anonymised
    # (training/data_protection/retention.py).
    retention_years: int = 6
    # Per person: this many activities at once, then this many a second.
    rate_limit_burst: int = 10
    rate_limit_per_second: float = 1.0
    # Days after a session ends in which people may give (and change) their feedback.
    feedback_edit_days: int = Field(default=5, ge=0, le=60)
    # Days after a session ends that its facilitators may still take its register.
    register_open_days: int = Field(default=14, ge=0, le=365)

    # Microsoft Graph (attendance reports, Teams meetings, managers). With no client id and no
    # secret or certificate, Graph is "not configured" and the bot says so instead of calling it.
    graph_tenant_id: str = ""
    graph_client_id: str = ""
    graph_client_secret: SecretStr = SecretStr("")
    # A PEM file holding the app's private key and its certificate (instead of a secret).
    graph_client_certificate_path: str = ""
    # Or no secret at all where Azure gives an identity: the app's managed identity (App Service,
    # Container Apps, a VM; GRAPH_CLIENT_ID then names a user-assigned one), or a token file from
    # a trusted issuer exchanged for the app's token (workload identity federation, e.g. AKS).
    graph_managed_identity: bool = False
    graph_federated_token_file: str = ""
    graph_authority_host: str = "https://login.microsoftonline.com"
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    # A CA bundle (PEM) to trust for the authority and Graph; empty means the system's trust.
    graph_ca_bundle: str = ""
    # The mailbox (Entra object id or UPN) that organises the council's Teams sessions.
    graph_organiser: str = ""

    # A session's Teams event gets at most one attendee-list write per this many minutes
    # (bookings in between are written together); a session's new time is never held back.
    calendar_update_minutes: int = Field(default=15, ge=0, le=1440)

    # Attendance: the share of a session's scheduled time someone must attend to complete it,
    # unless the course sets its own; and when to look for reports after a session ends.
    completion_threshold_percent: int = Field(default=75, ge=1, le=100)
    attendance_retry_minutes: CommaList = Field(default_factory=lambda: ["5", "30", "120", "1440"])
    attendance_lookback_days: int = 14

    # E-learning certificates: where versions before migration 0018 kept them (that upgrade
    # moves them into the database), and the largest file accepted.
    elearning_course_code: str = "HO-ELEARN"
    certificate_dir: str = "var/certificates"
    certificate_max_bytes: int = 5 * 1024 * 1024
    # A manager the person names themselves (the directory has none) must first be approved
    # by a coordinator before the claim goes to them.
    named_manager_needs_approval: bool = False
    # Hosts files attached in chat may be fetched from (besides the Bot Connector that sent
    # the message): exact names, or `*.example.com` for any name under example.com. Teams keeps
    # chat files in the tenant's OneDrive and SharePoint (`contoso-my.sharepoint.com`).
    download_hosts: CommaList = Field(default_factory=lambda: ["*.sharepoint.com"])

    # Reminders. Days before a board's due date on which its lead is reminded.
    reminder_offsets_days: CommaInts = Field(default_factory=lambda: [28, 7, 1])
    reminder_hour: int = Field(default=9, ge=0, le=23)  # UK hour reminders fall due at
    # The scheduler runs in the bot process; off in tests that don't need it.
    scheduler_enabled: bool = True
    reminder_sweep_minutes: float = Field(default=10, gt=0)
    # A run missed while the bot was down still happens once if it is at most this late.
    scheduler_misfire_grace_seconds: int = 7 * 24 * 3600
    # How often a standby replica tries to take over the scheduler (PostgreSQL advisory lock).
    scheduler_leader_poll_seconds: float = Field(default=15, gt=0)
    # The outbox: how often it is polled, how long a claim lasts (renewed before each send), how
    # often a message is tried, and how many sends one process has in flight at once (at most
    # that many may arrive twice if the process is killed).
    outbox_poll_seconds: float = Field(default=5, gt=0)
    outbox_lease_seconds: int = Field(default=60, ge=20)
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_concurrency: int = Field(default=8, ge=1)
    # Teams's documented limit per app per tenant, and the share of it we allow ourselves, so
    # network jitter does not push requests over the line.
    teams_requests_per_second: int = Field(default=50, gt=0)
    teams_rate_headroom: float = Field(default=0.8, gt=0, le=1)

    @field_validator("reminder_offsets_days", mode="before")
    @classmethod
    def _split_ints(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.split(",") if part.strip()]
        return value

    @field_validator(
        "allowed_tenant_ids",
        "coordinators",
        "reporters",
        "auditors",
        "attendance_retry_minutes",
        "download_hosts",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("microsoft_app_type")
    @classmethod
    def _known_app_type(cls, value: str) -> str:
        for known in APP_TYPES:
            if value.strip().lower() == known.lower():
                return known
        raise ValueError(f"MICROSOFT_APP_TYPE must be one of {', '.join(APP_TYPES)}")

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def graph_configured(self) -> bool:
        if self.graph_managed_identity:
            return True
        return bool(
            self.graph_client_id
            and self.graph_tenant_id
            and (
                self.graph_client_secret.get_secret_value()
                or self.graph_client_certificate_path
                or self.graph_federated_token_file
            )
        )

    @property
    def attendance_retry_offsets(self) -> list[int]:
        """Minutes after a session ends at which to look for its attendance reports."""
        return sorted(int(m) for m in self.attendance_retry_minutes if m.strip().isdigit())

    @property
    def exports_by_link(self) -> bool:
        return self.export_delivery == "link" or (
            self.export_delivery == "auto" and self.local_mode
        )

    @property
    def local_mode(self) -> bool:
        """No app id: the bot accepts unauthenticated requests, as the Bot Framework samples do."""
        return not self.microsoft_app_id

    @property
    def served_tenant_ids(self) -> frozenset[str]:
        """The tenants served: ALLOWED_TENANT_IDS, or else the bot's own tenant."""
        listed = self.allowed_tenant_ids or [self.microsoft_app_tenant_id]
        return frozenset(t.strip().lower() for t in listed if t.strip())

    def tenant_allowed(self, tenant_id: str | None) -> bool:
        served = self.served_tenant_ids
        if not served:
            # Only reachable in local mode: start_problems() refuses an app id with no tenant.
            return self.local_mode
        return tenant_id is not None and tenant_id.lower() in served

    @property
    def home_tenant_id(self) -> str:
        """The council's own tenant (lower case): MICROSOFT_APP_TENANT_ID, else the one tenant
        served, else the Graph tenant; "" when none is set (local mode only)."""
        home = self.microsoft_app_tenant_id.strip().lower()
        if not home and len(self.served_tenant_ids) == 1:
            (home,) = self.served_tenant_ids
        return home or self.graph_tenant_id.strip().lower()

    def is_home_tenant(self, tenant_id: str | None) -> bool:
        """Whether an activity comes from the council's own tenant, whose directory vouches for
        the emails Teams reports (another tenant's administrator can set them to anything)."""
        home = self.microsoft_app_tenant_id.strip().lower()
        if not home and len(self.served_tenant_ids) == 1:
            (home,) = self.served_tenant_ids
        if not home:
            return self.local_mode
        return tenant_id is not None and tenant_id.lower() == home

    def start_problems(self) -> list[str]:
        """Why these settings must not serve anyone (empty: they may). Checked before the bot
        listens, so a missing setting refuses to start rather than serving everyone."""
        problems = self._graph_problems()
        if self.local_mode:
            if not _loopback(self.host):
                problems.append(
                    f"HOST is {self.host}, but with no MICROSOFT_APP_ID requests are not "
                    "authenticated (local mode), so the bot listens only on this machine: use "
                    "HOST=127.0.0.1 (or ::1), or set MICROSOFT_APP_ID and its tenant."
                )
            return problems
        if not self.served_tenant_ids:
            problems.append(
                "MICROSOFT_APP_ID is set but neither MICROSOFT_APP_TENANT_ID nor "
                "ALLOWED_TENANT_IDS is: set the council's tenant id so that no other tenant "
                "is served."
            )
        if self.microsoft_app_type != "MultiTenant" and not self.microsoft_app_tenant_id:
            problems.append(
                f"MICROSOFT_APP_TYPE is {self.microsoft_app_type}, which signs in to the "
                "bot's own tenant: set MICROSOFT_APP_TENANT_ID."
            )
        if (
            self.microsoft_app_type != "UserAssignedMSI"
            and not self.microsoft_app_password.get_secret_value()
        ):
            problems.append(
                "MICROSOFT_APP_ID is set without MICROSOFT_APP_PASSWORD: give the app's "
                "client secret (or use MICROSOFT_APP_TYPE=UserAssignedMSI)."
            )
        return problems + self._link_problems()

    def _link_problems(self) -> list[str]:
        """Download links (certificates, exports) need the bot's public https origin and a key
        every replica shares, long enough that nobody can guess it."""
        problems = []
        if not self.public_url or not self.certificate_link_secret.get_secret_value():
            problems.append(
                "MICROSOFT_APP_ID is set but PUBLIC_URL or CERTIFICATE_LINK_SECRET is not: "
                "download links need the bot's public https origin, and a secret every "
                "replica shares (a link made on one replica must open on another)."
            )
        elif not self.public_url.lower().startswith("https://"):
            problems.append(
                f"PUBLIC_URL is {self.public_url}: download links carry people's certificates "
                "and figures, so it must be the bot's https:// origin."
            )
        secret = self.certificate_link_secret.get_secret_value()
        if secret and len(secret.encode("utf-8")) < LINK_SECRET_BYTES:
            problems.append(
                f"CERTIFICATE_LINK_SECRET is {len(secret.encode('utf-8'))} bytes: use at least "
                f"{LINK_SECRET_BYTES} random bytes (for example `openssl rand -base64 48`)."
            )
        return problems

    def _graph_problems(self) -> list[str]:
        """Graph is read for the council's own tenant only, with one kind of credential that
        exists."""
        problems = []
        graph_tenant = self.graph_tenant_id.strip()
        if graph_tenant and not self.local_mode and not self.is_home_tenant(graph_tenant):
            problems.append(
                f"GRAPH_TENANT_ID is {graph_tenant}, not the bot's home tenant "
                "(MICROSOFT_APP_TENANT_ID): attendance and staff records must come from the "
                "council's own directory."
            )
        token_file = self.graph_federated_token_file
        if token_file and (
            self.graph_client_secret.get_secret_value() or self.graph_client_certificate_path
        ):
            problems.append(
                "GRAPH_FEDERATED_TOKEN_FILE is set together with GRAPH_CLIENT_SECRET (or "
                "GRAPH_CLIENT_CERTIFICATE_PATH): give one credential, so it is clear which "
                "one Graph is read with."
            )
        if token_file and not Path(token_file).is_file():
            problems.append(
                f"GRAPH_FEDERATED_TOKEN_FILE is {token_file}, which does not exist: mount the "
                "token file (workload identity) or unset it."
            )
        return problems

    def refuse_unsafe(self) -> None:
        if problems := self.start_problems():
            raise RefusedToStart(problems)


def _loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False
