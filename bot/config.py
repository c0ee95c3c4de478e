"""Settings read once from the environment, validated, with one clear line per mistake."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.text.amounts import AmountError, parse_amount
from bot.text.email_address import valid_domain
from bot.text.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.work_calendar import WorkCalendar, parse_holidays
from bot.worktime import WorkingHours, parse_hours, parse_workdays

DEFAULT_DATABASE_URL = "sqlite:///leadbot.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
# Providers anyone can get an address from: such a domain names no company, so only the exact address matches a lead.
DEFAULT_FREE_MAIL_DOMAINS = (
    "gmail.com, googlemail.com, outlook.com, hotmail.com, live.com, yahoo.com, icloud.com, qq.com, foxmail.com, "
    "163.com, 126.com, sina.com, sohu.com, aliyun.com, yeah.net"
)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _text(name: str, raw: str) -> str:
    return raw.strip()


def _port(name: str, raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a port number, got {raw!r}") from None
    if not 1 <= port <= 65535:
        raise SettingsError(f"{name} must be between 1 and 65535, got {port}")
    return port


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {value}")
    return value


def _workers(name: str, raw: str) -> int:
    """A number of processes; empty means one per CPU core, which is what a machine serving only leadbot wants."""
    return _positive_int(name, raw) if raw.strip() else (os.cpu_count() or 1)


def _factor(name: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise SettingsError(f"{name} must be a number between 0 and 1, got {raw!r}") from None
    if not Decimal(0) < value <= Decimal(1):
        raise SettingsError(f"{name} must be a number between 0 and 1, got {raw!r}")
    return value


def _timezone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name} must be an IANA time zone such as Asia/Shanghai, got {raw!r}") from None
    return raw


def _cadence(name: str, raw: str) -> tuple[int, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    try:
        steps = tuple(int(p) for p in parts)
    except ValueError:
        raise SettingsError(f"{name} must be days separated by commas, such as 2,7,14,30,60; got {raw!r}") from None
    if not steps or any(s < 1 for s in steps):
        raise SettingsError(f"{name} must list at least one step of 1 day or more, got {raw!r}")
    return steps


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def _user_ids(name: str, raw: str) -> frozenset[str]:
    ids = [p.strip() for p in raw.split(",") if p.strip()]
    bad = [i for i in ids if not _USER_ID.match(i)]
    if bad:
        raise SettingsError(f"{name} must be Slack user ids such as U012ABCDEF, separated by commas; got {bad[0]!r}")
    return frozenset(ids)


def _api_url(name: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise SettingsError(f"{name} must be an http(s) URL, got {raw!r}")
    # slack_sdk joins method names onto the base, so a base with a path needs its slash.
    return raw if raw.endswith("/") else raw + "/"


def _public_url(name: str, raw: str) -> str:
    url = raw.strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise SettingsError(f"{name} must be an http(s) URL such as https://leadbot.example.com, got {raw!r}")
    return url


_TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,}$")


def _optional_team_id(name: str, raw: str) -> str | None:
    team = raw.strip()
    if team and not _TEAM_ID.match(team):
        raise SettingsError(f"{name} must be a Slack workspace id such as T012ABCDEF, got {raw!r}")
    return team or None


def _optional_positive_int(name: str, raw: str) -> int | None:
    return None if raw.strip().lower() in {"", "off", "0"} else _positive_int(name, raw)


def _optional_user_id(name: str, raw: str) -> str | None:
    ids = _user_ids(name, raw)
    if len(ids) > 1:
        raise SettingsError(f"{name} must be one Slack user id, got {raw!r}")
    return next(iter(ids), None)


def _domains(name: str, raw: str) -> frozenset[str]:
    domains = [d.strip().lower().lstrip("@").rstrip(".") for d in raw.split(",") if d.strip()]
    bad = [d for d in domains if not valid_domain(d)]
    if bad:
        raise SettingsError(f"{name} must be mail domains such as gmail.com, separated by commas; got {bad[0]!r}")
    return frozenset(domains)


def _workdays(name: str, raw: str) -> frozenset[int]:
    try:
        return parse_workdays(raw)
    except ValueError:
        raise SettingsError(f"{name} must name weekdays such as mon-fri or mon,tue,thu; got {raw!r}") from None


def _hours(name: str, raw: str) -> tuple[time, time]:
    try:
        return parse_hours(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a start and end time such as 09:00-18:00; got {raw!r}") from None


def _holidays(name: str, raw: str) -> str | None:
    try:
        return parse_holidays(raw)
    except ValueError:
        raise SettingsError(
            f"{name} must be a country code the holidays package knows, such as CN, US or DE (DE-BY for one state),"
            f" or empty for none; got {raw!r}"
        ) from None


def _language(name: str, raw: str) -> str:
    value = raw.strip().lower().replace("_", "-").split("-")[0]
    if value not in LANGUAGES:
        raise SettingsError(f"{name} must be {' or '.join(LANGUAGES)}, got {raw!r}")
    return value


def _schedule(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"weekly", "daily"}:
        raise SettingsError(f"{name} must be weekly or daily, got {raw!r}")
    return value


def _clock_time(name: str, raw: str) -> time:
    try:
        return time.fromisoformat(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a time such as 09:00, got {raw!r}") from None


def _currency(name: str, raw: str) -> str:
    code = raw.strip().upper()
    if not re.match(r"^[A-Z]{3}$", code):
        raise SettingsError(f"{name} must be a three-letter currency code such as CNY or USD, got {raw!r}")
    return code


def _positive_amount(name: str, raw: str) -> Decimal:
    """`10000`, `10,000`, `1万`, `1.2 万`, `12k`: as reps write amounts everywhere else."""
    try:
        return parse_amount(raw).value
    except AmountError:
        pass
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise SettingsError(f"{name} must be an amount such as 10000 or 1万, got {raw!r}") from None
    if not value.is_finite() or value <= 0:
        raise SettingsError(f"{name} must be a positive amount, got {raw!r}")
    return value


def _working_hours_span(name: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise SettingsError(f"{name} must be a number of working hours such as 1 or 0.5, got {raw!r}") from None
    if not value.is_finite() or not Decimal(0) < value <= Decimal(1000):
        raise SettingsError(f"{name} must be a number of working hours above 0 (at most 1000), got {raw!r}")
    return value


def _mail_url(name: str, raw: str):
    """`imaps://user%40ourco.com:PASSWORD@mail.ourco.com:993/INBOX` as the mailbox's parts; empty: no mailbox."""
    if not raw.strip():
        return None
    from bot.mail.mailbox import parse_mail_url  # the IMAP client is loaded only where a mailbox is set

    try:
        return parse_mail_url(raw.strip())
    except ValueError as error:
        # Never echo the URL: it carries the mailbox's password.
        raise SettingsError(str(error) if str(error).startswith(name) else f"{name}: {error}") from None


