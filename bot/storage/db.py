"""The bot's database: the SQLite engine with the repositories attached.

``await Database.open(path)`` opens (creating and migrating) the file and returns it with
``db.users``, ``db.disputes``, ``db.evidence``, ``db.reminders`` and ``db.events``. How
statements reach SQLite (connections, transactions, locking) is ``bot.storage.engine``; the
SQL is in ``bot.storage.repositories``; value spellings in ``bot.storage.codecs``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import aiosqlite

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
from bot.storage.engine import SqliteEngine, StorageStats
from bot.storage.errors import SchemaTooNewError
from bot.storage.repositories import DisputeRepo, EventRepo, EvidenceRepo, ReminderRepo, UserRepo
from bot.storage.schema import Migration, latest_schema_version, load_migrations

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


class Database(SqliteEngine):
    """The bot's SQLite database. Create with ``await Database.open(path)``."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        path: Path | None,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(conn, path, clock)
        # Every transaction, reads included, with the time spent waiting for SQLite.
        self.on_transaction = metrics.DB_TRANSACTION_SECONDS.observe
        self.users = UserRepo(self)
        self.disputes = DisputeRepo(self)
        self.evidence = EvidenceRepo(self)
        self.reminders = ReminderRepo(self)
        self.events = EventRepo(self)

    async def delete_user_data(self, user_id: int) -> None:
        """/deletedata: remove every row about this buyer, from every table, in one
        transaction. Explicit deletes (not only ON DELETE CASCADE) so the result does not
        depend on the foreign_keys pragma. Where the buyer was in the wizard goes with their
        disputes: nothing about them is left in memory or elsewhere.
        """
        by_dispute = "dispute_id IN (SELECT id FROM disputes WHERE user_id = ?)"
        async with self.transaction() as conn:
            await conn.execute(f"DELETE FROM evidence WHERE {by_dispute}", (user_id,))  # noqa: S608
            await conn.execute(f"DELETE FROM events WHERE {by_dispute}", (user_id,))  # noqa: S608
            await conn.execute(
                f"DELETE FROM reminders WHERE user_id = ? OR {by_dispute}",  # noqa: S608
                (user_id, user_id),
            )
            await conn.execute("DELETE FROM disputes WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
