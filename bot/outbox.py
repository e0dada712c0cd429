"""The reminder outbox dispatcher: rows in the database in, Telegram messages out.

Why rows and not jobs: a reminder is a promise to a buyer that must survive restarts, crashes
and days of downtime, so the ``reminders`` table is the only source of truth and nothing is
held in memory per reminder. The dispatcher is one background task that sleeps until the
earliest due row (an indexed ``MIN``), then lets a few workers send the due rows, earliest
first, and marks each one sent with the Telegram message id. Memory and start-up time do not
depend on how many reminders are pending in the future.

Delivery guarantees:

- pending -> sending (claimed) -> sent. A row is claimed only once the outgoing budget
  (bot/ratelimit.py) has given it a slot, right before its HTTP request; rows read but not yet
  sent stay pending. A crash between the send and the mark leaves the row in ``sending``;
  ``start()`` puts such rows back to pending (``recover_sending``), so a crash never loses a
  reminder and repeats only the sends that were in flight (Telegram has no idempotent send).
- The duplicate bound: at most one send per buyer is in flight (a buyer's next row waits for
  the previous send to finish), so no buyer gets more than one duplicate per crash; and the
  sends in flight are no more than the rate needs: the budget paces reminders one every
  1/R s (R = 30/s by default), each in flight for one round trip, so at most R x round trip
  + 1 at once (4 at 80 ms), and never more than ``concurrency`` (``reminder_in_flight``:
  9 at 30/s; 8 when nothing limits the rate).
- After downtime (``start()``), per dispute and deadline, missed reminders whose deadline is
  still ahead are sent, only the latest one (``schedule.catch_up``); a deadline that passed
  meanwhile gets one "deadline passed" notice instead of every stale reminder. Either waits for
  the buyer's waking hours when the deadline allows (``schedule.catch_up_due``): at once by
  day, in the morning when the bot comes back at night.
- 429: Telegram says the bot is over its limit, so the whole dispatcher (and, through the
  shared budget, every reply) pauses for the time it asks and the row is retried after it,
  not counted as a failed attempt. 5xx, timeouts, dropped connections: the row backs off
  exponentially and fails after ``max_attempts``. 403 (blocked) and "chat not found": the
  buyer is marked blocked and their reminders cancelled (the data is kept); when they write
  again, ``buyer_returned`` re-plans.
- Replies come first: reminders take the outgoing budget's second lane, so a reminder
  backlog never delays a buyer who is waiting for an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.delivery import BACKOFF, MAX_ATTEMPTS, Delivery, MessageSender, Render, backoff
from bot.domain.models import Dispute, Reminder, UserSettings
from bot.domain.rules import Rules
from bot.domain.schedule import PlannedReminder, catch_up, catch_up_due, plan_reminders
from bot.i18n import default_timezone
from bot.limits import ONE, UNLIMITED_IN_FLIGHT, Lane
from bot.ratelimit import OutgoingLimiter
from bot.storage.codecs import utc_now
from bot.storage.db import Database

log = logging.getLogger(__name__)

#: Sends in flight at once without a budget (tests, ``rate_limit=False``); with one, the
#: budget's own ``reminder_in_flight`` (bot/app.py).
CONCURRENCY: Final = UNLIMITED_IN_FLIGHT
BATCH: Final = 64  # due rows read per statement (read, not claimed)
MAX_SLEEP: Final = 60.0  # seconds; the loop re-reads the clock at least this often
STOP_GRACE: Final = 5.0  # seconds stop() lets an in-progress batch finish before cancelling it
CONTENDED_PAUSE: Final = 0.05  # seconds before looking again when no due row could be claimed

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


@dataclass(slots=True)
class CatchUpReport:
    """What ``start()`` found: rows recovered from 'sending', overdue rows scanned, stale
    ones superseded, "deadline passed" notices created, and the missed ones held back for
    their buyer's waking hours."""

    recovered: int = 0
    overdue: int = 0
    superseded: int = 0
    passed_notices: int = 0
    deferred: int = 0


