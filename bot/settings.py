"""Process settings from the environment and `.env` (dealer specifics live in knowledge/*.yaml)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.locale import LOCALES, Locale

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything a deployment sets; secrets are `SecretStr` so they never print."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_token: SecretStr | None = None
    telegram_base_url: str | None = Field(
        default=None, description="Another Bot API server, e.g. http://127.0.0.1:8081/bot"
    )
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'data' / 'carebot.db'}"
    default_locale: Locale = "zh-Hant"
    timezone: str = "Asia/Shanghai"
    knowledge_dir: Path = ROOT / "knowledge"
    templates_dir: Path = ROOT / "templates" / "messages"
    callback_secret: SecretStr | None = None
    admin_ids: list[int] = Field(default_factory=list, description="Telegram user ids bootstrapped as admins")
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    log_level: str = "INFO"

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The dealer's time zone: times are stored in UTC and shown in this zone."""
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
