"""Entry point: `python -m bot` (or the `dispute-helper` script).

Polling by default; a webhook when WEBHOOK_URL is set (bot/runner.py runs either).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import cli
from bot.config import SETTINGS_HELP, ConfigError, Settings, load_settings
from bot.logsetup import Redactor, configure_logging
from bot.storage.errors import url_secrets


def _parser() -> argparse.ArgumentParser:
    width = max(len(name) for name, _ in SETTINGS_HELP)
    settings = "\n".join(f"  {name.ljust(width)}  {text}" for name, text in SETTINGS_HELP)
    return argparse.ArgumentParser(
        prog="dispute-helper",
        description=(
            "Dispute Helper: a Telegram bot that guides AliExpress buyers through a dispute "
            "and reminds them before every deadline. Runs until interrupted (Ctrl+C)."
        ),
        epilog=(
            "operator commands (no token needed): dispute-helper backup PATH | stats [--json] "
            "| migrate-to postgresql://... "
            "| rules | --version\n\n"
            "settings (environment variables, or KEY=VALUE lines in ./.env):\n" + settings
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def run(settings: Settings, redactor: Redactor) -> int:
    # Imported here so that `--help` and configuration errors answer instantly (the runner
    # imports python-telegram-bot, aiohttp and the whole bot).
    from bot import runner

    return runner.run(settings, redactor)


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
    # The webhook secret is as sensitive as the token: PTB logs setWebhook's parameters at DEBUG;
    # so is DATABASE_URL's password.
    redactor = configure_logging(
        settings.log_level,
        [settings.token, settings.webhook_secret or "", *url_secrets(settings.database_url)],
        fmt=settings.log_format,
    )
    # One bot per database file, and an unusable database is one line naming its setting:
    # checked before any connection to Telegram (bot/cli.py, bot/storage/instance.py).
    return cli.run_claimed(settings, lambda: run(settings, redactor))


if __name__ == "__main__":
    sys.exit(main())
