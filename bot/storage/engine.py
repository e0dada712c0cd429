"""The SQLite engine: one aiosqlite connection, migrations, transactions.

Why one connection: the bot is one process, and every statement goes through aiosqlite's
single worker thread anyway. One connection shared by the repositories and the PTB
persistence means one writer, no ``SQLITE_BUSY`` between our own coroutines, and one place
(``Database._lock``) that serialises access. The lock matters: on one connection a statement
issued by coroutine B while coroutine A is inside ``BEGIN .. COMMIT`` would silently become
part of A's transaction (and vanish with A's rollback). So *every* statement, not only
transactions, runs under the lock.

Each aiosqlite call is a round trip to its worker thread (a queue, a thread wake-up, a wake-up
of the event loop back), so a transaction written as one `await` per statement costs one trip
per statement, and the event loop and the worker contend for the GIL at every step. The hot
transactions (a wizard answer, a stage move, a reminder plan) are therefore plain functions of a
`sqlite3.Connection`, run whole on the worker thread by `Database.run`: one trip per
transaction (measured: 6 statements in 80-120 us of CPU instead of 200-360 us).

The repositories (``bot/storage/repositories``) hold the SQL; this module only knows how
statements and transactions reach SQLite, so a second engine (PostgreSQL, issue 12) can offer
the same methods. ``bot.storage.db.Database`` is this engine with the repositories attached.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Self, TypeVar

import aiosqlite

from bot.storage.codecs import utc_now
from bot.storage.errors import SchemaTooNewError
from bot.storage.schema import load_migrations

log = logging.getLogger(__name__)

__all__ = ["Params", "SqliteEngine", "StorageStats"]

Params = Sequence[Any] | Mapping[str, Any]
T = TypeVar("T")


# --------------------------------------------------------------------------- database


@dataclass(slots=True)
class StorageStats:
    """Cheap counters for benchmarks.

    ``statements``: SQL statements SQLite ran, excluding BEGIN/COMMIT/ROLLBACK (counted by a
    trace callback, so statements inside ``transaction()`` blocks are included).
    ``transactions``: explicit transactions committed through ``Database.transaction``.
    """

    statements: int = 0
    transactions: int = 0

    def reset(self) -> None:
        self.statements = 0
        self.transactions = 0


_CONTROL_PREFIXES: Final = ("BEGIN", "COMMIT", "ROLLBACK", "END")


class SqliteEngine:
    """The SQLite connection and its statements. Create with ``await cls.open(path)``."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        path: Path | None,
        clock: Callable[[], datetime],
    ) -> None:
        self._conn: aiosqlite.Connection | None = conn
        self.path = path
        self.clock = clock
        self.stats = StorageStats()
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> Self:
        """Open (creating if needed) and migrate the database at ``path``.

        Raises SchemaTooNewError if the file's schema is newer than this code's migrations.
        """
        memory = os.fspath(path) == ":memory:"
        file_path = None if memory else Path(path)
        if file_path is not None:
            file_path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit. Single statements commit on their own; multi-
        # statement work uses transaction(), which issues BEGIN IMMEDIATE itself.
        conn = await aiosqlite.connect(os.fspath(path), isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            db = cls(conn, file_path, clock)
            await conn.set_trace_callback(db._on_statement)
            # busy_timeout first, so switching to WAL waits for another opener's lock.
            await conn.execute("PRAGMA busy_timeout = 5000")
            (mode,) = next(iter(await conn.execute_fetchall("PRAGMA journal_mode = WAL")))
            if mode != "wal" and file_path is not None:
                log.warning("SQLite refused WAL mode (journal_mode=%s) for %s", mode, file_path)
            # synchronous=NORMAL is safe for our durability promise: in WAL mode a commit is
            # appended to the -wal file (in the OS page cache) before COMMIT returns, so a
            # process crash or kill -9 loses nothing that was acknowledged; only a power loss
            # or OS crash can drop the last commits before the next checkpoint. FULL would
            # fsync on every commit, which costs milliseconds per step for no gain against
            # the failures the bot is expected to survive.
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await db._migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    # ----------------------------------------------------------------- lifecycle

    @property
    def closed(self) -> bool:
        return self._conn is None

    async def close(self) -> None:
        """Close the connection (idempotent). The last close checkpoints the WAL."""
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                await conn.close()

    def _require(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("the Database is closed")
        return self._conn

    def _on_statement(self, sql: str) -> None:
        # Runs in aiosqlite's worker thread; the only writer of this counter.
        if not sql.lstrip().upper().startswith(_CONTROL_PREFIXES):
            self.stats.statements += 1

    async def _migrate(self) -> None:
        conn = self._require()
        migrations = load_migrations()
        latest = len(migrations)
        current = await self._user_version(conn)
        if current > latest:
            raise SchemaTooNewError(
                f"database {self.path or ':memory:'} has schema version {current}, but this "
                f"code only knows versions up to {latest}; upgrade the bot or restore a backup"
            )
        for migration in migrations[current:]:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                # Re-read inside the write lock: another process may have migrated meanwhile.
                if await self._user_version(conn) >= migration.version:
                    await conn.execute("ROLLBACK")
                    continue
                for statement in migration.statements():
                    await conn.execute(statement)
                # PRAGMA takes no parameters; the version is an int parsed from a file name.
                await conn.execute(f"PRAGMA user_version = {int(migration.version)}")
                await conn.execute("COMMIT")
            except BaseException:
                await _rollback_quietly(conn)
                raise

    @staticmethod
    async def _user_version(conn: aiosqlite.Connection) -> int:
        rows = list(await conn.execute_fetchall("PRAGMA user_version"))
        return int(rows[0][0])

    async def schema_version(self) -> int:
        async with self._lock:
            return await self._user_version(self._require())

    # ----------------------------------------------------------------- statements

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``async with db.transaction() as conn``: BEGIN IMMEDIATE .. COMMIT, ROLLBACK on any
        exception (including cancellation). Serialised with every other statement of this
        Database, so nothing of another coroutine can slip into it. Not re-entrant: inside,
        use ``conn``, never ``db.*``. One ``await`` per statement: for a transaction on a hot
        path prefer ``run``, which makes one trip to the database thread.
        """
        async with self._lock:
            conn = self._require()
            # IMMEDIATE takes the write lock now, not at the first write, so a transaction
            # that reads then writes cannot fail half-way with SQLITE_BUSY.
            try:
                await conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                # Cancelled while BEGIN was queued: it still runs; undo it before unlocking.
                await _rollback_quietly(conn)
                raise
            try:
                yield conn
            except BaseException:
                # aiosqlite runs calls in queue order, so the ROLLBACK is queued before any
                # later statement even if this await itself gets cancelled.
                await _rollback_quietly(conn)
                raise
            try:
                await conn.execute("COMMIT")
            except sqlite3.Error:
                await _rollback_quietly(conn)
                raise
            self.stats.transactions += 1

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """One transaction in one trip to the database thread: BEGIN IMMEDIATE, then
        ``work(conn)`` with the plain ``sqlite3.Connection`` (rows are ``sqlite3.Row``), then
        COMMIT; ROLLBACK if ``work`` raises, and the error is raised here. Returns what
        ``work`` returns. ``work`` runs on the worker thread: it must only touch ``conn`` and
        its own arguments, never the event loop.

        Cancelling the caller does not cut the transaction in half: once queued it commits or
        rolls back as a whole, like a statement.
        """
        async with self._lock:
            conn = self._require()
            # aiosqlite queues every call it makes as `_execute(function)` on its thread; this
            # queues ours the same way (aiosqlite has no public call for "run this function").
            result: T = await conn._execute(  # type: ignore[no-untyped-call]
                _in_transaction, conn._conn, work
            )
        self.stats.transactions += 1
        return result

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection with the lock held but no transaction (autocommit): for a short
        read-then-maybe-write sequence whose single write is one statement."""
        async with self._lock:
            yield self._require()

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One autocommitted statement; returns the number of rows changed."""
        async with self._lock:
            cursor = await self._require().execute(sql, params)
            return int(cursor.rowcount)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._lock:
            return list(await self._require().execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def executemany(self, sql: str, params: Iterable[Params]) -> None:
        """Many rows of one statement in one transaction (used for bulk loads and benches)."""
        async with self.transaction() as conn:
            await conn.executemany(sql, params)


def _in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """`Database.run`'s body, on the worker thread."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.OperationalError):  # BEGIN may be all that ran, or COMMIT failed
            conn.execute("ROLLBACK")
        raise
    return result


async def _rollback_quietly(conn: aiosqlite.Connection) -> None:
    """ROLLBACK, ignoring "no transaction is active" (BEGIN or COMMIT may not have run)."""
    with suppress(sqlite3.OperationalError):
        await conn.execute("ROLLBACK")
