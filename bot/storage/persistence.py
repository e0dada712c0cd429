"""PTB persistence in the bot's own SQLite database (JSON rows, no pickle).

Lifecycle (checked against PTB 22.8 ``Application``): ``initialize()`` loads persistence
(``get_user_data``, ``get_conversations``, ...) *before* ``post_init`` runs, and
``shutdown()`` calls ``update_persistence()`` then ``flush()`` *before* ``post_shutdown``.
So the Database cannot be opened in post_init and handed in; instead:

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

Data is written through immediately: PTB calls ``update_*`` from ``update_persistence``
(every ``update_interval`` seconds and at shutdown); each call is one statement.
Conversation steps that must survive kill -9 *before the reply* are written by the handler
itself with ``DisputeRepo.save(..., conversation=ConversationWrite(...))``, which uses the
same table and key encoding as ``update_conversation``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

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


class SqlitePersistence(BasePersistence[_Data, _Data, _Data]):
    """BasePersistence over ``Database``: user_data, chat_data, bot_data, callback_data and
    conversations as JSON rows (see ``db.dumps_json`` for what values survive)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = utc_now,
        store_data: PersistenceInput | None = None,
        update_interval: float = 60,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self._path: str | os.PathLike[str] | None = path
        self._clock = clock
        self._db: Database | None = None
        self._owns_db = True
        self._open_lock = asyncio.Lock()

    @classmethod
    def from_database(
        cls,
        db: Database,
        *,
        store_data: PersistenceInput | None = None,
        update_interval: float = 60,
    ) -> SqlitePersistence:
        """Persistence over an already open Database that the caller keeps and closes."""
        self = cls(
            ":memory:", clock=db.clock, store_data=store_data, update_interval=update_interval
        )
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

    # ------------------------------------------------------------------ loading

    async def _load_map(self, sql: str) -> dict[int, _Data]:
        db = await self.database()
        return {int(row[0]): _as_dict(loads_json(row[1])) for row in await db.fetchall(sql)}

    async def get_user_data(self) -> dict[int, _Data]:
        return await self._load_map("SELECT user_id, data FROM user_data")

    async def get_chat_data(self) -> dict[int, _Data]:
        return await self._load_map("SELECT chat_id, data FROM chat_data")

    async def get_bot_data(self) -> _Data:
        db = await self.database()
        row = await db.fetchone("SELECT data FROM bot_data WHERE id = 1")
        return {} if row is None else _as_dict(loads_json(row[0]))

    async def get_callback_data(self) -> CDCData | None:
        db = await self.database()
        row = await db.fetchone("SELECT data FROM callback_data WHERE id = 1")
        if row is None:
            return None
        keyboards, mapping = loads_json(row[0])
        # PTB wants tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]].
        return [(str(k), float(t), dict(d)) for k, t, d in keyboards], dict(mapping)

    async def get_conversations(self, name: str) -> ConversationDict:
        db = await self.database()
        rows = await db.fetchall("SELECT key, state FROM conversations WHERE name = ?", (name,))
        return {_key(loads_json(row[0])): loads_json(row[1]) for row in rows}

    # ------------------------------------------------------------------ writing

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

    async def update_user_data(self, user_id: int, data: _Data) -> None:
        db = await self.database()
        await db.execute(
            "INSERT INTO user_data (user_id, data) VALUES (?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
            (user_id, dumps_json(data)),
        )

    async def update_chat_data(self, chat_id: int, data: _Data) -> None:
        db = await self.database()
        await db.execute(
            "INSERT INTO chat_data (chat_id, data) VALUES (?, ?) "
            "ON CONFLICT (chat_id) DO UPDATE SET data = excluded.data",
            (chat_id, dumps_json(data)),
        )

    async def update_bot_data(self, data: _Data) -> None:
        db = await self.database()
        await db.execute(
            "INSERT INTO bot_data (id, data) VALUES (1, ?) "
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data",
            (dumps_json(data),),
        )

    async def update_callback_data(self, data: CDCData) -> None:
        db = await self.database()
        await db.execute(
            "INSERT INTO callback_data (id, data) VALUES (1, ?) "
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data",
            (dumps_json([list(data[0]), data[1]]),),
        )

    async def drop_user_data(self, user_id: int) -> None:
        db = await self.database()
        await db.execute("DELETE FROM user_data WHERE user_id = ?", (user_id,))

    async def drop_chat_data(self, chat_id: int) -> None:
        db = await self.database()
        await db.execute("DELETE FROM chat_data WHERE chat_id = ?", (chat_id,))

    # ------------------------------------------------------------------ refresh / flush

    async def refresh_user_data(self, user_id: int, user_data: _Data) -> None:
        """No-op: this process is the only writer, so memory is already the newest copy."""

    async def refresh_chat_data(self, chat_id: int, chat_data: _Data) -> None:
        """No-op, as refresh_user_data."""

    async def refresh_bot_data(self, bot_data: _Data) -> None:
        """No-op, as refresh_user_data."""

    async def flush(self) -> None:
        """Every update_* already committed; PTB calls flush last at shutdown, so close the
        Database here if this persistence opened it (a later initialize() reopens it)."""
        await self.close()


def _as_dict(value: object) -> _Data:
    if not isinstance(value, dict):
        raise TypeError(f"stored persistence data is a {type(value).__name__}, not a dict")
    return value


def _key(value: object) -> ConversationKey:
    if isinstance(value, list | tuple):
        return tuple(value)
    raise TypeError(f"stored conversation key is a {type(value).__name__}, not a list")
