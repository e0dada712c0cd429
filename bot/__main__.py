"""Entry point: `python -m bot` (or the `dispute-helper` script).

Polling by default; a webhook when WEBHOOK_URL is set.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot import cli
from bot.config import SETTINGS_HELP, ConfigError, Settings, load_settings
from bot.logsetup import Redactor, configure_logging

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    width = max(len(name) for name, _ in SETTINGS_HELP)
    settings = "\n".join(f"  {name.ljust(width)}  {text}" for name, text in SETTINGS_HELP)
    return argparse.ArgumentParser(
        prog="python -m bot",
        description=(
            "Dispute Helper: a Telegram bot that guides AliExpress buyers through a dispute "
            "and reminds them before every deadline. Runs until interrupted (Ctrl+C)."
        ),
        epilog=("settings (environment variables, or KEY=VALUE lines in ./.env):\n" + settings),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


# Telegram's rule for secret_token: 1-256 characters, A-Z a-z 0-9 _ and -.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def webhook_path(settings: Settings) -> str:
    """The local path to serve the webhook on, after checking the webhook settings.

    A webhook without a secret would let anyone who finds the URL post forged updates in any
    buyer's name, so WEBHOOK_SECRET is required. The secret travels in a header only, never in
    the URL (URLs end up in proxies' access logs).
    """
    url = settings.webhook_url or ""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError("WEBHOOK_URL", "must be an https:// URL (Telegram only calls HTTPS)")
    if not settings.webhook_secret:
        raise ConfigError("WEBHOOK_SECRET", "is required when WEBHOOK_URL is set")
    if not _SECRET_RE.match(settings.webhook_secret):
        raise ConfigError(
            "WEBHOOK_SECRET", "must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"
        )
    return parts.path.strip("/")


def _use_uvloop() -> None:
    """uvloop's event loop costs less CPU per network call than asyncio's, and every update
    here is a few HTTP calls (measured in bench/wizard.py). Optional: absent on Windows."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def run(settings: Settings, redactor: Redactor) -> int:
    # Imported here so that `--help` and configuration errors answer instantly.
    from telegram import Update
    from telegram.error import InvalidToken, TelegramError

    from bot.app import build_application
    from bot.storage.db import SchemaTooNewError

    url_path = ""
    if settings.webhook_url:
        try:
            url_path = webhook_path(settings)
        except ConfigError as error:
            print(str(error), file=sys.stderr)
            return 2
    _use_uvloop()
    application = build_application(settings)
    try:
        if settings.webhook_url:
            # Listens on every interface at PORT (as PaaS routers expect), on the path of
            # WEBHOOK_URL (what Telegram requests, passed through by the TLS proxy); PTB answers
            # 403 to any request without X-Telegram-Bot-Api-Secret-Token == WEBHOOK_SECRET.
            application.run_webhook(
                listen="0.0.0.0",
                port=settings.port,
                url_path=url_path,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        print("TELEGRAM_BOT_TOKEN: Telegram rejected this token", file=sys.stderr)
        return 2
    except SchemaTooNewError as error:
        print(f"DATABASE_PATH: {error}", file=sys.stderr)
        return 2
    except TelegramError as error:
        print(f"cannot start: {redactor(str(error))}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if cli.is_operator_command(args):  # backup, stats, --version: no token needed
        return cli.main(args)
    _parser().parse_args(args)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return 2
    # The webhook secret is as sensitive as the token: PTB logs setWebhook's parameters at DEBUG.
    redactor = configure_logging(
        settings.log_level,
        [settings.token, settings.webhook_secret or ""],
        fmt=settings.log_format,
    )
    # One bot per database, and an unusable DATABASE_PATH is one line: checked before any
    # connection to Telegram (bot/cli.py, bot/storage/instance.py).
    return cli.run_claimed(settings.database_path, lambda: run(settings, redactor))


if __name__ == "__main__":
    sys.exit(main())
