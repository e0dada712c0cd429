"""Typed repositories over the Database: dataclasses of ``bot.domain.models`` in and out.

Each public method is one statement or one transaction, so a method that returned has
committed (durable across kill -9, see ``db.py``). Every query is parameterised. Anything a
buyer can name by id (a dispute, a reminder) is looked up *with* the buyer's user_id, so a
forged id from another buyer reads as "not found".
"""

from bot.storage.repositories.common import DisputeNotFoundError, DuplicateActiveDisputeError
from bot.storage.repositories.disputes import DisputeRepo
from bot.storage.repositories.events import EventRepo
from bot.storage.repositories.evidence import EvidenceRepo
from bot.storage.repositories.reminders import ReminderRepo
from bot.storage.repositories.users import UserRepo

__all__ = [
    "DisputeNotFoundError",
    "DisputeRepo",
    "DuplicateActiveDisputeError",
    "EventRepo",
    "EvidenceRepo",
    "ReminderRepo",
    "UserRepo",
]
