"""The reminder outbox dispatcher: rows in the database in, Telegram messages out.

Why rows and not jobs: a reminder is a promise to a buyer that must survive restarts, crashes
and days of downtime, so the ``reminders`` table is the only source of truth and nothing is
held in memory per reminder. The dispatcher is one background task that sleeps until the
earliest due row (an indexed ``MIN``), claims a batch of due rows in one statement, sends them
with bounded concurrency and marks each one sent with the Telegram message id. Memory and
start-up time do not depend on how many reminders are pending in the future.

Delivery guarantees:

- pending -> sending (claimed) -> sent. A crash between the send and the mark leaves the row in
  ``sending``; ``start()`` puts such rows back to pending (``recover_sending``), so a crash
  costs at most one duplicate per row and never a loss.
- After downtime (``start()``), per dispute and deadline, missed reminders whose deadline is
  still ahead are sent at once, only the latest one (``schedule.catch_up``); a deadline that
  passed meanwhile gets one "deadline passed" notice instead of every stale reminder.
- 429: Telegram says the bot is over its limit, so the whole dispatcher pauses for the time
  it asks and the row is retried after it, not counted as a failed attempt. 5xx, timeouts,
  dropped connections: the row backs off exponentially and fails after ``max_attempts``.
  403 (blocked) and "chat not found": the buyer is marked blocked and their reminders
  cancelled (the data is kept); when they write again, ``buyer_returned`` re-plans.
- The ~30 messages/s overall limit is python-telegram-bot's AIORateLimiter on the
  Application's bot (production); the bounded concurrency here keeps a batch from flooding it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.domain.models import Dispute, Reminder, UserSettings
from bot.domain.rules import Rules
from bot.domain.schedule import PlannedReminder, catch_up, plan_reminders
from bot.i18n import default_timezone
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
CONCURRENCY: Final = 16  # sends in flight at once
BATCH: Final = 64  # rows claimed per statement
MAX_SLEEP: Final = 60.0  # seconds; the loop re-reads the clock at least this often
STOP_GRACE: Final = 5.0  # seconds stop() lets an in-progress batch finish before cancelling it

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
    ) -> Message: ...


# Reminders' waking hours, local time, unless the operator (REMINDER_HOURS) or buyer says else.
DEFAULT_WAKING = (9, 21)


def buyer_timezone(buyer: UserSettings, configured: str | None) -> str:
    """The buyer's zone: their own choice, else the operator's DEFAULT_TIMEZONE, else the
    default for their language (what ``BotContext.timezone`` resolves in handlers)."""
    return buyer.timezone or default_timezone(buyer.language or "en", configured)


def plan_for(
    d: Dispute,
    buyer: UserSettings,
    rules: Rules,
    *,
    now: datetime,
    default_tz: str,
    default_waking: tuple[int, int] = DEFAULT_WAKING,
) -> list[PlannedReminder]:
    """The reminders ``d`` needs from ``now`` on, in its buyer's zone and waking hours.

    Nothing for a muted dispute (the buyer asked for silence) or a buyer who blocked the bot
    (every message would be a 403). ``default_tz`` applies when the buyer chose no zone; in a
    handler pass ``context.timezone``. ``default_waking``: the operator's REMINDER_HOURS,
    for buyers who did not pick their own. Store the result with
    ``DisputeRepo.save(d, reminders=...)`` so the plan and the dispute commit together.
    """
    if d.muted or buyer.blocked:
        return []
    tz = ZoneInfo(buyer.timezone or default_tz)
    waking = buyer.waking(default_waking)
    return plan_reminders(d, rules, tz, now=now, waking=waking)


def backoff(attempts: int) -> timedelta:
    """Delay before retrying a row that has failed ``attempts`` times (>= 1)."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def _retry_after(error: RetryAfter) -> timedelta:
    # PTB 22 warns when this is read as seconds; the value is the same either way.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


@dataclass(slots=True)
class CatchUpReport:
    """What ``start()`` found: rows recovered from 'sending', overdue rows scanned, stale
    ones superseded, "deadline passed" notices created."""

    recovered: int = 0
    overdue: int = 0
    superseded: int = 0
    passed_notices: int = 0


