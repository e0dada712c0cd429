"""Inbound flood control (bot/flood.py): a flooding buyer is slowed, nobody else is.

Unit tests with a fake clock (bucket, albums, arrival time, alignment with the per-chat
outgoing budget, metrics); the real Application in process with the production limiter; and
`python -m bot` as a process against the stand-in: a buyer sending 500 messages at once gets
a handful of answers and one "slow down", while other buyers are answered as fast as
without the flood, and no second holds more than 30 messages.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

import tests.harness
from bot import metrics
from bot.app import build_application
from bot.flood import ALBUM_ITEMS, BURST, RATE, FloodGuard
from bot.limits import CHAT_BURST, CHAT_RATE, Lane
from bot.ratelimit import OutgoingLimiter
from tests import standin
from tests.harness import Harness
from tests.processes import BotProcess
from tests.standin import StandinServer, busiest_second

SLOW_DOWN = "Slow down a little"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill_at_the_documented_rate() -> None:
    clock = Clock()
    guard = FloodGuard(clock=clock)
    verdicts = [guard.allow(1) for _ in range(int(BURST) + 10)]
    assert [a for a, _ in verdicts] == [True] * int(BURST) + [False] * 10
    assert [n for _, n in verdicts].count(True) == 1  # one notice for the whole burst
    clock.now += 1.0  # RATE tokens come back per second
    assert [guard.allow(1)[0] for _ in range(int(RATE) + 1)] == [True] * int(RATE) + [False]
    assert guard.allow(1) == (False, False)  # still flooding: no second notice
    assert guard.allow(2) == (True, False)  # somebody else is unaffected
    clock.now += BURST / RATE / 2  # calm long enough to be half full again
    assert guard.allow(1) == (True, False)
    again = [guard.allow(1) for _ in range(int(BURST))]
    assert [n for _, n in again].count(True) == 1  # a new flood earns a new notice


def test_memory_is_bounded() -> None:
    clock = Clock()
    guard = FloodGuard(clock=clock, max_buckets=1000)
    for user in range(5000):
        guard.allow(user)
    assert len(guard) == 1000  # hard cap, least recently active evicted
    clock.now += BURST / RATE  # every bucket is full again: indistinguishable from new
    guard.allow(999_999)
    assert len(guard) == 1


def test_time_going_backwards_does_not_mint_tokens() -> None:
    clock = Clock()
    guard = FloodGuard(clock=clock)
    for _ in range(int(BURST)):
        guard.allow(1)
    clock.now -= 100
    assert guard.allow(1)[0] is False


def test_on_by_default_in_production(db_path: Path) -> None:
    def guards(app: Any) -> list[object]:
        callbacks = [getattr(h, "callback", None) for hs in app.handlers.values() for h in hs]
        return [c for c in callbacks if isinstance(c, FloodGuard)]

    assert len(guards(build_application(Harness(db_path).settings))) == 1
    assert guards(build_application(Harness(db_path).settings, rate_limit=False)) == []


def test_an_album_is_one_action_and_never_trips_it() -> None:
    clock = Clock()
    guard = FloodGuard(clock=clock)
    for _ in range(int(BURST) - 1):
        assert guard.allow(1)[0]  # one token left
    verdicts = [guard.allow(1, album="a1") for _ in range(ALBUM_ITEMS)]
    assert verdicts == [(True, False)] * ALBUM_ITEMS and guard.dropped == 0
    # Telegram's albums hold at most 10: an 11th item of the "same" album costs again.
    assert guard.allow(1, album="a1") == (False, True)


def test_judged_by_arrival_not_by_when_its_turn_came() -> None:
    """A chat's updates wait for one another (and for the chat's outgoing budget): 500 that
    arrived within 0.1 s are a flood even if the last is handled a minute later."""
    clock = Clock()
    guard = FloodGuard(clock=clock)
    allowed = 0
    for i in range(500):
        clock.now += 0.12  # handled one after another, slowly
        allowed += guard.allow(1, at=1000.0 + i * 0.0002)[0]
    assert allowed == int(BURST)
    assert guard.dropped == 500 - int(BURST)


def test_a_backlog_still_being_answered_keeps_its_bucket() -> None:
    """Under load a flood's allowed updates are answered slowly (here 1.2 s each, behind the
    outgoing budget), so its first arrival is long past while its backlog is still being
    judged. Another buyer writing meanwhile must not make the guard forget the flood's bucket:
    the rest of the backlog would get a fresh burst, again and again (seen: a 500-message
    flood answered one a second, for minutes, and never told to slow down)."""
    clock = Clock()  # the handling clock
    guard = FloodGuard(clock=clock)
    arrived = clock.now
    allowed = notices = 0
    for i in range(500):
        verdict = guard.allow(1, at=arrived + i * 0.0002)
        allowed += verdict[0]
        notices += verdict[1]
        if verdict[0]:
            clock.now += 1.2  # its answer takes a while to go out
        guard.allow(2)  # somebody else writes meanwhile, arriving now
    assert allowed == int(BURST)
    assert notices == 1


def test_drops_are_counted_in_metrics() -> None:
    before = metrics.REGISTRY.get_sample_value("dispute_helper_flood_drops_total") or 0.0
    guard = FloodGuard(clock=Clock())
    for _ in range(int(BURST) + 5):
        guard.allow(1)
    after = metrics.REGISTRY.get_sample_value("dispute_helper_flood_drops_total")
    assert after == before + 5


async def test_a_buyer_who_waits_for_each_answer_never_trips_it() -> None:
    """Aligned with the outgoing budget per chat: however fast a buyer answers, if they wait
    for the bot's messages (two per update here, a reply and an edit) the guard, charged at
    the same rate with a bigger burst, never drops one of theirs."""
    assert RATE == CHAT_RATE and BURST > CHAT_BURST + 1
    clock = Clock()
    guard = FloodGuard(clock=clock)
    limiter = OutgoingLimiter(30, clock=clock)
    for _ in range(200):
        assert guard.allow(42) == (True, False)
        for _message in range(2):
            task = asyncio.create_task(limiter.acquire(42, lane=Lane.REPLY))
            while not task.done():
                await asyncio.sleep(0)
                if not task.done():
                    clock.now += 0.01
                    limiter.wake()
            limiter.complete(task.result())  # answered at once
        clock.now += 0.05  # the buyer is quick
    assert guard.dropped == 0


def _calm_exchange(api: Any, user: dict[str, Any], push: Callable[[dict[str, Any]], None]) -> Any:
    async def exchange() -> float:
        before = len(api.sent)
        started = time.monotonic()
        push(standin.text_update(user, "/help"))
        await api.wait_sent(
            lambda s: (
                s.chat_id == user["id"]
                and "Dispute Helper" in s.text
                and api.sent.index(s) >= before
            ),
            within=20,
        )
        return time.monotonic() - started

    return exchange


async def calm_latencies(
    api: Any, users: list[dict[str, Any]], rounds: int, push: Callable[[dict[str, Any]], None]
) -> list[float]:
    """Each buyer sends /help and waits for the answer, `rounds` times, a second apart."""

    async def buyer(user: dict[str, Any]) -> list[float]:
        out = []
        for _ in range(rounds):
            out.append(await _calm_exchange(api, user, push)())
            await asyncio.sleep(1.0)
        return out

    results = await asyncio.gather(*(buyer(u) for u in users))
    return [x for r in results for x in r]


@pytest.fixture
async def production(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real Application as production builds it: outgoing budget and flood guard on."""
    guard = FloodGuard()

    def build(settings: Any, **kwargs: Any) -> Any:
        return build_application(settings, **{**kwargs, "rate_limit": True, "flood_guard": guard})

    monkeypatch.setattr(tests.harness, "build_application", build)
    async with Harness(db_path) as harness:
        yield harness, guard


