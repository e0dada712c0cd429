"""Environment -> one frozen settings object, with errors a person can act on.

Settings come from the process environment and, for convenience in development, from an
optional `.env` file in the working directory. The real environment always wins over the file.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.domain.rules import rules_from_overrides

TELEGRAM_API_BASE_URL_DEFAULT = "https://api.telegram.org/bot"
DATABASE_PATH_DEFAULT = "data/bot.sqlite3"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")

# A bot token is "<bot id>:<secret>". The secret is 35 characters today; accept a little slack
# so that a future format change does not lock everyone out, but reject obvious paste errors.
# The error message is built from the same numbers, so it always states the rule enforced.
_TOKEN_ID_DIGITS = (5, 20)
_TOKEN_SECRET_CHARS = (30, 60)
_TOKEN_RE = re.compile(
    rf"[0-9]{{{_TOKEN_ID_DIGITS[0]},{_TOKEN_ID_DIGITS[1]}}}:"
    rf"[A-Za-z0-9_-]{{{_TOKEN_SECRET_CHARS[0]},{_TOKEN_SECRET_CHARS[1]}}}"
)
TOKEN_RULE = (
    f"{_TOKEN_ID_DIGITS[0]} to {_TOKEN_ID_DIGITS[1]} digits, a colon, then "
    f"{_TOKEN_SECRET_CHARS[0]} to {_TOKEN_SECRET_CHARS[1]} characters of A-Z a-z 0-9 _ -"
)
LOG_FORMATS = ("text", "json")
# bot/http.py: aiohttp by default (a sixth of httpx's CPU per call); python-telegram-bot's own
# HTTPXRequest stays supported.
HTTP_CLIENTS = ("aiohttp", "httpx")
# A numeric chat id (groups and channels are negative) or a public channel's @username.
_CHAT_RE = re.compile(r"-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31}")

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
        "DATABASE_URL",
        "postgresql://user:password@host:port/database: PostgreSQL instead of the SQLite "
        "file, for several bot processes or a platform whose disk is wiped at restarts",
    ),
    (
        "DEFAULT_TIMEZONE",
        "IANA time zone for buyers who have not chosen one "
        "(default Europe/Moscow for Russian speakers, UTC for English speakers)",
    ),
    ("REMINDER_HOURS", "waking hours for reminders, local time, as FROM-TO (default 9-21)"),
    (
        "OUTGOING_RATE_LIMIT",
        "messages per second the bot sends at most, replies and reminders together, replies "
        "first (default 30, Telegram's limit; 0 = unlimited, for a bot whose limit Telegram "
        "raised); each chat also gets at most about 1 a second",
    ),
    (
        "REMINDER_RATE_LIMIT",
        "optional lower cap for reminders within OUTGOING_RATE_LIMIT, leaving the rest to "
        "replies (default 0 = none)",
    ),
    (
        "DISPUTE_RULES",
        "override deadline rules, e.g. 'negotiation_before_escalation=15d; "
        "evidence_response=72h' (names, defaults and sources: dispute-helper rules)",
    ),
    ("LOG_LEVEL", "DEBUG, INFO, WARNING, ERROR or CRITICAL (default INFO)"),
    ("LOG_FORMAT", "text (default) or json: one JSON object per line"),
    (
        "ERROR_CHAT_ID",
        "chat id (or @channel) that gets a short report of each unhandled error, "
        "at most one per minute per kind (default: none)",
    ),
    (
        "BOT_HTTP_CLIENT",
        "aiohttp (default, less CPU per call) or httpx (python-telegram-bot's own client)",
    ),
    ("WEBHOOK_URL", "public HTTPS URL; when set the bot runs a webhook instead of polling"),
    ("PORT", "port the webhook server listens on (default 8443)"),
    ("WEBHOOK_SECRET", "secret token Telegram sends in X-Telegram-Bot-Api-Secret-Token"),
    (
        "ADMIN_IDS",
        "comma-separated Telegram user ids of operators, who get /stats in the bot (default: none)",
    ),
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
    # PostgreSQL (bot/storage/postgres.py) instead of the SQLite file; None: SQLite.
    database_url: str | None = None
    default_timezone: str | None = None
    reminder_hours: tuple[int, int] = (9, 21)
    outgoing_rate_limit: int = 30  # messages/s overall, 0 = unlimited (bot/ratelimit.py)
    reminder_rate_limit: int = 0  # extra cap for reminders within it, 0 = none
    # (rule name, value) pairs from DISPUTE_RULES, already validated against the rules table.
    rule_overrides: tuple[tuple[str, str], ...] = ()
    log_level: str = "INFO"
    log_format: str = "text"
    # Where unhandled errors are reported (bot/alerts.py); None: nowhere but the log.
    error_chat_id: int | str | None = None
    http_client: str = "aiohttp"
    webhook_url: str | None = None
    port: int = 8443
    webhook_secret: str | None = None
    admin_ids: frozenset[int] = frozenset()
    metrics_port: int | None = None
    listen_address: str | None = None  # None: each server's own default (bot/runner.py)

    def __repr__(self) -> str:  # never print the token, even by accident in a debugger or log
        return f"Settings(database_path={str(self.database_path)!r}, api_base_url=...)"

    @property
    def database(self) -> str | Path:
        """What the bot opens: DATABASE_URL when set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def database_variable(self) -> str:
        """The setting to name when the database cannot be used."""
        return "DATABASE_URL" if self.database_url else "DATABASE_PATH"


