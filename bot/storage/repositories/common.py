"""What several repositories share: their errors, the row mappers, and the event row written
inside a dispute's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot.domain.models import Dispute, Event, Evidence, Reminder, UserSettings
from bot.storage.mapping import Mapper
from bot.storage.sql import Dialect, Engine, Tx

# One mapper per table (bot/storage/mapping.py): a new field is one edit plus its migration.
USERS: Final = Mapper(UserSettings, "users")
DISPUTES: Final = Mapper(Dispute, "disputes", columns={"refund_amount": "refund"})
EVIDENCE: Final = Mapper(Evidence, "evidence")
REMINDERS: Final = Mapper(Reminder, "reminders")
EVENTS: Final = Mapper(Event, "events")

_INSERT_EVENT: Final = EVENTS.insert(returning=None)


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


async def insert_event(tx: Tx, ev: Event) -> None:
    await tx.execute(_INSERT_EVENT, EVENTS.params(ev))


def id_list(db: Engine, ids: Sequence[int]) -> object:
    """A list of ids as one parameter: a JSON array for SQLite's ``json_each``, an array
    for PostgreSQL's ``= ANY``."""
    return list(ids) if db.dialect is Dialect.POSTGRES else "[" + ",".join(map(str, ids)) + "]"