def _optional_file(name: str, raw: str) -> str:
    path = raw.strip()
    if path and not os.path.isfile(path):
        raise SettingsError(f"{name} must name a readable certificate file (PEM), got {raw!r}")
    return path


def _days(name: str, raw: str) -> int:
    value = _positive_int(name, raw)
    if value > 3650:
        raise SettingsError(f"{name} must be at most 3650 days, got {value}")
    return value


def _days_or_none(name: str, raw: str) -> int:
    """0 (nothing kept) up to ten years."""
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number of days (0: none), got {raw!r}") from None
    if not 0 <= value <= 3650:
        raise SettingsError(f"{name} must be between 0 and 3650 days, got {value}")
    return value


def _log_format(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"text", "json"}:
        raise SettingsError(f"{name} must be text or json, got {raw!r}")
    return value


def _sentry_dsn(name: str, raw: str) -> str:
    dsn = raw.strip()
    if dsn and not dsn.startswith(("https://", "http://")):
        # Never echo it: a DSN carries the project's key.
        raise SettingsError(f"{name} must be the DSN Sentry shows for the project, starting https://")
    return dsn


def _log_level(name: str, raw: str) -> str:
    level = raw.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"{name} must be DEBUG, INFO, WARNING or ERROR, got {raw!r}")
    return level


@dataclass(frozen=True)
class Setting:
    """One environment variable: where it lands, its default, and how it is read."""

    env: str
    attr: str
    default: str | None
    parse: Callable[[str, str], object]
    doc: str


