"""Telegram file references attached to a dispute (never the files themselves)."""

from __future__ import annotations

import sqlite3

from bot.domain.models import (
    Evidence,
    EvidenceKind,
)
from bot.storage.codecs import to_db_time
from bot.storage.engine import SqliteEngine


def _evidence(row: sqlite3.Row) -> Evidence:
    return Evidence(
        id=row["id"],
        dispute_id=row["dispute_id"],
        file_id=row["file_id"],
        file_unique_id=row["file_unique_id"],
        kind=EvidenceKind(row["kind"]),
        mime_type=row["mime_type"],
        file_size=row["file_size"],
        file_name=row["file_name"],
        caption=row["caption"],
        media_group_id=row["media_group_id"],
        position=row["position"],
    )


class EvidenceRepo:
    """Telegram file references attached to a dispute (never the files themselves)."""

    def __init__(self, db: SqliteEngine) -> None:
        self._db = db

    async def add(self, ev: Evidence) -> bool:
        """Attach a file at the next position (0, 1, ...; ``ev.position`` is ignored).

        Returns False, changing nothing, if the same file (file_unique_id) is already on
        this dispute: Telegram re-delivers, and buyers resend the same photo.
        """
        changed = await self._db.execute(
            "INSERT INTO evidence (dispute_id, file_id, file_unique_id, kind, mime_type,"
            " file_size, file_name, caption, media_group_id, position, created_at)"
            " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(MAX(position) + 1, 0), ?"
            " FROM evidence WHERE dispute_id = ?"
            " ON CONFLICT (dispute_id, file_unique_id) DO NOTHING",
            (
                ev.dispute_id,
                ev.file_id,
                ev.file_unique_id,
                ev.kind.value,
                ev.mime_type,
                ev.file_size,
                ev.file_name,
                ev.caption,
                ev.media_group_id,
                to_db_time(self._db.clock()),
                ev.dispute_id,
            ),
        )
        return changed == 1

    async def list(self, dispute_id: int) -> list[Evidence]:
        rows = await self._db.fetchall(
            "SELECT * FROM evidence WHERE dispute_id = ? ORDER BY position, id", (dispute_id,)
        )
        return [_evidence(r) for r in rows]

    async def count_and_album(
        self, dispute_id: int, media_group_id: str | None
    ) -> tuple[int, bool]:
        """How many files the dispute has, and whether one of them came in the album
        ``media_group_id`` (False for None), in one query."""
        row = await self._db.fetchone(
            "SELECT COUNT(*), COALESCE(MAX(media_group_id = ?), 0) FROM evidence"
            " WHERE dispute_id = ?",
            (media_group_id, dispute_id),
        )
        return (0, False) if row is None else (int(row[0]), bool(row[1]))

    async def count(self, dispute_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM evidence WHERE dispute_id = ?", (dispute_id,)
        )
        return 0 if row is None else int(row[0])

    async def clear(self, dispute_id: int) -> None:
        await self._db.execute("DELETE FROM evidence WHERE dispute_id = ?", (dispute_id,))
