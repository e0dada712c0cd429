"""The SQLite engine: one writer connection, a pool of read-only connections, migrations.

The split between reads and writes lives here, and only here:

- **Writes** (``run``, ``execute``, ``write_fetchall``) go
  through ONE writer connection, serialised by ``_lock``. The lock matters: on one connection
  a statement issued by coroutine B while coroutine A is inside ``BEGIN .. COMMIT`` would
  silently become part of A's transaction (and vanish with A's rollback).
- **Reads** (``fetchall``, ``fetchone``, ``read``, ``stream``) go to a small pool of
  connections opened with ``PRAGMA query_only``. In WAL mode a reader never waits for a
  writer, of this process or another, so a buyer's /status is answered while a write waits
  for SQLite's lock. A read sees every write that was acknowledged before it started (each
  read is its own snapshot). A write statement sent to ``fetchall`` by mistake fails loudly
  ("attempt to write a readonly database") instead of bypassing the writer's lock.

Waiting for SQLite's write lock. Another process (a ``sqlite3`` shell in ``BEGIN IMMEDIATE``,
a restore) can hold the write lock for seconds. SQLite's own busy timeout would wait *inside*
the writer's thread while ``_lock`` is held, so every other write, and before the split every
read, queued behind it. Instead the writer runs with ``busy_timeout = 0``: a write that finds
the lock taken gives ``_lock`` back at once and retries after a short pause, for at most
``write_wait`` seconds, then raises ``DatabaseBusyError`` (the buyer gets the apology, nothing
was written). Only the moment SQLite's lock is *acquired* is retried (BEGIN IMMEDIATE, or a
single autocommitted statement), never work that already ran.

Each aiosqlite call is a round trip to its worker thread (a queue, a thread wake-up, a wake-up
of the event loop back), so a transaction written as one `await` per statement would cost one
trip per statement. ``run`` therefore runs the whole transaction body (async code written
against ``bot.storage.sql.Tx``, the same for PostgreSQL) on the writer's thread, where it
never suspends (``bot.storage.sqlite_ops.drive``): one trip per transaction.

The repositories (``bot/storage/repositories``) hold the SQL; this module only knows how
statements and transactions reach SQLite; ``bot.storage.postgres`` offers the same methods
for PostgreSQL. ``bot.storage.db.Database`` is either engine with the repositories attached.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Final, Self, TypeVar

import aiosqlite

from bot.storage.codecs import utc_now
from bot.storage.errors import DatabaseBusyError, DatabaseOpenError, SchemaTooNewError
from bot.storage.schema import latest_schema_version, migrate_sqlite, sqlite_version
from bot.storage.sql import EMPTY, Dialect, Params, Row, Statement, Tx, in_chunks
from bot.storage.sqlite_ops import (
    Busy,
    autocommit,
    autocommit_rows,
    drive,
    in_transaction,
    sqlite_text,
)

log = logging.getLogger(__name__)

__all__ = ["READERS", "WRITE_WAIT", "SqliteEngine", "StorageStats"]

T = TypeVar("T")

#: Read-only connections (each one aiosqlite thread). Two let a long read (the start-up
#: catch-up scan, a /metrics count) run beside a buyer's lookup.
READERS: Final = 2
#: Seconds a write waits for the database's write lock while another process holds it.
WRITE_WAIT: Final = 5.0
# At open (switching to WAL, migrating) and for readers: SQLite's own busy wait. Readers
# rarely wait at all in WAL mode (another process's recovery, a TRUNCATE checkpoint).
_OPEN_BUSY_TIMEOUT_MS: Final = 5000
_READ_BUSY_TIMEOUT_MS: Final = 5000
_FIRST_PAUSE: Final = 0.002
_MAX_PAUSE: Final = 0.05
_CONTROL_PREFIXES: Final = ("BEGIN", "COMMIT", "ROLLBACK", "END")


class StorageStats:
    """Cheap counters for benchmarks, on either engine.

    ``statements``: SQL statements run on any connection, excluding BEGIN/COMMIT/ROLLBACK
    (on SQLite counted by a trace callback per connection, each on its own thread, so no
    count is lost to a race). ``transactions``: explicit transactions committed through
    ``run``.
    """

    def __init__(self) -> None:
        self.transactions = 0
        self._cells: list[list[int]] = []

    def counter(self) -> Callable[[str], None]:
        """A trace callback for one more connection."""
        cell = [0]
        self._cells.append(cell)

        def on_statement(sql: str) -> None:
            if not sql.lstrip().upper().startswith(_CONTROL_PREFIXES):
                cell[0] += 1

        return on_statement

    @property
    def statements(self) -> int:
        return sum(cell[0] for cell in self._cells)

    def reset(self) -> None:
        self.transactions = 0
        for cell in self._cells:
            cell[0] = 0


class SqliteEngine:
    """The SQLite connections and their statements. Create with ``await cls.open(path)``."""

    dialect: Final = Dialect.SQLITE

    def __init__(
        self,
        writer: aiosqlite.Connection | None,
        path: Path | None,
        clock: Callable[[], datetime],
    ) -> None:
        self._writer: aiosqlite.Connection | None = writer
        self._readers: list[aiosqlite.Connection] = []
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._closed = False
        self.path = path
        self.clock = clock
        self.stats = StorageStats()
        self.write_wait = WRITE_WAIT
        # Called with the seconds each transaction took, waiting included (bot.storage.db
        # passes the Prometheus histogram's observe).
        self.on_transaction: Callable[[float], None] | None = None
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = utc_now,
        readers: int = READERS,
        write_wait: float = WRITE_WAIT,
        on_transaction: Callable[[float], None] | None = None,
    ) -> Self:
        """Open (creating if needed) and migrate the database at ``path``.

        Raises DatabaseOpenError (one line naming the file) if it cannot be opened or
        created, and SchemaTooNewError if its schema is newer than this code's migrations.
        ``":memory:"`` has no readers (a second connection would be another database): its
        reads take the writer.
        """
        memory = os.fspath(path) == ":memory:"
        file_path = None if memory else Path(path)
        if file_path is not None:
            _make_parent(file_path)
        try:
            writer = await _connect(path)
        except sqlite3.Error as error:
            raise DatabaseOpenError.because(path, error) from None
        engine = cls(writer, file_path, clock)
        engine.write_wait = write_wait
        if on_transaction is not None:
            engine.on_transaction = on_transaction
        try:
            await writer.set_trace_callback(engine.stats.counter())
            await engine._prepare_writer(file_path)
            for _ in range(0 if memory else readers):
                engine._add_reader(await engine._open_reader())
        except BaseException as error:
            await engine.close()
            if isinstance(error, sqlite3.Error):
                raise DatabaseOpenError.because(path, error) from None
            raise
        return engine

    @classmethod
    async def open_readonly(
        cls, path: str | os.PathLike[str], *, clock: Callable[[], datetime] = utc_now
    ) -> Self:
        """One read-only connection to an existing database, for tools that run beside the
        bot (``dispute-helper stats``): no writer, no migration, nothing changed. Raises
        DatabaseOpenError if there is no database at ``path``, SchemaTooNewError if its
        schema is newer than this code's."""
        file_path = Path(path)
        if not await asyncio.to_thread(file_path.is_file):
            raise DatabaseOpenError(f"there is no database at {file_path}")
        engine = cls(None, file_path, clock)
        try:
            engine._add_reader(await engine._open_reader())
            version, latest = await engine.schema_version(), latest_schema_version()
        except sqlite3.Error as error:
            await engine.close()
            raise DatabaseOpenError.because(path, error) from None
        if version > latest:
            await engine.close()
            raise SchemaTooNewError.found(file_path, version, latest)
        return engine

    async def _prepare_writer(self, file_path: Path | None) -> None:
        conn = self._require_writer()
        # busy_timeout first, so switching to WAL waits for another opener's lock.
        await conn.execute(f"PRAGMA busy_timeout = {_OPEN_BUSY_TIMEOUT_MS}")
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
        # With foreign keys off: a table rebuild must not cascade.
        await migrate_sqlite(conn, self.path or ":memory:")
        await conn.execute("PRAGMA foreign_keys = ON")
        # From now on a taken write lock is waited for in _write, with _lock released.
        await conn.execute("PRAGMA busy_timeout = 0")

    async def _open_reader(self) -> aiosqlite.Connection:
        assert self.path is not None
        conn = await _connect(self.path)
        try:
            await conn.set_trace_callback(self.stats.counter())
            await conn.execute(f"PRAGMA busy_timeout = {_READ_BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA query_only = ON")
        except BaseException:
            await conn.close()
            raise
        return conn

    def _add_reader(self, conn: aiosqlite.Connection) -> None:
        self._readers.append(conn)
        self._idle.put_nowait(conn)

    # ----------------------------------------------------------------- lifecycle

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        """Close every connection (idempotent), readers first (a read in progress finishes),
        the writer last: the last connection to close checkpoints the WAL."""
        if self._closed:
            return
        self._closed = True
        for _ in self._readers:
            conn = await self._idle.get()
            await conn.close()
        self._readers.clear()
        async with self._lock:
            writer, self._writer = self._writer, None
            if writer is not None:
                await writer.close()

    def _require_writer(self) -> aiosqlite.Connection:
        if self._closed:
            raise RuntimeError("the Database is closed")
        if self._writer is None:
            raise RuntimeError("this Database was opened read-only")
        return self._writer

    def _observe(self, started: float) -> None:
        if self.on_transaction is not None:
            self.on_transaction(time.perf_counter() - started)

    async def schema_version(self) -> int:
        async with self._connection() as conn:
            return await sqlite_version(conn)

    # ----------------------------------------------------------------- reads

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only connection, the caller's alone until the block ends. Never waits for
        a write (":memory:": the writer, which is the whole database)."""
        if not self._readers:
            async with self._lock:
                yield self._require_writer()
            return
        conn = await self._checkout()
        try:
            yield conn
        finally:
            self._idle.put_nowait(conn)

    async def _checkout(self) -> aiosqlite.Connection:
        if self._closed:
            raise RuntimeError("the Database is closed")
        return await self._idle.get()

    async def read(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """``work`` on one read-only connection, in one trip to its thread."""
        started = time.perf_counter()
        try:
            async with self._connection() as conn:
                result: T = await conn._execute(  # type: ignore[no-untyped-call]
                    partial(drive, work), conn._conn
                )
                return result
        finally:
            self._observe(started)

    @asynccontextmanager
    async def stream(
        self, stmt: Statement, params: Params = EMPTY, *, chunk: int = 2_000
    ) -> AsyncIterator[AsyncIterator[list[Row]]]:
        """A long read in chunks of ``chunk`` rows, from one snapshot, on a connection held
        for the block (writes go on meanwhile)."""
        async with (
            self._connection() as conn,
            conn.execute(sqlite_text(stmt), params) as cursor,
        ):
            yield in_chunks(cursor.fetchmany, chunk)

    async def fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]:
        """One read-only statement's rows (a SELECT or a reading PRAGMA)."""
        started = time.perf_counter()
        sql = sqlite_text(stmt)
        if not self._readers:
            async with self._connection() as writer:
                rows = await writer.execute_fetchall(sql, params)
        else:  # _connection() inlined: this is every point lookup's path
            conn = await self._checkout()
            try:
                rows = await conn.execute_fetchall(sql, params)
            finally:
                self._idle.put_nowait(conn)
        self._observe(started)
        return list(rows)

    async def fetchone(self, stmt: Statement, params: Params = EMPTY) -> Row | None:
        rows = await self.fetchall(stmt, params)
        return rows[0] if rows else None

    # ----------------------------------------------------------------- writes

    async def _write(self, attempt: Callable[[sqlite3.Connection], T | Busy]) -> T:
        """Run ``attempt`` on the writer's thread, retried (``_until_locked``) while it finds
        SQLite's write lock taken by another process."""
        started = time.perf_counter()
        once = partial(self._write_once, attempt)
        try:
            first = await once()
            return first if not isinstance(first, Busy) else await self._until_locked(once, first)
        finally:
            self._observe(started)

    async def _write_once(self, attempt: Callable[[sqlite3.Connection], T | Busy]) -> T | Busy:
        async with self._lock:
            conn = self._require_writer()
            # aiosqlite queues every call it makes as `_execute(function)` on its thread; this
            # queues ours the same way (aiosqlite has no public call for that).
            result: T | Busy = await conn._execute(  # type: ignore[no-untyped-call]
                attempt, conn._conn
            )
            return result

    async def _until_locked(
        self, attempt: Callable[[], Awaitable[T | Busy]], result: T | Busy
    ) -> T:
        """After a BUSY ``result``: ``attempt()`` again until it is not BUSY, pausing between
        tries with ``_lock`` free, so other writes try too and reads never wait;
        DatabaseBusyError after ``write_wait``."""
        deadline = time.monotonic() + self.write_wait
        pause = _FIRST_PAUSE
        while isinstance(result, Busy):
            left = deadline - time.monotonic()
            if left <= 0:
                raise DatabaseBusyError(
                    f"database {self.path}: another process held the write lock for more "
                    f"than {self.write_wait:g} s; nothing was written"
                )
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, _MAX_PAUSE)
            result = await attempt()
        return result

    async def run(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """One transaction in one trip to the writer's thread: BEGIN IMMEDIATE, then
        ``work(tx)``, then COMMIT; ROLLBACK if ``work`` raises, and the error is raised here.
        Returns what ``work`` returns. ``work`` runs on the worker thread: it must await only
        ``tx``'s methods and touch only its own arguments, never the event loop. It runs
        once: only BEGIN is retried.

        Cancelling the caller does not cut the transaction in half: once queued it commits or
        rolls back as a whole, like a statement.
        """
        result = await self._write(partial(in_transaction, work=work))
        self.stats.transactions += 1
        return result

    async def execute(self, stmt: Statement, params: Params = EMPTY) -> int:
        """One autocommitted write statement; returns the number of rows changed."""
        return await self._write(partial(autocommit, sql=sqlite_text(stmt), params=params))

    async def write_fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]:
        """One autocommitted write statement with RETURNING; returns its rows."""
        return await self._write(partial(autocommit_rows, sql=sqlite_text(stmt), params=params))


# --------------------------------------------------------------------------- connecting


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseOpenError.because(path, error) from None


async def _connect(path: str | os.PathLike[str]) -> aiosqlite.Connection:
    # isolation_level=None: autocommit. Single statements commit on their own; transactions
    # issue BEGIN IMMEDIATE themselves.
    pending = aiosqlite.connect(os.fspath(path), isolation_level=None)
    try:
        conn = await pending
    except BaseException:
        # A failed connect stops aiosqlite's thread without waiting for it; wait here, or it
        # reports to an event loop that may be closed by then ("Exception in thread").
        await asyncio.to_thread(pending._thread.join, 5)
        raise
    conn.row_factory = sqlite3.Row
    try:
        # The first statement really opens the file (connect alone does not read it).
        await conn.execute("SELECT COUNT(*) FROM sqlite_master")
    except BaseException:
        await conn.close()
        raise
    return conn


async def rollback_quietly(conn: aiosqlite.Connection) -> None:
    """ROLLBACK, ignoring "no transaction is active" (BEGIN or COMMIT may not have run)."""
    with suppress(sqlite3.OperationalError):
        await conn.execute("ROLLBACK")
