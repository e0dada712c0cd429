"""Per-chat ordered concurrency: different chats at once, one chat strictly in order.

python-telegram-bot processes one update at a time by default, so every buyer waits behind
every other buyer's network round trips. `PerChatUpdateProcessor` lets up to
`max_concurrent_updates` updates of *different* chats run at once while each chat's updates run
one after another in the order they arrived. A conversation's state (the wizard step, the draft
dispute) is therefore only ever touched by one update at a time, exactly as with sequential
processing.

Design:

- Every update gets a *turn* in its chat: a future chained behind the chat's previous turn,
  taken synchronously on entry (before any `await`), so the order is the order PTB hands the
  updates over, which is the order they arrived in.
- Only the update whose turn has come competes for one of the `max_concurrent_updates` slots.
  Updates waiting for their chat hold no slot, so one chat with a long backlog (a flood) cannot
  take every slot and stall the other chats (no head-of-line blocking).
- A chat's entry is removed as soon as its last update finishes, so memory is proportional to
  the chats with work in flight, not to every chat ever seen.

PTB's base class takes a semaphore of `max_concurrent_updates` *before* handing the update to
`do_process_update`; if it were the limiting one, waiting updates of a busy chat would hold it.
So the base gets an effectively unbounded semaphore and this class limits concurrency itself
(`max_concurrent_updates` and `current_concurrent_updates` report that limit).
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import time
from collections.abc import Awaitable, Hashable
from dataclasses import dataclass
from typing import Any, Final

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot import metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UpdateInfo:
    """What is known about the update being handled, for logs and metrics (no buyer data)."""

    update_id: int | None
    chat_id: int | None
    kind: str
    started: float  # time.monotonic() when the processor took the update


#: The update the current task is handling (None outside update handling). Set by the
#: processor before the handlers run, so every log line they write can name the update.
CURRENT_UPDATE: contextvars.ContextVar[UpdateInfo | None] = contextvars.ContextVar(
    "current_update", default=None
)
STOP_RETRY: Final = 0.5  # seconds stop_task waits before cancelling a loop again

#: The update_id of an update taken from the webhook's inbox (bot/inbox.py) that the current
#: task is handling: the storage records it with every write the handlers make, in the same
#: transaction (bot.storage.db.Database.record_updates), so its effects commit exactly once.
INBOX_UPDATE: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "inbox_update", default=None
)


def inbox_update_id() -> int | None:
    return INBOX_UPDATE.get()


async def stop_task(task: asyncio.Task[None] | None) -> bool:
    """Cancel a background loop and wait until it has stopped; False if there was none. An
    error the loop ended with is raised here.

    Cancelled again until it is done: on Python 3.11 ``asyncio.wait_for`` swallows a
    cancellation that arrives as the awaited thing completes (fixed in 3.12), and a loop
    sleeping in one (the inbox worker's wait for work) then went on as if nothing happened,
    so that a stop sent the instant an update was handled waited forever."""
    if task is None:
        return False
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=STOP_RETRY)
    if not task.cancelled():
        task.result()
    return True


def update_kind(update: object) -> str:
    """The update's kind as the Bot API names it (`message`, `callback_query`, ...)."""
    if not isinstance(update, Update):
        return "other"
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return str(kind)
    return "empty"


def update_info(update: object) -> UpdateInfo:
    chat_id = None
    update_id = None
    if isinstance(update, Update):
        update_id = update.update_id
        chat = update.effective_chat
        chat_id = chat.id if chat is not None else None
    return UpdateInfo(update_id, chat_id, update_kind(update), time.monotonic())


# Updates that belong to no chat and no user (rare: e.g. poll updates) share one key, so they
# are processed in order among themselves.
NO_CHAT: Final = "no chat"

# Default for `build_application(concurrency=...)`, measured rather than guessed: bench/wizard.py,
# `python -m bot` as a process, 200 buyers, the Bot API stand-in answering after 80 ms over
# loopback, connection pool = n + 4, two runs each (bench/README.md):
#   n=16: ~155 updates/s, 2.6-2.7 ms CPU per update | n=32: ~246/s, 2.5-2.6 ms |
#   n=64: 368-378/s, 2.4 ms | n=128: 382-397/s, 2.3 ms.
# 64 is the knee: beyond it the bot is CPU-bound and twice the connections buy ~4%. (With
# PTB's HTTPXRequest the knee was 32, and 64 was slower: its pool's cost grows with its size;
# bot/http.py's pool does not.)
DEFAULT_CONCURRENCY: Final = 64

_UNBOUNDED: Final = 2**30


def chat_key(update: object) -> Hashable:
    """Which queue an update waits in: its chat, else its user, else the shared one."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return NO_CHAT


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` chats at once; each chat's updates one at a time, in order."""

    __slots__ = ("_limit", "_running", "_slots", "_tails")

    def __init__(self, max_concurrent_updates: int = DEFAULT_CONCURRENCY) -> None:
        if max_concurrent_updates < 1:
            raise ValueError("`max_concurrent_updates` must be a positive integer!")
        # The base class sizes its own semaphore from `max_concurrent_updates` (this class's
        # property): make it unbounded so it never makes an update wait (see module docs).
        self._limit = _UNBOUNDED
        super().__init__(_UNBOUNDED)
        self._limit = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._running = 0
        # chat key -> the future the chat's newest update resolves when it is done.
        self._tails: dict[Hashable, asyncio.Future[None]] = {}

    @property
    def max_concurrent_updates(self) -> int:
        return self._limit

    @property
    def current_concurrent_updates(self) -> int:
        return self._running

    @property
    def chats_in_flight(self) -> int:
        """Chats with an update running or waiting (0 when idle: nothing is kept per chat)."""
        return len(self._tails)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        info = update_info(update)
        metrics.UPDATES.labels(info.kind).inc()
        CURRENT_UPDATE.set(info)  # this task's own context: other updates never see it
        try:
            await self._in_turn(update, coroutine)
        finally:
            metrics.UPDATE_SECONDS.observe(time.monotonic() - info.started)

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        previous = self._tails.get(key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = mine
        started = False
        try:
            if previous is not None:
                # shield: cancelling this update must not cancel the turn of the one before.
                await asyncio.shield(previous)
            async with self._slots:
                self._running += 1
                started = True
                try:
                    await coroutine
                finally:
                    self._running -= 1
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: never ran, avoid the warning
            if previous is not None and not previous.done():
                # Cancelled while the previous update still runs: the next one must still wait
                # for it, so hand our turn on only when it is done.
                previous.add_done_callback(lambda _: self._finish(key, mine))
            else:
                self._finish(key, mine)

    def _finish(self, key: Hashable, mine: asyncio.Future[None]) -> None:
        if not mine.done():
            mine.set_result(None)
        if self._tails.get(key) is mine:
            del self._tails[key]

    async def initialize(self) -> None:
        """Nothing to allocate: per-chat state exists only while a chat has updates."""

    async def shutdown(self) -> None:
        if self._tails:
            log.warning("update processor shut down with %d chats in flight", len(self._tails))