class ReminderService:
    """Sends due reminders from the outbox; one per Application (``services.reminders``)."""

    def __init__(
        self,
        db: Database,
        bot: MessageSender,
        clock: Callable[[], datetime],
        rules: Rules,
        default_tz: str | None,
        render: Render,
        *,
        concurrency: int = CONCURRENCY,
        batch: int = BATCH,
        max_attempts: int = MAX_ATTEMPTS,
        max_sleep: float = MAX_SLEEP,
        on_blocked: Callable[[int], object] | None = None,
        default_waking: tuple[int, int] = DEFAULT_WAKING,
    ) -> None:
        self.db = db
        self.bot = bot
        self.clock = clock
        self.rules = rules
        self.default_tz = default_tz
        self.default_waking = default_waking
        self.render = render
        self.concurrency = concurrency
        self.batch = batch
        self.max_attempts = max_attempts
        self.max_sleep = max_sleep
        # Told when a buyer turns out to have blocked the bot, so a settings cache can drop
        # its stale copy (the next update then reads blocked=True and can unblock).
        self.on_blocked = on_blocked
        self.paused_until: datetime | None = None
        self.sent_total = 0
        self.last_catch_up = CatchUpReport()
        self._wake = asyncio.Event()
        self._run_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self, *, loop: bool = True) -> CatchUpReport:
        """Recover interrupted sends, catch up after downtime, then start the loop.

        ``loop=False`` catches up here and leaves sending to explicit ``run_due()`` calls
        (tests, benchmarks). With the loop, the catch-up (a scan of every overdue row, seconds
        after a long downtime with a big outbox) runs first thing in the background task, so
        the bot is answering buyers meanwhile; the returned report then holds only the
        recovered count, and ``last_catch_up`` the full one once it is done.
        """
        report = CatchUpReport(recovered=await self.db.reminders.recover_sending())
        if report.recovered:
            log.warning("%d reminders were interrupted mid-send; sending again", report.recovered)
        if not loop:
            await self._catch_up(report)
            self.last_catch_up = report
        elif self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._loop(report), name="reminder-dispatcher")
        return report

    async def stop(self) -> None:
        """Stop the loop: a batch in progress may finish for ``STOP_GRACE`` s (fewer rows
        left in 'sending'); after that it is cancelled, and recover_sending resends them."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        """New or moved reminders were committed: re-check when the next one is due."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _loop(self, catching_up: CatchUpReport) -> None:
        try:
            await self._catch_up(catching_up)
            self.last_catch_up = catching_up
        except asyncio.CancelledError:
            raise
        except Exception:
            # The rows stay overdue in the outbox: run_due sends them as ordinary reminders.
            log.exception("reminder catch-up failed; sending overdue reminders as they are")
        while not self._stopping:
            self._wake.clear()
            try:
                processed = await self._run(self.batch * 4)
                if processed >= self.batch * 4:
                    await asyncio.sleep(0)  # more are due: go on, but let others run
                    continue
                delay = await self._seconds_to_next()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database or the network misbehaved in a way no row handles; the rows
                # are still in the outbox, so waiting and trying again loses nothing.
                log.exception("reminder dispatcher failed; retrying shortly")
                delay = min(self.max_sleep, 5.0)
            if self._stop_requested():  # stop() may have run while we awaited
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    def _stop_requested(self) -> bool:
        return self._stopping

    async def _seconds_to_next(self) -> float:
        target = await self.db.reminders.earliest_pending_due()
        if target is None:
            return self.max_sleep
        if self.paused_until is not None:
            target = max(target, self.paused_until)  # nothing goes out before the pause ends
        seconds = (target - self.clock()).total_seconds()
        return min(self.max_sleep, max(0.0, seconds))

    # --- catch-up ---------------------------------------------------------------------------

    async def _catch_up(self, report: CatchUpReport) -> None:
        now = self.clock()
        cancel: list[int] = []
        renames: list[tuple[int, str]] = []

        def visit(rows: list[Reminder]) -> None:
            plan = catch_up(rows, now)
            cancel.extend(r.id for r in plan.superseded if r.id is not None)
            for passed in plan.passed:
                # One notice per deadline: keep a row that already is the notice (an earlier
                # catch-up was interrupted before sending it), else the most recent one.
                keep = next(
                    (r for r in passed.reminders if r.kind == passed.kind), passed.reminders[-1]
                )
                renames.append((keep.id or 0, passed.kind))
                cancel.extend(r.id for r in passed.reminders if r is not keep and r.id)

        report.overdue = await self.db.reminders.scan_overdue(now, visit)
        report.superseded = len(cancel)
        report.passed_notices = len(renames)
        if cancel or renames:
            await self.db.reminders.settle_catch_up(cancel, renames)
            log.info(
                "catch-up: %d overdue reminders, %d superseded, %d deadline-passed notices",
                report.overdue,
                report.superseded,
                report.passed_notices,
            )

    # --- sending ----------------------------------------------------------------------------

    def paused(self, now: datetime | None = None) -> bool:
        return self.paused_until is not None and (now or self.clock()) < self.paused_until

    async def run_due(self, limit: int = 1_000) -> int:
        """Send up to ``limit`` reminders due now; returns how many were sent."""
        before = self.sent_total
        await self._run(limit)
        return self.sent_total - before

    async def _run(self, limit: int) -> int:
        """Claim and process up to ``limit`` due rows; returns how many were claimed."""
        processed = 0
        async with self._run_lock:
            while processed < limit and not self.paused() and not self._stopping:
                now = self.clock()
                rows = await self.db.reminders.claim_due(now, min(self.batch, limit - processed))
                if not rows:
                    break
                processed += len(rows)
                await self._deliver_batch(rows, now)
        return processed

    async def _deliver_batch(self, rows: Sequence[Reminder], now: datetime) -> None:
        disputes = await self.db.disputes.get_many(sorted({r.dispute_id for r in rows}))
        buyers = await self.db.users.get_many(sorted({r.user_id for r in rows}))
        gate = asyncio.Semaphore(self.concurrency)

        async def one(r: Reminder) -> None:
            async with gate:
                try:
                    await self._deliver(r, disputes.get(r.dispute_id), buyers.get(r.user_id), now)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Never let one row stop the batch. It stays 'sending' if even the
                    # bookkeeping failed; the next start recovers it.
                    log.exception("reminder %s: unexpected error", r.id)

        await asyncio.gather(*(one(r) for r in rows))

    async def _deliver(
        self, r: Reminder, d: Dispute | None, buyer: UserSettings | None, now: datetime
    ) -> None:
        repo = self.db.reminders
        assert r.id is not None
        if self.paused():
            # Another send of this batch hit 429 while this one waited for its turn.
            assert self.paused_until is not None
            await repo.release(r.id, self.paused_until)
            return
        if d is None or d.user_id != r.user_id:
            await repo.cancel(r.id)  # cannot happen through the repositories; never send it
            return
        buyer = buyer or UserSettings(user_id=r.user_id)
        if buyer.blocked or d.muted:
            await repo.cancel(r.id)
            return
        try:
            text, markup = await self.render(r, d, buyer, now)
        except Exception:
            log.exception("reminder %s (%s): could not render; giving up on it", r.id, r.kind)
            await repo.mark_failed(r.id)
            return
        try:
            message = await self.bot.send_message(
                r.user_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except RetryAfter as error:
            wait = _retry_after(error)
            until = self.clock() + wait
            if self.paused_until is None or until > self.paused_until:
                self.paused_until = until
            log.warning("Telegram asked to slow down: pausing reminders for %s", wait)
            await repo.release(r.id, until)
            return
        except Forbidden:
            await self._buyer_gone(r, "blocked the bot")
            return
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                await self._buyer_gone(r, "chat not found")
                return
            # Telegram refused this exact message (too long, bad markup): retrying the same
            # request cannot succeed.
            log.error("reminder %s (%s): Telegram refused it: %s", r.id, r.kind, error.message)
            await repo.mark_failed(r.id)
            return
        except TelegramError as error:  # NetworkError, TimedOut, 5xx, anything transient
            await self._retry_later(r, error)
            return
        await repo.mark_sent(r.id, message.message_id)
        self.sent_total += 1

    async def _retry_later(self, r: Reminder, error: TelegramError) -> None:
        assert r.id is not None
        if r.attempts >= self.max_attempts:
            log.error(
                "reminder %s (%s): giving up after %d attempts: %s",
                r.id,
                r.kind,
                r.attempts,
                error,
            )
            await self.db.reminders.mark_failed(r.id)
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

    # --- re-planning ------------------------------------------------------------------------

    async def replan_buyer(self, user_id: int) -> int:
        """Re-plan every case of one buyer (their zone, waking hours or blocked state changed);
        returns the number of reminders now planned. Each dispute is one transaction."""
        buyer = await self.db.users.get(user_id) or UserSettings(user_id=user_id)
        tz = buyer_timezone(buyer, self.default_tz)
        now = self.clock()
        planned = 0
        for d in await self.db.disputes.list_for_user(user_id):
            assert d.id is not None
            plan = plan_for(
                d, buyer, self.rules, now=now, default_tz=tz, default_waking=self.default_waking
            )
            await self.db.reminders.replace_for_dispute(
                d.id, user_id, [(p.kind, p.deadline_at, p.due_at) for p in plan]
            )
            planned += len(plan)
        self.wake()
        return planned

    async def buyer_returned(self, user_id: int) -> int:
        """A buyer marked blocked wrote to the bot again: unblock and re-plan their cases."""
        await self.db.users.set_blocked(user_id, False)
        log.info("buyer %s is back; re-planning their reminders", user_id)
        return await self.replan_buyer(user_id)


__all__ = [
    "BACKOFF",
    "MAX_ATTEMPTS",
    "CatchUpReport",
    "MessageSender",
    "ReminderService",
    "Render",
    "backoff",
    "buyer_timezone",
    "plan_for",
]
