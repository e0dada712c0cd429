"""The webhook's durable inbox, and the worker every process runs over it (webhook mode).

What it guarantees, with one process or several behind one webhook (issue 12):

- **No acknowledged update is lost.** The webhook stores the raw update (``store``) and
  answers 200 only after that commit; kill -9 right after the 200 loses nothing. If it cannot
  store it, it answers 503 and Telegram sends the update again later.
- **Each chat's updates one at a time, in update_id order, across all processes.** A worker
  takes a chat by leasing it (``InboxRepo.claim_chats``: one statement, two processes never
  both win), then handles that chat's stored updates in update_id order, one after the other,
  and gives the lease back once nothing is left (one statement that keeps the lease if an
  update was stored meanwhile, so none is stranded). A lease lasts ``LEASE`` seconds and is
  renewed while its process beats (bot/fleet.py); a killed process's chats are taken over
  when their leases expire.
- **An update's effects happen once.** While a handler runs, ``INBOX_UPDATE`` names its update,
  and the storage records the update as handled in the same transaction as each of its
  writes; an update found recorded (delivered twice, or taken over after a crash that came
  after its commit and perhaps before its reply) is not handled again: ``repeat`` shows the
  buyer the question they are on now instead (bot/handlers/common.py), so a saved step is
  never one they did not see. Replies are at least once (Telegram allows a repeated
  message): an update whose handler only reads is simply answered again after a takeover.

Updates arrive in update_id order per chat as far as Telegram delivers them so: two updates of
one chat delivered in parallel (``max_connections`` > 1) to two processes are handled in
update_id order if both are stored before the chat is taken, else in the order stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Final

from telegram import Update

from bot.concurrency import DEFAULT_CONCURRENCY, INBOX_UPDATE, NO_CHAT, chat_key, stop_task
from bot.context import DisputeApplication
from bot.fleet import LEASE
from bot.storage.codecs import to_db_time, utc_now
from bot.storage.db import Database
from bot.storage.repositories.inbox import Stored
from bot.updates import loads_bounded, parse_update

log = logging.getLogger(__name__)

__all__ = ["BATCH", "LEASE", "POLL", "InboxWorker", "chat_number"]

POLL: Final = 0.5  # seconds between looks for chats nobody holds (taken over, stored elsewhere)
BATCH: Final = 20  # a chat's stored updates read at once
STOP_GRACE: Final = 5.0  # seconds stop() lets the chats in hand finish
PARSED_KEPT: Final = 10_000  # stored updates kept parsed for this process's own worker


def chat_number(update: Update) -> int:
    """The inbox's chat_key: the chat's id, else the user's, else 0 (the shared queue)."""
    key = chat_key(update)
    return 0 if key == NO_CHAT or not isinstance(key, int) else key


class InboxWorker:
    """Stores what the webhook receives and handles it (see the module)."""

    def __init__(
        self,
        db: Database,
        application: DisputeApplication,
        owner: str,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        alone: bool = False,
        repeat: Callable[[Update], Awaitable[None]] | None = None,
        lease: float = LEASE,
        poll: float = POLL,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db = db
        self.application = application
        self.owner = owner
        self.concurrency = concurrency
        self.alone = alone
        self.repeat = repeat
        self.lease = timedelta(seconds=lease)
        self.poll = poll
        self.clock = clock
        self.handled = 0
        # Updates this process stored and parsed, until it handles them: not parsed twice.
        self._parsed: OrderedDict[int, Update] = OrderedDict()
        self._chats: dict[int, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def store(self, update: Update, body: bytes) -> None:
        """Commit ``update`` (its raw ``body``) to the inbox; the webhook answers 200 after."""
        now = to_db_time(self.clock())
        text = body.decode("utf-8", "replace")
        await self.db.inbox.store(update.update_id, chat_number(update), text, now)
        self._parsed[update.update_id] = update
        while len(self._parsed) > PARSED_KEPT:  # another process handled those
            self._parsed.popitem(last=False)
        self._wake.set()

    async def start(self) -> None:
        """Start taking chats. ``alone`` (SQLite: one process per database file): a lease
        left in the table is a killed predecessor's, so its chats go on at once instead of
        after the lease's expiry."""
        if self.alone:
            await self.db.inbox.drop_leases(None)
        self._task = asyncio.create_task(self._loop(), name="inbox worker")

    async def stop(self) -> None:
        """Stop taking chats; the chats in hand finish their current update for up to
        ``STOP_GRACE`` s; then the leases go back, so another process goes on at once."""
        task, self._task = self._task, None
        if not await stop_task(task):
            return
        chats = list(self._chats.values())
        if chats:
            _, late = await asyncio.wait(chats, timeout=STOP_GRACE)
            for pending in late:
                pending.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        try:
            await self.db.inbox.drop_leases(self.owner)
        except Exception as error:  # they expire by themselves
            log.warning("could not give the chats' leases back (%s)", type(error).__name__)

    def wake(self) -> None:
        self._wake.set()

    def _lease_until(self) -> tuple[str, str]:
        now = self.clock()
        return to_db_time(now), to_db_time(now + self.lease)

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            free = self.concurrency - len(self._chats)
            if free > 0:
                try:
                    now, expires = self._lease_until()
                    chats = await self.db.inbox.claim_chats(self.owner, now, expires, free)
                except Exception:
                    log.exception("inbox: could not take chats; trying again shortly")
                    chats = []
                for chat in chats:
                    self._chats[chat] = asyncio.create_task(self._drain(chat), name="inbox chat")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)

    async def _drain(self, chat: int) -> None:
        """Handle the chat's stored updates in order until none is left, then let it go."""
        try:
            while True:
                rows = await self.db.inbox.pending(chat, BATCH)
                for row in rows:
                    await (self._repeat(row) if row.handled else self._handle(row))
                    await self.db.inbox.finish(row.update_id)
                # A short batch was the last, unless one arrived meanwhile: then read on.
                if len(rows) < BATCH and await self.db.inbox.release_if_empty(chat, self.owner):
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            # The lease stays until it expires; then this or another process goes on.
            log.exception("inbox: chat left unfinished; it is taken up again shortly")
        finally:
            self._chats.pop(chat, None)
            self._wake.set()  # a slot is free

    async def _repeat(self, row: Stored) -> None:
        update = self._parse(row)
        if update is None or self.repeat is None:
            return
        try:
            await self.repeat(update)
        except Exception:  # a courtesy: the step itself is saved
            log.warning("inbox: could not show update %s's step again", row.update_id)

    def _parse(self, row: Stored) -> Update | None:
        update = self._parsed.pop(row.update_id, None)
        if update is not None:
            return update
        data: Any = loads_bounded(row.body)  # as the webhook read it (too deep: cut short)
        return parse_update(data, self.application.bot)

    async def _handle(self, row: Stored) -> None:
        update = self._parse(row)
        if update is None:  # the webhook stores only what parses; a newer library may not
            return
        token = INBOX_UPDATE.set(row.update_id)
        try:
            processor = self.application.update_processor
            await processor.process_update(update, self.application.process_update(update))
        finally:
            INBOX_UPDATE.reset(token)
        self.handled += 1