SETTINGS: tuple[Setting, ...] = (
    Setting("SLACK_BOT_TOKEN", "bot_token", None, _text, "Bot token (xoxb-…) from the app's OAuth page."),
    Setting(
        "SLACK_SIGNING_SECRET", "signing_secret", None, _text,
        "Signing secret from the app's Basic Information page.",
    ),
    Setting("SLACK_APP_TOKEN", "app_token", "", _text, "App-level token (xapp-…); when set, serve uses Socket Mode."),
    Setting(
        "SLACK_CLIENT_ID", "client_id", "", _text,
        "Client ID (Basic Information); with SLACK_CLIENT_SECRET and no SLACK_BOT_TOKEN, workspaces add leadbot "
        "through /slack/install.",
    ),
    Setting("SLACK_CLIENT_SECRET", "client_secret", "", _text, "Client Secret (Basic Information), for OAuth."),
    Setting(
        "LEADBOT_PUBLIC_URL", "public_url", "", _public_url,
        "OAuth: the address Slack reaches leadbot at (https://leadbot.example.com); empty: the app's redirect URL.",
    ),
    Setting(
        "LEADBOT_MAIL_TEAM", "mail_team", "", _optional_team_id,
        "OAuth with several workspaces: the workspace (T…) the sales mailbox reports to.",
    ),
    Setting("SLACK_API_URL", "slack_api_url", DEFAULT_SLACK_API_URL, _api_url, "Web API base URL."),
    Setting("DATABASE_URL", "database_url", DEFAULT_DATABASE_URL, _text, "SQLAlchemy URL; SQLite file by default."),
    Setting("PORT", "port", "3000", _port, "HTTP port for POST /slack/events."),
    Setting("LEADBOT_HOST", "host", "0.0.0.0", _text, "Address the HTTP server binds to."),
    Setting("LEADBOT_WEB_THREADS", "web_threads", "2", _positive_int, "Threads of each HTTP server process."),
    Setting(
        "LEADBOT_WEB_WORKERS", "web_workers", "", _workers,
        "Processes of the HTTP server behind its one port (default: the number of CPU cores).",
    ),
    Setting("LEADBOT_ADMINS", "admins", "", _user_ids, "Slack user ids allowed to change any lead."),
    Setting("LEADBOT_POTENTIAL_FACTOR", "potential_factor", "0.5", _factor, "Realistic share of a claimed potential."),
    Setting("LEADBOT_CADENCE", "cadence", "2,7,14,30,60", _cadence, "Days to each follow-up step."),
    Setting(
        "LEADBOT_MIN_TOUCHES", "min_touches", "3", _positive_int,
        "Follow-ups before a lead may be closed as 'only wanted a proposal'.",
    ),
    Setting(
        "LEADBOT_KEEP_WARM_DAYS", "keep_warm_days", "30", _positive_int,
        "Days between follow-ups after the last step.",
    ),
    Setting("LEADBOT_TEAM_TZ", "team_tz", "UTC", _timezone, "Team time zone, used until a rep's own is known."),
    Setting("LEADBOT_WORKDAYS", "workdays", "mon-fri", _workdays, "Days nudges may arrive, in each rep's time zone."),
    Setting(
        "LEADBOT_WORK_HOURS", "work_hours", "09:00-18:00", _hours,
        "Hours nudges may arrive, in each rep's time zone.",
    ),
    Setting(
        "LEADBOT_HOLIDAYS", "holidays", "", _holidays,
        "Country whose public holidays are not working days (CN also works its make-up days); empty: none.",
    ),
    Setting(
        "LEADBOT_RENUDGE_DAYS", "renudge_days", "2", _positive_int,
        "Working days before a still-quiet lead is nudged again.",
    ),
    Setting(
        "LEADBOT_ESCALATE_AFTER", "escalate_after", "", _optional_positive_int,
        "Ignored nudges before the manager hears (empty: never).",
    ),
    Setting(
        "LEADBOT_MANAGER", "manager", "", _optional_user_id,
        "Slack user id told about ignored leads and leads without an owner.",
    ),
    Setting("LEADBOT_CURRENCY", "currency", "CNY", _currency, "Team currency (ISO code) for orders typed without one."),
    Setting(
        "LEADBOT_DEFAULT_OWNER", "default_owner", "", _optional_user_id,
        "Owner of accounts with no owner of their own, and of leads sent to the HTTP API without one.",
    ),
    Setting(
        "LEADBOT_SMALL_ORDER_MAX", "small_order_max", "10000", _positive_amount,
        "Largest order that still counts as small.",
    ),
    Setting(
        "LEADBOT_SMALL_MIN_ORDERS", "small_min_orders", "3", _positive_int,
        "Orders within the window that make a steady buyer.",
    ),
    Setting(
        "LEADBOT_SMALL_WINDOW_MONTHS", "small_window_months", "36", _positive_int,
        "Months of orders the small-buyer rule looks at.",
    ),
    Setting(
        "LEADBOT_SMALL_SPREAD_MONTHS", "small_spread_months", "6", _positive_int,
        "Months between first and last order for 'steady'.",
    ),
    Setting(
        "LEADBOT_SMALL_RECENT_MONTHS", "small_recent_months", "12", _positive_int,
        "The last order must be this recent.",
    ),
    Setting(
        "LEADBOT_ASK_AGAIN_DAYS", "ask_again_days", "90", _positive_int,
        "Days before the same account is asked about again.",
    ),
    Setting(
        "LEADBOT_FREE_MAIL_DOMAINS", "free_mail_domains", DEFAULT_FREE_MAIL_DOMAINS, _domains,
        "Free-mail domains (comma-separated): mail from them matches a lead only by the contact's exact address.",
    ),
    Setting(
        "LEADBOT_LANGUAGE", "language", DEFAULT_LANGUAGE, _language,
        f"Team language ({' or '.join(LANGUAGES)}): team summaries, and reps whose own is unknown.",
    ),
    Setting(
        "LEADBOT_SUMMARY_SCHEDULE", "summary_schedule", "weekly", _schedule,
        "Team summary: weekly (Monday 09:00) or daily (17:00 on workdays).",
    ),
    Setting(
        "LEADBOT_DIGEST_TIME", "digest_time", "09:00", _clock_time,
        "Default time of each rep's morning digest, in their time zone.",
    ),
    Setting(
        "LEADBOT_INBOUND_CLAIM_WITHIN", "inbound_claim_within", "1", _working_hours_span,
        "Working hours an inbound enquiry may wait unclaimed before leadbot reminds the channel or assigns it.",
    ),
    Setting(
        "LEADBOT_MAIL_URL", "mail_url", "", _mail_url,
        "The sales mailbox reps BCC: imaps://USER:PASSWORD@HOST:993/INBOX (empty: no mailbox is read).",
    ),
    Setting(
        "LEADBOT_MAIL_CA_FILE", "mail_ca_file", "", _optional_file,
        "A PEM certificate to trust for the mailbox's TLS (a private CA); empty: the system's.",
    ),
    Setting(
        "LEADBOT_MAIL_SINCE_DAYS", "mail_since_days", "14", _days,
        "The first read of a mailbox takes messages dated within this many days.",
    ),
    Setting(
        "LEADBOT_MAIL_DONE_FOLDER", "mail_done_folder", "", _text,
        "Folder handled messages are moved to; empty: they are only flagged as read.",
    ),
    Setting("LEADBOT_TICK_SECONDS", "tick_seconds", "60", _positive_int, "How often the scheduler looks for due work."),
    Setting(
        "LEADBOT_SEND_CONCURRENCY", "send_concurrency", "32", _positive_int,
        "Scheduled messages posted at once (one at a time per channel or DM).",
    ),
    Setting(
        "LEADBOT_SCHEDULER_STALE_SECONDS", "scheduler_stale_seconds", "300", _positive_int,
        "GET /healthz answers 503 when no scheduler has finished a run for this long.",
    ),
    Setting(
        "LEADBOT_KEEP_DATA_DAYS", "keep_data_days", "0", _days_or_none,
        "Days a workspace's data is kept after it uninstalls leadbot (0: deleted at once); nothing is sent meanwhile.",
    ),
    Setting("LEADBOT_LOG_LEVEL", "log_level", "INFO", _log_level, "Log level."),
    Setting(
        "LEADBOT_LOG_FORMAT", "log_format", "text", _log_format,
        "Log lines as text, or json: one JSON object per line with the workspace, user and request ids.",
    ),
    Setting(
        "SENTRY_DSN", "sentry_dsn", "", _sentry_dsn,
        "Sentry project DSN: unexpected errors go there, without message text or tokens (empty: nowhere).",
    ),
    Setting(
        "LEADBOT_EVIDENCE_MONTHS", "evidence_months", "12", _positive_int,
        "Months of closed leads behind 'does following up pay?' (the summary, Home and /lead stats).",
    ),
    Setting(
        "LEADBOT_DAILY_FOCUS", "daily_focus", "5", _positive_int,
        "Quiet leads a rep can call in a day; with more, the digest and Home put 'Call these first' on top.",
    ),
    Setting(
        "LEADBOT_API_RATE", "api_rate", "600", _positive_int,
        "HTTP API requests a minute one API token may make; more are answered 429.",
    ),
)


