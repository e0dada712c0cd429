"""The per-dispute event log (append-only)."""

from __future__ import annotations

from typing import Final

from bot.domain.models import Event
from bot.storage.repositories.common import EVENTS, insert_event
from bot.storage.sql import Engine

_LIST: Final = EVENTS.query("WHERE dispute_id = :dispute_id ORDER BY id")


class EventRepo:
    """The per-dispute log of what changed and when (append-only)."""

    def __init__(self, db: Engine) -> None:
        self._db = db

    async def append(self, ev: Event) -> None:
        await self._db.run(lambda tx: insert_event(tx, ev))

    async def list(self, dispute_id: int) -> list[Event]:
        return EVENTS.load_all(await self._db.fetchall(_LIST, {"dispute_id": dispute_id}))
