"""The per-dispute event log (append-only)."""

from __future__ import annotations

import sqlite3

from bot.domain.models import Event
from bot.storage.codecs import (
    from_db_time,
    loads_json,
)
from bot.storage.engine import SqliteEngine
from bot.storage.repositories.common import insert_event


def _event(row: sqlite3.Row) -> Event:
    detail = loads_json(row["detail"])
    return Event(
        id=row["id"],
        dispute_id=row["dispute_id"],
        at=from_db_time(row["at"]),
        actor=row["actor"],
        kind=row["kind"],
        detail=detail if isinstance(detail, dict) else {"value": detail},
    )


class EventRepo:
    """The per-dispute log of what changed and when (append-only)."""

    def __init__(self, db: SqliteEngine) -> None:
        self._db = db

    async def append(self, ev: Event) -> None:
        await self._db.run(lambda conn: insert_event(conn, ev))

    async def list(self, dispute_id: int) -> list[Event]:
        rows = await self._db.fetchall(
            "SELECT * FROM events WHERE dispute_id = ? ORDER BY id", (dispute_id,)
        )
        return [_event(r) for r in rows]
