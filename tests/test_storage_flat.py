"""Memory and storage flat in the number of buyers (issue 15 §6): a buyer who only said hello
leaves no row behind, nothing per buyer piles up in the running application, and the
settings cache is bounded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.context import BuyerCache
from bot.domain.models import UserSettings
from bot.storage.db import Database
from bot.storage.schema import latest_schema_version, load_migrations
from tests.harness import FakeClock, Harness, texts


def rows_per_table(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        # Table names come from sqlite_master, not from input.
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608


async def test_hundred_hellos_leave_no_row_and_nothing_in_memory(
    db_path: Path, clock: FakeClock
) -> None:
    harness = Harness(db_path, clock=clock)
    await harness.start()
    try:
        for n in range(100):
            [reply] = await harness.buyer(10_000 + n, language_code="ru").say("/start")
            assert reply.text.startswith("Здравствуйте")
        app = harness.app
        assert app is not None
        # PTB's per-buyer marks for persistence writes: none, since there is no persistence.
        assert app._user_ids_to_be_updated_in_persistence == set()
        assert app._chat_ids_to_be_updated_in_persistence == set()
        assert len(app.user_data) == 0 and len(app.chat_data) == 0
        assert len(app.services.buyers) == 100  # bounded below (BuyerCache)
    finally:
        await harness.stop()
    assert set(rows_per_table(db_path).values()) == {0}, rows_per_table(db_path)


async def test_deletedata_still_forgets_everything(db_path: Path, clock: FakeClock) -> None:
    async with Harness(db_path, clock=clock) as harness:
        buyer = harness.buyer(77)
        await buyer.say("/language")
        await buyer.press("Русский")
        await buyer.say("/deletedata")
        replies = await buyer.press("Да, удалить")
        assert any("данные удалены" in t for t in texts(replies)), texts(replies)
        app = harness.app
        assert app is not None and 77 not in app.services.buyers
        assert app._user_ids_to_be_deleted_in_persistence == set()
        [reply] = await buyer.say("/help")
        assert "Dispute Helper" in reply.text  # back to the Telegram language: English
    assert set(rows_per_table(db_path).values()) == {0}


async def test_settings_cache_is_bounded_and_evicted_buyers_are_reread(
    db_path: Path, clock: FakeClock
) -> None:
    async with Harness(db_path, clock=clock) as harness:
        app = harness.app
        assert app is not None
        app.services.buyers = BuyerCache(capacity=10)
        first = harness.buyer(1, language_code="en")
        await first.say("/language")
        await first.press("Русский")
        for n in range(2, 40):
            await harness.buyer(n).say("/start")
        assert len(app.services.buyers) == 10 and 1 not in app.services.buyers
        [reply] = await first.say("/help")
        assert "Помощник по спорам" in reply.text  # read back from the database
        assert 1 in app.services.buyers


def test_buyer_cache_evicts_the_least_recently_used() -> None:
    cache = BuyerCache(capacity=3)
    for n in (1, 2, 3):
        cache[n] = UserSettings(user_id=n)
    assert cache.get(1) is not None  # 1 is now the most recent
    cache[4] = UserSettings(user_id=4)
    assert 2 not in cache and {1, 3, 4} == {n for n in (1, 2, 3, 4) if n in cache}
    cache[3] = UserSettings(user_id=3, language="ru")  # an update refreshes, never grows
    assert len(cache) == 3 and cache.pop(3) is not None and cache.pop(3, None) is None
    assert list(cache) == [1, 4] and cache[1] is not None and list(cache) == [4, 1]
    with pytest.raises(ValueError, match="at least 1"):
        BuyerCache(capacity=0)


async def test_version_2_database_loses_the_dead_ptb_tables_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v2.sqlite3"
    with sqlite3.connect(path) as conn:
        for migration in load_migrations()[:2]:
            for statement in migration.statements():
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 2")
        conn.executemany("INSERT INTO user_data VALUES (?, '{}')", [(n,) for n in range(1, 1001)])
        conn.executemany("INSERT INTO chat_data VALUES (?, '{}')", [(n,) for n in range(1, 1001)])
        conn.execute(
            "INSERT INTO users (user_id, language, created_at, updated_at)"
            " VALUES (5, 'ru', 'x', 'x')"
        )
        conn.execute("INSERT INTO conversations VALUES ('wizard', '[5,5]', '\"amount\"')")
    db = await Database.open(path)
    try:
        assert await db.schema_version() == latest_schema_version()
    finally:
        await db.close()
    assert rows_per_table(path) == {
        "users": 1,
        "disputes": 0,
        "evidence": 0,
        "reminders": 0,
        "events": 0,
        # Migration 5's tables for several processes (bot/inbox.py, bot/fleet.py): empty.
        "inbox": 0,
        "chat_leases": 0,
        "handled_updates": 0,
        "processes": 0,
    }  # conversations went too, with migration 4: the wizard's place is in disputes
