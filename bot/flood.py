"""Inbound flood control: a buyer sending hundreds of updates a second is slowed, nobody else.

A token bucket per buyer (Telegram user id; the chat id for the rare update without a user),
checked by a TypeHandler in an early handler group, right after the buyer's language is loaded
and before any flow sees the update:

- each *action* costs one token: an update, except that the items of one album (a media group,
  at most 10) are one action together, so an album never trips it. A bucket holds at most
  `BURST` tokens and refills at `RATE` per second;
- it is aligned with the outgoing budget per chat (bot/limits.py: bursts of `CHAT_BURST`
  messages, `CHAT_RATE` a second): `RATE` is that same rate and `BURST` is well above that
  burst, so a buyer who waits for the bot's answer before the next message, however fast
  they are, can never trip it; only updates sent without waiting for answers can. Letting
  more through would only queue replies that the per-chat limit sends one a second anyway;
- the bucket is charged at the instant the update *arrived* (when the update processor took
  it, bot/concurrency.py's `CURRENT_UPDATE`), not when its turn came: a chat's updates are
  handled one after another, and the allowed ones wait for the per-chat outgoing budget, so
  judging by turn time would refill the bucket while the flood waits in line and answer it
  for minutes. 500 messages at once: `BURST` answered, one notice, the rest dropped;
- over the limit the update is dropped (`ApplicationHandlerStop`: no flow runs, nothing is
  stored, `metrics.FLOOD_DROPS` counts it) and, once per flood, the buyer is told in their
  language to slow down. The notice is sent again only after the buyer has been calm long
  enough for the bucket to be half full (`BURST / 2 / RATE` s), so a flood of hundreds of
  updates costs one outgoing message, not hundreds;
- other buyers have their own buckets, and with the per-chat update processor
  (bot/concurrency.py) a flooding chat's backlog waits in its own queue without holding any of
  the shared processing slots, so their replies are not delayed.

Memory is bounded: a bucket nobody has touched for `IDLE_EVICT` seconds is full again, so it
is indistinguishable from a new one and is dropped; on top of that at most `MAX_BUCKETS` are
kept (least recently active evicted first). Both are amortised O(1) per update. "Touched" is
on the handling clock, not the arrival clock: a flood whose allowed updates are still being
answered (slowly, behind the outgoing budget under load) has arrived long ago, yet its backlog
is still being judged. Forgetting its bucket then, when another buyer's update comes in, gave
the rest of the backlog a fresh burst, again and again: the whole flood answered, one a second.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import metrics
from bot.concurrency import CURRENT_UPDATE
from bot.context import BotContext
from bot.limits import CHAT_RATE

log = logging.getLogger(__name__)

BURST: Final = 8.0  # actions a buyer may send at once (an album is one)
RATE: Final = CHAT_RATE  # actions per second sustained: what the chat's replies go out at
ALBUM_ITEMS: Final = 10  # Telegram's largest media group: more items cost again
IDLE_EVICT: Final = BURST / RATE  # seconds after which an idle bucket is full again
MAX_BUCKETS: Final = 100_000  # hard cap on buyers tracked at once


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float  # arrival time of the last update charged (refills count from here)
    touched: float  # handling time of the last update judged (eviction counts from here)
    warned: bool = False
    album: str | None = None  # the media group the last action was
    album_items: int = 0


class FloodGuard:
    """The TypeHandler callback: `TypeHandler(Update, FloodGuard())` in an early group."""

    def __init__(
        self,
        *,
        burst: float = BURST,
        rate: float = RATE,
        max_buckets: int = MAX_BUCKETS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.rate = rate
        self.idle_evict = burst / rate
        self.max_buckets = max_buckets
        self.clock = clock
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()
        self.dropped = 0  # updates dropped since start (for logs and tests)

    def __len__(self) -> int:
        return len(self._buckets)

    def allow(
        self, key: int, *, at: float | None = None, album: str | None = None
    ) -> tuple[bool, bool]:
        """(let the update through?, tell the buyer to slow down?) for one update from `key`
        that arrived at `at` (default: now), part of media group `album` if any."""
        turn = self.clock()
        now = turn if at is None else at
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=self.burst, updated=now, touched=turn)
            self._buckets[key] = bucket
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
            bucket.updated = now
            bucket.touched = turn
            self._buckets.move_to_end(key)
        self._evict(turn)
        if bucket.tokens >= self.burst / 2:
            bucket.warned = False  # calm for a while: a new flood earns a new notice
        if album is not None and album == bucket.album and bucket.album_items < ALBUM_ITEMS:
            bucket.album_items += 1  # the rest of an album already paid for
            return True, False
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.album, bucket.album_items = album, 1
            return True, False
        notify = not bucket.warned
        bucket.warned = True
        self.dropped += 1
        metrics.FLOOD_DROPS.inc()
        return False, notify

    def _evict(self, turn: float) -> None:
        """Drop buckets untouched for `idle_evict` s of handling time (see the module), and
        the least recently touched beyond `max_buckets`. Buckets are kept in touch order."""
        buckets = self._buckets
        while buckets:
            oldest_key, oldest = next(iter(buckets.items()))
            if len(buckets) <= self.max_buckets and turn - oldest.touched < self.idle_evict:
                break
            del buckets[oldest_key]

    async def __call__(self, update: object, context: BotContext) -> None:
        if not isinstance(update, Update):
            return
        if update.effective_user is not None:
            key = update.effective_user.id
        elif update.effective_chat is not None:
            key = update.effective_chat.id
        else:
            return
        info = CURRENT_UPDATE.get()
        message = update.effective_message
        album = message.media_group_id if message is not None else None
        allowed, notify = self.allow(key, at=info.started if info else None, album=album)
        if allowed:
            return
        if notify:
            log.warning("flood control: dropping updates from %s", key)
            chat = update.effective_chat
            if chat is not None:
                try:
                    await context.bot.send_message(
                        chat_id=chat.id,
                        text=context.t._("Slow down a little: I'll answer again in a few seconds."),
                    )
                except TelegramError as error:  # blocked us, or Telegram is unwell: just drop
                    log.info("flood control: could not tell %s to slow down: %s", key, error)
        raise ApplicationHandlerStop
