"""The one settings class, read from the environment (and an optional `.env` file)."""

from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[list[str], NoDecode]


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
    # Days after a session ends in which people may give (and change) their feedback.
    feedback_edit_days: int = Field(default=5, ge=0, le=60)

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