def enqueue(harness: Harness, data: dict[str, Any]) -> None:
    app = harness.app
    assert app is not None
    update = Update.de_json({**data, "update_id": harness.api.next_update_id()}, app.bot)
    app.update_queue.put_nowait(update)


async def test_a_flood_gets_one_notice_and_others_are_answered_as_fast_as_before(
    production: tuple[Harness, FloodGuard],
) -> None:
    harness, guard = production
    api = harness.api
    calm = [standin.user(7100 + i, "en", "Calm") for i in range(5)]
    quiet = await calm_latencies(api, calm, 3, lambda u: enqueue(harness, u))

    flooder = standin.user(7001, "ru", "Flood")
    for i in range(500):
        enqueue(harness, standin.text_update(flooder, f"spam {i}"))
    loud = await calm_latencies(api, calm, 3, lambda u: enqueue(harness, u))
    await api.wait_sent(lambda s: s.chat_id == flooder["id"] and "Помедленнее" in s.text, 30)
    assert harness.app is not None
    await asyncio.wait_for(harness.app.update_queue.join(), 30)

    to_flooder = [s for s in api.sent_to(flooder["id"]) if s.method == "sendMessage"]
    notices = [s for s in to_flooder if "Помедленнее" in s.text]
    assert len(notices) == 1  # one "slow down" for the whole flood
    assert len(to_flooder) == int(BURST) + 1  # the rest were dropped, not answered
    assert guard.dropped == 500 - int(BURST)
    # The others: every /help answered, in English, and no slower than without the flood.
    assert len(loud) == len(quiet) == 15
    assert max(loud) < max(quiet) + 0.5, (quiet, loud)
    assert not any(SLOW_DOWN in s.text for u in calm for s in api.sent_to(u["id"]))


