"""Environment -> one frozen settings object, with errors a person can act on.

Settings come from the process environment and, for convenience in development, from an
optional `.env` file in the working directory. The real environment always wins over the file.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.rules import rules_from_overrides

TELEGRAM_API_BASE_URL_DEFAULT = "https://api.telegram.org/bot"
DATABASE_PATH_DEFAULT = "data/bot.sqlite3"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")

# A bot token is "<bot id>:<secret>". The secret is 35 characters today; accept a little slack
# so that a future format change does not lock everyone out, but reject obvious paste errors.
_TOKEN_RE = re.compile(r"^\d{5,20}:[A-Za-z0-9_-]{30,60}$")

# Every setting, with its description, for `python -m bot --help`.
SETTINGS_HELP: tuple[tuple[str, str], ...] = (
    ("TELEGRAM_BOT_TOKEN", "required; the token BotFather gave you"),
    (
        "TELEGRAM_API_BASE_URL",
        f"Bot API base URL (default {TELEGRAM_API_BASE_URL_DEFAULT}); "
        "e.g. http://127.0.0.1:8081/bot for a local Bot API server or an offline stand-in",
    ),
    ("TELEGRAM_API_FILE_URL", "file base URL (default: derived from the base, .../file/bot)"),
    ("DATABASE_PATH", f"SQLite database file (default {DATABASE_PATH_DEFAULT})"),
    (
        "DEFAULT_TIMEZONE",
        "IANA time zone for buyers who have not chosen one "
        "(default Europe/Moscow for Russian speakers, UTC for English speakers)",
    ),
    ("REMINDER_HOURS", "waking hours for reminders, local time, as FROM-TO (default 9-21)"),
    (
        "REMINDER_RATE_LIMIT",
        "reminders sent per second at most (default 30, Telegram's bulk limit; 0 = unlimited)",
    ),
    (
        "DISPUTE_RULES",
        "override deadline rules, e.g. 'negotiation_before_escalation=15d; "
        "evidence_response=72h' (names and defaults in bot/domain/rules.py)",
    ),
    ("LOG_LEVEL", "DEBUG, INFO, WARNING, ERROR or CRITICAL (default INFO)"),
    ("WEBHOOK_URL", "public HTTPS URL; when set the bot runs a webhook instead of polling"),
    ("PORT", "port the webhook server listens on (default 8443)"),
    ("WEBHOOK_SECRET", "secret token Telegram sends in X-Telegram-Bot-Api-Secret-Token"),
    (
        "METRICS_PORT",
        "port of a server for /healthz and /metrics (default: none); with a webhook "
        "they are served on PORT as well",
    ),
    (
        "LISTEN_ADDRESS",
        "address the servers bind to (default 0.0.0.0 for the webhook, which routers reach "
        "from outside; 127.0.0.1 for METRICS_PORT)",
    ),
)


class ConfigError(Exception):
    """A setting is missing or malformed. `variable` names it; str() is one line for stderr."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True, slots=True)
class Settings:
    token: str
    api_base_url: str = TELEGRAM_API_BASE_URL_DEFAULT
    api_file_url: str = "https://api.telegram.org/file/bot"
    database_path: Path = Path(DATABASE_PATH_DEFAULT)
    default_timezone: str | None = None
    reminder_hours: tuple[int, int] = (9, 21)
    reminder_rate_limit: int = 30
    # (rule name, value) pairs from DISPUTE_RULES, already validated against the rules table.
    rule_overrides: tuple[tuple[str, str], ...] = ()
    log_level: str = "INFO"
    webhook_url: str | None = None
    port: int = 8443
    webhook_secret: str | None = None
    metrics_port: int | None = None
    listen_address: str | None = None  # None: each server's own default (bot/runner.py)

    def __repr__(self) -> str:  # never print the token, even by accident in a debugger or log
        return f"Settings(database_path={str(self.database_path)!r}, api_base_url=...)"


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a minimal `.env`: KEY=VALUE lines, `#` comments, optional quotes, `export ` prefix."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if key:
            values[key] = value
    return values


def _file_url_from(base_url: str) -> str:
    """`https://host/bot` -> `https://host/file/bot`, as Telegram and local Bot API servers do."""
    head, sep, tail = base_url.rstrip("/").rpartition("/")
    if not sep:
        return base_url.rstrip("/") + "/file/bot"
    return f"{head}/file/{tail}"


