"""What several repositories share: their errors and the event row written inside a
dispute's transaction."""

from __future__ import annotations

import sqlite3

from bot.domain.models import (
    Dispute,
    Event,
)
from bot.storage.codecs import dumps_json, to_db_time


class DuplicateActiveDisputeError(Exception):
    """The buyer already has an active (not closed) dispute for this item of this order."""

    def __init__(self, existing: Dispute) -> None:
        super().__init__(
            f"user {existing.user_id} already has active dispute {existing.id} "
            f"for order {existing.order_id}"
        )
        self.existing = existing


class DisputeNotFoundError(LookupError):
    """No dispute with that id belongs to that buyer (deleted, or someone else's)."""


def insert_event(conn: sqlite3.Connection, ev: Event) -> None:
    conn.execute(
        "INSERT INTO events (dispute_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)",
        (ev.dispute_id, to_db_time(ev.at), ev.actor, ev.kind, dumps_json(ev.detail)),
    )