def read_dotenv(path: Path) -> dict[str, str]:
    """`KEY=VALUE` lines of a `.env` file, read by python-dotenv as other tools read them.

    Inline `# comments`, single and double quotes (a `#` inside quotes is kept), `export `
    prefixes, multi-line quoted values and `${VAR}` references all work as in a shell or
    docker compose. A key without `=` means nothing here and is skipped; a missing file is an
    empty one.
    """
    try:
        values = dotenv_values(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise ConfigError(str(path), f"cannot be read: {reason}") from None
    return {key: value for key, value in values.items() if value is not None}


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


def _parse_rates(get: Callable[[str], str | None]) -> tuple[int, int]:
    """OUTGOING_RATE_LIMIT and REMINDER_RATE_LIMIT: whole messages per second, 0 = no cap."""
    rates = []
    for name, default in (("OUTGOING_RATE_LIMIT", "30"), ("REMINDER_RATE_LIMIT", "0")):
        text = get(name) or default
        if not text.isdigit() or int(text) > 100_000:
            raise ConfigError(name, "must be a whole number of messages per second (0 = no cap)")
        rates.append(int(text))
    overall, reminders = rates
    if overall and reminders > overall:
        raise ConfigError(
            "REMINDER_RATE_LIMIT",
            f"{reminders}/s is above OUTGOING_RATE_LIMIT ({overall}/s), which reminders share "
            "with replies; raise OUTGOING_RATE_LIMIT instead",
        )
    return overall, reminders


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


def _parse_admin_ids(value: str) -> frozenset[int]:
    """`123, 456`: Telegram user ids (positive whole numbers), commas between."""
    ids: set[int] = set()
    for item in value.split(","):
        text = item.strip()
        if not text:
            continue
        if not text.isdigit() or not 0 < int(text) < 2**53:
            raise ConfigError(
                "ADMIN_IDS",
                f"expected comma-separated Telegram user ids such as 12345, got {text!r}",
            )
        ids.add(int(text))
    return frozenset(ids)


def _parse_token(value: str | None) -> str:
    if value is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN", "is not set; get a token from @BotFather")
    if not _TOKEN_RE.fullmatch(value):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN", f"is malformed; expected {TOKEN_RULE}, as @BotFather gives it"
        )
    return value


def _parse_choice(name: str, value: str | None, choices: tuple[str, ...]) -> str:
    """One of `choices` (case-insensitive); the first is the default."""
    chosen = (value or choices[0]).lower()
    if chosen not in choices:
        raise ConfigError(name, f"must be {' or '.join(choices)}, got {value!r}")
    return chosen


def _parse_chat(name: str, value: str | None) -> int | str | None:
    if value is None:
        return None
    if not _CHAT_RE.fullmatch(value):
        raise ConfigError(name, "must be a numeric chat id such as -1001234567890, or @channel")
    return value if value.startswith("@") else int(value)


def _environment(environ: Mapping[str, str] | None, dotenv: Path | None) -> dict[str, str]:
    """The `.env` file's values under the real environment's: the environment always wins."""
    env: dict[str, str] = {}
    if dotenv is not None:
        env.update(read_dotenv(dotenv))
    env.update(os.environ if environ is None else environ)
    return env


def parse_database_url(value: str | None) -> str | None:
    """DATABASE_URL: a postgresql:// URL, or None for SQLite. The message never repeats the
    value: it may hold the password."""
    if value is None:
        return None
    if not re.match(r"^postgres(ql)?://[^\s/]+/[^\s/?]+", value):
        raise ConfigError(
            "DATABASE_URL",
            "must be a URL such as postgresql://user:password@host:5432/database "
            "(unset it to use the SQLite file at DATABASE_PATH)",
        )
    return value


def load_database_path(
    environ: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")
) -> Path:
    """DATABASE_PATH alone, for the operator commands (they need no token)."""
    value = _environment(environ, dotenv).get("DATABASE_PATH", "").strip()
    return Path(value or DATABASE_PATH_DEFAULT)


def load_settings(
    environ: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")
) -> Settings:
    """Build Settings from the environment (plus `.env`); ConfigError names the first problem."""
    env = _environment(environ, dotenv)

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    token = _parse_token(get("TELEGRAM_BOT_TOKEN"))
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

    outgoing_rate, reminder_rate = _parse_rates(get)

    return Settings(
        token=token,
        api_base_url=base_url.rstrip("/"),
        api_file_url=file_url.rstrip("/"),
        database_path=Path(get("DATABASE_PATH") or DATABASE_PATH_DEFAULT),
        database_url=parse_database_url(get("DATABASE_URL")),
        default_timezone=tz,
        reminder_hours=_parse_hours(get("REMINDER_HOURS") or "9-21"),
        outgoing_rate_limit=outgoing_rate,
        reminder_rate_limit=reminder_rate,
        rule_overrides=_parse_rules(get("DISPUTE_RULES") or ""),
        log_level=level,
        log_format=_parse_choice("LOG_FORMAT", get("LOG_FORMAT"), LOG_FORMATS),
        error_chat_id=_parse_chat("ERROR_CHAT_ID", get("ERROR_CHAT_ID")),
        http_client=_parse_choice("BOT_HTTP_CLIENT", get("BOT_HTTP_CLIENT"), HTTP_CLIENTS),
        webhook_url=get("WEBHOOK_URL"),
        port=port,
        webhook_secret=get("WEBHOOK_SECRET"),
        admin_ids=_parse_admin_ids(get("ADMIN_IDS") or ""),
        metrics_port=metrics_port,
        listen_address=listen,
    )
