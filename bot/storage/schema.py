"""The schema's history: one sequence of numbered versions for both engines.

``0001_initial.sqlite.sql``, ``0002_shipped_at.sql``, ...: file N takes the schema from
version N - 1 to N. A version is one portable file (``NNNN_name.sql``) where the same SQL
works on SQLite and PostgreSQL, or one file per dialect (``NNNN_name.sqlite.sql`` and
``NNNN_name.postgresql.sql``) where it does not (a table rebuild on SQLite, an identity column
on PostgreSQL). ``tests/test_storage_schema.py`` checks that both engines have every version
and end with the same tables and columns.

Where the version is kept: SQLite's ``user_version``; PostgreSQL's ``schema_version`` table.
``migrate_sqlite`` applies the missing versions when ``SqliteEngine.open`` opens the file
(SQLite's write lock serialises two processes); ``bot.storage.postgres`` does the same under an
advisory lock.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import sqlite3
from contextlib import suppress
from dataclasses import dataclass
from functools import cache

import aiosqlite

from bot.storage.errors import DatabaseOpenError, SchemaTooNewError
from bot.storage.sql import Dialect

__all__ = [
    "Migration",
    "latest_schema_version",
    "load_migrations",
    "migrate_sqlite",
    "sqlite_version",
]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """Split the file into statements with sqlite3.complete_statement (trigger-safe)."""
        out: list[str] = []
        buf = ""
        for line in self.sql.splitlines(keepends=True):
            buf += line
            if sqlite3.complete_statement(buf):
                out.append(buf.strip())
                buf = ""
        rest = "\n".join(
            ln for ln in buf.splitlines() if ln.strip() and not ln.strip().startswith("--")
        )
        if rest:
            raise ValueError(f"migration {self.name}: unterminated statement: {rest[:80]!r}")
        return out


_MIGRATION_NAME = re.compile(r"^(\d{4})_[A-Za-z0-9_]+(?:\.(sqlite|postgresql))?\.sql$")


@cache
def load_migrations(dialect: Dialect = Dialect.SQLITE) -> tuple[Migration, ...]:
    """The packaged migrations of ``dialect``, in order: per version its own file, else the
    portable one. Loaded with importlib.resources so they work from an installed wheel
    (pyproject ships ``storage/migrations/*.sql`` as package data)."""
    root = importlib.resources.files("bot.storage").joinpath("migrations")
    portable: dict[int, Migration] = {}
    own: dict[int, Migration] = {}
    for entry in root.iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if not (m and entry.is_file()):
            continue
        migration = Migration(int(m.group(1)), entry.name, entry.read_text("utf-8"))
        if m.group(2) is None:
            portable[migration.version] = migration
        elif m.group(2) == dialect.value:
            own[migration.version] = migration
    found = sorted({**portable, **own}.values(), key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(
            f"{dialect} migrations must be numbered 0001.. without gaps, found {versions}"
        )
    return tuple(found)


def latest_schema_version() -> int:
    return len(load_migrations())


async def sqlite_version(conn: aiosqlite.Connection) -> int:
    rows = list(await conn.execute_fetchall("PRAGMA user_version"))
    return int(rows[0][0])


async def migrate_sqlite(conn: aiosqlite.Connection, path: str | os.PathLike[str]) -> None:
    """Apply the missing migrations on the writer connection `conn`, each in its own
    transaction, with foreign keys off (a table rebuild must not cascade): each must leave
    every reference intact, checked before its COMMIT."""
    migrations = load_migrations(Dialect.SQLITE)
    latest = len(migrations)
    current = await sqlite_version(conn)
    if current > latest:
        raise SchemaTooNewError.found(path, current, latest)
    for migration in migrations[current:]:
        await conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if await sqlite_version(conn) >= migration.version:
                await conn.execute("ROLLBACK")
                continue
            for statement in migration.statements():
                await conn.execute(statement)
            if list(await conn.execute_fetchall("PRAGMA foreign_key_check")):
                raise DatabaseOpenError(f"migration {migration.name} broke a reference")
            # PRAGMA takes no parameters; the version is an int parsed from a file name.
            await conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            await conn.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.OperationalError):  # no transaction may be active
                await conn.execute("ROLLBACK")
            raise
