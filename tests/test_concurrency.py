"""Per-chat ordered concurrency (bot/concurrency.py).

Unit level, with the processor alone: two updates of one chat never run at once and keep their
order, updates of different chats do run at once, a chat's backlog holds no shared slot, and
nothing is kept per chat once it is idle. End to end, through the real Application fed by its
update queue (as polling and the webhook do): many buyers doing wizard steps at once each end up
with exactly their own answers, and one slow chat does not hold up the others.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
import warnings
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.app import build_application
from bot.concurrency import (
    DEFAULT_CONCURRENCY,
    NO_CHAT,
    PerChatUpdateProcessor,
    chat_key,
    stop_task,
)
from tests import standin
from tests.harness import Harness
from tests.standin import FakeBotApi, Fault


def update_in(chat: int, text: str = "hi") -> Update:
    return Update.de_json(
        {"update_id": 1, **standin.text_update(standin.user(chat), text)},
        None,  # type: ignore[arg-type]
    )


class Recorder:
    """Work that records when it ran, per chat, and how many ran at once."""

    def __init__(self, duration: float = 0.01) -> None:
        self.duration = duration
        self.spans: dict[Hashable, list[tuple[int, float, float]]] = defaultdict(list)
        self.running = 0
        self.peak = 0

    async def work(self, chat: Hashable, index: int, duration: float | None = None) -> None:
        self.running += 1
        self.peak = max(self.peak, self.running)
        start = time.monotonic()
        try:
            await asyncio.sleep(self.duration if duration is None else duration)
        finally:
            self.running -= 1
            self.spans[chat].append((index, start, time.monotonic()))

    def assert_serial_and_ordered(self) -> None:
        for chat, spans in self.spans.items():
            assert [i for i, _, _ in spans] == sorted(i for i, _, _ in spans), chat
            for (_, _, end), (_, start, _) in itertools.pairwise(spans):
                assert start >= end, f"two updates of chat {chat} overlapped"


async def test_one_chat_serial_and_in_order_different_chats_concurrent() -> None:
    recorder = Recorder()
    async with PerChatUpdateProcessor(8) as processor:
        tasks = [
            asyncio.create_task(processor.process_update(update_in(chat), recorder.work(chat, i)))
            for i in range(6)
            for chat in (1, 2, 3, 4)
        ]
        await asyncio.gather(*tasks)
        assert processor.chats_in_flight == 0  # nothing kept per chat once idle
        assert processor.current_concurrent_updates == 0
    recorder.assert_serial_and_ordered()
    assert {chat: len(s) for chat, s in recorder.spans.items()} == {1: 6, 2: 6, 3: 6, 4: 6}
    assert recorder.peak == 4  # every chat at once, never more than one per chat


async def test_at_most_max_concurrent_updates_at_once() -> None:
    recorder = Recorder()
    processor = PerChatUpdateProcessor(3)
    assert processor.max_concurrent_updates == 3
    await asyncio.gather(
        *(processor.process_update(update_in(chat), recorder.work(chat, 0)) for chat in range(20))
    )
    assert recorder.peak == 3
    assert len(recorder.spans) == 20


async def test_a_chats_backlog_holds_no_slot_of_the_others() -> None:
    """A flooded chat's 50 waiting updates must not stand between another chat and a slot."""
    recorder = Recorder(duration=0.02)
    processor = PerChatUpdateProcessor(2)
    flood = [
        asyncio.create_task(processor.process_update(update_in(1), recorder.work(1, i)))
        for i in range(50)
    ]
    await asyncio.sleep(0)
    started = time.monotonic()
    await processor.process_update(update_in(2), recorder.work(2, 0))
    assert time.monotonic() - started < 0.2  # one slot was free: no wait behind the backlog
    assert len(recorder.spans[1]) < 10  # the flood is still being worked through
    await asyncio.gather(*flood)
    recorder.assert_serial_and_ordered()
    assert processor.chats_in_flight == 0