SETTINGS_BY_ENV = {setting.env: setting for setting in SETTINGS}


def parse_setting(env: str, raw: str) -> object:
    """Parse one value the way the environment's would be, raising SettingsError naming it."""
    setting = SETTINGS_BY_ENV[env]
    return setting.parse(setting.env, raw)


@dataclass(frozen=True)
class Settings:
    """Every setting leadbot reads, already parsed."""

    bot_token: str | None
    signing_secret: str | None
    app_token: str
    slack_api_url: str
    database_url: str
    port: int
    host: str
    web_threads: int
    web_workers: int
    admins: frozenset[str]
    potential_factor: Decimal
    cadence: tuple[int, ...]
    min_touches: int
    keep_warm_days: int
    team_tz: str
    workdays: frozenset[int]
    work_hours: tuple[time, time]
    holidays: str | None
    renudge_days: int
    escalate_after: int | None
    manager: str | None
    inbound_claim_within: Decimal
    tick_seconds: int
    send_concurrency: int
    scheduler_stale_seconds: int
    summary_schedule: str
    language: str
    digest_time: time
    currency: str
    default_owner: str | None
    small_order_max: Decimal
    small_min_orders: int
    small_window_months: int
    small_spread_months: int
    small_recent_months: int
    ask_again_days: int
    free_mail_domains: frozenset[str]
    log_level: str
    mail_url: object = None  # bot.mail.mailbox.MailboxAddress, or None: no sales mailbox
    mail_ca_file: str = ""
    mail_since_days: int = 14
    mail_done_folder: str = ""
    evidence_months: int = 12
    daily_focus: int = 5
    keep_data_days: int = 0
    client_id: str = ""
    client_secret: str = ""
    public_url: str = ""
    mail_team: str | None = None
    log_format: str = "text"
    sentry_dsn: str = ""
    api_rate: int = 600

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "Settings":
        values: dict[str, object] = {}
        for setting in SETTINGS:
            raw = environ.get(setting.env)
            if raw is None or raw.strip() == "":
                raw = setting.default
            values[setting.attr] = None if raw is None else setting.parse(setting.env, raw)
        settings = cls(**values)
        settings.require_escalation_target()
        return settings

    @property
    def calendar(self) -> WorkCalendar:
        """The team's working days: its workdays, less its country's public holidays, plus make-up days."""
        return WorkCalendar(self.workdays, self.holidays)

    @property
    def working_hours(self) -> WorkingHours:
        """The team's working days and hours, for reps who chose none of their own."""
        return WorkingHours(self.workdays, *self.work_hours, country=self.holidays)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def oauth(self) -> bool:
        """Workspaces install leadbot through "Add to Slack", each with its own token, instead of one bot token."""
        return bool(self.client_id and self.client_secret and not self.bot_token)

    def require_escalation_target(self) -> None:
        if self.escalate_after and not self.manager:
            raise SettingsError("LEADBOT_ESCALATE_AFTER is set but LEADBOT_MANAGER is empty: whom should leadbot tell?")

    def require_bot_token(self) -> None:
        if not self.bot_token:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: put the bot token (xoxb-…) in .env (see .env.example and the README)"
            )
        if not self.bot_token.startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")

    def require_workspace_tokens(self) -> None:
        """The scheduler and the commands act with one bot token, or with each installed workspace's own."""
        if not self.oauth:
            self.require_bot_token()

    def require_slack(self) -> None:
        """Stop start-up with one line when the tokens a server needs are missing."""
        if self.oauth:
            if self.socket_mode:
                raise SettingsError(
                    "SLACK_CLIENT_ID/SLACK_CLIENT_SECRET (Add to Slack) need HTTP mode: unset SLACK_APP_TOKEN"
                )
            if not self.signing_secret:
                raise SettingsError("SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify Slack's requests")
            return
        if (self.client_id or self.client_secret) and not self.bot_token:
            missing = "SLACK_CLIENT_SECRET" if self.client_id else "SLACK_CLIENT_ID"
            raise SettingsError(f"{missing} is not set: Add to Slack needs both the client id and its secret")
        self.require_bot_token()
        if self.socket_mode:
            if not self.app_token.startswith("xapp-"):
                raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        elif not self.signing_secret:
            raise SettingsError("SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify Slack's requests")

    def redacted(self) -> dict[str, str]:
        """Settings safe to log: secrets shown only as set or not."""
        secret = {"bot_token", "signing_secret", "app_token", "client_secret", "sentry_dsn"}
        shown = {
            s.env: ("<set>" if getattr(self, s.attr) else "<unset>") if s.attr in secret else str(getattr(self, s.attr))
            for s in SETTINGS
        }
        # The mailbox by its name (user@host:port/folder), never its password.
        shown["LEADBOT_MAIL_URL"] = self.mail_url.name if self.mail_url is not None else "<unset>"
        return shown
