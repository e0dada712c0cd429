"""The PostgreSQL engine (asyncpg): the same methods as ``bot.storage.engine.SqliteEngine``.

Selected by ``DATABASE_URL=postgresql://...``. Why asyncpg, not SQLAlchemy or psycopg: the
repositories need only "run this statement" and "run this transaction", and asyncpg does that
with the least CPU per statement (binary protocol, statements prepared once per connection
and cached); a general toolkit would add a layer per statement on the hot path, and the SQLite
side would lose its one-trip-per-transaction (README "Storage engines" has the figures).

- **Two pools.** Writes (``run``, ``execute``, ``write_fetchall``) take a connection of the
  writers' pool, reads (``fetchall``, ``fetchone``, ``read``, ``stream``) one of the readers':
  a read never queues behind a write waiting for a lock. Unlike SQLite, PostgreSQL runs
  writes of different rows at once, so the writers' pool has several connections.
- **A write that cannot get its lock in time** (another transaction, another process, an
  operator's ``LOCK TABLE``) fails after ``write_wait`` seconds (the server's ``lock_timeout``)
  with DatabaseBusyError: the buyer gets the apology, nothing was written, and every other
  connection went on meanwhile. A deadlock or serialization failure (the server rolled the
  transaction back whole) is run again, up to ``RETRIES`` times.
- **Migrations** (``bot.storage.schema``) run on a connection of their own, under an advisory
  lock, so processes started at once migrate one after the other; the version is the
  ``schema_version`` table's. A schema newer than this code refuses the start.
- **The password** never reaches a log line or an error message (``errors.redact_url``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Final, Self, TypeVar

import asyncpg

from bot.storage.codecs import utc_now
from bot.storage.engine import WRITE_WAIT, StorageStats
from bot.storage.errors import (
    ConstraintError,
    DatabaseBusyError,
    DatabaseInUseError,
    DatabaseOpenError,
    SchemaTooNewError,
    redact_url,
    without_password,
)
from bot.storage.schema import load_migrations
from bot.storage.sql import (
    EMPTY,
    Dialect,
    Params,
    Row,
    RowsTx,
    Statement,
    Tx,
    compiled,
    in_chunks,
    positional,
)

log = logging.getLogger(__name__)

PostgresError = asyncpg.PostgresError  # for callers that report a server's refusal

__all__ = [
    "READERS",
    "WRITERS",
    "PostgresEngine",
    "PostgresError",
    "hold_poller_lock",
    "is_postgres_url",
    "migrate_postgres",
]

T = TypeVar("T")

READERS: Final = 4
WRITERS: Final = 8
RETRIES: Final = 3  # a transaction the server rolled back for a deadlock is run this often
STATEMENT_TIMEOUT_MS: Final = 60_000  # no statement of the bot takes a fraction of this
CONNECT_TIMEOUT: Final = 10.0
# Advisory lock keys are per database; the schema's name keeps two bots in two schemas of one
# database (the tests do that) apart.
MIGRATION_LOCK: Final = "hashtext(current_schema() || ':dispute-helper:migrate')"
_RETRIED = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def _rowcount(status: str) -> int:
    """asyncpg's command tag ("UPDATE 3", "INSERT 0 1", "DELETE 0") -> rows changed."""
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else 0


class PgTx(RowsTx):
    """``Tx`` over one asyncpg connection (inside a transaction, or a read-only one)."""

    __slots__ = ("_conn", "_count")

    def __init__(self, conn: Any, count: list[int]) -> None:
        self._conn = conn
        self._count = count

    async def execute(self, stmt: Statement, params: Params = EMPTY) -> int:
        text, names = compiled(stmt, Dialect.POSTGRES)
        self._count[0] += 1
        try:
            status = await self._conn.execute(text, *positional(names or (), params))
        except asyncpg.IntegrityConstraintViolationError as error:
            raise ConstraintError(str(error)) from None
        return _rowcount(status)

    async def fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]:
        text, names = compiled(stmt, Dialect.POSTGRES)
        self._count[0] += 1
        try:
            rows: list[Row] = await self._conn.fetch(text, *positional(names or (), params))
        except asyncpg.IntegrityConstraintViolationError as error:
            raise ConstraintError(str(error)) from None
        return rows

    async def executemany(self, stmt: Statement, rows: Sequence[Params]) -> None:
        if not rows:
            return
        text, names = compiled(stmt, Dialect.POSTGRES)
        self._count[0] += len(rows)
        try:
            await self._conn.executemany(text, [positional(names or (), p) for p in rows])
        except asyncpg.IntegrityConstraintViolationError as error:
            raise ConstraintError(str(error)) from None


