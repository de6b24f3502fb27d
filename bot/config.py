"""Typed configuration: YAML validated into frozen pydantic models."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path
from typing import Annotated, Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.config_sections import (
    CasesConfig,
    ImportConfig,
    LadderConfig,
    PapersConfig,
    ScoresConfig,
    ScoreWeights,
    Section,
    WebConfig,
)

__all__ = ["CasesConfig", "Config", "ConfigError", "ImportConfig", "LadderConfig", "PapersConfig",
           "ScoreWeights", "ScoresConfig", "WebConfig", "load_config", "parse_config"]


class ConfigError(Exception):
    """A configuration problem, worded as one line for a person to act on."""


class _Model(Section):
    """A section of the config: unknown keys refused, values frozen."""


class WebhookConfig(_Model):
    listen: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    url_path: str = "telegram"
    url: str | None = None
    secret_token: str | None = None


class RateLimitConfig(_Model):
    """Telegram's flood limits; 0 disables one. The overall rate is a budget shared by
    replies and the fan-out (bot/delivery/budget.py); groups are AIORateLimiter's."""

    overall_per_second: float = Field(30, ge=0)
    group_per_minute: float = Field(20, ge=0)
    # Messages a second to one chat when the scheduler fans out (Telegram allows about 1).
    per_chat_per_second: float = Field(1, ge=0)
    max_retries: int = Field(3, ge=0, le=10)
    # Requests of a fan-out in flight at once: 30/s over a 300 ms round trip needs 9.
    in_flight: int = Field(16, ge=1, le=100)


_PROXY_SCHEMES: Final = ("http", "https", "socks5", "socks5h")


def _proxy_url(value: str | None) -> str | None:
    if not value:
        return None
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in _PROXY_SCHEMES or not rest.strip("/"):
        raise ValueError(f"{value!r}: give a URL such as http://127.0.0.1:7890 or "
                         "socks5://127.0.0.1:1080 (http, https, socks5, socks5h)")
    return value