async def test_cancelled_waiting_update_keeps_the_chain_intact() -> None:
    recorder = Recorder(duration=0.05)
    processor = PerChatUpdateProcessor(4)
    first = asyncio.create_task(processor.process_update(update_in(1), recorder.work(1, 0)))
    second = asyncio.create_task(processor.process_update(update_in(1), recorder.work(1, 1)))
    third = asyncio.create_task(processor.process_update(update_in(1), recorder.work(1, 2)))
    await asyncio.sleep(0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine ... was never awaited" would be an error
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        await asyncio.gather(first, third)
    assert [i for i, _, _ in recorder.spans[1]] == [0, 2]  # the cancelled one never ran
    recorder.assert_serial_and_ordered()
    assert processor.chats_in_flight == 0


async def test_an_exception_does_not_block_the_chat() -> None:
    processor = PerChatUpdateProcessor(2)

    async def boom() -> None:
        raise RuntimeError("handler bug")

    with pytest.raises(RuntimeError):
        await processor.process_update(update_in(1), boom())
    recorder = Recorder()
    await asyncio.wait_for(processor.process_update(update_in(1), recorder.work(1, 0)), 1)
    assert processor.chats_in_flight == 0


def test_keys_chat_then_user_then_shared() -> None:
    assert chat_key(update_in(42)) == 42
    inline = Update.de_json(
        {
            "update_id": 2,
            "inline_query": {
                "id": "q",
                "from": standin.user(77),
                "query": "x",
                "offset": "",
            },
        },
        None,  # type: ignore[arg-type]
    )
    assert chat_key(inline) == 77
    assert chat_key(object()) == NO_CHAT
    assert chat_key(Update(update_id=3)) == NO_CHAT
    with pytest.raises(ValueError):
        PerChatUpdateProcessor(0)


def test_wired_into_the_application(db_path: Path) -> None:
    app = build_application(Harness(db_path).settings, rate_limit=False)
    assert isinstance(app.update_processor, PerChatUpdateProcessor)
    assert app.update_processor.max_concurrent_updates == DEFAULT_CONCURRENCY
    app = build_application(Harness(db_path).settings, rate_limit=False, concurrency=5)
    assert app.update_processor.max_concurrent_updates == 5


# --- end to end: the real Application fed through its update queue ---------------------------


def instrument(harness: Harness) -> dict[int, list[tuple[float, float]]]:
    """Record when the Application processed each chat's updates (start, end)."""
    app = harness.app
    assert app is not None
    spans: dict[int, list[tuple[float, float]]] = defaultdict(list)
    original: Callable[[object], Awaitable[None]] = app.process_update

    async def recorded(update: object) -> None:
        start = time.monotonic()
        try:
            await original(update)
        finally:
            assert isinstance(update, Update) and update.effective_chat is not None
            spans[update.effective_chat.id].append((start, time.monotonic()))

    app.process_update = recorded  # type: ignore[method-assign]
    return spans


def enqueue(harness: Harness, data: dict[str, Any]) -> None:
    app = harness.app
    assert app is not None
    update = Update.de_json({**data, "update_id": harness.api.next_update_id()}, app.bot)
    app.update_queue.put_nowait(update)


async def drain(harness: Harness, within: float = 30) -> None:
    assert harness.app is not None
    await asyncio.wait_for(harness.app.update_queue.join(), within)


BUYERS = 30
STEPS = 5


def answers(i: int) -> list[str]:
    return ["/new", f"8123456789{i:06d}", f"Item number {i}", f"${10 + i}", "30"]


async def test_interleaved_buyers_never_corrupt_each_others_wizard(db_path: Path) -> None:
    delay = 0.05
    async with Harness(db_path, api=FakeBotApi(delay=delay)) as harness:
        spans = instrument(harness)
        users = [standin.user(5000 + i, "en", f"Buyer{i}") for i in range(BUYERS)]
        started = time.monotonic()
        for step in range(STEPS):  # step-major: every buyer's step k is queued before step k+1
            for i, user in enumerate(users):
                enqueue(harness, standin.text_update(user, answers(i)[step]))
        await drain(harness)
        elapsed = time.monotonic() - started
        api = harness.api
        for user in users:
            steps = [
                int(s.text.split("Step ", 1)[1].split(" ", 1)[0])
                for s in api.sent_to(user["id"])
                if s.method == "sendMessage" and "Step " in s.text
            ]
            assert steps == [1, 2, 3, 4, 5], (user["id"], steps)

    # Serial per chat, concurrent across chats.
    for chat, chat_spans in spans.items():
        assert len(chat_spans) == STEPS
        ordered = sorted(chat_spans)
        for (_, end), (start, _) in itertools.pairwise(ordered):
            assert start >= end, f"two updates of chat {chat} overlapped"
    edges = sorted(
        [(s, 1) for v in spans.values() for s, _ in v]
        + [(e, -1) for v in spans.values() for _, e in v]
    )
    running = peak = 0
    for _, change in edges:
        running += change
        peak = max(peak, running)
    assert peak > 1, "updates of different chats never ran at once"
    assert elapsed < BUYERS * STEPS * delay / 2  # one at a time would need at least 7.5 s

    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT user_id, order_id, item_title, amount_paid_minor, amount_paid_currency,"
            " wizard_step FROM disputes ORDER BY user_id"
        ).fetchall()
    assert len(rows) == BUYERS
    for i, (user_id, order_id, item, amount, currency, _step) in enumerate(rows):
        assert user_id == 5000 + i
        assert order_id == answers(i)[1]
        assert item == answers(i)[2]
        assert (amount, currency) == ((10 + i) * 100, "USD")
    assert len({row[5] for row in rows}) == 1  # everyone stopped at the same step


async def test_one_slow_chat_does_not_hold_up_the_others(db_path: Path) -> None:
    api = FakeBotApi(delay=0.01)
    slow = standin.user(6000, "en", "Slow")

    def fault(method: str, params: dict[str, Any]) -> Fault | None:
        if method == "sendMessage" and params.get("chat_id") == slow["id"]:
            return Fault(delay=3.0)
        return None

    api.fault = fault
    async with Harness(db_path, api=api) as harness:
        enqueue(harness, standin.text_update(slow, "/start"))
        await asyncio.sleep(0.05)  # the slow chat is now waiting on its reply
        others = [standin.user(6001 + i, "en") for i in range(10)]
        started = time.monotonic()
        for user in others:
            enqueue(harness, standin.text_update(user, "/start"))
        for user in others:
            await api.wait_sent(
                lambda s, uid=user["id"]: s.chat_id == uid and s.method == "sendMessage",
                within=2.0,
            )
        assert time.monotonic() - started < 1.0
        assert not api.sent_to(slow["id"])  # still waiting: it held up nobody
        await drain(harness)
        assert api.sent_to(slow["id"])


async def test_stop_task_stops_a_loop_that_swallowed_its_cancellation() -> None:
    """Python 3.11's asyncio.wait_for swallows a cancellation that arrives as what it waits for
    completes; a loop sleeping in one then went on, and a single cancel-and-await waited
    forever (the inbox worker hung a webhook bot's stop)."""
    swallowed = 0

    async def loop() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed += 1  # carries on, as after wait_for's race

    task = asyncio.create_task(loop())
    await asyncio.sleep(0)
    assert await asyncio.wait_for(stop_task(task), 5) is True
    assert task.cancelled() and swallowed == 1
    assert await stop_task(None) is False
