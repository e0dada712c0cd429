"""Operator commands, and the guard the bot itself starts behind.

    dispute-helper backup PATH      an online, consistent copy of the database, verified
    dispute-helper stats [--json]   buyers, cases by stage, reminders by state, overdue, size
    dispute-helper migrate-to URL   the SQLite database copied into an empty PostgreSQL one
    dispute-helper --version

They need no TELEGRAM_BOT_TOKEN (only DATABASE_PATH, from the environment or ./.env, or
``--database``). ``backup`` and ``stats`` run beside a running bot, never take the bot's
single-instance lock and never write to the bot's database: ``stats`` reads through a
read-only connection, ``backup`` copies one read snapshot with SQLite's backup API (in WAL
mode the bot's writes go on). ``migrate-to`` (bot/storage/transfer.py) is the one that needs
the bot stopped: it takes the lock, and says so when a bot holds it.

Exit statuses: 0 done; 2 the command cannot work as given (usage, no database at the path,
the backup's target exists, migrate-to's target holds data or the bot runs); 1 it failed
(the copy did not verify, the disk filled up); 128 + the signal's number when SIGINT,
SIGTERM or SIGHUP stopped it (a cron job's time-out, a supervisor, Ctrl+C): one line, and a
backup stopped that way leaves no partial copy behind.

``run_claimed`` is how the entry point starts the bot: the database's directory, the
single-instance lock and a check of the file first (``bot.storage.instance``), or with
DATABASE_URL the PostgreSQL database reached and migrated, so a second bot on one file or an
unusable database is one line on stderr naming its setting and exit status 2, no traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.config import ConfigError, Settings, load_database_path, parse_database_url
from bot.domain.models import ReminderState, Stage
from bot.domain.rules import SOURCES, rule_settings
from bot.storage.engine import SqliteEngine
from bot.storage.errors import DatabaseUnavailableError, without_password
from bot.storage.instance import claim
from bot.storage.postgres import PostgresError, migrate_postgres
from bot.storage.schema import latest_schema_version
from bot.storage.stats import OVERDUE_AFTER, Counts, counts
from bot.storage.transfer import CountMismatchError, migrate_to

__all__ = ["COMMANDS", "BackupReport", "is_operator_command", "main", "make_backup", "run_claimed"]

COMMANDS = ("backup", "stats", "rules", "migrate-to", "--version")
PACKAGE = "dispute-helper"


class UsageError(Exception):
    """The command cannot work as given (exit status 2)."""


class BackupFailedError(Exception):
    """The copy was made but did not verify (exit status 1)."""


class Interrupted(BaseException):
    """SIGTERM or SIGHUP arrived (SIGINT is Python's KeyboardInterrupt). A BaseException, as
    KeyboardInterrupt is, so that no `except Exception` swallows it; `finally` blocks run."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _interrupt(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def _stop_cleanly_on_signals() -> None:
    """SIGTERM and SIGHUP end the command through `Interrupted`, not the default action (the
    process gone at once, a half-written `.PATH.partial` copy of every buyer's data left)."""
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, _interrupt)


def is_operator_command(argv: Sequence[str]) -> bool:
    return bool(argv) and argv[0] in COMMANDS


