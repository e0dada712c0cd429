"""Entry point: `python -m bot` (or the `dispute-helper` script).

Polling by default; a webhook when WEBHOOK_URL is set.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

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


def run(settings: Settings, redactor: Redactor) -> int:
    # Imported here so that `--help` and configuration errors answer instantly.
    from telegram import Update
    from telegram.error import InvalidToken, TelegramError

    from bot.app import build_application
    from bot.storage.db import SchemaTooNewError

    application = build_application(settings)
    try:
        if settings.webhook_url:
            application.run_webhook(
                listen="0.0.0.0",
                port=settings.port,
                url_path=settings.webhook_secret or "",
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
    _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return 2
    redactor = configure_logging(settings.log_level, [settings.token])
    return run(settings, redactor)


if __name__ == "__main__":
    sys.exit(main())
