"""What several repositories share: their errors and the rows written inside a dispute's
transaction (the conversation state, an event)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.domain.models import (
    Dispute,
    Event,
)
from bot.storage.codecs import (
    conversation_key_json,
    dumps_json,
    to_db_time,
)


class DuplicateActiveDisputeError(Exception):
    """The buyer already has an active (not closed) dispute for this order."""

    def __init__(self, existing: Dispute) -> None:
        super().__init__(
            f"user {existing.user_id} already has active dispute {existing.id} "
            f"for order {existing.order_id}"
        )
        self.existing = existing


class DisputeNotFoundError(LookupError):
    """No dispute with that id belongs to that buyer (deleted, or someone else's)."""


@dataclass(frozen=True, slots=True)
class ConversationWrite:
    """A ConversationHandler state to persist in the same transaction as a dispute step.

    ``key`` is PTB's conversation key (for a private chat ``(chat_id, user_id)``);
    ``state`` None means the conversation ended and its row is deleted.
    """

    name: str
    key: tuple[int | str, ...]
    state: object | None


def write_conversation(conn: sqlite3.Connection, write: ConversationWrite) -> None:
    """Upsert (or delete, for state None) one conversation row, inside ``Database.run``."""
    key = conversation_key_json(write.key)
    if write.state is None:
        conn.execute("DELETE FROM conversations WHERE name = ? AND key = ?", (write.name, key))
    else:
        conn.execute(
            "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) "
            "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            (write.name, key, dumps_json(write.state)),
        )


def insert_event(conn: sqlite3.Connection, ev: Event) -> None:
    conn.execute(
        "INSERT INTO events (dispute_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)",
        (ev.dispute_id, to_db_time(ev.at), ev.actor, ev.kind, dumps_json(ev.detail)),
    )
