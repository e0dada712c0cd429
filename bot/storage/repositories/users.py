"""Per-buyer settings (the ``users`` table), and deleting everything of a buyer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot.domain.models import UserSettings
from bot.storage.codecs import to_db_time
from bot.storage.repositories.common import USERS, id_list
from bot.storage.sql import Engine, Sql, Tx

_GET: Final = USERS.query("WHERE user_id = :user_id")
_GET_MANY: Final = Sql(
    USERS.query("WHERE user_id IN (SELECT value FROM json_each(:ids))"),
    postgres=USERS.query("WHERE user_id = ANY(:ids::bigint[])"),
)
_INSERT_DEFAULTS: Final = (
    "INSERT INTO users (user_id, created_at, updated_at) VALUES (:user_id, :now, :now) "
    "ON CONFLICT (user_id) DO NOTHING"
)
# One upsert per setting. Built once from literal column names; values are parameters.
_SETTERS: Final = {
    column: (
        f"INSERT INTO users (user_id, {column}, created_at, updated_at) "  # noqa: S608
        f"VALUES (:user_id, :value, :now, :now) ON CONFLICT (user_id) DO UPDATE SET "
        f"{column} = excluded.{column}, updated_at = excluded.updated_at"
    )
    for column in ("language", "timezone", "blocked")
}
_SET_HOURS: Final = (
    "INSERT INTO users (user_id, remind_from_hour, remind_to_hour, created_at, updated_at)"
    " VALUES (:user_id, :start, :end, :now, :now) ON CONFLICT (user_id) DO UPDATE SET"
    " remind_from_hour = excluded.remind_from_hour,"
    " remind_to_hour = excluded.remind_to_hour, updated_at = excluded.updated_at"
)
_BY_DISPUTE: Final = "dispute_id IN (SELECT id FROM disputes WHERE user_id = :user_id)"
_DELETE_BUYER: Final = (
    f"DELETE FROM evidence WHERE {_BY_DISPUTE}",  # noqa: S608 - constant text
    f"DELETE FROM events WHERE {_BY_DISPUTE}",  # noqa: S608
    f"DELETE FROM reminders WHERE user_id = :user_id OR {_BY_DISPUTE}",  # noqa: S608
    "DELETE FROM disputes WHERE user_id = :user_id",
    "DELETE FROM users WHERE user_id = :user_id",
)


class UserRepo:
    """Per-buyer settings. Setters upsert, so they work before the buyer's first /start."""

    def __init__(self, db: Engine) -> None:
        self._db = db

    async def get(self, user_id: int) -> UserSettings | None:
        row = await self._db.fetchone(_GET, {"user_id": user_id})
        return None if row is None else USERS.load(row)

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, UserSettings]:
        """Settings of several buyers in one query (the reminder dispatcher's batches)."""
        if not user_ids:
            return {}
        rows = await self._db.fetchall(_GET_MANY, {"ids": id_list(self._db, user_ids)})
        return {u.user_id: u for u in USERS.load_all(rows)}

    async def ensure(self, user_id: int) -> UserSettings:
        """The buyer's settings, inserting the defaults on first contact (a read when the
        buyer is known; a write only the first time)."""
        found = await self.get(user_id)
        if found is not None:
            return found
        params = {"user_id": user_id, "now": to_db_time(self._db.clock())}

        async def insert(tx: Tx) -> UserSettings:
            await tx.execute(_INSERT_DEFAULTS, params)
            row = await tx.fetchone(_GET, params)
            assert row is not None
            return USERS.load(row)

        return await self._db.run(insert)

    async def _upsert(self, user_id: int, column: str, value: object) -> None:
        now = to_db_time(self._db.clock())
        await self._db.execute(_SETTERS[column], {"user_id": user_id, "value": value, "now": now})

    async def set_language(self, user_id: int, language: str) -> None:
        await self._upsert(user_id, "language", language)

    async def set_timezone(self, user_id: int, tz: str) -> None:
        await self._upsert(user_id, "timezone", tz)

    async def set_waking_hours(self, user_id: int, start: int, end: int) -> None:
        """Reminder window [start, end) in hours of the buyer's day (0..23, 0..24)."""
        if not (0 <= start <= 23 and 0 <= end <= 24):
            raise ValueError(f"waking hours out of range: {start}..{end}")
        now = to_db_time(self._db.clock())
        await self._db.execute(
            _SET_HOURS, {"user_id": user_id, "start": start, "end": end, "now": now}
        )

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        await self._upsert(user_id, "blocked", int(blocked))


async def delete_buyer(tx: Tx, user_id: int) -> None:
    """Every row about one buyer, from every table (``Database.delete_user_data``'s work).
    Explicit deletes (not only ON DELETE CASCADE) so the result does not depend on the
    foreign_keys pragma."""
    for statement in _DELETE_BUYER:
        await tx.execute(statement, {"user_id": user_id})
