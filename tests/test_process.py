"""The bot as a real process (`python -m bot`) against the stand-in over loopback HTTP.

The durability promise, tested the hard way: a step the bot has replied to survives `kill -9`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.storage.db import Database
from tests import standin
from tests.harness import TEST_TOKEN
from tests.processes import BotProcess
from tests.standin import FakeBotApi, Sent, StandinServer

pytestmark = [pytest.mark.slow, pytest.mark.both_engines]


def _reply_with(api: FakeBotApi, user: dict[str, object], before: int, expect: str):  # type: ignore[no-untyped-def]
    """What the buyer sees next that contains `expect`: a new message or a prompt edited in
    place (a button press may do both: retire the old prompt and send the next one)."""
    return lambda s: (
        s.chat_id == user["id"]
        and s.method in ("sendMessage", "editMessageText")
        and api.sent.index(s) >= before
        and expect in s.text
    )


async def say(api: FakeBotApi, user: dict[str, object], text: str, expect: str) -> Sent:
    before = len(api.sent)
    api.push_update(standin.text_update(user, text))
    return await api.wait_sent(_reply_with(api, user, before, expect), within=20)


async def press(api: FakeBotApi, user: dict[str, object], label: str, expect: str) -> Sent:
    message = next(
        s
        for s in reversed(api.sent_to(int(str(user["id"]))))
        if any(label in text for text, _ in s.buttons)
    )
    data = next(d for text, d in message.buttons if label in text)
    before = len(api.sent)
    api.push_update(standin.callback_update(user, data, message))
    return await api.wait_sent(_reply_with(api, user, before, expect), within=20)


async def test_kill_9_mid_wizard_then_finish(
    server: StandinServer, tmp_path: Path, db_target: Path | str
) -> None:
    api = server.api
    bot = BotProcess(server, db_target, env={"LOG_LEVEL": "DEBUG"}, workdir=tmp_path)
    buyer = standin.user(4242, "en")
    await bot.start()
    try:
        await say(api, buyer, "/new", "Step 1 of 10")
        await say(api, buyer, "8123456789012345", "Step 2 of 10")
        await say(api, buyer, "Desk lamp", "Step 3 of 10")
        await bot.kill9()  # no shutdown, no flush: only what was committed survives

        await bot.start()
        # The answer given after the restart lands on step 3: nothing before it was lost.
        await say(api, buyer, "$25", "Step 4 of 10")
        await say(api, buyer, "30", "Step 5 of 10")
        await bot.kill9()

        await bot.start()
        await press(api, buyer, "No, I did not", "Step 6 of 10")
        await press(api, buyer, "Package was returned", "When did the seller ship")
        await press(api, buyer, "Skip", "Step 8 of 14")
        await say(api, buyer, "Tracking says it went back to the seller last week.", "Step 9 of 14")
        await press(api, buyer, "Skip the rest", "Step 13 of 14")
        await press(api, buyer, "Skip", "Step 14 of 14")
        await press(api, buyer, "Confirm", "How to open it")
        await press(api, buyer, "today", "seller must answer")
        assert await bot.terminate() == 0
    finally:
        if bot.proc and bot.proc.returncode is None:
            await bot.kill9()
    db = await Database.open(db_target)
    try:
        row = await db.fetchone("SELECT order_id, stage, item_title FROM disputes")
    finally:
        await db.close()
    assert row is not None and tuple(row) == ("8123456789012345", "opened", "Desk lamp")
    log_text = bot.log_path.read_text()
    assert TEST_TOKEN not in log_text and TEST_TOKEN.split(":")[1] not in log_text
    password = urlsplit(db_target).password if isinstance(db_target, str) else None
    assert not password or password not in log_text  # DATABASE_URL's, at DEBUG too
    assert "getUpdates" in log_text  # DEBUG logging was on and saw the URLs
