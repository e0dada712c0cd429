"""Sending one claimed reminder, and what each answer from Telegram makes of its outbox row.

bot/outbox.py decides *which* row goes out and *when* (due rows, one per buyer in flight,
claimed only once the outgoing budget has a slot); this module makes the one call and books
its outcome:

- delivered: ``sent``, with the message id Telegram gave it;
- 429: the dispatcher pauses for Telegram's ``retry_after`` and the row goes back to pending
  until then, the attempt not counted (the budget in bot/ratelimit.py pauses every reply too);
- 403, or 400 "chat not found": the buyer is marked blocked and every unsent reminder of
  theirs cancelled (their data is kept);
- any other 400: Telegram refused this exact message, so it ``failed`` (resending the same
  request cannot succeed);
- 5xx, time-outs, dropped connections: back to pending after ``backoff(attempts)``, and
  ``failed`` after ``max_attempts``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot import metrics
from bot.domain.models import Dispute, Reminder, UserSettings
from bot.limits import retry_after_seconds
from bot.ratelimit import Permit
from bot.storage.db import Database

log = logging.getLogger(__name__)

#: How long a failed send waits before the next try, by attempt number (1-based); the last
#: value repeats. Spread out so a Telegram outage does not turn into a retry storm.
BACKOFF: Final = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
)
MAX_ATTEMPTS: Final = 8

Render = Callable[
    [Reminder, Dispute, UserSettings, datetime], Awaitable[tuple[str, InlineKeyboardMarkup]]
]


class MessageSender(Protocol):
    """The one Bot method the dispatcher needs (telegram.Bot / ExtBot satisfy it)."""

    async def send_message(
        self,
        chat_id: int | str,
        text: str,
        parse_mode: str = ...,
        *,
        reply_markup: InlineKeyboardMarkup | None = ...,
        rate_limit_args: Any = ...,
    ) -> Message: ...


def backoff(attempts: int) -> timedelta:
    """Delay before retrying a row that has failed ``attempts`` times (>= 1)."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


class Delivery:
    """Makes the call for a claimed row and books the outcome (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        bot: MessageSender,
        clock: Callable[[], datetime],
        *,
        max_attempts: int = MAX_ATTEMPTS,
        on_blocked: Callable[[int], object] | None = None,
    ) -> None:
        self.db = db
        self.bot = bot
        self.clock = clock
        self.max_attempts = max_attempts
        # Told when a buyer turns out to have blocked the bot, so a settings cache can drop
        # its stale copy (the next update then reads blocked=True and can unblock).
        self.on_blocked = on_blocked
        self.paused_until: datetime | None = None
        self.sent_total = 0

    def paused(self, now: datetime | None = None) -> bool:
        return self.paused_until is not None and (now or self.clock()) < self.paused_until

    async def send(
        self, r: Reminder, text: str, markup: InlineKeyboardMarkup, permit: Permit | None
    ) -> None:
        """Send claimed row `r` (with the budget's `permit`, when the bot has a budget)."""
        assert r.id is not None
        extra: dict[str, Any] = {} if permit is None else {"rate_limit_args": permit}
        try:
            message = await self.bot.send_message(
                r.user_id, text, parse_mode=ParseMode.HTML, reply_markup=markup, **extra
            )
        except RetryAfter as error:
            await self._pause(r, timedelta(seconds=retry_after_seconds(error)))
            return
        except Forbidden:
            await self._buyer_gone(r, "blocked the bot")
            return
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                await self._buyer_gone(r, "chat not found")
                return
            log.error("reminder %s (%s): Telegram refused it: %s", r.id, r.kind, error.message)
            await self.failed(r.id)
            return
        except TelegramError as error:  # NetworkError, TimedOut, 5xx, anything transient
            await self._retry_later(r, error)
            return
        await self.db.reminders.mark_sent(r.id, message.message_id)
        self.sent_total += 1
        metrics.REMINDERS_SENT.inc()

    async def failed(self, reminder_id: int) -> None:
        await self.db.reminders.mark_failed(reminder_id)
        metrics.REMINDERS_FAILED.inc()

    async def _pause(self, r: Reminder, wait: timedelta) -> None:
        assert r.id is not None
        until = self.clock() + wait
        if self.paused_until is None or until > self.paused_until:
            self.paused_until = until
        log.warning("Telegram asked to slow down: pausing reminders for %s", wait)
        await self.db.reminders.release(r.id, until)

    async def _retry_later(self, r: Reminder, error: TelegramError) -> None:
        assert r.id is not None
        if r.attempts >= self.max_attempts:
            log.error(
                "reminder %s (%s): giving up after %d attempts: %s", r.id, r.kind, r.attempts, error
            )
            await self.failed(r.id)
            return
        delay = backoff(r.attempts)
        log.warning(
            "reminder %s (%s): attempt %d failed (%s); retrying in %s",
            r.id,
            r.kind,
            r.attempts,
            error,
            delay,
        )
        await self.db.reminders.mark_retry(r.id, self.clock() + delay)

    async def _buyer_gone(self, r: Reminder, why: str) -> None:
        cancelled = await self.db.reminders.stop_for_blocked_buyer(r.user_id)
        log.info("buyer %s %s: %d reminders cancelled", r.user_id, why, cancelled)
        if self.on_blocked is not None:
            self.on_blocked(r.user_id)


__all__ = ["BACKOFF", "MAX_ATTEMPTS", "Delivery", "MessageSender", "Render", "backoff"]
