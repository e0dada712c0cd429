"""The bot's database: an engine (SQLite or PostgreSQL) with the repositories attached.

``await Database.open(target)`` opens (creating and migrating) the database and returns it
with ``db.users``, ``db.disputes``, ``db.evidence``, ``db.reminders`` and ``db.events``.
``target`` is a SQLite file's path, or a ``postgresql://`` URL (``DATABASE_URL``). How
statements reach either engine is ``bot.storage.engine`` and ``bot.storage.postgres``; the SQL,
written once for both, is in ``bot.storage.repositories``; value spellings in
``bot.storage.codecs`` and ``bot.storage.mapping``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Self, TypeVar

from bot import metrics
from bot.storage.codecs import (
    dumps_json,
    from_db_time,
    from_db_time_opt,
    loads_json,
    to_db_time,
    to_db_time_opt,
    utc_now,
)
from bot.storage.engine import WRITE_WAIT, SqliteEngine, StorageStats
from bot.storage.errors import SchemaTooNewError
from bot.storage.postgres import PostgresEngine, is_postgres_url
from bot.storage.repositories import DisputeRepo, EventRepo, EvidenceRepo, ReminderRepo, UserRepo
from bot.storage.repositories.users import delete_buyer
from bot.storage.schema import Migration, latest_schema_version, load_migrations
from bot.storage.sql import EMPTY, Dialect, Params, Row, Statement, Tx

__all__ = [
    "Database",
    "Migration",
    "SchemaTooNewError",
    "StorageStats",
    "dumps_json",
    "from_db_time",
    "from_db_time_opt",
    "latest_schema_version",
    "load_migrations",
    "loads_json",
    "to_db_time",
    "to_db_time_opt",
    "utc_now",
]

T = TypeVar("T")
AnyEngine = SqliteEngine | PostgresEngine


class Database:
    """The bot's database. Create with ``await Database.open(path_or_url)``."""

    def __init__(self, engine: AnyEngine) -> None:
        self.engine = engine
        self.users = UserRepo(engine)
        self.disputes = DisputeRepo(engine)
        self.evidence = EvidenceRepo(engine)
        self.reminders = ReminderRepo(engine)
        self.events = EventRepo(engine)

    @classmethod
    async def open(
        cls,
        target: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = utc_now,
        write_wait: float = WRITE_WAIT,
    ) -> Self:
        """Open ``target`` (a SQLite path, or a postgresql:// URL) and migrate it. Every
        transaction, reads included, is timed into /metrics with its waiting."""
        observe = metrics.DB_TRANSACTION_SECONDS.observe
        engine: AnyEngine
        if is_postgres_url(target):
            engine = await PostgresEngine.open(
                str(target), clock=clock, write_wait=write_wait, on_transaction=observe
            )
        else:
            engine = await SqliteEngine.open(
                target, clock=clock, write_wait=write_wait, on_transaction=observe
            )
        return cls(engine)

    # The engine's own methods, for the few callers that are not repositories (health
    # checks, counts, tests).
    @property
    def dialect(self) -> Dialect:
        return self.engine.dialect

    @property
    def path(self) -> Path | None:
        return self.engine.path

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.engine.clock

    @property
    def stats(self) -> StorageStats:
        return self.engine.stats

    @property
    def closed(self) -> bool:
        return self.engine.closed

    async def close(self) -> None:
        await self.engine.close()

    async def schema_version(self) -> int:
        return await self.engine.schema_version()

    async def run(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        return await self.engine.run(work)

    async def read(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        return await self.engine.read(work)

    async def fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]:
        return await self.engine.fetchall(stmt, params)

    async def fetchone(self, stmt: Statement, params: Params = EMPTY) -> Row | None:
        return await self.engine.fetchone(stmt, params)

    async def execute(self, stmt: Statement, params: Params = EMPTY) -> int:
        return await self.engine.execute(stmt, params)

    async def write_fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]:
        return await self.engine.write_fetchall(stmt, params)

    async def executemany(self, stmt: Statement, rows: Sequence[Params]) -> None:
        """Many rows of one statement in one transaction (bulk loads, benches, tests)."""
        listed = list(rows)

        async def work(tx: Tx) -> None:
            await tx.executemany(stmt, listed)

        await self.engine.run(work)

    def stream(
        self, stmt: Statement, params: Params = EMPTY, *, chunk: int = 2_000
    ) -> AbstractAsyncContextManager[AsyncIterator[list[Row]]]:
        return self.engine.stream(stmt, params, chunk=chunk)

    async def delete_user_data(self, user_id: int) -> None:
        """/deletedata: remove every row about this buyer, from every table, in one
        transaction. Where the buyer was in the wizard goes with their disputes: nothing
        about them is left in memory or elsewhere."""
        await self.engine.run(lambda tx: delete_buyer(tx, user_id))
