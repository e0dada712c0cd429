"""PTB persistence in the bot's own SQLite database: conversations only (JSON rows, no pickle).

What is persisted: the state of each persistent ConversationHandler (the wizard), one row per
buyer mid-conversation, deleted when the conversation ends. Nothing else: the bot keeps no
user_data, chat_data, bot_data or PTB callback data (buyers' settings live in ``users``, a
dispute's answers in ``disputes``), so ``STORE`` turns those off. With them on, PTB wrote an
empty user_data and chat_data row for every buyer who ever said hello and loaded all of them
at every start (issue 15 §6); migration 0003 dropped their tables.

Lifecycle (checked against PTB 22.8 ``Application``): ``initialize()`` loads persistence
(``get_conversations``) *before* ``post_init`` runs, and ``shutdown()`` calls
``update_persistence()`` then ``flush()`` *before* ``post_shutdown``. So the Database cannot
be opened in post_init and handed in; instead:

- ``SqlitePersistence(path)`` owns the Database. It opens it lazily on first use (normally
  from ``Application.initialize``), and ``flush()`` (PTB's last call on a persistence at
  shutdown) closes it. Everything else (repositories, the reminder dispatcher) uses that
  same object: ``await persistence.database()`` in post_init, ``persistence.db`` after.
  ``close()`` (e.g. in post_shutdown) is idempotent, so closing there too is harmless; closing
  in flush() also covers manual ``initialize()``/``shutdown()`` use, where post_shutdown never
  runs and an unclosed aiosqlite thread would keep the process alive.
  Anything that needs the database must stop before ``Application.shutdown`` (job queue
  and ``application.create_task`` tasks are stopped in ``Application.stop``, which runs
  first).
- ``SqlitePersistence.from_database(db)`` wraps a Database someone else opened (tests,
  tools); flush() then leaves it open, its opener closes it.

Data is written through immediately: PTB calls ``update_conversation`` from
``update_persistence`` (every ``update_interval`` seconds and at shutdown); each call is one
statement. Conversation steps that must survive kill -9 *before the reply* are written by the
handler itself with ``DisputeRepo.save(..., conversation=ConversationWrite(...))``, which uses
the same table and key encoding as ``update_conversation``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.storage.db import (
    Database,
    conversation_key_json,
    dumps_json,
    loads_json,
    utc_now,
)

__all__ = ["SqlitePersistence"]

_Data = dict[Any, Any]


#: What PTB may store through this persistence: conversations (always on) and nothing else.
STORE: Final = PersistenceInput(
    bot_data=False, chat_data=False, user_data=False, callback_data=False
)
_CONVERSATIONS_ONLY: Final = (
    "SqlitePersistence stores conversations only; PTB does not call this while STORE has "
    "user_data, chat_data, bot_data and callback_data off"
)


class SqlitePersistence(BasePersistence[_Data, _Data, _Data]):
    """BasePersistence over ``Database`` for ConversationHandler states (see the module)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = utc_now,
        update_interval: float = 60,
    ) -> None:
        super().__init__(store_data=STORE, update_interval=update_interval)
        self._path: str | os.PathLike[str] | None = path
        self._clock = clock
        self._db: Database | None = None
        self._owns_db = True
        self._open_lock = asyncio.Lock()

    @classmethod
    def from_database(cls, db: Database, *, update_interval: float = 60) -> SqlitePersistence:
        """Persistence over an already open Database that the caller keeps and closes."""
        self = cls(":memory:", clock=db.clock, update_interval=update_interval)
        self._path = None
        self._db = db
        self._owns_db = False
        return self

    # ------------------------------------------------------------------ the database

    @property
    def db(self) -> Database:
        """The open Database. Raises before the first ``database()`` / PTB load."""
        if self._db is None or self._db.closed:
            raise RuntimeError("the database is not open yet: await persistence.database()")
        return self._db

    async def database(self) -> Database:
        """The shared Database, opening (and migrating) it on first call."""
        if self._db is not None and not self._db.closed:
            return self._db
        async with self._open_lock:
            if self._db is None or self._db.closed:
                if self._path is None:
                    raise RuntimeError("the Database given to from_database() is closed")
                self._db = await Database.open(self._path, clock=self._clock)
        return self._db

    get_database = database  # the name the storage brief used

    async def close(self) -> None:
        """Close the Database if this persistence opened it (idempotent)."""
        if self._owns_db and self._db is not None:
            await self._db.close()

    # ------------------------------------------------------------------ conversations

    async def get_conversations(self, name: str) -> ConversationDict:
        db = await self.database()
        rows = await db.fetchall("SELECT key, state FROM conversations WHERE name = ?", (name,))
        return {_key(loads_json(row[0])): loads_json(row[1]) for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        db = await self.database()
        key_json = conversation_key_json(key)
        if new_state is None:
            await db.execute(
                "DELETE FROM conversations WHERE name = ? AND key = ?", (name, key_json)
            )
        else:
            await db.execute(
                "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                (name, key_json, dumps_json(new_state)),
            )

    # ------------------------------------------------------------------ not stored (STORE)
    # PTB only loads these when STORE asks for them; nothing is stored, so nothing loads.

    async def get_user_data(self) -> dict[int, _Data]:
        return {}

    async def get_chat_data(self) -> dict[int, _Data]:
        return {}

    async def get_bot_data(self) -> _Data:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_user_data(self, user_id: int, data: _Data) -> None:
        raise RuntimeError(_CONVERSATIONS_ONLY)

    async def update_chat_data(self, chat_id: int, data: _Data) -> None:
        raise RuntimeError(_CONVERSATIONS_ONLY)

    async def update_bot_data(self, data: _Data) -> None:
        raise RuntimeError(_CONVERSATIONS_ONLY)

    async def update_callback_data(self, data: CDCData) -> None:
        raise RuntimeError(_CONVERSATIONS_ONLY)

    async def drop_user_data(self, user_id: int) -> None:
        raise RuntimeError(_CONVERSATIONS_ONLY)

    async def drop_chat_data(self, chat_id: int) -> None:
        raise RuntimeError(_CONVERSATIONS_ONLY)

    async def refresh_user_data(self, user_id: int, user_data: _Data) -> None:
        raise RuntimeError(_CONVERSATIONS_ONLY)

    async def refresh_chat_data(self, chat_id: int, chat_data: _Data) -> None:
        raise RuntimeError(_CONVERSATIONS_ONLY)

    async def refresh_bot_data(self, bot_data: _Data) -> None:
        raise RuntimeError(_CONVERSATIONS_ONLY)

    # ------------------------------------------------------------------ flush

    async def flush(self) -> None:
        """Every update_conversation already committed; PTB calls flush last at shutdown, so
        close the Database here if this persistence opened it (a later initialize() reopens
        it)."""
        await self.close()


def _key(value: object) -> ConversationKey:
    if isinstance(value, list | tuple):
        return tuple(value)
    raise TypeError(f"stored conversation key is a {type(value).__name__}, not a list")
