"""Per-buyer settings (the ``users`` table)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bot.domain.models import UserSettings
from bot.storage.codecs import (
    from_db_time,
    to_db_time,
)
from bot.storage.engine import SqliteEngine


def _user(row: sqlite3.Row) -> UserSettings:
    return UserSettings(
        user_id=row["user_id"],
        language=row["language"],
        timezone=row["timezone"],
        remind_from_hour=row["remind_from_hour"],
        remind_to_hour=row["remind_to_hour"],
        blocked=bool(row["blocked"]),
        created_at=from_db_time(row["created_at"]),
        updated_at=from_db_time(row["updated_at"]),
    )


class UserRepo:
    """Per-buyer settings. Setters upsert, so they work before the buyer's first /start."""

    def __init__(self, db: SqliteEngine) -> None:
        self._db = db

    async def get(self, user_id: int) -> UserSettings | None:
        row = await self._db.fetchone("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else _user(row)

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, UserSettings]:
        """Settings of several buyers in one query (the reminder dispatcher's batches)."""
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = await self._db.fetchall(
            f"SELECT * FROM users WHERE user_id IN ({marks})",  # noqa: S608 - only "?" marks
            tuple(user_ids),
        )
        return {int(r["user_id"]): _user(r) for r in rows}

    async def ensure(self, user_id: int) -> UserSettings:
        """The buyer's settings, inserting the defaults on first contact (a read when the
        buyer is known; a write only the first time)."""
        row = await self._db.fetchone("SELECT * FROM users WHERE user_id = ?", (user_id,))
        if row is not None:
            return _user(row)
        now = to_db_time(self._db.clock())

        def insert(conn: sqlite3.Connection) -> sqlite3.Row:
            conn.execute(
                "INSERT INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO NOTHING",
                (user_id, now, now),
            )
            inserted: sqlite3.Row = conn.execute(
                "SELECT * FROM users WHERE user_id = ?", (user_id,)
            ).fetchone()
            return inserted

        return _user(await self._db.run(insert))

    async def _upsert(self, user_id: int, column: str, value: object) -> None:
        # ``column`` is one of the literal names below, never user input.
        now = to_db_time(self._db.clock())
        await self._db.execute(
            f"INSERT INTO users (user_id, {column}, created_at, updated_at) "  # noqa: S608
            f"VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
            f"{column} = excluded.{column}, updated_at = excluded.updated_at",
            (user_id, value, now, now),
        )

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
            "INSERT INTO users (user_id, remind_from_hour, remind_to_hour, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " remind_from_hour = excluded.remind_from_hour,"
            " remind_to_hour = excluded.remind_to_hour, updated_at = excluded.updated_at",
            (user_id, start, end, now, now),
        )

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        await self._upsert(user_id, "blocked", int(blocked))
