"""SqlitePersistence: every BasePersistence method round-trips through the database, and the
lifecycle (lazy open, close at flush, reopen) fits PTB's Application order of calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import PersistenceInput

from bot.domain.models import Dispute
from bot.storage.db import Database
from bot.storage.persistence import SqlitePersistence
from bot.storage.repositories import ConversationWrite


@pytest.fixture
async def persistence(tmp_path: Path) -> AsyncIterator[SqlitePersistence]:
    p = SqlitePersistence(tmp_path / "bot.sqlite3")
    try:
        yield p
    finally:
        await p.close()


async def reopened(p: SqlitePersistence, path: Path) -> SqlitePersistence:
    """Simulate a restart: flush (closes), then a fresh persistence on the same file."""
    await p.flush()
    return SqlitePersistence(path)


async def test_empty_database_loads_empty(persistence: SqlitePersistence) -> None:
    assert await persistence.get_user_data() == {}
    assert await persistence.get_chat_data() == {}
    assert await persistence.get_bot_data() == {}
    assert await persistence.get_callback_data() is None
    assert await persistence.get_conversations("wizard") == {}


async def test_user_chat_and_bot_data_round_trip(
    persistence: SqlitePersistence, tmp_path: Path
) -> None:
    user: dict[Any, Any] = {
        "draft": {"step": 3, "amount": [1250, "USD"]},
        7: "int key",
        "pair": (1, "a"),
        "seen": datetime(2026, 1, 1, tzinfo=UTC),
    }
    await persistence.update_user_data(10, user)
    await persistence.update_user_data(11, {})
    await persistence.update_chat_data(-100, {"album": ["a", "b"]})
    await persistence.update_bot_data({"started": 1, "names": {"x": None}})
    await persistence.update_user_data(11, {"overwritten": True})

    again = await reopened(persistence, tmp_path / "bot.sqlite3")
    try:
        assert await again.get_user_data() == {10: user, 11: {"overwritten": True}}
        assert await again.get_chat_data() == {-100: {"album": ["a", "b"]}}
        assert await again.get_bot_data() == {"started": 1, "names": {"x": None}}
        # Each get returns fresh objects, so PTB may mutate them freely.
        loaded = await again.get_user_data()
        loaded[10]["draft"]["step"] = 99
        assert (await again.get_user_data())[10]["draft"]["step"] == 3

        await again.drop_user_data(10)
        await again.drop_chat_data(-100)
        await again.drop_user_data(12345)  # absent: no error
        assert await again.get_user_data() == {11: {"overwritten": True}}
        assert await again.get_chat_data() == {}
    finally:
        await again.close()


async def test_callback_data_round_trips_exactly(
    persistence: SqlitePersistence, tmp_path: Path
) -> None:
    data = (
        [
            ("kb-1", 1767225600.5, {"btn-a": "stage:opened", "btn-b": ("edit", 3)}),
            ("kb-2", 1767225601.0, {}),
        ],
        {"cq-1": "kb-1"},
    )
    await persistence.update_callback_data(data)
    again = await reopened(persistence, tmp_path / "bot.sqlite3")
    try:
        loaded = await again.get_callback_data()
        assert loaded == data
        assert loaded is not None and isinstance(loaded[0][0], tuple)
    finally:
        await again.close()


async def test_conversations_round_trip_and_end(
    persistence: SqlitePersistence, tmp_path: Path
) -> None:
    await persistence.update_conversation("wizard", (5, 5), "amount")
    await persistence.update_conversation("wizard", (6, 6), 3)
    await persistence.update_conversation("settings", (5, 5), "tz")
    await persistence.update_conversation("wizard", (5, 5), "reason")  # overwrite
    await persistence.update_conversation("wizard", (6, 6), None)  # ended
    await persistence.update_conversation("wizard", (7, 7), None)  # never existed: fine

    again = await reopened(persistence, tmp_path / "bot.sqlite3")
    try:
        assert await again.get_conversations("wizard") == {(5, 5): "reason"}
        assert await again.get_conversations("settings") == {(5, 5): "tz"}
        assert await again.get_conversations("nothing") == {}
    finally:
        await again.close()


async def test_dispute_save_and_persistence_share_conversation_rows(
    persistence: SqlitePersistence,
) -> None:
    """The wizard writes its state with the dispute step (before replying); PTB later writes
    the same state with update_conversation. Both must address the same row."""
    db = await persistence.database()
    d = await db.disputes.create(
        Dispute(user_id=5, order_id="1"), conversation=ConversationWrite("wizard", (5, 5), "title")
    )
    assert await persistence.get_conversations("wizard") == {(5, 5): "title"}
    await persistence.update_conversation("wizard", (5, 5), "amount")
    await db.disputes.save(d, conversation=ConversationWrite("wizard", (5, 5), "paid"))
    assert await persistence.get_conversations("wizard") == {(5, 5): "paid"}
    assert len(await db.fetchall("SELECT * FROM conversations")) == 1


async def test_refresh_methods_leave_memory_alone(persistence: SqlitePersistence) -> None:
    await persistence.update_user_data(1, {"a": 1})
    in_memory = {"a": 2}
    await persistence.refresh_user_data(1, in_memory)
    await persistence.refresh_chat_data(1, in_memory)
    await persistence.refresh_bot_data(in_memory)
    assert in_memory == {"a": 2}


async def test_lifecycle_lazy_open_flush_closes_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "bot.sqlite3"
    p = SqlitePersistence(path, store_data=PersistenceInput(bot_data=False), update_interval=5)
    assert p.update_interval == 5 and p.store_data.bot_data is False
    with pytest.raises(RuntimeError, match="not open"):
        _ = p.db
    assert not path.exists()  # nothing happens before PTB (or post_init) asks

    await p.get_user_data()  # what Application.initialize does first
    db = p.db
    assert db is await p.database() is await p.get_database()  # one shared Database
    await db.users.set_language(1, "ru")

    await p.flush()  # Application.shutdown's last persistence call
    assert db.closed
    await p.close()  # post_shutdown may close too: harmless

    await p.update_user_data(2, {})  # a later initialize() reopens transparently
    assert p.db is not db
    settings = await p.db.users.get(1)
    assert settings is not None and settings.language == "ru"
    await p.close()


async def test_from_database_does_not_close_what_it_does_not_own(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        p = SqlitePersistence.from_database(db)
        assert p.db is db
        await p.update_bot_data({"k": "v"})
        await p.flush()
        assert not db.closed
        assert await p.get_bot_data() == {"k": "v"}
    finally:
        await db.close()


async def test_unstorable_values_fail_loudly(persistence: SqlitePersistence) -> None:
    """JSON, not pickle: an object PTB could only pickle is an error, not silent data loss."""
    with pytest.raises(TypeError, match="object"):
        await persistence.update_user_data(1, {"x": object()})
    assert await persistence.get_user_data() == {}