class TelegramConfig(_Model):
    token: str | None = None
    bot_username: str | None = None
    base_url: str | None = None
    # A self-hosted Bot API server's file address (python-telegram-bot's base_file_url).
    base_file_url: str | None = None
    # Every request to the Bot API through this proxy; getUpdates through the second one,
    # which defaults to the first.
    proxy: str | None = None
    get_updates_proxy: str | None = None
    # Start-up attempts to reach the Bot API again after the first fails: -1 keeps trying
    # (with backoff up to a minute), 0 gives up at once.
    bootstrap_retries: int = Field(-1, ge=-1)
    mode: Literal["polling", "webhook"] = "polling"
    poll_timeout: float = Field(2.0, gt=0, le=60)
    webhook: WebhookConfig = WebhookConfig()
    admin_chat: int | None = None
    # Reports of the same kind of failure go to admin_chat at most once in this many minutes.
    admin_report_minutes: float = Field(10, ge=0)
    rate_limit: RateLimitConfig = RateLimitConfig()

    @field_validator("proxy", "get_updates_proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        return _proxy_url(value)


class LoggingConfig(_Model):
    # text: one readable line per record; json: one JSON object per line, for collectors.
    format: Literal["text", "json"] = "text"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class DatabaseConfig(_Model):
    url: str = "sqlite:///data/zhenggai.db"
    echo: bool = False


class Phase(_Model):
    name: str = Field(min_length=1)
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.end < self.start:
            raise ValueError(f"phase {self.name!r} ends before it starts")
        return self


class CampaignConfig(_Model):
    name: str = "机关干部作风问题教育整顿"
    phases: tuple[Phase, ...] = ()

    @field_validator("phases")
    @classmethod
    def _no_overlap(cls, phases: tuple[Phase, ...]) -> tuple[Phase, ...]:
        for before, after in itertools.pairwise(phases):
            if after.start <= before.end:
                raise ValueError(f"phase {after.name!r} overlaps {before.name!r}")
        return phases


class Category(_Model):
    name: str = Field(min_length=1)
    theme: str = Field(min_length=1)


THEMES = ("担当作为不尽心", "争创一流缺雄心", "服务群众不贴心", "遵规守纪缺戒心")

DEFAULT_CATEGORIES: tuple[Category, ...] = tuple(
    Category(name=name, theme=THEMES[theme])
    for name, theme in (
        ("大局意识淡漠", 3),
        ("履职尽责缺位", 0),
        ("执行落实漂浮", 0),
        ("固步自封、安于现状", 1),
        ("追赶跨越缺少锐气", 1),
        ("持之以恒韧劲不足", 1),
        ("群众观念不牢", 2),
        ("服务基层不优", 2),
        ("面对基层高高在上", 2),
        ("不遵守政治、工作、生活纪律", 3),
    )
)


def _hhmm(value: str) -> str:
    try:
        dt.time.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a time of day like 09:00") from exc
    return value


TimeOfDay = Annotated[str, AfterValidator(_hhmm)]


class QuietHours(_Model):
    start: TimeOfDay = "22:00"
    end: TimeOfDay = "07:30"


class RemindersConfig(_Model):
    tick_seconds: float = Field(15.0, gt=0, le=3600)
    quiet_hours: QuietHours = QuietHours()
    deadline_days_before: tuple[int, ...] = (3, 1)
    nudge_time: TimeOfDay = "09:00"
    escalate_after_days: int = Field(3, ge=0)
    escalate_office_after_days: int = Field(7, ge=0)
    # An item left 待销号 this many days reminds its reviewers once (0: never).
    signoff_remind_days: int = Field(3, ge=0, le=60)
    office_hours: tuple[TimeOfDay, ...] = ("08:50", "17:30")
    late_window_hours: float = Field(12.0, gt=0)
    # A sender that stops renewing loses the lease after this long; another instance takes over.
    lease_seconds: float = Field(60.0, gt=0)
    # A claimed notification whose sender died is retried after this long.
    claim_timeout_seconds: float = Field(120.0, gt=0)
    batch: int = Field(50, ge=1, le=1000)

    @model_validator(mode="after")
    def _claims_outlive_the_lease(self) -> RemindersConfig:
        # A stalled sender loses its lease first; only later may its claims be taken over.
        if self.claim_timeout_seconds <= self.lease_seconds:
            raise ValueError("claim_timeout_seconds must be longer than lease_seconds")
        return self


class DigestConfig(_Model):
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    time: TimeOfDay = "09:00"


class LimitsConfig(_Model):
    """What one person may send: beyond it their updates are dropped, so no one floods the bot."""

    updates_per_10s: int = Field(20, ge=0)  # 0: no limit
    join_failures: int = Field(5, ge=1)  # wrong invite codes in a row before a lockout
    join_lockout_minutes: int = Field(30, ge=1)


class CalendarConfig(_Model):
    """Corrections to the official holiday calendar, e.g. a year the package does not know yet."""

    workdays: tuple[dt.date, ...] = ()
    holidays: tuple[dt.date, ...] = ()
    # Years whose holidays and workdays above are the State Council's whole notice. Only these
    # (and the years the package ships) count as known; one override date does not.
    complete_years: tuple[Annotated[int, Field(ge=2000, le=2100)], ...] = ()

    @model_validator(mode="after")
    def _one_status_a_day(self) -> CalendarConfig:
        both = sorted(set(self.workdays) & set(self.holidays))
        if both:
            raise ValueError(f"{both[0]} is listed both as a working day and as a day off")
        return self


class PrivacyConfig(_Model):
    """What the ledger keeps of a member whose personal data was removed (`member remove`)."""

    # placeholder: their name becomes removed_member_name on the ledger rows and history they
    # appear in; keep_name: the ledger keeps the name as written (an official record). Either
    # way the link to their Telegram account (the user id) is removed.
    ledger_names: Literal["placeholder", "keep_name"] = "placeholder"
    removed_member_name: str = Field("已离职人员", min_length=1, max_length=100)


class Config(_Model):
    # `import` is a Python keyword: the field is `importing`, the YAML key `import`.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    timezone: str = "Asia/Shanghai"
    language: Literal["zh", "en"] = "zh"
    telegram: TelegramConfig = TelegramConfig()
    database: DatabaseConfig = DatabaseConfig()
    logging: LoggingConfig = LoggingConfig()
    office_admins: tuple[int, ...] = ()
    campaign: CampaignConfig = CampaignConfig()
    categories: tuple[Category, ...] = DEFAULT_CATEGORIES
    reminders: RemindersConfig = RemindersConfig()
    digest: DigestConfig = DigestConfig()
    ladder: LadderConfig = LadderConfig()
    scores: ScoresConfig = ScoresConfig()
    calendar: CalendarConfig = CalendarConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    limits: LimitsConfig = LimitsConfig()
    invite_valid_days: int = Field(7, ge=1, le=365)
    web: WebConfig = WebConfig()
    papers: PapersConfig = PapersConfig()
    importing: ImportConfig = Field(ImportConfig(), alias="import")
    cases: CasesConfig = CasesConfig()

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Config:
        # Without it anyone who finds the URL can post updates as anyone, office admins too.
        if self.telegram.mode == "webhook" and not self.telegram.webhook.secret_token:
            raise ValueError("telegram.webhook.secret_token is required in webhook mode "
                             "(any long random string; `python -m bot init-config` makes one)")
        return self

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
        return ZoneInfo(self.timezone)

    @property
    def token(self) -> str | None:
        return os.environ.get("BOT_TOKEN") or self.telegram.token or None

    @property
    def base_url(self) -> str | None:
        return os.environ.get("TELEGRAM_BASE_URL") or self.telegram.base_url or None

    @property
    def updates_proxy(self) -> str | None:
        """The proxy getUpdates goes through: its own, else the one for every request."""
        return self.telegram.get_updates_proxy or self.telegram.proxy

    @property
    def web_secret(self) -> str | None:
        return os.environ.get("WEB_SESSION_SECRET") or self.web.session_secret or None

    def require_web_secret(self) -> str:
        secret = self.web_secret
        if not secret or len(secret) < 32:
            raise ConfigError(
                "web: set WEB_SESSION_SECRET (or web.session_secret) to at least 32 random "
                "characters, e.g. the output of: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'"
            )
        return secret

    def require_token(self) -> str:
        token = self.token
        if not token:
            raise ConfigError(
                "no bot token: set the BOT_TOKEN environment variable or telegram.token "
                "(to try the bot without a token: python -m bot shell)"
            )
        if ":" not in token:
            raise ConfigError("the bot token looks wrong: it should look like 123456:ABC-DEF…")
        return token


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _one_line(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = _where(err["loc"])
    if err["type"] == "extra_forbidden":
        return f"unknown key '{where}'"
    message = str(err["msg"]).removeprefix("Value error, ")
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{where}: {message}{more}"


EXAMPLE: Final = Path(__file__).with_name("config.example.yaml")


def example_text(*, secrets: bool = True) -> str:
    """The commented example config; with fresh random secrets for the webhook and the web."""
    text = EXAMPLE.read_text(encoding="utf-8")
    if secrets:
        import re
        import secrets as random

        for key in ("secret_token", "session_secret"):
            text = re.sub(rf"(?m)^(\s+{key}):\s*$",
                          lambda m: f"{m[1]}: {random.token_urlsafe(32)}", text, count=1)
    return text


def parse_config(data: Any, *, source: str = "config") -> Config:
    """Validate already-loaded YAML data."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_one_line(exc)}") from None


def load_config(path: str | Path | None) -> Config:
    """Load a YAML file; None means the built-in defaults (which equal config.example.yaml)."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise ConfigError(f"{path}: malformed YAML{at}: {problem}") from None
    return parse_config(data, source=str(path))
