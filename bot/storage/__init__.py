"""Storage: one SQLite database (aiosqlite, WAL) for business data and PTB persistence.

``Database.open(path)`` migrates and returns the database with its repositories
(``db.users``, ``db.disputes``, ``db.evidence``, ``db.reminders``, ``db.events``);
``SqlitePersistence`` is PTB's persistence over the same database object.
"""

from bot.storage.db import Database, SchemaTooNewError, StorageStats, utc_now
from bot.storage.persistence import SqlitePersistence
from bot.storage.repositories import (
    ConversationWrite,
    DisputeNotFoundError,
    DisputeRepo,
    DuplicateActiveDisputeError,
    EventRepo,
    EvidenceRepo,
    ReminderRepo,
    UserRepo,
)

__all__ = [
    "ConversationWrite",
    "Database",
    "DisputeNotFoundError",
    "DisputeRepo",
    "DuplicateActiveDisputeError",
    "EventRepo",
    "EvidenceRepo",
    "ReminderRepo",
    "SchemaTooNewError",
    "SqlitePersistence",
    "StorageStats",
    "UserRepo",
    "utc_now",
]
