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
from functools import partial
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
from bot.storage.repositories.inbox import RECORD, InboxRepo, ProcessRepo
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
        # The repositories write through this object, so that each write of an update taken
        # from the inbox is recorded with it (``record_updates``).
        self.users = UserRepo(self)
        self.disputes = DisputeRepo(self)
        self.evidence = EvidenceRepo(self)
        self.reminders = ReminderRepo(self)
        self.events = EventRepo(self)
        self.inbox = InboxRepo(self)
        self.processes = ProcessRepo(self)
        self._current_update: Callable[[], int | None] = _no_update
        # Reads have nothing to record: the engine's own methods, one call less per lookup.
        self.fetchall = engine.fetchall
        self.fetchone = engine.fetchone

    def record_updates(self, current: Callable[[], int | None]) -> None:
        """From now on every write made while ``current()`` names an update (one taken from
        the inbox, bot/inbox.py) records that update as handled in the same transaction:
        its effects commit exactly once, however often it is delivered or taken over."""
        self._current_update = current

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
        update_id = self._current_update()
        if update_id is None:
            return await self.engine.run(work)
        record = {"update_id": update_id, "now": to_db_time(utc_now())}
        return await self.engine.run(partial(_recorded, work, record))

    async def read(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        return await self.engine.read(work)

    async def execute(self, stmt: Statement, params: Params = EMPTY) -> int:
        if self._current_update() is None:
            return await self.engine.execute(stmt, params)
        return await self.run(lambda tx: tx.execute(stmt, params))

    async def write_fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]:
        if self._current_update() is None:
            return await self.engine.write_fetchall(stmt, params)
        return await self.run(lambda tx: tx.fetchall(stmt, params))

    async def executemany(self, stmt: Statement, rows: Sequence[Params]) -> None:
        """Many rows of one statement in one transaction (bulk loads, benches, tests)."""
        listed = list(rows)

        async def work(tx: Tx) -> None:
            await tx.executemany(stmt, listed)

        await self.run(work)

    def stream(
        self, stmt: Statement, params: Params = EMPTY, *, chunk: int = 2_000
    ) -> AbstractAsyncContextManager[AsyncIterator[list[Row]]]:
        return self.engine.stream(stmt, params, chunk=chunk)

    async def delete_user_data(self, user_id: int) -> None:
        """/deletedata: remove every row about this buyer, from every table, in one
        transaction. Where the buyer was in the wizard goes with their disputes: nothing
        about them is left in memory or elsewhere."""
        await self.run(lambda tx: delete_buyer(tx, user_id))


def _no_update() -> None:
    return None


async def _recorded(work: Callable[[Tx], Awaitable[T]], record: Params, tx: Tx) -> T:
    await tx.execute(RECORD, record)
    return await work(tx)