class PostgresEngine:
    """Two asyncpg pools on one PostgreSQL database. Create with ``await cls.open(url)``."""

    dialect: Final = Dialect.POSTGRES
    path = None  # no file: `dispute-helper backup` is SQLite's; PostgreSQL has pg_dump

    def __init__(self, url: str, writers: Any, readers: Any, clock: Callable[[], datetime]):
        self.url = url
        self.where = redact_url(url)
        self._writers = writers
        self._readers = readers
        self.clock = clock
        self.stats = StorageStats()
        self._count = [0]
        self.stats._cells.append(self._count)
        self.write_wait = WRITE_WAIT
        self.on_transaction: Callable[[float], None] | None = None
        self._closed = False

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        clock: Callable[[], datetime] = utc_now,
        write_wait: float = WRITE_WAIT,
        on_transaction: Callable[[float], None] | None = None,
        readers: int = READERS,
        writers: int = WRITERS,
    ) -> Self:
        """Connect, migrate (under the advisory lock), open the pools. DatabaseOpenError or
        SchemaTooNewError (one line, no password) if the database cannot be used."""
        await migrate_postgres(url)
        settings = {
            "lock_timeout": str(int(write_wait * 1000)),
            "statement_timeout": str(STATEMENT_TIMEOUT_MS),
            "application_name": "dispute-helper",
        }
        try:
            write_pool = await _pool(url, writers, settings)
            try:
                read_pool = await _pool(url, readers, settings)
            except BaseException:
                await write_pool.close()
                raise
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise _open_error(url, error) from None
        engine = cls(url, write_pool, read_pool, clock)
        engine.write_wait = write_wait
        engine.on_transaction = on_transaction
        return engine

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        """Close both pools (idempotent); a statement in progress finishes first."""
        if self._closed:
            return
        self._closed = True
        await asyncio.gather(self._readers.close(), self._writers.close())

    def _observe(self, started: float) -> None:
        if self.on_transaction is not None:
            self.on_transaction(time.perf_counter() - started)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the Database is closed")

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT version FROM schema_version")
        return 0 if row is None else int(row[0])

    # ----------------------------------------------------------------- reads

    async def fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]:
        self._check_open()
        text, names = compiled(stmt, Dialect.POSTGRES)
        started = time.perf_counter()
        self._count[0] += 1
        try:
            rows: list[Row] = await self._readers.fetch(text, *positional(names or (), params))
        finally:
            self._observe(started)
        return rows

    async def fetchone(self, stmt: Statement, params: Params = EMPTY) -> Row | None:
        rows = await self.fetchall(stmt, params)
        return rows[0] if rows else None

    async def read(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """``work`` in one read-only, repeatable-read transaction: one snapshot."""
        self._check_open()
        started = time.perf_counter()
        try:
            async with (
                self._readers.acquire() as conn,
                conn.transaction(isolation="repeatable_read", readonly=True),
            ):
                return await work(PgTx(conn, self._count))
        finally:
            self._observe(started)

    @asynccontextmanager
    async def stream(
        self, stmt: Statement, params: Params = EMPTY, *, chunk: int = 2_000
    ) -> AsyncIterator[AsyncIterator[list[Row]]]:
        """A long read in chunks of ``chunk`` rows through a server-side cursor (one
        snapshot; never more than a chunk in memory)."""
        self._check_open()
        text, names = compiled(stmt, Dialect.POSTGRES)
        async with (
            self._readers.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            cursor = await conn.cursor(text, *positional(names or (), params))
            self._count[0] += 1
            yield in_chunks(cursor.fetch, chunk)

    # ----------------------------------------------------------------- writes

    def _busy(self) -> DatabaseBusyError:
        return DatabaseBusyError(
            f"database {self.where}: a lock was held for more than {self.write_wait:g} s; "
            "nothing was written"
        )

    async def run(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """``work`` in one transaction: BEGIN, ``work(tx)``, COMMIT; ROLLBACK if it raises
        (the error is raised here). Run again from the start if the server rolled it back
        for a deadlock or a serialization failure."""
        self._check_open()
        started = time.perf_counter()
        try:
            for attempt in range(RETRIES):
                try:
                    async with self._writers.acquire() as conn, conn.transaction():
                        result = await work(PgTx(conn, self._count))
                except _RETRIED:
                    if attempt == RETRIES - 1:
                        raise
                    log.warning("PostgreSQL rolled a transaction back (deadlock); running it again")
                    continue
                except asyncpg.LockNotAvailableError:
                    raise self._busy() from None
                self.stats.transactions += 1
                return result
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            self._observe(started)

    async def execute(self, stmt: Statement, params: Params = EMPTY) -> int:
        status = await self._autocommit("execute", stmt, params)
        return _rowcount(str(status))

    async def write_fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]:
        rows: list[Row] = await self._autocommit("fetch", stmt, params)
        return rows

    async def _autocommit(self, method: str, stmt: Statement, params: Params) -> Any:
        self._check_open()
        text, names = compiled(stmt, Dialect.POSTGRES)
        started = time.perf_counter()
        self._count[0] += 1
        try:
            return await getattr(self._writers, method)(text, *positional(names or (), params))
        except asyncpg.LockNotAvailableError:
            raise self._busy() from None
        except asyncpg.IntegrityConstraintViolationError as error:
            raise ConstraintError(str(error)) from None
        finally:
            self._observe(started)


async def _pool(url: str, size: int, settings: dict[str, str]) -> Any:
    return await asyncpg.create_pool(
        url,
        min_size=1,
        max_size=size,
        server_settings=settings,
        timeout=CONNECT_TIMEOUT,
    )


def _open_error(url: str, error: BaseException) -> DatabaseOpenError:
    reason = without_password(str(error) or type(error).__name__, url)
    return DatabaseOpenError(f"cannot use {redact_url(url)}: {reason}")


async def connect(url: str) -> Any:
    """One plain connection (migrations, advisory locks, migrate-to); DatabaseOpenError (one
    line, no password) if the server cannot be reached or refuses."""
    try:
        return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
        raise _open_error(url, error) from None


POLLER_LOCK: Final = "hashtext(current_schema() || ':dispute-helper:poll:' || $1)"


async def hold_poller_lock(url: str, bot_id: str) -> Any:
    """The connection holding the advisory lock that makes this process the bot's one poller
    on this database (Telegram answers a second getUpdates with 409 Conflict); the lock goes
    with the connection, a killed process's included. DatabaseInUseError if another process
    holds it."""
    conn = await connect(url)
    try:
        held = await conn.fetchval(f"SELECT pg_try_advisory_lock({POLLER_LOCK})", bot_id)
    except BaseException:
        await conn.close()
        raise
    if not held:
        await conn.close()
        raise DatabaseInUseError(
            "another bot process already polls Telegram for this bot on this database "
            "(Telegram allows one poller): stop it, or run several processes behind a "
            "webhook (WEBHOOK_URL)"
        )
    return conn


async def migrate_postgres(url: str) -> int:
    """Apply the missing versions, each in its own transaction, holding an advisory lock so
    that processes started at once migrate one after the other (the second finds the work
    done). Returns the schema version. SchemaTooNewError if the database is newer than this
    code."""
    migrations = load_migrations(Dialect.POSTGRES)
    conn = await connect(url)
    try:
        await conn.execute(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        current = await conn.fetchval("SELECT version FROM schema_version")
        if current is None:
            await conn.execute("INSERT INTO schema_version (version) VALUES (0)")
            current = 0
        if current > len(migrations):
            raise SchemaTooNewError.found(redact_url(url), current, len(migrations))
        for migration in migrations[current:]:
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute("UPDATE schema_version SET version = $1", migration.version)
            log.info("database migrated to schema version %d", migration.version)
        return max(int(current), len(migrations))
    except asyncpg.PostgresError as error:
        raise _open_error(url, error) from None
    finally:
        await conn.close()  # the session's advisory lock goes with it
