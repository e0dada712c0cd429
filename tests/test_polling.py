"""bot/polling.py's loop against a scripted getUpdates: the back-off and its one line per
retry, what each kind of failure says, /healthz's view of it, and the offset it confirms.

The real process against the stand-in is tests/test_ingress.py; here the answers and the clock
are scripted so that every branch is reached in milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from telegram.error import EndPointNotFound, NetworkError, RetryAfter, TimedOut

from bot.polling import POLL_TIMEOUT, STALE_MARGIN, Poller, next_backoff
from tests import standin


class ScriptedBot:
    """Just what Poller uses of a Bot: delete_webhook and do_api_request('getUpdates')."""

    def __init__(self, *answers: list[Any] | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []
        self.webhook_deleted = False
        self.exhausted = asyncio.Event()

    async def delete_webhook(self) -> bool:
        self.webhook_deleted = True
        return True

    async def do_api_request(self, endpoint: str, api_kwargs: dict[str, Any], **_: Any) -> Any:
        assert endpoint == "getUpdates"
        self.calls.append(api_kwargs)
        if not self.answers:
            self.exhausted.set()
            await asyncio.sleep(3600)  # a long poll that never ends
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def message(update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, **standin.text_update(standin.user(7, "en"), "hi")}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


async def run(bot: ScriptedBot, clock: Clock) -> tuple[Poller, asyncio.Queue[Any]]:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    poller = Poller(bot, queue, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    await poller.start()
    await asyncio.wait_for(bot.exhausted.wait(), 5)
    return poller, queue


async def test_failures_back_off_and_say_why_once_each(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    bot = ScriptedBot(
        NetworkError("aiohttp.ClientConnectorError: Cannot connect to host"),
        TimedOut(),
        RetryAfter(7),
        EndPointNotFound("Endpoint 'getUpdates' not found in Bot API"),
        NetworkError("again"),
        [message(5), message(6)],
        NetworkError("after a success the back-off starts over"),
    )
    with caplog.at_level(logging.WARNING, "bot.polling"):
        poller, queue = await run(bot, clock)
    assert bot.webhook_deleted
    # 1, 2 s; a 429 waits what Telegram says; 4, 8 s; a success resets; 1 s.
    assert clock.waits == [1.0, 2.0, 7.0, 4.0, 8.0, 1.0]
    mine = [r for r in caplog.records if r.name == "bot.polling"]
    records = [(r.levelname, r.getMessage()) for r in mine]
    assert len(records) == 6 and not any(r.exc_info for r in mine)
    assert records[0] == (
        "WARNING",
        "getUpdates failed (NetworkError: aiohttp.ClientConnectorError: Cannot connect to host);"
        " retrying in 1.0 s",
    )
    retry_after = "getUpdates failed (Telegram asked to wait 7 s (429)); retrying in 7.0 s"
    assert records[2] == ("WARNING", retry_after)
    assert records[3][0] == "ERROR" and "TELEGRAM_BOT_TOKEN" in records[3][1]
    handed_over = [queue.get_nowait() for _ in range(queue.qsize())]
    assert [update.update_id for update in handed_over] == [5, 6]
    assert bot.calls[-1]["offset"] == 7 and "offset" not in bot.calls[0]
    await poller.stop()


async def test_health_follows_the_last_successful_call() -> None:
    clock = Clock()
    bot = ScriptedBot([], [message(9)])
    poller, _ = await run(bot, clock)
    assert poller.health() is None
    clock.now += POLL_TIMEOUT + STALE_MARGIN - 1
    assert poller.health() is None  # an idle long poll takes POLL_TIMEOUT: still fine
    clock.now += 2
    reason = poller.health()
    assert reason is not None and reason.startswith("polling stalled: last getUpdates for 21 s")
    bot.answers = [[]]  # the hanging poll is not retried by itself; stop confirms the offset
    await poller.stop()
    confirm = bot.calls[-1]
    assert (confirm["timeout"], confirm["limit"], confirm["offset"]) == (0, 1, 10)
    assert poller.health() == "polling is not running"


async def test_a_failing_link_does_not_hold_the_shutdown_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    bot = ScriptedBot([message(3)], NetworkError("down"))
    poller, _ = await run(bot, clock)
    reason = poller.health()
    assert reason is None  # one failure, just now: not yet stale
    calls = len(bot.calls)
    with caplog.at_level(logging.WARNING, "bot.polling"):
        await poller.stop()
    assert len(bot.calls) == calls  # no confirming call into a dead link
    assert "may be handled again after a restart" in caplog.text


def test_backoff_doubles_up_to_thirty_seconds() -> None:
    waits = [0.0]
    for _ in range(8):
        waits.append(next_backoff(waits[-1]))
    assert waits[1:] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
