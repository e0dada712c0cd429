"""SqlitePersistence: every BasePersistence method round-trips through the database, and the
lifecycle (lazy open, close at flush, reopen) fits PTB's Application order of calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.models import Dispute
from bot.storage.db import Database
from bot.storage.persistence import STORE, SqlitePersistence
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
    assert await persistence.get_conversations("wizard") == {}
    assert await persistence.get_user_data() == {}
    assert await persistence.get_chat_data() == {}
    assert await persistence.get_bot_data() == {}
    assert await persistence.get_callback_data() is None


def test_only_conversations_are_stored(persistence: SqlitePersistence) -> None:
    """PTB loads, marks and writes user/chat/bot/callback data only when store_data asks for
    them; the bot uses none, so none is asked for (issue 15 §6)."""
    assert persistence.store_data == STORE
    assert not any((STORE.user_data, STORE.chat_data, STORE.bot_data, STORE.callback_data))


async def test_data_it_does_not_store_is_refused_loudly(persistence: SqlitePersistence) -> None:
    """Unreachable through PTB with STORE; called directly, an error, not silent loss."""
    calls = [
        persistence.update_user_data(1, {"a": 1}),
        persistence.update_chat_data(1, {}),
        persistence.update_bot_data({}),
        persistence.update_callback_data(([], {})),
        persistence.drop_user_data(1),
        persistence.drop_chat_data(1),
        persistence.refresh_user_data(1, {}),
        persistence.refresh_chat_data(1, {}),
        persistence.refresh_bot_data({}),
    ]
    for call in calls:
        with pytest.raises(RuntimeError, match="conversations only"):
            await call


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


async def test_lifecycle_lazy_open_flush_closes_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "bot.sqlite3"
    p = SqlitePersistence(path, update_interval=5)
    assert p.update_interval == 5
    with pytest.raises(RuntimeError, match="not open"):
        _ = p.db
    assert not path.exists()  # nothing happens before PTB (or post_init) asks

    await p.get_conversations("wizard")  # what Application.initialize does first
    db = p.db
    assert db is await p.database() is await p.get_database()  # one shared Database
    await db.users.set_language(1, "ru")

    await p.flush()  # Application.shutdown's last persistence call
    assert db.closed
    await p.close()  # post_shutdown may close too: harmless

    await p.update_conversation("wizard", (2, 2), "order")  # a later initialize() reopens
    assert p.db is not db
    settings = await p.db.users.get(1)
    assert settings is not None and settings.language == "ru"
    await p.close()


async def test_from_database_does_not_close_what_it_does_not_own(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        p = SqlitePersistence.from_database(db)
        assert p.db is db
        await p.update_conversation("wizard", (3, 3), "amount")
        await p.flush()
        assert not db.closed
        assert await p.get_conversations("wizard") == {(3, 3): "amount"}
    finally:
        await db.close()


async def test_unstorable_values_fail_loudly(persistence: SqlitePersistence) -> None:
    """JSON, not pickle: a state PTB could only pickle is an error, not silent data loss."""
    with pytest.raises(TypeError, match="object"):
        await persistence.update_conversation("wizard", (1, 1), object())
    assert await persistence.get_conversations("wizard") == {}
