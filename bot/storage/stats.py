"""Counts an operator asks for: buyers, cases by stage, reminders by state, database size.

One reading serves `/metrics` (the gauges), `dispute-helper stats` and the admins' `/stats`.
Only aggregate numbers: nothing here identifies a buyer. Each count is an indexed aggregate,
so a reading costs milliseconds even with a large database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from bot.storage.codecs import to_db_time
from bot.storage.sql import Dialect, Engine

# A pending reminder this late is "overdue": the dispatcher is stuck, paused by Telegram, or down.
OVERDUE_AFTER: Final = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Counts:
    buyers: int
    cases_by_stage: dict[str, int] = field(default_factory=dict)
    reminders_by_state: dict[str, int] = field(default_factory=dict)
    reminders_overdue: int = 0
    database_bytes: int = 0

    @property
    def open_cases(self) -> int:
        return sum(n for stage, n in self.cases_by_stage.items() if stage != "closed")


def database_bytes(path: Path | None) -> int:
    """The database file with its WAL and shared-memory files (what a disk quota sees)."""
    if path is None:
        return 0
    total = 0
    for suffix in ("", "-wal", "-shm"):
        try:
            total += os.stat(f"{path}{suffix}").st_size
        except OSError:
            continue
    return total


async def counts(db: Engine, now: datetime) -> Counts:
    """One consistent-enough reading (each count is its own statement)."""
    (buyers,) = await db.fetchone("SELECT COUNT(*) FROM users") or (0,)
    stages = {
        str(row[0]): int(row[1])
        # A draft without an order number is only the wizard's step 1, not a case yet.
        for row in await db.fetchall(
            "SELECT stage, COUNT(*) FROM disputes WHERE order_id IS NOT NULL GROUP BY stage"
        )
    }
    states = {
        str(row[0]): int(row[1])
        for row in await db.fetchall("SELECT state, COUNT(*) FROM reminders GROUP BY state")
    }
    (overdue,) = await db.fetchone(
        "SELECT COUNT(*) FROM reminders WHERE state = 'pending' AND due_at < :before",
        {"before": to_db_time(now - OVERDUE_AFTER)},
    ) or (0,)
    size = database_bytes(db.path)
    if db.dialect is Dialect.POSTGRES:
        (size,) = await db.fetchone("SELECT pg_database_size(current_database())") or (0,)
    return Counts(
        buyers=int(buyers),
        cases_by_stage=stages,
        reminders_by_state=states,
        reminders_overdue=int(overdue),
        database_bytes=int(size),
    )


__all__ = ["OVERDUE_AFTER", "Counts", "counts", "database_bytes"]
