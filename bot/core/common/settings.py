"""Process settings from the environment and `.env` (dealer specifics live in knowledge/*.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.common.callbacks import MIN_SECRET_CHARS
from bot.core.common.locale import LOCALES, Locale
from bot.core.common.quiet_hours import QuietHours, parse_clock

ROOT = Path(__file__).resolve().parents[3]


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
    phone_region: str = Field(
        default="CN", description="Region for phone numbers written without a country code (ISO 3166, e.g. CN, HK)"
    )
    knowledge_dir: Path = ROOT / "knowledge"
    demo_data: bool = Field(default=True, description="setup seeds knowledge/demo/*.csv when no customers")
    templates_dir: Path = ROOT / "templates" / "messages"
    callback_secret: SecretStr | None = Field(
        default=None,
        description="signs button data (at least 32 characters); unset: generated once and kept in the database",
    )
    callback_secret_previous: SecretStr | None = Field(
        default=None, description="the secret before a rotation: still verifies the buttons it signed"
    )
    # The service desk (staff roles are stored in the database; these ids are added at start-up, never removed).
    admin_ids: list[int] = Field(default_factory=list, description="Telegram user ids bootstrapped as admins")
    supervisor_ids: list[int] = Field(default_factory=list, description="bootstrapped as supervisors (and advisors)")
    advisor_ids: list[int] = Field(default_factory=list, description="bootstrapped as advisors")
    marketing_ids: list[int] = Field(default_factory=list, description="bootstrapped as marketing staff")
    advisor_group_id: int | None = Field(
        default=None, description="the advisors' supergroup (forum topics on), e.g. -1001234567890"
    )
    desk_tick_seconds: float = Field(default=30.0, gt=0, description="how often escalations and follow-ups are checked")
    roadside_claim_minutes: float = Field(default=5.0, gt=0, description="unclaimed roadside calls escalate after")
    complaint_escalation_hours: float = Field(default=48.0, gt=0, description="unresolved complaints escalate after")
    follow_up_first_days: int = Field(default=3, ge=3, le=7, description="follow-up 1 this many days after a visit")
    follow_up_second_days: int = Field(default=7, ge=1, description="follow-up 2 this many days after follow-up 1")
    follow_up_alert_rating: int = Field(default=3, ge=1, le=5, description="a rating at or below opens a ticket")
    appointment_auto_confirm: bool = Field(default=False, description="confirm bookings without an advisor")
    appointment_reminder_time: str = Field(default="10:00", description="the day-before reminder, dealer time")
    booking_max_per_customer: int = Field(default=3, ge=1, description="active bookings one customer may hold")
    booking_max_per_car: int = Field(default=2, ge=1, description="active bookings of one plate (one a day)")
    odometer_max_daily_km: int = Field(default=1000, ge=1, description="more a day since the last reading: confirm")
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = Field(default="text", description="json: one JSON object a line")
    metrics_port: int | None = Field(default=None, ge=0, le=65535, description="serve /healthz and /metrics here")
    metrics_listen: str = Field(default="0.0.0.0", description="the address /healthz and /metrics listen on")
    # The outbox sender (DESIGN.md, decisions 1, 2 and 8): Telegram's limits are enforced by the sender itself.
    scheduler_enabled: bool = Field(default=True, description="run the periodic jobs (sender) with `run`")
    outbox_rate_per_second: float = Field(default=25.0, gt=0, description="overall messages/s (Telegram: ~30)")
    outbox_private_per_second: float = Field(default=1.0, gt=0, description="messages/s to one private chat")
    outbox_group_per_minute: int = Field(default=20, gt=0, description="messages/min to one group")
    outbox_max_attempts: int = Field(default=5, ge=1, description="tries of a 5xx/timeout before giving up")
    outbox_backoff_seconds: float = Field(default=10.0, gt=0, description="first retry delay (then doubling)")
    outbox_backoff_max_seconds: float = Field(default=1800.0, gt=0)
    outbox_lease_seconds: float = Field(default=60.0, gt=0, description="a crashed sender's claim is retaken after")
    outbox_batch_size: int = Field(default=50, ge=1)
    outbox_concurrency: int = Field(default=8, ge=1, description="requests in flight at once")
    outbox_tick_seconds: float = Field(default=1.0, gt=0)
    standby_poll_seconds: float = Field(
        default=1.0, gt=0, description="a standby replica tries for the updates lock this often (PostgreSQL)"
    )
    outbox_expiry_hours: dict[str, float] = Field(
        default_factory=lambda: {"reminder": 72.0, "follow_up": 48.0, "campaign": 24.0, "notice": 6.0},
        description="a message of this kind not sent within this many hours of not_before is dropped",
    )
    quiet_hours_start: str = Field(default="21:00", description="dealer time zone")
    quiet_hours_end: str = Field(default="08:30", description="dealer time zone; may be before the start")
    # Reminders (bot.core.reminders.sweep): one message per (car, kind, due date), within a window per kind.
    reminder_windows_days: dict[str, int] = Field(
        default_factory=lambda: {"service": 14, "insurance": 30, "inspection": 30, "warranty_repair": 30,
                                 "warranty_three_guarantees": 30},
        description="remind this many days before the due date; a kind left out is never reminded",
    )
    reminder_expiry_days: dict[str, int] = Field(
        default_factory=lambda: {"service": 14, "insurance": 7, "inspection": 0, "warranty_repair": 0,
                                 "warranty_three_guarantees": 0},
        description="an unsent reminder is dropped this many days after its due date (inspection: window end)",
    )
    reminder_overdue_max_days: int = Field(default=180, ge=0, description="older overdue items are stale data")
    reminder_cap_count: int = Field(default=1, ge=1, description="at most this many reminders per customer…")
    reminder_cap_days: int = Field(default=7, ge=1, description="…in this many days")
    reminder_snooze_days: int = Field(default=7, ge=1, description="'remind me later' waits this long")
    reminder_sweep_time: str = Field(default="10:00", description="daily sweep, dealer time zone")
    reminder_sweep_start_delay_seconds: float = Field(default=60.0, ge=0, description="the catch-up after start")
    reminder_batch_size: int = Field(default=5000, ge=1, description="cars read per query")
    # Marketing (docs/marketing.md): campaigns and event invitations go through the outbox after everything else.
    campaign_cap_per_week: int = Field(default=2, ge=1, description="campaign messages per customer in 7 days")
    campaign_page_size: int = Field(default=1000, ge=1, description="recipients enqueued per transaction")
    campaign_tick_seconds: float = Field(default=3.0, gt=0, description="delivery and progress checked this often")
    campaign_progress_seconds: float = Field(default=5.0, gt=0, description="the progress message is edited at most")
    campaign_attribution_days: int = Field(default=14, ge=1, description="a booking this soon after a deep link counts")
    event_invite_days: int = Field(default=14, ge=1, description="invitations go out this many days ahead (seed)")
    event_reminder_time: str = Field(default="10:00", description="the day-before event reminder, dealer time")

    @field_validator("telegram_token", "callback_secret", "callback_secret_previous", "webhook_secret",
                     "telegram_base_url", "webhook_url", "metrics_port", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`TELEGRAM_TOKEN=` in .env means "no token", not an empty one."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("callback_secret", "callback_secret_previous")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_CHARS:
            raise ValueError(f"must be at least {MIN_SECRET_CHARS} characters (e.g. python -c "
                             "'import secrets; print(secrets.token_urlsafe(32))')")
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        import phonenumbers

        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {value!r}; use a two-letter code such as CN, HK, TW")
        return value.upper()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("reminder_windows_days", "reminder_expiry_days")
    @classmethod
    def _due_kinds(cls, value: dict[str, int]) -> dict[str, int]:
        from bot.core.garage.due import DUE_KINDS

        unknown = sorted(set(value) - set(DUE_KINDS))
        if unknown:
            raise ValueError(f"unknown kind(s) {', '.join(unknown)}; expected {', '.join(DUE_KINDS)}")
        if any(days < 0 for days in value.values()):
            raise ValueError("days cannot be negative")
        return value

    @field_validator("quiet_hours_start", "quiet_hours_end", "reminder_sweep_time", "appointment_reminder_time",
                     "event_reminder_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value

    @property
    def quiet_hours(self) -> QuietHours:
        """When reminders and campaigns wait (the enqueuer shifts `not_before` out of this window)."""
        return QuietHours.parse(self.quiet_hours_start, self.quiet_hours_end, self.tz)

    @property
    def tz(self) -> ZoneInfo:
        """The dealer's time zone: times are stored in UTC and shown in this zone."""
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
