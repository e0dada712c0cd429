"""Telegram file references attached to a dispute (never the files themselves)."""

from __future__ import annotations

from typing import Final

from bot.domain.models import Evidence
from bot.storage.codecs import to_db_time
from bot.storage.repositories.common import EVIDENCE
from bot.storage.sql import Engine, Sql

# The next position in the same statement; CAST: PostgreSQL cannot tell a parameter's type
# from a SELECT list, SQLite ignores the cast's name.
_ADD: Final = (
    "INSERT INTO evidence (dispute_id, file_id, file_unique_id, kind, mime_type,"
    " file_size, file_name, caption, media_group_id, position, created_at)"
    " SELECT CAST(:dispute_id AS BIGINT), CAST(:file_id AS TEXT),"
    " CAST(:file_unique_id AS TEXT), CAST(:kind AS TEXT), CAST(:mime_type AS TEXT),"
    " CAST(:file_size AS BIGINT), CAST(:file_name AS TEXT), CAST(:caption AS TEXT),"
    " CAST(:media_group_id AS TEXT), COALESCE(MAX(position) + 1, 0), CAST(:now AS TEXT)"
    " FROM evidence WHERE dispute_id = :dispute_id"
    " ON CONFLICT (dispute_id, file_unique_id) DO NOTHING"
)
_LIST: Final = EVIDENCE.query("WHERE dispute_id = :dispute_id ORDER BY position, id")
_COUNT_AND_ALBUM: Final = Sql(
    "SELECT COUNT(*), COALESCE(MAX(media_group_id = :album), 0) FROM evidence"
    " WHERE dispute_id = :dispute_id",
    postgres="SELECT COUNT(*), COALESCE(bool_or(media_group_id = :album), false) FROM evidence"
    " WHERE dispute_id = :dispute_id",
)


class EvidenceRepo:
    """Telegram file references attached to a dispute (never the files themselves)."""

    def __init__(self, db: Engine) -> None:
        self._db = db

    async def add(self, ev: Evidence) -> bool:
        """Attach a file at the next position (0, 1, ...; ``ev.position`` is ignored).

        Returns False, changing nothing, if the same file (file_unique_id) is already on
        this dispute: Telegram re-delivers, and buyers resend the same photo.
        """
        params = EVIDENCE.params(ev)
        params["now"] = to_db_time(self._db.clock())
        return await self._db.execute(_ADD, params) == 1

    async def list(self, dispute_id: int) -> list[Evidence]:
        return EVIDENCE.load_all(await self._db.fetchall(_LIST, {"dispute_id": dispute_id}))

    async def count_and_album(
        self, dispute_id: int, media_group_id: str | None
    ) -> tuple[int, bool]:
        """How many files the dispute has, and whether one of them came in the album
        ``media_group_id`` (False for None), in one query."""
        row = await self._db.fetchone(
            _COUNT_AND_ALBUM, {"album": media_group_id, "dispute_id": dispute_id}
        )
        return (0, False) if row is None else (int(row[0]), bool(row[1]))

    async def count(self, dispute_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM evidence WHERE dispute_id = :dispute_id",
            {"dispute_id": dispute_id},
        )
        return 0 if row is None else int(row[0])

    async def clear(self, dispute_id: int) -> None:
        await self._db.execute(
            "DELETE FROM evidence WHERE dispute_id = :dispute_id", {"dispute_id": dispute_id}
        )
