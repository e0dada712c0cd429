"""The webhook's inbox, the chats' leases and the processes' heartbeats (several processes on
one database, issue 12).

- ``InboxRepo``: an acknowledged update is a row until it is handled; a process takes a chat
  (a lease with an expiry) and handles that chat's rows one at a time in update_id order;
  ``finish`` deletes a handled row, and ``release_if_empty`` gives the lease back once the
  chat has nothing left (one statement: an update stored meanwhile keeps it). A lease whose
  process died expires and the chat is taken over. Which updates are handled is recorded by
  the handlers' own writes (``RECORD``, bot/storage/db.py); one that wrote nothing is not
  recorded, and a second delivery of it is simply answered again.
- ``ProcessRepo``: one heartbeat row per running process; how many are live, for sharing
  the outgoing budget; a process stopping cleanly removes its row at once.

Every instant here is the wall clock's (the bot's own clock is a test's to move).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.storage.sql import Engine

_STORE: Final = (
    "INSERT INTO inbox (update_id, chat_key, body, received_at)"
    " VALUES (:update_id, :chat_key, :body, :now) ON CONFLICT (update_id) DO NOTHING"
)
# The chats with updates waiting whose lease is free or expired, oldest update first, taken
# in one statement; two processes taking at once never both get a chat (the conflict's
# WHERE sees the other's fresh lease).
_CLAIM_CHATS: Final = (
    "INSERT INTO chat_leases (chat_key, owner, expires_at)"
    " SELECT chat_key, CAST(:owner AS TEXT), CAST(:expires AS TEXT) FROM inbox"
    " WHERE chat_key NOT IN (SELECT chat_key FROM chat_leases WHERE expires_at > :now)"
    " GROUP BY chat_key ORDER BY MIN(update_id) LIMIT :limit"
    " ON CONFLICT (chat_key) DO UPDATE SET owner = excluded.owner,"
    " expires_at = excluded.expires_at WHERE chat_leases.expires_at <= :now"
    " RETURNING chat_key"
)
_PENDING: Final = (
    "SELECT i.update_id, i.body, h.update_id IS NOT NULL FROM inbox AS i"
    " LEFT JOIN handled_updates AS h ON h.update_id = i.update_id"
    " WHERE i.chat_key = :chat_key ORDER BY i.update_id LIMIT :limit"
)
_DELETE: Final = "DELETE FROM inbox WHERE update_id = :update_id"
RECORD: Final = (
    "INSERT INTO handled_updates (update_id, handled_at) VALUES (:update_id, :now)"
    " ON CONFLICT (update_id) DO NOTHING"
)
_RELEASE_IF_EMPTY: Final = (
    "DELETE FROM chat_leases WHERE chat_key = :chat_key AND owner = :owner"
    " AND NOT EXISTS (SELECT 1 FROM inbox WHERE chat_key = :chat_key)"
)
_RENEW_ALL: Final = "UPDATE chat_leases SET expires_at = :expires WHERE owner = :owner"
_DROP_ALL: Final = "DELETE FROM chat_leases WHERE owner = :owner"
_DROP_EVERY: Final = "DELETE FROM chat_leases"
_PRUNE: Final = "DELETE FROM handled_updates WHERE handled_at < :before"
_WAITING: Final = "SELECT COUNT(*) FROM inbox"

_BEAT: Final = (
    "INSERT INTO processes (id, seen_at) VALUES (:id, :now)"
    " ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at"
)
_LIVE: Final = "SELECT COUNT(*) FROM processes WHERE seen_at > :since"
_FORGET: Final = "DELETE FROM processes WHERE id = :id OR seen_at < :long_ago"


@dataclass(frozen=True, slots=True)
class Stored:
    """One update waiting in the inbox; ``handled``: its effects are already committed (a
    redelivery, or a takeover after a crash), so it must not be handled again."""

    update_id: int
    body: str
    handled: bool


class InboxRepo:
    def __init__(self, db: Engine) -> None:
        self._db = db

    async def store(self, update_id: int, chat_key: int, body: str, now: str) -> None:
        """Durable before the webhook answers 200; storing one twice changes nothing."""
        await self._db.execute(
            _STORE, {"update_id": update_id, "chat_key": chat_key, "body": body, "now": now}
        )

    async def claim_chats(self, owner: str, now: str, expires: str, limit: int) -> list[int]:
        """Lease up to ``limit`` chats with waiting updates to ``owner`` until ``expires``."""
        rows = await self._db.write_fetchall(
            _CLAIM_CHATS, {"owner": owner, "now": now, "expires": expires, "limit": limit}
        )
        return [int(r[0]) for r in rows]

    async def pending(self, chat_key: int, limit: int) -> list[Stored]:
        rows = await self._db.fetchall(_PENDING, {"chat_key": chat_key, "limit": limit})
        return [Stored(int(r[0]), str(r[1]), bool(r[2])) for r in rows]

    async def finish(self, update_id: int) -> None:
        """The update was handled (its effects committed, with their record): its row goes.
        A crash before this statement leaves the row, whose update is then found handled."""
        await self._db.execute(_DELETE, {"update_id": update_id})

    async def release_if_empty(self, chat_key: int, owner: str) -> bool:
        """Give ``owner``'s lease on the chat back if no update of it waits: True if given
        back. One statement, so an update stored meanwhile either is seen (the lease stays,
        the caller reads on) or finds the lease gone (its own process takes the chat)."""
        params = {"chat_key": chat_key, "owner": owner}
        return await self._db.execute(_RELEASE_IF_EMPTY, params) == 1

    async def renew(self, owner: str, expires: str) -> int:
        return await self._db.execute(_RENEW_ALL, {"owner": owner, "expires": expires})

    async def drop_leases(self, owner: str | None) -> None:
        """Give back ``owner``'s leases; None: everybody's (the only process, starting: any
        lease left is a killed predecessor's)."""
        if owner is None:
            await self._db.execute(_DROP_EVERY)
        else:
            await self._db.execute(_DROP_ALL, {"owner": owner})

    async def prune(self, before: str) -> int:
        return await self._db.execute(_PRUNE, {"before": before})

    async def waiting(self) -> int:
        row = await self._db.fetchone(_WAITING)
        return 0 if row is None else int(row[0])


class ProcessRepo:
    def __init__(self, db: Engine) -> None:
        self._db = db

    async def beat(self, process_id: str, now: str) -> None:
        await self._db.execute(_BEAT, {"id": process_id, "now": now})

    async def live(self, since: str) -> int:
        row = await self._db.fetchone(_LIVE, {"since": since})
        return 0 if row is None else int(row[0])

    async def forget(self, process_id: str, long_ago: str) -> None:
        """This process stops (its row goes), and rows of processes long gone too."""
        await self._db.execute(_FORGET, {"id": process_id, "long_ago": long_ago})