@pytest.fixture
async def guarded(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The guard alone (the harness's buyers answer faster than any person)."""
    guard = FloodGuard()

    def build(settings: Any, **kwargs: Any) -> Any:
        return build_application(settings, **{**kwargs, "flood_guard": guard})

    monkeypatch.setattr(tests.harness, "build_application", build)
    async with Harness(db_path) as harness:
        yield harness, guard


async def test_the_notice_is_in_the_buyers_language(guarded: tuple[Harness, FloodGuard]) -> None:
    harness, _ = guarded
    buyer = harness.buyer(7003, "en")
    for _ in range(int(BURST)):
        await buyer.say("hello")
    replies = await buyer.say("hello")
    assert [s.text for s in replies] == ["Slow down a little: I'll answer again in a few seconds."]
    assert await buyer.say("hello") == []  # dropped silently after the one notice


# --- the real process -------------------------------------------------------------------------

FLOOD = 500
OTHERS = 20


@pytest.mark.slow
async def test_a_flooding_buyer_against_the_real_process(
    server: StandinServer, procs: list[BotProcess], tmp_path: Path
) -> None:
    api = server.api
    bot = BotProcess(server, tmp_path / "bot.sqlite3")  # production settings
    procs.append(bot)
    await bot.start()
    others = [standin.user(8100 + i, "en") for i in range(OTHERS)]
    quiet = await calm_latencies(api, others, 2, api.push_update)

    flooder = standin.user(8001, "en")
    flood_started = time.monotonic()
    for i in range(FLOOD):
        api.push_update(standin.text_update(flooder, f"spam {i}"))
    loud = await calm_latencies(api, others, 2, api.push_update)
    await api.wait_sent(lambda s: s.chat_id == flooder["id"] and SLOW_DOWN in s.text, 30)
    await asyncio.sleep(2.0)  # the dropped updates are handled; nothing more may follow
    assert bot.alive and await bot.terminate() == 0

    to_flooder = [s for s in api.sent_to(flooder["id"]) if s.method == "sendMessage"]
    assert sum(SLOW_DOWN in s.text for s in to_flooder) == 1
    assert len(to_flooder) == int(BURST) + 1
    flood_window = [s.at for s in to_flooder]
    # One chat: a burst, then about one a second (17 in one second before).
    assert busiest_second(flood_window) <= CHAT_BURST + 1
    # Every message of the run, all chats together: never more than 30 in any second.
    messages = [s.at for s in api.sent if s.method in ("sendMessage", "editMessageText")]
    assert busiest_second(messages) <= 30
    assert len(loud) == len(quiet) == 2 * OTHERS
    # Right behind the flood in Telegram's queue, a message waits while the bot fetches and
    # parses the 500 before it (about 0.1 s here); a second later nothing of it is left.
    first, second = loud[0::2], loud[1::2]
    assert max(first) < max(quiet) + 0.5, (quiet, loud)
    assert statistics.median(second) < statistics.median(quiet) + 0.1, (quiet, loud)
    print(
        f"\n[flood] {FLOOD} messages at once: {len(to_flooder)} answers to the flooder"
        f" (1 notice) over {max(flood_window) - flood_started:.1f} s; {OTHERS} other buyers"
        f" p50/max {statistics.median(quiet) * 1000:.0f}/{max(quiet) * 1000:.0f} ms without"
        f" the flood;"
        f" right behind the flood p50/max {statistics.median(first) * 1000:.0f}/"
        f"{max(first) * 1000:.0f} ms, a second later {statistics.median(second) * 1000:.0f}/"
        f"{max(second) * 1000:.0f} ms; busiest second {busiest_second(messages)} messages"
    )


@pytest.mark.slow
async def test_a_flood_behind_a_slow_telegram_is_not_answered_whole(
    server: StandinServer, procs: list[BotProcess], tmp_path: Path
) -> None:
    """Telegram answering slowly (1.2 s a call), the flood's 8 allowed answers take about
    10 s to go out while another buyer keeps writing: the flood still gets 8 answers and one
    notice, not an answer a second for as long as its backlog lasts (before: 26 answers in
    35 s and no notice; the guard forgot the flood's bucket while its backlog was handled)."""
    api = server.api
    bot = BotProcess(server, tmp_path / "bot.sqlite3")
    procs.append(bot)
    await bot.start()
    api.delay = 1.2
    flooder, other = standin.user(8201, "en"), standin.user(8202, "en")
    for i in range(FLOOD):
        api.push_update(standin.text_update(flooder, f"spam {i}"))
    for _ in range(12):
        await asyncio.sleep(1.5)
        api.push_update(standin.text_update(other, "/help"))
    await api.wait_sent(lambda s: s.chat_id == flooder["id"] and SLOW_DOWN in s.text, 30)
    await asyncio.sleep(3.0)  # anything more for the flooder would have arrived by now
    assert bot.alive and await bot.terminate() == 0
    to_flooder = [s for s in api.sent_to(flooder["id"]) if s.method == "sendMessage"]
    assert sum(SLOW_DOWN in s.text for s in to_flooder) == 1
    assert len(to_flooder) == int(BURST) + 1
    assert len([s for s in api.sent_to(other["id"]) if "Dispute Helper" in s.text]) == 12
