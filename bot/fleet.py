"""Several bot processes on one PostgreSQL database: each one's heartbeat, and what follows
from who is alive (issue 12).

Every ``BEAT`` seconds a process:

- writes its heartbeat (the ``processes`` table) and renews the leases of the chats its inbox
  worker holds (bot/inbox.py), so that they are taken over only if it stops beating;
- counts the live processes (a heartbeat younger than ``ALIVE``) and takes its share of the
  outgoing budget: Telegram's 30 messages a second are for the bot, not per process, so each
  of N live processes sends at most rate / N (bot/ratelimit.py's ``share``). How far the sum
  can overshoot: a process that starts counts itself at once, the others notice it at their
  next beat, so for at most one ``BEAT`` the sum is rate x (1 + 1/(N+1)) (1.5 x rate going from
  one process to two); a process that stops leaves the others below the rate for as long;
- sends again the reminders that were in flight in a process that stopped beating (it was
  killed between claiming a row and marking it sent): at most one duplicate per row, as after
  a restart of a single process, and none lost;
- now and then forgets handled update ids older than Telegram ever resends (``KEEP_HANDLED``).

On SQLite there is one process per database file (bot/storage/instance.py): no fleet.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from bot.concurrency import stop_task
from bot.outbox import ReminderService
from bot.ratelimit import OutgoingLimiter
from bot.storage.codecs import to_db_time, utc_now
from bot.storage.db import Database

log = logging.getLogger(__name__)

__all__ = ["ALIVE", "BEAT", "LEASE", "Fleet", "process_id"]

BEAT: Final = 2.0  # seconds between heartbeats
LEASE: Final = 8.0  # seconds a chat stays with a process that stopped renewing it (bot/inbox.py)
ALIVE: Final = timedelta(seconds=8)  # a heartbeat this old: the process is gone
KEEP_HANDLED: Final = timedelta(days=2)  # Telegram keeps an undelivered update for a day
PRUNE_EVERY: Final = 600.0  # seconds between prunes of handled update ids


def process_id() -> str:
    """This process's name among the others: host, pid and a random part (a pid is reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Fleet:
    def __init__(
        self,
        db: Database,
        owner: str,
        *,
        budget: OutgoingLimiter | None = None,
        reminders: ReminderService | None = None,
        lease: timedelta = timedelta(seconds=LEASE),
        beat: float = BEAT,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db = db
        self.owner = owner
        self.budget = budget
        self.reminders = reminders
        self.lease = lease
        self.beat_every = beat
        self.clock = clock
        self.live = 1
        self._task: asyncio.Task[None] | None = None
        self._pruned = 0.0

    async def start(self) -> None:
        """The first beat now (so that others count this process before it sends), then one
        every ``BEAT`` seconds in the background."""
        await self.beat()
        self._task = asyncio.create_task(self._loop(), name="fleet heartbeat")

    async def stop(self) -> None:
        """Stop beating and leave: the others take over this process's share at once."""
        task, self._task = self._task, None
        await stop_task(task)
        try:
            await self.db.processes.forget(self.owner, to_db_time(self.clock() - KEEP_HANDLED))
        except Exception as error:  # the heartbeat expires by itself
            log.warning("could not remove this process's heartbeat (%s)", type(error).__name__)

    async def beat(self) -> None:
        now = self.clock()
        await self.db.processes.beat(self.owner, to_db_time(now))
        await self.db.inbox.renew(self.owner, to_db_time(now + self.lease))
        self.live = max(1, await self.db.processes.live(to_db_time(now - ALIVE)))
        if self.budget is not None:
            self.budget.share(self.live)
        if self.reminders is not None:
            recovered = await self.db.reminders.recover_sending(alive_since=now - ALIVE)
            if recovered:
                log.warning(
                    "%d reminders were in flight in a process that stopped; sending again",
                    recovered,
                )
                self.reminders.wake()
        if time.monotonic() - self._pruned > PRUNE_EVERY:
            self._pruned = time.monotonic()
            await self.db.inbox.prune(to_db_time(now - KEEP_HANDLED))

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.beat_every)
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("heartbeat failed; trying again")
