"""``dispute-helper migrate-to postgresql://...``: a SQLite database copied whole into an empty
PostgreSQL one, verified (issue 12 §3).

1. The SQLite file is taken with the bot's own single-instance lock (bot/storage/instance.py):
   a bot still running on it would write rows after the copy, so it must be stopped first.
   It is brought to this release's schema first, as the bot would at its next start.
2. The PostgreSQL database gets the same schema (bot/storage/postgres.py migrates it) and must
   hold no row of the bot's yet: a copy never mixes with other data.
3. Every table is copied in one PostgreSQL transaction (COPY, a chunk at a time), parents
   before children; each identity continues after the highest id SQLite ever gave, deleted
   rows included (an id in an old button never points at a newer case). Nothing is committed
   unless every table's row count matches the source's, so a failed copy leaves the target
   empty and the command can simply run again.

What is copied: every case, evidence id, reminder, event and buyer setting, the wizard's
place (it is the dispute rows), and the webhook's inbox with its record of handled updates.
Not copied: leases and heartbeats of running processes (there are none: the bot is stopped).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bot.storage.db import Database
from bot.storage.errors import DatabaseUnavailableError, redact_url
from bot.storage.instance import claim
from bot.storage.postgres import connect, migrate_postgres

__all__ = ["TABLES", "TransferReport", "migrate_to"]

#: Parents before children (the copy runs with the references checked as it goes).
TABLES: Final = (
    "users",
    "disputes",
    "evidence",
    "reminders",
    "events",
    "inbox",
    "handled_updates",
)
#: Tables whose ids come from an identity (AUTOINCREMENT on SQLite).
IDENTITIES: Final = ("disputes", "evidence", "reminders", "events")
CHUNK: Final = 5_000


class TargetNotEmptyError(DatabaseUnavailableError):
    """The PostgreSQL database already holds the bot's rows."""


class CountMismatchError(RuntimeError):
    """A table's copy does not have the source's number of rows; nothing was committed."""


@dataclass(frozen=True, slots=True)
class TransferReport:
    target: str  # the URL without its password
    counts: dict[str, int]

    def describe(self) -> str:
        tables = ", ".join(f"{name} {n:,}" for name, n in self.counts.items())
        return (
            f"migrate-to: copied into {self.target}: {tables}; every table's count verified. "
            "Set DATABASE_URL to it and start the bot."
        )


def migrate_to(source: Path, url: str) -> TransferReport:
    """Copy ``source`` (a SQLite file) into the empty PostgreSQL database at ``url``."""
    if not source.is_file():
        raise DatabaseUnavailableError(f"there is no database at {source}")
    with claim(source):  # no bot may write the file meanwhile
        return asyncio.run(_transfer(source, url))


async def _transfer(source: Path, url: str) -> TransferReport:
    sqlite = await Database.open(source)  # this release's schema, as the bot's start does
    try:
        await migrate_postgres(url)
        target = await connect(url)
        try:
            await _refuse_rows(target, url)
            counts = await _copy_all(sqlite, target)
        finally:
            await target.close()
    finally:
        await sqlite.close()
    return TransferReport(redact_url(url), counts)


async def _refuse_rows(target: Any, url: str) -> None:
    for table in (*TABLES, "chat_leases", "processes"):
        if await target.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):  # noqa: S608
            raise TargetNotEmptyError(
                f"{redact_url(url)} already holds the bot's data (table {table}); "
                "migrate-to copies into an empty database only"
            )


async def _copy_all(sqlite: Database, target: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with target.transaction():
        for table in TABLES:
            expected = await _count(sqlite, table)
            await _copy(sqlite, target, table)
            copied = int(await target.fetchval(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608
            if copied != expected:
                raise CountMismatchError(
                    f"table {table}: {copied:,} rows copied of {expected:,}; nothing was kept"
                )
            counts[table] = copied
        for table in IDENTITIES:
            await _continue_identity(sqlite, target, table)
    return counts


async def _count(db: Database, table: str) -> int:
    row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
    return 0 if row is None else int(row[0])


async def _copy(sqlite: Database, target: Any, table: str) -> None:
    columns = [r[1] for r in await sqlite.fetchall(f"PRAGMA table_info({table})")]
    select = f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid"  # noqa: S608
    async with sqlite.stream(select, chunk=CHUNK) as chunks:
        async for rows in chunks:
            records = [tuple(row) for row in rows]
            await target.copy_records_to_table(table, records=records, columns=columns)


async def _continue_identity(sqlite: Database, target: Any, table: str) -> None:
    """The next id PostgreSQL gives is past every id SQLite ever gave (sqlite_sequence keeps
    the highest, deleted rows included)."""
    row = await sqlite.fetchone(
        "SELECT seq FROM sqlite_sequence WHERE name = :table", {"table": table}
    )
    highest = int(row[0]) if row is not None and row[0] is not None else 0
    await target.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
        f" GREATEST($1::bigint, COALESCE((SELECT MAX(id) FROM {table}), 0), 1))",
        highest,
    )
