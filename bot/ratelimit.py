"""One outgoing budget for the whole bot: Telegram's limits kept, replies before reminders.

Telegram's limits, and which calls count against them: bot/limits.py.

`OutgoingLimiter` is python-telegram-bot's `BaseRateLimiter` for the main bot (replies) and,
through `for_reminders()`, for the reminder dispatcher's own bot: one budget, two lanes.

- **Overall**: at most `rate` messages (OUTGOING_RATE_LIMIT, 30) in any second, however it
  is cut, *as Telegram receives them*. A message counts from the moment it is granted until
  one second after its answer came back; Telegram received it somewhere in between, so when
  the last message of any one-second window at Telegram was granted, every other message of
  that window was still counted. No assumption about the jitter between us and Telegram (a
  window of grant instants broke under a loaded machine: 31 in a second, 429s). 30 buyers
  writing at once are still all answered at once; sustained, the rate is
  ``rate / (1 s + round trip)``: 29.9/s at 0 ms, 27.8/s at 80 ms.
- **Per chat**: a token bucket of `CHAT_BURST` messages refilled at `CHAT_RATE` per second: a
  normal step (a reply plus an edit, or an edit plus a new message) goes out at once, a
  sustained stream at one a second. Groups (negative ids, @usernames) refill at 20 a minute.
- **Lanes**: replies are served before reminders. A waiter that only the overall budget holds
  back keeps every later waiter (and every reminder) from taking an overall slot before it,
  so replies are first in line and FIFO among themselves; one that waits for its own chat
  holds back nobody. Reminders are also paced, about one every 1/rate s (on a schedule that
  absorbs a few ms of timer lateness), never in a burst: their sends in flight
  are then no more than ``rate x round trip + 1`` (bot/outbox.py's duplicate bound), and a
  reply never finds the window filled by a burst of reminders.
- **429**: Telegram's ``retry_after`` pauses every call of both bots; a reply is retried after
  it (up to `REPLY_RETRIES` times), a reminder's 429 goes back to the dispatcher, which
  releases the row.

Uncounted calls (bot/limits.py's `cost_of`) still wait out a 429 pause.

The decisions are synchronous and take the clock as a parameter, so tests drive them with a
fake clock; a single timer wakes the queue when the next waiter can go.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Coroutine, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.limits import (
    CHAT_BURST,
    CHAT_RATE,
    GROUP_BURST,
    GROUP_RATE,
    ONE,
    OVERALL_RATE,
    Cost,
    Lane,
    chat_key,
    cost_of,
    is_group,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

#: How early a reminder may go against its schedule: absorbs timer lateness (about 1-2 ms),
#: so the pace does not drift below the rate (the overall window still holds exactly).
PACE_TOLERANCE: Final = 0.005
REPLY_RETRIES: Final = 3  # a reply that got 429 is retried after the pause this many times
MAX_CHATS: Final = 100_000  # chat buckets kept at most (a full bucket is forgotten anyway)


@dataclass(slots=True)
class Permit:
    """A granted slot. Pass it as ``rate_limit_args`` to send without waiting again (the
    reminder dispatcher claims its row only once it holds one). It counts against the
    overall budget until `OutgoingLimiter.complete` (``send`` calls it when the answer came)
    or, if it was never used, `OutgoingLimiter.release`."""

    lane: Lane
    chat: Hashable | None
    cost: Cost
    granted_at: float
    counted: int = 0  # messages it holds in the overall budget while in flight
    used: bool = False  # handed to a call
    settled: bool = False  # completed or released


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


@dataclass(slots=True)
class _Waiter:
    lane: Lane
    chat: Hashable | None
    cost: Cost
    future: asyncio.Future[Permit]
    seq: int = 0


@dataclass(slots=True)
class _Verdict:
    wait: float  # seconds until it may go (0: now)
    overall_bound: bool  # the overall budget is what holds it back


JSONDict = dict[str, Any]
Callback = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]
RateLimitArgs = Permit | Lane


@dataclass
class LimiterStats:
    """What the limiter did, for logs, tests and benchmarks."""

    granted: Counter[Lane] = field(default_factory=Counter)
    waited: Counter[Lane] = field(default_factory=Counter)  # grants that had to queue
    pauses: int = 0  # 429s seen


class OutgoingLimiter(BaseRateLimiter[RateLimitArgs]):
    """The whole bot's outgoing budget; the main bot's rate limiter (its calls are replies)."""

    def __init__(
        self,
        rate: float = OVERALL_RATE,
        *,
        reminder_rate: float = 0,
        chat_rate: float = CHAT_RATE,
        chat_burst: float = CHAT_BURST,
        group_rate: float = GROUP_RATE,
        group_burst: float = GROUP_BURST,
        retries: int = REPLY_RETRIES,
        max_chats: int = MAX_CHATS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`rate`: messages per second overall, 0 = unlimited. `reminder_rate`: an extra cap
        for reminders inside it (REMINDER_RATE_LIMIT), 0 = none beyond `rate`."""
        self.window = 1.0
        self._configured = (max(0, int(rate)), reminder_rate)
        self.processes = 1
        self._set_rates(self._configured[0], reminder_rate)
        self.chat_rate, self.chat_burst = chat_rate, chat_burst
        self.group_rate, self.group_burst = group_rate, group_burst
        self.retries = retries
        self.max_chats = max_chats
        self.clock = clock
        self.stats = LimiterStats()
        self._flying = 0  # counted messages granted and not answered yet
        self._answered: deque[float] = deque()  # when each counted one was answered, in order
        self._chats: OrderedDict[Hashable, _Bucket] = OrderedDict()
        self._queues: tuple[deque[_Waiter], deque[_Waiter]] = (deque(), deque())
        self._paused_until = -math.inf
        # The reminders' schedule (GCRA): the next one is due one interval after the last one
        # was due, and may go up to `_pace_tolerance` early, so a timer firing a little late
        # does not push back every later reminder (the pace would drift below the rate).
        self._next_reminder = -math.inf
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    def _set_rates(self, rate: int, reminder_rate: float) -> None:
        self.rate = rate
        reminder = min((r for r in (rate, reminder_rate) if r > 0), default=0.0)
        self.reminder_rate = float(reminder)
        # One every (1 s + tolerance) / rate: with the schedule's tolerance, rate + 1 of them
        # still span a whole second.
        self.reminder_interval = (1.0 + PACE_TOLERANCE) / reminder if reminder > 0 else 0.0
        self._pace_tolerance = min(self.reminder_interval / 4, PACE_TOLERANCE)

    def share(self, processes: int) -> None:
        """Several processes send for one bot (bot/fleet.py): this one takes 1/`processes` of
        the configured rates (at least one message a second each), so that together they
        keep Telegram's limit for the bot."""
        processes = max(1, processes)
        if processes == self.processes:
            return
        self.processes = processes
        rate, reminder_rate = self._configured
        self._set_rates(
            max(1, rate // processes) if rate else 0,
            max(1.0, reminder_rate / processes) if reminder_rate else 0.0,
        )
        if rate:
            log.info("outgoing budget shared by %d processes: %d/s here", processes, self.rate)
        self._pump()

    # --- PTB's interface ------------------------------------------------------------------
    async def initialize(self) -> None:
        """Nothing to set up: state is created on first use."""

    async def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer, self._timer_at = None, math.inf

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: RateLimitArgs | None,
    ) -> bool | JSONDict | list[JSONDict]:
        return await self.send(callback, args, kwargs, endpoint, data, rate_limit_args)

    def for_reminders(self) -> BaseRateLimiter[RateLimitArgs]:
        """The same budget for the reminder dispatcher's bot: its calls queue behind replies."""
        return _LaneLimiter(self, Lane.REMINDER)

    # --- sending ------------------------------------------------------------------------------
    async def send(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: Mapping[str, Any],
        rate_limit_args: RateLimitArgs | None,
        lane: Lane = Lane.REPLY,
    ) -> bool | JSONDict | list[JSONDict]:
        """Wait for budget (unless handed a `Permit`), call, and wait out a 429."""
        permit = rate_limit_args if isinstance(rate_limit_args, Permit) else None
        if isinstance(rate_limit_args, Lane):
            lane = rate_limit_args
        retries = 0 if lane is Lane.REMINDER else self.retries
        for attempt in itertools.count():
            if permit is None or permit.used:
                permit = await self.acquire(data.get("chat_id"), cost_of(endpoint, data), lane)
            permit.used = True
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = retry_after_seconds(error)
                self.pause(seconds)
                if attempt >= retries:
                    raise
                log.warning(
                    "Telegram answered 429 to %s: every send waits %.1f s", endpoint, seconds
                )
            finally:
                self.complete(permit)
        raise AssertionError("unreachable")  # pragma: no cover

    async def acquire(
        self, chat_id: object = None, cost: Cost = ONE, lane: Lane = Lane.REPLY
    ) -> Permit:
        """Wait until `cost` fits the overall and the chat's budget (and no 429 pause is on),
        then take it. Cancelling the wait takes nothing."""
        key = chat_key(chat_id)
        cost = Cost(min(cost.overall, self.rate) if self.rate else cost.overall, cost.chat)
        now = self.clock()
        if not self._queues[0] and not self._queues[1]:
            verdict = self._verdict(lane, key, cost, now, overall_blocked=False)
            if verdict.wait <= 0:
                return self._take(lane, key, cost, now)
        future: asyncio.Future[Permit] = asyncio.get_running_loop().create_future()
        self._queues[lane].append(_Waiter(lane, key, cost, future, next(self._seq)))
        self.stats.waited[lane] += 1
        self._pump()
        return await future

    def complete(self, permit: Permit) -> None:
        """Its call is over (answered, refused or failed): it counts for one more second."""
        if permit.settled:
            return
        permit.settled = True
        if permit.counted:
            self._flying -= permit.counted
            self._answered.extend(itertools.repeat(self.clock(), permit.counted))
            self._pump()

    def release(self, permit: Permit) -> None:
        """Give back a permit that was never used (the row it was for went away); a no-op
        for one that was."""
        if permit.settled or permit.used:
            return
        permit.settled = True
        self._flying -= permit.counted
        if permit.chat is not None and permit.cost.chat and permit.chat in self._chats:
            bucket = self._chats[permit.chat]
            bucket.tokens = min(self._burst(permit.chat), bucket.tokens + permit.cost.chat)
        self._pump()

    def counted(self) -> int:
        """Messages the overall budget holds now: in flight, or answered within a second."""
        now = self.clock()
        while self._answered and self._answered[0] <= now - self.window:
            self._answered.popleft()
        return self._flying + len(self._answered)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing goes out for `seconds`, from either lane."""
        self.stats.pauses += 1
        self._paused_until = max(self._paused_until, self.clock() + seconds)
        self._pump()

    def paused(self) -> bool:
        return self.clock() < self._paused_until

    def waiting(self) -> int:
        return sum(1 for q in self._queues for w in q if not w.future.done())

    def wake(self) -> None:
        """Re-examine the queue now (the timer does this; tests with a fake clock call it)."""
        self._pump()

    # --- decisions ----------------------------------------------------------------------------
    def _verdict(
        self, lane: Lane, key: Hashable | None, cost: Cost, now: float, *, overall_blocked: bool
    ) -> _Verdict:
        if now < self._paused_until:
            return _Verdict(self._paused_until - now, False)
        chat_wait = self._chat_wait(key, cost.chat, now)
        pace_wait = 0.0
        if lane is Lane.REMINDER and self.reminder_interval:
            pace_wait = max(0.0, self._next_reminder - self._pace_tolerance - now)
        overall_wait = 0.0
        if cost.overall and self.rate:
            overall_wait = math.inf if overall_blocked else self._overall_wait(cost.overall, now)
        wait = max(chat_wait, pace_wait, overall_wait)
        bound = overall_wait > 0 and overall_wait >= max(chat_wait, pace_wait)
        return _Verdict(wait, bound)

    def _overall_wait(self, cost: int, now: float) -> float:
        answered = self._answered
        while answered and answered[0] <= now - self.window:
            answered.popleft()
        excess = self._flying + len(answered) + cost - self.rate
        if excess <= 0:
            return 0.0
        if excess > len(answered):
            return math.inf  # waits for answers to come back: `complete` pumps the queue
        return answered[excess - 1] + self.window - now

    def _burst(self, key: Hashable) -> float:
        return self.group_burst if is_group(key) else self.chat_burst

    def _refill(self, key: Hashable, now: float) -> _Bucket:
        rate = self.group_rate if is_group(key) else self.chat_rate
        bucket = self._chats.get(key)
        if bucket is None:
            bucket = _Bucket(self._burst(key), now)
            self._chats[key] = bucket
        elif now > bucket.updated:
            bucket.tokens = min(self._burst(key), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
        return bucket

    def _chat_wait(self, key: Hashable | None, cost: int, now: float) -> float:
        if key is None or not cost:
            return 0.0
        bucket = self._refill(key, now)
        if bucket.tokens >= cost:
            return 0.0
        rate = self.group_rate if is_group(key) else self.chat_rate
        return (cost - bucket.tokens) / rate

    def _take(self, lane: Lane, key: Hashable | None, cost: Cost, now: float) -> Permit:
        if key is not None and cost.chat:
            bucket = self._refill(key, now)
            bucket.tokens -= cost.chat
            self._chats.move_to_end(key)
            self._evict(now)
        counted = cost.overall if self.rate else 0
        self._flying += counted
        if lane is Lane.REMINDER:
            self._next_reminder = max(self._next_reminder, now) + self.reminder_interval
        self.stats.granted[lane] += 1
        return Permit(lane, key, cost, now, counted)

    def _evict(self, now: float) -> None:
        """Forget buckets that are full again (a new one would be the same), oldest first."""
        chats = self._chats
        while chats:
            key, bucket = next(iter(chats.items()))
            rate = self.group_rate if is_group(key) else self.chat_rate
            full = bucket.tokens + (now - bucket.updated) * rate >= self._burst(key)
            if not full and len(chats) <= self.max_chats:
                break
            del chats[key]

    # --- the queue ----------------------------------------------------------------------------
    def _pump(self) -> None:
        """Grant every waiter that may go now, replies first; time the next look."""
        now = self.clock()
        wake_at = math.inf
        overall_blocked = False
        for queue in self._queues:
            kept: deque[_Waiter] = deque()
            for w in queue:
                if w.future.done():  # its task was cancelled while waiting
                    continue
                verdict = self._verdict(
                    w.lane, w.chat, w.cost, now, overall_blocked=overall_blocked
                )
                if verdict.wait <= 0:
                    w.future.set_result(self._take(w.lane, w.chat, w.cost, now))
                    continue
                kept.append(w)
                overall_blocked = overall_blocked or verdict.overall_bound
                if not math.isinf(verdict.wait):
                    wake_at = min(wake_at, now + verdict.wait)
            queue.clear()
            queue.extend(kept)
        self._schedule(wake_at, now)

    def _schedule(self, wake_at: float, now: float) -> None:
        if wake_at == self._timer_at and self._timer is not None:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer, self._timer_at = None, math.inf
        if math.isinf(wake_at):
            return
        # +1 ms: some loops (uvloop) keep time in whole milliseconds and may fire early.
        delay = max(0.0, wake_at - now) + 0.001
        self._timer = asyncio.get_running_loop().call_later(delay, self._on_timer)
        self._timer_at = wake_at

    def _on_timer(self) -> None:
        self._timer, self._timer_at = None, math.inf
        self._pump()


class _LaneLimiter(BaseRateLimiter[RateLimitArgs]):
    """A view of an `OutgoingLimiter` whose calls default to another lane."""

    def __init__(self, core: OutgoingLimiter, lane: Lane) -> None:
        self.core = core
        self.lane = lane

    async def initialize(self) -> None:
        """The core belongs to the main bot, which initialises it."""

    async def shutdown(self) -> None:
        """The core belongs to the main bot, which shuts it down."""

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: RateLimitArgs | None,
    ) -> bool | JSONDict | list[JSONDict]:
        return await self.core.send(
            callback, args, kwargs, endpoint, data, rate_limit_args, lane=self.lane
        )


__all__ = [
    "PACE_TOLERANCE",
    "LimiterStats",
    "OutgoingLimiter",
    "Permit",
    "RateLimitArgs",
]
