"""The outgoing budget (bot/ratelimit.py) with a fake clock: the overall rate, each chat's rate
with its burst, replies before reminders, reminders paced, a 429 pausing everything, and what
counts against the budget.

The limiter times its queue with the event loop, but decides with the clock it is given: the
tests move that clock by hand and call `wake()`, as the loop's timer would.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.app import build_application
from bot.config import ConfigError, load_settings
from bot.limits import (
    CHAT_BURST,
    FREE,
    ONE,
    Cost,
    Lane,
    cost_of,
    reminder_in_flight,
)
from bot.ratelimit import PACE_TOLERANCE, OutgoingLimiter, Permit
from tests.harness import make_settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def settle() -> None:
    """Let tasks whose permit was just granted run."""
    for _ in range(5):
        await asyncio.sleep(0)


class Recorder:
    """Acquisitions started as tasks; `granted` holds (label, fake time) in grant order. Each
    call is answered `rtt` fake seconds after its grant (`complete`)."""

    def __init__(self, limiter: OutgoingLimiter, clock: Clock, rtt: float = 0.0) -> None:
        self.limiter = limiter
        self.clock = clock
        self.rtt = rtt
        self.granted: list[tuple[str, float]] = []
        self.tasks: list[asyncio.Task[Permit]] = []
        self.flying: list[tuple[float, Permit]] = []

    def start(self, label: str, chat: object, lane: Lane = Lane.REPLY, cost: Cost = ONE) -> None:
        async def go() -> Permit:
            permit = await self.limiter.acquire(chat, cost, lane)
            self.granted.append((label, self.clock.now))
            if self.rtt:
                self.flying.append((self.clock.now + self.rtt, permit))
            else:
                self.limiter.complete(permit)
            return permit

        self.tasks.append(asyncio.create_task(go()))

    def answer(self) -> None:
        """Complete the calls whose round trip is over."""
        due = [p for at, p in self.flying if at <= self.clock.now + 1e-9]
        self.flying = [(at, p) for at, p in self.flying if at > self.clock.now + 1e-9]
        for permit in due:
            self.limiter.complete(permit)

    async def run_until(self, count: int, *, step: float = 0.001, limit: float = 120.0) -> None:
        """Move the clock in `step`s until `count` grants happened (or `limit` fake s)."""
        await settle()
        end = self.clock.now + limit
        while len(self.granted) < count and self.clock.now < end:
            self.clock.now = round(self.clock.now + step, 6)
            self.answer()
            self.limiter.wake()
            await settle()
        assert len(self.granted) >= count, f"only {len(self.granted)} of {count} granted"

    def labels(self) -> list[str]:
        return [label for label, _ in self.granted]

    def cancel(self) -> None:
        for task in self.tasks:
            task.cancel()


def busiest(instants: list[float], window: float = 1.0) -> int:
    """The most grants in any half-open window [t, t + window)."""
    ordered = sorted(instants)
    best, j = 0, 0
    for i, t in enumerate(ordered):
        while ordered[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


@pytest.fixture
def clock() -> Clock:
    return Clock()


# --- the overall budget -----------------------------------------------------------------------


async def test_thirty_at_once_then_never_more_than_thirty_in_any_second(clock: Clock) -> None:
    limiter = OutgoingLimiter(30, clock=clock)
    rec = Recorder(limiter, clock)
    for i in range(150):
        rec.start(f"r{i}", 10_000 + i)  # 150 different buyers, one message each
    await settle()
    assert len(rec.granted) == 30  # a burst of replies goes out at once
    await rec.run_until(150)
    instants = [t for _, t in rec.granted]
    assert busiest(instants) == 30
    elapsed = instants[-1] - instants[0]
    assert 120 / elapsed == pytest.approx(30, rel=0.02)  # with answers at once: 30/s
    assert rec.labels() == [f"r{i}" for i in range(150)]  # first come, first served


async def test_no_second_at_telegram_holds_more_than_thirty_whatever_the_jitter(
    clock: Clock,
) -> None:
    """A message counts from its grant until a second after its answer: wherever between the
    two it reached Telegram, no one-second window there holds more than 30."""
    rng = random.Random(3)
    limiter = OutgoingLimiter(30, clock=clock)
    rec = Recorder(limiter, clock, rtt=0.08)
    for i in range(300):
        rec.start(f"r{i}", 30_000 + i)
    await rec.run_until(300)
    starts = [t for _, t in rec.granted]
    for _ in range(20):  # twenty ways the network could have spread them
        arrivals = [t + rng.uniform(0, 0.08) for t in starts]
        assert busiest(arrivals) <= 30
    elapsed = starts[-1] - starts[0]
    assert 270 / elapsed == pytest.approx(30 / 1.08, rel=0.03)  # rate / (1 s + round trip)


async def test_zero_means_no_overall_limit_but_chats_still_count(clock: Clock) -> None:
    limiter = OutgoingLimiter(0, clock=clock)
    rec = Recorder(limiter, clock)
    for i in range(500):
        rec.start(f"r{i}", 20_000 + i)
    for _ in range(5):
        rec.start("same chat", 1)
    await settle()
    assert len(rec.granted) == 500 + int(CHAT_BURST)
    await rec.run_until(505)
    rec.cancel()


async def test_an_album_counts_as_its_items_overall_and_once_in_its_chat(clock: Clock) -> None:
    assert cost_of("sendMediaGroup", {"chat_id": 1, "media": list(range(10))}) == Cost(10, 1)
    limiter = OutgoingLimiter(30, clock=clock)
    rec = Recorder(limiter, clock)
    for i in range(3):
        rec.start(f"album {i}", 1 + i, cost=Cost(10, 1))
    rec.start("one more", 99)
    await settle()
    assert rec.labels() == ["album 0", "album 1", "album 2"]  # 30 messages: the window is full
    await rec.run_until(4)
    assert rec.granted[-1][1] - rec.granted[0][1] == pytest.approx(limiter.window, abs=0.002)


async def test_a_big_album_is_not_starved_by_single_messages(clock: Clock) -> None:
    limiter = OutgoingLimiter(30, clock=clock)
    rec = Recorder(limiter, clock)
    for i in range(25):
        rec.start(f"m{i}", 100 + i)
    rec.start("album", 1, cost=Cost(10, 1))  # needs 10 free: waits for the window
    for i in range(40):
        rec.start(f"late{i}", 200 + i)
    await rec.run_until(66)
    labels = rec.labels()
    # Nobody who came after the album went before it, although each needed only one slot.
    assert labels.index("album") == 25


# --- per chat ---------------------------------------------------------------------------------


async def test_a_chat_gets_a_short_burst_then_one_a_second(clock: Clock) -> None:
    limiter = OutgoingLimiter(30, clock=clock)
    rec = Recorder(limiter, clock)
    for i in range(8):
        rec.start(f"a{i}", 42)
    rec.start("other buyer", 43)
    await settle()
    # A normal step (a reply and an edit, and one more) at once; the other buyer at once too.
    assert rec.labels() == ["a0", "a1", "a2", "other buyer"]
    start = clock.now
    await rec.run_until(9)
    times = [t - start for label, t in rec.granted if label.startswith("a")][3:]
    assert times == pytest.approx([1.0, 2.0, 3.0, 4.0, 5.0], abs=0.002)
    # Calm again for a few seconds: a full burst is back.
    clock.now += CHAT_BURST
    for i in range(3):
        rec.start(f"b{i}", 42)
    await settle()
    assert rec.labels()[-3:] == ["b0", "b1", "b2"]


async def test_a_waiter_held_by_its_own_chat_holds_back_nobody_else(clock: Clock) -> None:
    limiter = OutgoingLimiter(30, clock=clock)
    rec = Recorder(limiter, clock)
    for i in range(4):
        rec.start(f"busy{i}", 7)  # the 4th waits a second for chat 7
    for i in range(20):
        rec.start(f"r{i}", 1_000 + i)
    rec.start("reminder", 2_000, Lane.REMINDER)
    await settle()
    assert "busy3" not in rec.labels()
    assert len(rec.granted) == 3 + 20 + 1
    await rec.run_until(25)
    rec.cancel()


async def test_groups_get_twenty_a_minute(clock: Clock) -> None:
    limiter = OutgoingLimiter(30, clock=clock)
    rec = Recorder(limiter, clock)
    for i in range(6):
        rec.start(f"g{i}", -100123)
    await settle()
    assert len(rec.granted) == 3
    start = clock.now
    await rec.run_until(6, step=0.01)
    assert rec.granted[-1][1] - start == pytest.approx(9.0, abs=0.02)  # 3 s apart


# --- lanes ------------------------------------------------------------------------------------


async def test_replies_go_before_reminders_that_waited_longer(clock: Clock) -> None:
    limiter = OutgoingLimiter(30, clock=clock)
    rec = Recorder(limiter, clock)
    for i in range(30):
        rec.start(f"fill{i}", 300 + i)  # the window is full
    for i in range(10):
        rec.start(f"reminder{i}", 500 + i, Lane.REMINDER)
    await settle()
    for i in range(10):
        rec.start(f"reply{i}", 600 + i)  # later than every reminder
    await rec.run_until(50)
    order = [label for label in rec.labels() if not label.startswith("fill")]
    assert order[:10] == [f"reply{i}" for i in range(10)]
    assert order[10:] == [f"reminder{i}" for i in range(10)]


async def test_reminders_are_paced_never_a_burst(clock: Clock) -> None:
    limiter = OutgoingLimiter(30, clock=clock)
    rec = Recorder(limiter, clock, rtt=0.08)
    for i in range(20):
        rec.start(f"m{i}", 700 + i, Lane.REMINDER)
    await settle()
    assert len(rec.granted) == 1  # the window is empty, and still only one goes
    await rec.run_until(20)
    gaps = [b - a for (_, a), (_, b) in zip(rec.granted, rec.granted[1:], strict=False)]
    # Never closer than the schedule's tolerance for late timers allows (5 ms).
    assert min(gaps) >= limiter.reminder_interval - PACE_TOLERANCE - 0.001
    assert limiter.reminder_interval == pytest.approx((1 + PACE_TOLERANCE) / 30)
    # So reminder sends in flight stay within rate x round trip + 1: 3 at 80 ms.
    in_flight = max(sum(1 for _, t in rec.granted if s <= t < s + 0.080) for _, s in rec.granted)
    assert in_flight <= 30 * 0.080 + 1


async def test_reminder_pace_does_not_drift_when_timers_fire_late(clock: Clock) -> None:
    """Grants happen when a timer fires, a little late; the pace follows a schedule, so the
    lateness does not add up (sending 30 took 1.05 s instead of 1.025 s before)."""
    limiter = OutgoingLimiter(30, clock=clock)
    rec = Recorder(limiter, clock)
    for i in range(31):
        rec.start(f"m{i}", 900 + i, Lane.REMINDER)
    await rec.run_until(31, step=0.004)  # every grant up to 4 ms late
    elapsed = rec.granted[-1][1] - rec.granted[0][1]
    assert elapsed == pytest.approx(30 * limiter.reminder_interval, abs=PACE_TOLERANCE)
    # And no burst to make up for a quiet spell: after idling, one at a time again.
    clock.now += 10
    for i in range(3):
        rec.start(f"later{i}", 950 + i, Lane.REMINDER)
    await settle()
    assert rec.labels()[31:] == ["later0"]
    rec.cancel()


async def test_reminder_rate_limit_is_an_extra_cap_within_the_overall_one(clock: Clock) -> None:
    limiter = OutgoingLimiter(30, reminder_rate=10, clock=clock)
    assert limiter.reminder_interval == pytest.approx((1 + PACE_TOLERANCE) / 10)
    assert OutgoingLimiter(30, reminder_rate=100, clock=clock).reminder_rate == 30
    assert OutgoingLimiter(0, reminder_rate=0, clock=clock).reminder_interval == 0
    rec = Recorder(limiter, clock)
    for i in range(11):
        rec.start(f"m{i}", 800 + i, Lane.REMINDER)
    for i in range(15):
        rec.start(f"reply{i}", 900 + i)
    await settle()
    assert sum(label.startswith("reply") for label in rec.labels()) == 15  # replies unaffected
    await rec.run_until(26)
    # Eleven reminders span at least a second: never more than 10 in one.
    assert busiest([t for label, t in rec.granted if label.startswith("m")]) == 10


def test_reminder_sends_in_flight_follow_the_rate() -> None:
    assert reminder_in_flight(30) == 9  # ceil(30 x 0.25 s) + 1
    assert reminder_in_flight(4) == 2
    assert reminder_in_flight(0) == 8  # unlimited: a fixed cap


# --- 429 --------------------------------------------------------------------------------------


def ok_after(
    failures: int, retry_after: int = 3
) -> tuple[Callable[..., Awaitable[Any]], list[int]]:
    calls: list[int] = []

    async def callback(*_: object, **__: object) -> dict[str, Any]:
        calls.append(1)
        if len(calls) <= failures:
            raise RetryAfter(timedelta(seconds=retry_after))
        return {"message_id": len(calls)}

    return callback, calls


async def test_a_429_pauses_everyone_then_the_reply_is_retried(clock: Clock) -> None:
    limiter = OutgoingLimiter(30, clock=clock)
    callback, calls = ok_after(1, retry_after=3)
    reply = asyncio.create_task(
        limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, None)
    )
    await settle()
    assert calls == [1] and limiter.paused() and limiter.stats.pauses == 1
    rec = Recorder(limiter, clock)
    rec.start("another buyer", 2)
    rec.start("a reminder", 3, Lane.REMINDER)
    rec.start("a callback answer", None, cost=FREE)
    await settle()
    assert rec.granted == [] and not reply.done()  # nothing goes out, of any kind
    clock.now += 2.99
    limiter.wake()
    await settle()
    assert rec.granted == [] and len(calls) == 1
    clock.now += 0.02
    limiter.wake()
    await settle()
    assert sorted(rec.labels()) == ["a callback answer", "a reminder", "another buyer"]
    assert await reply == {"message_id": 2} and len(calls) == 2  # retried once, after the pause


async def test_a_reminders_429_goes_back_to_the_dispatcher(clock: Clock) -> None:
    limiter = OutgoingLimiter(30, clock=clock)
    callback, calls = ok_after(1)
    with pytest.raises(RetryAfter):
        await limiter.for_reminders().process_request(
            callback, (), {}, "sendMessage", {"chat_id": 1}, None
        )
    assert len(calls) == 1 and limiter.paused()  # not retried, but everyone waits


async def test_a_reply_gives_up_after_its_retries(clock: Clock) -> None:
    limiter = OutgoingLimiter(30, retries=2, clock=clock)
    callback, calls = ok_after(5, retry_after=1)
    task = asyncio.create_task(
        limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, None)
    )
    for _ in range(3):
        await settle()
        clock.now += 1.01
        limiter.wake()
    await settle()
    with pytest.raises(RetryAfter):
        await task
    assert len(calls) == 3


# --- permits ----------------------------------------------------------------------------------


async def test_a_permit_is_used_once_and_an_unused_one_can_be_given_back(clock: Clock) -> None:
    limiter = OutgoingLimiter(2, clock=clock)
    first = await limiter.acquire(1, ONE, Lane.REMINDER)
    assert limiter.counted() == 1  # in flight from the grant on
    callback, calls = ok_after(0)
    # Sent with its permit: it does not wait for (or take) another slot.
    await limiter.for_reminders().process_request(
        callback, (), {}, "sendMessage", {"chat_id": 1}, first
    )
    assert first.used and first.settled and len(calls) == 1
    assert limiter.counted() == 1  # answered: it counts for one more second
    limiter.release(first)  # used: releasing it gives nothing back
    assert limiter.counted() == 1
    clock.now += 0.5
    second = await limiter.acquire(2, ONE, Lane.REPLY)
    assert limiter.counted() == 2
    limiter.release(second)
    assert limiter.counted() == 1  # the slot is free again
    limiter.release(second)  # twice is harmless
    assert limiter.counted() == 1
    clock.now += 0.5
    assert limiter.counted() == 0


async def test_a_cancelled_wait_takes_nothing(clock: Clock) -> None:
    limiter = OutgoingLimiter(1, clock=clock)
    limiter.complete(await limiter.acquire(1))
    gone = asyncio.create_task(limiter.acquire(2))
    rec = Recorder(limiter, clock)
    rec.start("next", 3)
    await settle()
    gone.cancel()
    await settle()
    assert limiter.waiting() == 1
    clock.now += limiter.window
    limiter.wake()
    await settle()
    assert rec.labels() == ["next"]  # the freed slot went to the next one in line
    assert limiter.stats.granted[Lane.REPLY] == 2 and limiter.counted() == 1


# --- what counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "cost"),
    [
        ("sendMessage", ONE),
        ("sendPhoto", ONE),
        ("sendDocument", ONE),
        ("editMessageText", ONE),
        ("editMessageReplyMarkup", ONE),
        ("copyMessage", ONE),
        ("forwardMessage", ONE),
        ("answerCallbackQuery", FREE),
        ("sendChatAction", FREE),
        ("deleteMessage", FREE),
        ("getMe", FREE),
        ("setMyCommands", FREE),
        ("getUpdates", FREE),
        ("leaveChat", FREE),
    ],
)
def test_what_counts_against_the_budget(endpoint: str, cost: Cost) -> None:
    assert cost_of(endpoint, {"chat_id": 1}) == cost


async def test_uncounted_calls_go_at_once_when_the_budget_is_spent(clock: Clock) -> None:
    limiter = OutgoingLimiter(1, clock=clock)
    await limiter.acquire(1)
    callback, calls = ok_after(0)
    await asyncio.wait_for(
        limiter.process_request(callback, (), {}, "answerCallbackQuery", {}, None), 1
    )
    assert len(calls) == 1


async def test_chat_memory_is_bounded(clock: Clock) -> None:
    limiter = OutgoingLimiter(0, clock=clock, max_chats=100)
    for chat in range(1_000):
        await limiter.acquire(chat)
    assert len(limiter._chats) <= 100
    clock.now += CHAT_BURST  # every bucket full again: forgotten on the next grant
    await limiter.acquire(5_000)
    assert len(limiter._chats) == 1


# --- settings and wiring ----------------------------------------------------------------------

TOKEN_ENV = {"TELEGRAM_BOT_TOKEN": "123456789:AAHtest-token_for-offline-tests-0123456789"}


def test_rate_settings_default_and_parse() -> None:
    settings = load_settings(TOKEN_ENV, dotenv=None)
    assert (settings.outgoing_rate_limit, settings.reminder_rate_limit) == (30, 0)
    settings = load_settings(
        {**TOKEN_ENV, "OUTGOING_RATE_LIMIT": "100", "REMINDER_RATE_LIMIT": "20"}, dotenv=None
    )
    assert (settings.outgoing_rate_limit, settings.reminder_rate_limit) == (100, 20)
    unlimited = load_settings({**TOKEN_ENV, "OUTGOING_RATE_LIMIT": "0"}, dotenv=None)
    assert unlimited.outgoing_rate_limit == 0
    # The old meaning of REMINDER_RATE_LIMIT=30 (Telegram's bulk limit) still reads the same.
    assert load_settings({**TOKEN_ENV, "REMINDER_RATE_LIMIT": "30"}, dotenv=None)


@pytest.mark.parametrize(
    ("env", "variable", "phrase"),
    [
        ({"OUTGOING_RATE_LIMIT": "fast"}, "OUTGOING_RATE_LIMIT", "whole number"),
        ({"OUTGOING_RATE_LIMIT": "-1"}, "OUTGOING_RATE_LIMIT", "whole number"),
        ({"REMINDER_RATE_LIMIT": "2.5"}, "REMINDER_RATE_LIMIT", "whole number"),
        ({"REMINDER_RATE_LIMIT": "100"}, "REMINDER_RATE_LIMIT", "raise OUTGOING_RATE_LIMIT"),
    ],
)
def test_bad_rate_settings_name_the_variable(
    env: dict[str, str], variable: str, phrase: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({**TOKEN_ENV, **env}, dotenv=None)
    assert raised.value.variable == variable
    assert phrase in str(raised.value) and "\n" not in str(raised.value)


def test_both_bots_share_one_budget_in_their_own_lanes(db_path: Path) -> None:
    settings = replace(make_settings(db_path), outgoing_rate_limit=50, reminder_rate_limit=20)
    app = build_application(settings)
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, OutgoingLimiter)
    assert limiter.rate == 50 and limiter.reminder_rate == 20
    reminder_bot = app.services.reminder_bot
    assert reminder_bot is not None
    lane = reminder_bot.rate_limiter
    assert isinstance(lane, BaseRateLimiter) and getattr(lane, "core", None) is limiter
    assert getattr(lane, "lane", None) is Lane.REMINDER
    # Tests and benchmarks can still build the bot without Telegram's limits.
    bare = build_application(settings, rate_limit=False)
    assert bare.bot.rate_limiter is None
    assert bare.services.reminder_bot is not None
    assert bare.services.reminder_bot.rate_limiter is None
