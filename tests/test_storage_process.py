"""The storage promises of issue 15, held by the bot as a real process (`python -m bot`)
against the Bot API stand-in over loopback.

A database locked by another process (a `sqlite3` shell in `BEGIN IMMEDIATE`, a restore)
must not stall buyers who only read: their answers come within a second, while a buyer whose
step must write gets the localized apology after a bounded wait, and writes work again once
the lock is gone.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.models import Dispute, Stage
from bot.storage.db import Database
from tests import standin
from tests.processes import BotProcess
from tests.standin import FakeBotApi, Sent, StandinServer

pytestmark = pytest.mark.slow

HOLD = 8.0  # seconds the other process keeps SQLite's write lock
ANSWER_WITHIN = 1.0
ORDER = "8123456789012345"


async def seed_buyer_with_dispute(path: Path, user_id: int) -> None:
    db = await Database.open(path)
    try:
        now = datetime.now(UTC)
        await db.users.set_language(user_id, "en")
        await db.disputes.create(
            Dispute(
                user_id=user_id,
                order_id=ORDER,
                stage=Stage.OPENED,
                item_title="Desk lamp",
                opened_at=now - timedelta(days=1),
                seller_deadline=now + timedelta(days=4),
            )
        )
    finally:
        await db.close()


async def answer(
    api: FakeBotApi, user: dict[str, Any], update: dict[str, Any], *, within: float = 20
) -> tuple[Sent, float]:
    """Push `update` and wait for the next message to that buyer; (it, seconds taken)."""
    before = len(api.sent)
    started = time.monotonic()
    api.push_update(update)
    sent = await api.wait_sent(
        lambda s: (
            s.chat_id == user["id"]
            and s.method in ("sendMessage", "editMessageText")
            and api.sent.index(s) >= before
        ),
        within=within,
    )
    return sent, time.monotonic() - started


def button(message: Sent, label: str) -> str:
    return next(data for text, data in message.buttons if label in text)


async def test_a_held_write_lock_stalls_no_reader(server: StandinServer, tmp_path: Path) -> None:
    api = server.api
    path = tmp_path / "bot.sqlite3"
    owner = standin.user(5001, "en")
    await seed_buyer_with_dispute(path, int(owner["id"]))
    bot = BotProcess(server, path)
    await bot.start()
    try:
        switcher = standin.user(5004, "en")
        menu, _ = await answer(api, switcher, standin.text_update(switcher, "/language"))

        other = sqlite3.connect(path, isolation_level=None, timeout=10)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE users SET updated_at = updated_at")
        locked_at = time.monotonic()
        try:
            # A write: waits (without holding anyone up), then the apology, in English.
            write = asyncio.create_task(
                answer(
                    api,
                    switcher,
                    standin.callback_update(switcher, button(menu, "Русский"), menu),
                )
            )
            await asyncio.sleep(0.3)
            readers = [
                (owner, "/status", ORDER),
                (standin.user(5002, "en"), "/start", "Hello"),
                (standin.user(5003, "ru"), "/help", "/new"),
                (owner, "/help", "/status"),
            ]
            took: dict[str, float] = {}
            for user, text, expect in readers:
                sent, seconds = await answer(api, user, standin.text_update(user, text))
                assert expect in sent.text, (text, sent.text)
                took[f"{text} ({user['id']})"] = seconds
            apology, write_took = await write
            assert time.monotonic() - locked_at < HOLD, "the lock must still be held here"
        finally:
            await asyncio.sleep(max(0.0, HOLD - (time.monotonic() - locked_at)))
            other.execute("ROLLBACK")
            other.close()
        print(f"\nread-only answers under a held write lock: {took}; write: {write_took:.2f} s")
        assert all(seconds < ANSWER_WITHIN for seconds in took.values()), took
        assert "Sorry, something went wrong" in apology.text
        assert 4.0 < write_took < HOLD

        # The lock is gone: the same step goes through.
        menu, _ = await answer(api, switcher, standin.text_update(switcher, "/language"))
        done, _ = await answer(
            api, switcher, standin.callback_update(switcher, button(menu, "Русский"), menu)
        )
        assert "Готово" in done.text
        assert await bot.terminate() == 0
    finally:
        if bot.alive:
            await bot.kill9()
    assert "DatabaseBusyError" in bot.log_tail(200_000)  # the error handler logged it
