"""The one settings class, read from the environment (and an optional `.env` file)."""

from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[list[str], NoDecode]
CommaInts = Annotated[list[int], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = "sqlite:///var/wrapbot.db"
    host: str = "127.0.0.1"
    port: int = 3978

    microsoft_app_id: str = ""
    microsoft_app_password: SecretStr = SecretStr("")
    microsoft_app_tenant_id: str = ""
    microsoft_app_type: str = "MultiTenant"
    allowed_tenant_ids: CommaList = Field(default_factory=list)
    coordinators: CommaList = Field(default_factory=list)

    time_zone: str = "Europe/London"
    log_level: str = "INFO"
    log_json: bool = False
    default_cancellation_cutoff_hours: int = 24

    # Reminders (issue 4). Days before a board's due date on which its lead is reminded.
    reminder_offsets_days: CommaInts = Field(default_factory=lambda: [28, 7, 1])
    reminder_hour: int = Field(default=9, ge=0, le=23)  # UK hour reminders fall due at
    # The scheduler runs in the bot process; off in tests that don't need it.
    scheduler_enabled: bool = True
    reminder_sweep_minutes: float = Field(default=10, gt=0)
    # A run missed while the bot was down still happens once if it is at most this late.
    scheduler_misfire_grace_seconds: int = 7 * 24 * 3600
    # How often a standby replica tries to take over the scheduler (PostgreSQL advisory lock).
    scheduler_leader_poll_seconds: float = Field(default=15, gt=0)
    # The outbox: how often it is polled, how long a claim lasts, how often a message is tried.
    outbox_poll_seconds: float = Field(default=5, gt=0)
    outbox_lease_seconds: int = Field(default=300, gt=0)
    outbox_max_attempts: int = Field(default=8, ge=1)
    # Teams's documented limit per app per tenant, and the share of it we allow ourselves, so
    # network jitter does not push requests over the line.
    teams_requests_per_second: int = Field(default=50, gt=0)
    teams_rate_headroom: float = Field(default=0.95, gt=0, le=1)

    @field_validator("reminder_offsets_days", mode="before")
    @classmethod
    def _split_ints(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.split(",") if part.strip()]
        return value

    @field_validator("allowed_tenant_ids", "coordinators", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def local_mode(self) -> bool:
        """No app id: the bot accepts unauthenticated requests, as the Bot Framework samples do."""
        return not self.microsoft_app_id

    def is_coordinator(self, aad_object_id: str | None, email: str | None = None) -> bool:
        wanted = {c.lower() for c in self.coordinators}
        return bool(
            (aad_object_id and aad_object_id.lower() in wanted)
            or (email and email.lower() in wanted)
        )

    def tenant_allowed(self, tenant_id: str | None) -> bool:
        if not self.allowed_tenant_ids:
            return True
        return tenant_id is not None and tenant_id.lower() in {
            t.lower() for t in self.allowed_tenant_ids
        }