@dataclass(eq=False)
class _Pass:
    """One dispatch pass: due rows read ahead (pending, not claimed), who holds which."""

    limit: int
    taken: int = 0
    claimed: int = 0
    rows: deque[Reminder] = field(default_factory=deque)
    held: set[int] = field(default_factory=set)  # row ids a worker is on
    busy: set[int] = field(default_factory=set)  # buyers with a row a worker is on
    disputes: dict[int, Dispute] = field(default_factory=dict)
    buyers: dict[int, UserSettings] = field(default_factory=dict)
    refill: asyncio.Lock = field(default_factory=asyncio.Lock)

    def take(self) -> Reminder | None:
        """The first row read ahead whose buyer has nothing in flight."""
        for r in self.rows:
            if r.user_id not in self.busy and r.id not in self.held:
                self.rows.remove(r)
                assert r.id is not None
                self.held.add(r.id)
                self.busy.add(r.user_id)
                self.taken += 1
                return r
        return None

    def done_with(self, r: Reminder) -> None:
        self.held.discard(r.id or 0)
        self.busy.discard(r.user_id)


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
        budget: OutgoingLimiter | None = None,
        owner: str | None = None,
        orphans_after: timedelta | None = None,
    ) -> None:
        """``budget``: the bot's outgoing budget (bot/ratelimit.py), when ``bot`` sends
        through it: a row is then claimed only once the budget has a slot for it.
        ``concurrency``: sends in flight at most. ``owner``: this process's name, stored
        with each row it claims. ``orphans_after``: several processes send (bot/fleet.py):
        at start only the rows of processes silent this long are sent again, not every row
        in 'sending' (None: this is the only process)."""
        self.db = db
        self.clock = clock
        self.rules = rules
        self.default_tz = default_tz
        self.default_waking = default_waking
        self.render = render
        self.budget = budget
        self.owner = owner
        self.orphans_after = orphans_after
        self.concurrency = concurrency
        self.batch = batch
        self.max_sleep = max_sleep
        self.delivery = Delivery(db, bot, clock, max_attempts=max_attempts, on_blocked=on_blocked)
        self.last_catch_up = CatchUpReport()
        self._wake = asyncio.Event()
        self._run_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._last_claimed = 0

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self, *, loop: bool = True) -> CatchUpReport:
        """Recover interrupted sends, catch up after downtime, then start the loop.

        ``loop=False`` catches up here and leaves sending to explicit ``run_due()`` calls
        (tests, benchmarks). With the loop, the catch-up (a scan of every overdue row, seconds
        after a long downtime with a big outbox) runs first thing in the background task, so
        the bot is answering buyers meanwhile; the returned report then holds only the
        recovered count, and ``last_catch_up`` the full one once it is done.
        """
        # Heartbeats are wall-clock instants (bot/fleet.py), whatever this service's clock.
        since = None if self.orphans_after is None else utc_now() - self.orphans_after
        report = CatchUpReport(recovered=await self.db.reminders.recover_sending(since))
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
                if processed and not self._last_claimed:
                    # Every due row is another process's, or its buyer's reminder is in
                    # flight elsewhere: look again shortly instead of at once.
                    delay = max(delay, CONTENDED_PAUSE)
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
        paused_until = self.paused_until
        if paused_until is not None:
            target = max(target, paused_until)  # nothing goes out before the pause ends
        seconds = (target - self.clock()).total_seconds()
        return min(self.max_sleep, max(0.0, seconds))

    # --- catch-up ---------------------------------------------------------------------------

    async def _catch_up(self, report: CatchUpReport) -> None:
        now = self.clock()
        cancel: list[int] = []
        renames: list[tuple[int, str]] = []
        sends: list[tuple[int, int, datetime]] = []  # (id, buyer, deadline) to send

        def visit(rows: list[Reminder]) -> None:
            plan = catch_up(rows, now)
            cancel.extend(r.id for r in plan.superseded if r.id is not None)
            sends.extend((r.id, r.user_id, r.deadline_at) for r in plan.send_now if r.id)
            for passed in plan.passed:
                # One notice per deadline: keep a row that already is the notice (an earlier
                # catch-up was interrupted before sending it), else the most recent one.
                keep = next(
                    (r for r in passed.reminders if r.kind == passed.kind), passed.reminders[-1]
                )
                renames.append((keep.id or 0, passed.kind))
                sends.append((keep.id or 0, keep.user_id, passed.deadline_at))
                cancel.extend(r.id for r in passed.reminders if r is not keep and r.id)

        report.overdue = await self.db.reminders.scan_overdue(now, visit)
        moves = await self._waking_moves(sends, now)
        report.superseded = len(cancel)
        report.passed_notices = len(renames)
        report.deferred = len(moves)
        if cancel or renames or moves:
            await self.db.reminders.settle_catch_up(cancel, renames, moves)
            log.info(
                "catch-up: %d overdue reminders, %d superseded, %d deadline-passed notices,"
                " %d held for the buyer's waking hours",
                report.overdue,
                report.superseded,
                report.passed_notices,
                report.deferred,
            )

    async def _waking_moves(
        self, sends: list[tuple[int, int, datetime]], now: datetime
    ) -> list[tuple[int, datetime]]:
        """The missed reminders to hold until their buyer's waking hours, with when to send
        each (``schedule.catch_up_due``); the rest go out at once."""
        wake: dict[int, tuple[ZoneInfo, tuple[int, int]]] = {}
        users = sorted({user for _, user, _ in sends})
        for start in range(0, len(users), 500):
            chunk = users[start : start + 500]
            buyers = await self.db.users.get_many(chunk)
            for user in chunk:
                buyer = buyers.get(user) or UserSettings(user_id=user)
                zone = ZoneInfo(buyer_timezone(buyer, self.default_tz))
                wake[user] = (zone, buyer.waking(self.default_waking))
        moves = []
        for reminder_id, user, deadline in sends:
            zone, waking = wake[user]
            due = catch_up_due(now, deadline, zone, waking)
            if due > now:
                moves.append((reminder_id, due))
        return moves

    # --- sending ----------------------------------------------------------------------------

    @property
    def paused_until(self) -> datetime | None:
        """Until when Telegram asked us (429) to send nothing."""
        return self.delivery.paused_until

    def paused(self, now: datetime | None = None) -> bool:
        return self.delivery.paused(now)

    async def run_due(self, limit: int = 1_000) -> int:
        """Send up to ``limit`` reminders due now; returns how many were sent."""
        before = self.delivery.sent_total
        await self._run(limit)
        return self.delivery.sent_total - before

    async def _run(self, limit: int) -> int:
        """Take up to ``limit`` due rows (each claimed only when it is about to be sent);
        returns how many were taken. ``concurrency`` workers, each one row at a time."""
        async with self._run_lock:
            work = _Pass(limit)
            workers = [self._worker(work) for _ in range(max(1, self.concurrency))]
            await asyncio.gather(*workers)
            self._last_claimed = work.claimed
            return work.taken

    def _may_go_on(self, work: _Pass) -> bool:
        return work.taken < work.limit and not self.paused() and not self._stopping

    async def _worker(self, work: _Pass) -> None:
        while self._may_go_on(work):
            r = await self._pick(work)
            if r is None:
                return
            try:
                await self._attempt(r, work)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Never let one row stop the others. It stays 'sending' if even the
                # bookkeeping failed; the next start recovers it.
                log.exception("reminder %s: unexpected error", r.id)
            finally:
                work.done_with(r)

    async def _pick(self, work: _Pass) -> Reminder | None:
        """The earliest due row nobody holds, for a buyer with no send in flight; None when
        there is none now (a buyer's next row waits for their send in flight: the worker
        that finishes it picks the row up)."""
        r = work.take()
        if r is not None or not self._may_go_on(work):
            return r
        async with work.refill:
            r = work.take()
            if r is not None:
                return r
            rows = await self.db.reminders.next_due(self.clock(), self.batch)
            fresh = [row for row in rows if row.id not in work.held]
            missing = sorted({row.dispute_id for row in fresh} - work.disputes.keys())
            work.disputes.update(await self.db.disputes.get_many(missing))
            buyers = sorted({row.user_id for row in fresh} - work.buyers.keys())
            work.buyers.update(await self.db.users.get_many(buyers))
            work.rows = deque(fresh)
            return work.take() if self._may_go_on(work) else None

    async def _attempt(self, r: Reminder, work: _Pass) -> None:
        """Check, render, wait for the outgoing budget, claim, send: a row is 'sending' only
        from the moment a slot is held for it, so a crash resends only what was in flight."""
        repo = self.db.reminders
        assert r.id is not None
        d = work.disputes.get(r.dispute_id)
        if d is None or d.user_id != r.user_id:
            await repo.cancel(r.id)  # cannot happen through the repositories; never send it
            return
        buyer = work.buyers.get(r.user_id) or UserSettings(user_id=r.user_id)
        if buyer.blocked or d.muted:
            await repo.cancel(r.id)
            return
        try:
            text, markup = await self.render(r, d, buyer, self.clock())
        except Exception:
            log.exception("reminder %s (%s): could not render; giving up on it", r.id, r.kind)
            await self.delivery.failed(r.id)
            return
        budget = self.budget
        permit = None if budget is None else await budget.acquire(r.user_id, ONE, Lane.REMINDER)
        try:
            if self.paused() or self._stopping or not await repo.claim(r.id, self.owner):
                # Paused or stopping meanwhile, the row was cancelled or muted, or another
                # process sends it or another reminder of this buyer's.
                return
            r.attempts += 1  # what claim wrote
            work.claimed += 1
            await self.delivery.send(r, text, markup, permit)
        finally:
            if budget is not None and permit is not None:
                budget.release(permit)  # unless the send used it: the slot goes back

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
