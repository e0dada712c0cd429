"""Inbound flood control (bot/flood.py): a flooding buyer is slowed, nobody else is."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

import tests.harness
from bot.app import build_application
from bot.flood import BURST, RATE, FloodGuard
from tests import standin
from tests.harness import Harness

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


@pytest.fixture
async def guarded(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    guard = FloodGuard()
    monkeypatch.setattr(
        tests.harness,
        "build_application",
        functools.partial(build_application, flood_guard=guard),
    )
    async with Harness(db_path) as harness:
        yield harness, guard


def enqueue(harness: Harness, data: dict[str, Any]) -> None:
    app = harness.app
    assert app is not None
    update = Update.de_json({**data, "update_id": harness.api.next_update_id()}, app.bot)
    app.update_queue.put_nowait(update)


async def test_a_flooding_buyer_is_slowed_and_others_are_answered_every_time(
    guarded: tuple[Harness, FloodGuard],
) -> None:
    harness, guard = guarded
    api = harness.api
    flooder = standin.user(7001, "ru", "Flood")
    calm = standin.user(7002, "en", "Calm")
    for i in range(300):
        enqueue(harness, standin.text_update(flooder, f"spam {i}"))
        if i % 30 == 0:
            enqueue(harness, standin.text_update(calm, "/help"))
    assert harness.app is not None
    await asyncio.wait_for(harness.app.update_queue.join(), 30)

    to_flooder = [s for s in api.sent_to(flooder["id"]) if s.method == "sendMessage"]
    notices = [s for s in to_flooder if "Помедленнее" in s.text or SLOW_DOWN in s.text]
    assert 1 <= len(notices) <= 3
    assert len(to_flooder) - len(notices) <= BURST + 10  # the rest were dropped
    assert guard.dropped >= 250
    # The other buyer was answered every time, in their own language.
    to_calm = [s for s in api.sent_to(calm["id"]) if s.method == "sendMessage"]
    assert len(to_calm) == 10
    assert not any(SLOW_DOWN in s.text for s in to_calm)


async def test_the_notice_is_in_the_buyers_language(guarded: tuple[Harness, FloodGuard]) -> None:
    harness, _ = guarded
    buyer = harness.buyer(7003, "en")
    for _ in range(int(BURST)):
        await buyer.say("hello")
    replies = await buyer.say("hello")
    assert [s.text for s in replies] == ["Slow down a little: I'll answer again in a few seconds."]
    assert await buyer.say("hello") == []  # dropped silently after the one notice