def run_claimed(settings: Settings, run: Callable[[], int]) -> int:
    """``run()`` (the bot) once its database is known to be usable: a SQLite file while
    holding its single-instance lock (several processes on one PostgreSQL database are the
    point of DATABASE_URL); a database the bot cannot use is one line on stderr naming
    DATABASE_PATH or DATABASE_URL, exit status 2."""
    try:
        if settings.database_url:
            asyncio.run(migrate_postgres(settings.database_url))
            return run()
        with claim(settings.database_path):
            return run()
    except DatabaseUnavailableError as error:
        print(f"{settings.database_variable}: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PACKAGE,
        description="Operator commands; they run beside the bot and need no token.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command")
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database",
        type=Path,
        metavar="FILE",
        help="the database (default: DATABASE_PATH from the environment or ./.env)",
    )
    backup = commands.add_parser(
        "backup",
        parents=[database],
        help="write a consistent, verified copy of the database while the bot runs",
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="the copy (must not exist)")
    stats = commands.add_parser(
        "stats", parents=[database], help="buyers, cases, reminders and database size"
    )
    stats.add_argument("--json", action="store_true", help="one JSON object instead of text")
    commands.add_parser(
        "rules", help="every deadline rule with its default and source, as DISPUTE_RULES takes it"
    )
    move = commands.add_parser(
        "migrate-to",
        parents=[database],
        help="copy the SQLite database into an empty PostgreSQL one (the bot stopped)",
    )
    move.add_argument("url", metavar="URL", help="postgresql://user:password@host:port/database")
    return parser


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as stop:  # --help (0) or a usage error (2, usage already printed)
        return int(stop.code or 0)
    if args.version:
        print(f"{PACKAGE} {_version()}")
        return 0
    if args.command == "rules":
        print(rules_text())
        return 0
    database: Path = args.database or load_database_path()
    _stop_cleanly_on_signals()
    try:
        if args.command == "backup":
            report = make_backup(database, args.path)
            print(report.describe())
            return 0
        if args.command == "stats":
            found, schema = asyncio.run(_read_counts(database))
            print(stats_json(found, schema) if args.json else stats_text(database, found, schema))
            return 0
        if args.command == "migrate-to":
            print(migrate_to(database, _postgres_url(args.url)).describe())
            return 0
    except (UsageError, DatabaseUnavailableError) as error:
        print(f"{args.command}: {_scrubbed(error, args)}", file=sys.stderr)
        return 2
    except (BackupFailedError, OSError, sqlite3.Error, CountMismatchError, PostgresError) as error:
        print(f"{args.command}: failed: {_scrubbed(error, args)}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Interrupted) as stop:
        number = stop.signum if isinstance(stop, Interrupted) else signal.SIGINT
        made = args.command == "backup" and args.path.exists()
        outcome = f"; {args.path} was complete" if made else ""
        print(f"{args.command}: stopped by {signal.Signals(number).name}{outcome}", file=sys.stderr)
        return 128 + number
    _parser().print_usage(sys.stderr)
    return 2


def _postgres_url(value: str) -> str:
    try:
        url = parse_database_url(value)
    except ConfigError as error:
        raise UsageError(str(error).removeprefix("DATABASE_URL: ")) from None
    assert url is not None
    return url


def _scrubbed(error: BaseException, args: argparse.Namespace) -> str:
    """An error's text without the target URL's password (migrate-to names its URL; a usage
    error is our own words, without it)."""
    url = getattr(args, "url", None)
    if not url or isinstance(error, UsageError):
        return str(error)
    return without_password(str(error), url)


def rules_text() -> str:
    """One line per rule: `name=default` (DISPUTE_RULES' syntax) and where the default comes
    from, so an installed bot documents its own settings (docs/rules.md explains the sources)."""
    pairs = rule_settings()
    width = max(len(name) + len(value) + 1 for name, value in pairs)
    return "\n".join(
        f"{name}={value}".ljust(width) + f"  # {SOURCES[name]}" for name, value in pairs
    )


def _version() -> str:
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "(not installed: run from a checkout)"


# --------------------------------------------------------------------------- backup


@dataclass(frozen=True, slots=True)
class BackupReport:
    path: Path
    size: int
    schema_version: int
    buyers: int
    cases: int

    def describe(self) -> str:
        return (
            f"backup: wrote {self.path} ({_size(self.size)}): integrity ok, schema version "
            f"{self.schema_version}, {self.buyers:,} buyers, {self.cases:,} cases"
        )


def make_backup(source: Path, target: Path) -> BackupReport:
    """Copy ``source`` to ``target`` as one read snapshot (SQLite's backup API), check the
    copy (integrity_check, schema version, counts), then move it into place; a failed or
    interrupted copy never leaves a file at ``target``."""
    if not source.is_file():
        raise UsageError(f"there is no database at {source}")
    if target.exists() or target.is_symlink():
        raise UsageError(f"{target} already exists; choose a new file name")
    if not target.parent.is_dir():
        raise UsageError(f"{target.parent} is not a directory")
    partial = target.with_name(f".{target.name}.partial")
    _remove_database_files(partial)  # what an interrupted run left
    try:
        _copy(source, partial)
        report = _verify(partial, target)
        _publish(partial, target)
    finally:
        _remove_database_files(partial)
    return report


def _copy(source: Path, partial: Path) -> None:
    # The copy holds every buyer's data: readable by its owner only (SQLite would create it
    # with the umask's mode, usually world-readable).
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    src = sqlite3.connect(source, timeout=10)
    try:
        src.execute("PRAGMA query_only = ON")
        dst = sqlite3.connect(partial)
        try:
            # All pages in one step: one read transaction, so one consistent snapshot; in WAL
            # mode the bot's writes go on meanwhile (they land after the snapshot).
            src.backup(dst, pages=-1)
            # One self-contained file (no -wal beside it); the bot turns WAL back on at open.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def _verify(partial: Path, target: Path) -> BackupReport:
    conn = sqlite3.connect(partial)
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupFailedError(f"the copy failed its integrity check: {problems[:3]}")
        (schema,) = conn.execute("PRAGMA user_version").fetchone()
        if not 1 <= int(schema) <= latest_schema_version():
            raise BackupFailedError(f"the copy has schema version {schema}")
        (buyers,) = conn.execute("SELECT COUNT(*) FROM users").fetchone()
        (cases,) = conn.execute("SELECT COUNT(*) FROM disputes").fetchone()
    finally:
        conn.close()
    return BackupReport(target, partial.stat().st_size, int(schema), int(buyers), int(cases))


def _publish(partial: Path, target: Path) -> None:
    fd = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(partial, target)  # unlike rename, never replaces a file created meanwhile
    except FileExistsError:
        raise UsageError(f"{target} already exists; choose a new file name") from None
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _remove_database_files(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# --------------------------------------------------------------------------- stats


async def _read_counts(database: Path) -> tuple[Counts, int]:
    engine = await SqliteEngine.open_readonly(database)
    try:
        return await counts(engine, datetime.now(UTC)), await engine.schema_version()
    finally:
        await engine.close()


def stats_json(found: Counts, schema: int) -> str:
    return json.dumps(
        {**asdict(found), "open_cases": found.open_cases, "schema_version": schema},
        sort_keys=True,
    )


def stats_text(database: Path, found: Counts, schema: int) -> str:
    stages = [stage.value for stage in Stage]
    stages += sorted(set(found.cases_by_stage) - set(stages))
    states = [state.value for state in ReminderState]
    states += sorted(set(found.reminders_by_state) - set(states))
    total_cases = sum(found.cases_by_stage.values())
    closed = found.cases_by_stage.get(Stage.CLOSED.value, 0)
    minutes = int(OVERDUE_AFTER.total_seconds() // 60)
    lines = [
        f"database   {database} ({_size(found.database_bytes)}, schema version {schema})",
        f"buyers     {found.buyers:,}",
        f"cases      {total_cases:,}: {found.open_cases:,} open, {closed:,} closed",
        *(f"  {s:<12}{found.cases_by_stage.get(s, 0):>9,}" for s in stages),
        f"reminders  {sum(found.reminders_by_state.values()):,}",
        *(f"  {s:<12}{found.reminders_by_state.get(s, 0):>9,}" for s in states),
        f"overdue    {found.reminders_overdue:,} (pending, due more than {minutes} min ago)",
    ]
    return "\n".join(lines)


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