def _parse_hours(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{1,2})\s*[-–]\s*(\d{1,2})\s*", value)
    if not match:
        raise ConfigError("REMINDER_HOURS", f"expected FROM-TO such as 9-21, got {value!r}")
    start, end = int(match.group(1)), int(match.group(2))
    if not (0 <= start < end <= 24):
        raise ConfigError("REMINDER_HOURS", "hours must satisfy 0 <= FROM < TO <= 24")
    return start, end


def _parse_port(variable: str, value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(variable, "must be a TCP port number (1-65535)")
    return int(value)


# What a server can bind to: an IPv4/IPv6 address or a host name. A port, brackets or a scheme
# is a paste error ("0.0.0.0:8080", "[::1]", "http://localhost").
_HOST_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$")


def _parse_address(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if ":" in value or not _HOST_RE.match(value):
            raise ConfigError(
                "LISTEN_ADDRESS",
                f"expected an IP address or host name such as 127.0.0.1, got {value!r}",
            ) from None
    return value


def _parse_rules(value: str) -> tuple[tuple[str, str], ...]:
    """`name=value; name=value` (values may hold commas: `protection_reminders=7d,3d,1d`)."""
    pairs: list[tuple[str, str]] = []
    for item in value.split(";"):
        if not item.strip():
            continue
        name, sep, raw = item.partition("=")
        if not sep:
            raise ConfigError("DISPUTE_RULES", f"expected name=value, got {item.strip()!r}")
        pairs.append((name.strip(), raw.strip()))
    try:
        rules_from_overrides(dict(pairs))
    except ValueError as error:
        raise ConfigError("DISPUTE_RULES", str(error)) from None
    return tuple(pairs)


def load_settings(
    environ: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")
) -> Settings:
    """Build Settings from the environment (plus `.env`); ConfigError names the first problem."""
    env: dict[str, str] = {}
    if dotenv is not None:
        env.update(read_dotenv(dotenv))
    env.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    token = get("TELEGRAM_BOT_TOKEN")
    if token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN", "is not set; get a token from @BotFather")
    if not _TOKEN_RE.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN", "is malformed; expected <digits>:<secret> as @BotFather gives it"
        )

    base_url = get("TELEGRAM_API_BASE_URL") or TELEGRAM_API_BASE_URL_DEFAULT
    if not re.match(r"^https?://[^\s/]+", base_url):
        raise ConfigError(
            "TELEGRAM_API_BASE_URL", "must be an http(s) URL such as https://host/bot"
        )
    file_url = get("TELEGRAM_API_FILE_URL") or _file_url_from(base_url)

    tz = get("DEFAULT_TIMEZONE")
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError("DEFAULT_TIMEZONE", f"unknown IANA time zone {tz!r}") from None

    level = (get("LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError("LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}")

    port = _parse_port("PORT", get("PORT") or "8443")
    metrics_text = get("METRICS_PORT")
    metrics_port = None if metrics_text is None else _parse_port("METRICS_PORT", metrics_text)
    listen_text = get("LISTEN_ADDRESS")
    listen = None if listen_text is None else _parse_address(listen_text)

    hours = _parse_hours(get("REMINDER_HOURS") or "9-21")
    overrides = _parse_rules(get("DISPUTE_RULES") or "")
    rate_text = get("REMINDER_RATE_LIMIT") or "30"
    if not rate_text.isdigit() or int(rate_text) > 1000:
        raise ConfigError("REMINDER_RATE_LIMIT", "must be a whole number of messages per second")

    return Settings(
        token=token,
        api_base_url=base_url.rstrip("/"),
        api_file_url=file_url.rstrip("/"),
        database_path=Path(get("DATABASE_PATH") or DATABASE_PATH_DEFAULT),
        default_timezone=tz,
        reminder_hours=hours,
        reminder_rate_limit=int(rate_text),
        rule_overrides=overrides,
        log_level=level,
        webhook_url=get("WEBHOOK_URL"),
        port=port,
        webhook_secret=get("WEBHOOK_SECRET"),
        metrics_port=metrics_port,
        listen_address=listen,
    )
