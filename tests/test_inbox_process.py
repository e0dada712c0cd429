"""The webhook's inbox with a real process (`python -m bot` in webhook mode), on both engines:
the 200 comes only once the update is stored, so kill -9 right after it loses nothing; an
update's effects happen once however often it is delivered or taken over; an update whose
handler only reads is answered again after such a kill, and one whose step was saved shows
the buyer that step again (replies are at least once)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import pytest

from bot.storage.db import Database
from tests import standin
from tests.standin import StandinServer
from tests.webhooks import WebhookProcess, deliver

pytestmark = [pytest.mark.slow, pytest.mark.both_engines]


async def test_kill_9_right_after_the_200_loses_nothing_and_repeats_no_effect(
    server: StandinServer, tmp_path: Path, db_target: Path | str
) -> None:
    api = server.api
    bot = WebhookProcess(server, db_target, tmp_path / "bot")
    buyer = standin.user(7001, "en")
    mine = buyer["id"]
    await bot.start()
    try:
        # A reading update, the process killed the instant its reply reaches Telegram.
        kill = api.trap(lambda m, p: m == "sendMessage" and p.get("chat_id") == mine, bot.kill9)
        assert (
            await deliver(bot.port, {**standin.text_update(buyer, "/help"), "update_id": 11}) == 200
        )
        await asyncio.wait_for(kill.sprung.wait(), 20)
        await bot.start()
        # Still in the inbox (not finished): handled again, answered again.
        await api.wait_sent(lambda s: s.chat_id == mine and len(_helps(api, mine)) == 2, 30)

        # A writing update, killed the same way: its effect was committed with its record, so
        # after the restart it is not applied again; the buyer is shown the step once more.
        kill = api.trap(
            lambda m, p: m == "sendMessage" and "Step 1 of" in str(p.get("text")), bot.kill9
        )
        assert (
            await deliver(bot.port, {**standin.text_update(buyer, "/new"), "update_id": 12}) == 200
        )
        await asyncio.wait_for(kill.sprung.wait(), 20)
        await bot.start()
        answer = {**standin.text_update(buyer, "8123456789012345"), "update_id": 13}
        assert await deliver(bot.port, answer) == 200
        await api.wait_sent(lambda s: s.chat_id == mine and "Step 2 of" in s.text, 30)
        # Delivered again (Telegram never got our 200, say): nothing happens twice.
        assert await deliver(bot.port, answer) == 200
        assert (
            await deliver(bot.port, {**standin.text_update(buyer, "/new"), "update_id": 12}) == 200
        )
        item = {**standin.text_update(buyer, "Desk lamp"), "update_id": 14}
        assert await deliver(bot.port, item) == 200
        await api.wait_sent(lambda s: s.chat_id == mine and "Step 3 of" in s.text, 30)
        assert await bot.terminate() == 0
    finally:
        if bot.alive:
            await bot.kill9()
    texts = [s.text for s in api.sent_to(mine) if s.method == "sendMessage"]
    assert sum("Step 1 of" in t for t in texts) == 2  # the reply, and the step shown again
    assert sum("Step 3 of" in t for t in texts) == 1
    db = await Database.open(db_target)
    try:
        cases = await db.disputes.list_for_user(mine)
        assert [(d.order_id, d.item_title) for d in cases] == [("8123456789012345", "Desk lamp")]
        assert await db.inbox.waiting() == 0
    finally:
        await db.close()


def _helps(api: object, chat: int) -> list[str]:
    sent = api.sent_to(chat)
    return [s.text for s in sent if s.method == "sendMessage" and "/new" in s.text]


async def test_a_stop_the_instant_an_update_was_handled_is_clean(
    server: StandinServer, tmp_path: Path, db_target: Path | str
) -> None:
    """SIGINT a few milliseconds after the reply left, while the inbox worker gives the chat
    back: the process stops at once with status 0 (it used to hang: see
    tests/test_concurrency.py's stop_task test)."""
    api = server.api
    bot = WebhookProcess(server, db_target, tmp_path / "bot")
    try:
        for n in range(6):
            await bot.start()
            buyer = standin.user(7100 + n, "en")
            process = bot.proc
            assert process is not None

            async def interrupt(delay: float = n / 1000, process: Any = process) -> None:
                asyncio.get_running_loop().call_later(delay, process.send_signal, signal.SIGINT)

            api.trap(
                lambda m, p, b=buyer: m == "sendMessage" and p.get("chat_id") == b["id"], interrupt
            )
            update = {**standin.text_update(buyer, "/start"), "update_id": 100 + n}
            assert await deliver(bot.port, update) == 200
            assert await asyncio.wait_for(process.wait(), 20) == 0, bot.log_tail()
    finally:
        if bot.alive:
            await bot.kill9()
