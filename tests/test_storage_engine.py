"""The engine's read/write split: reads never wait for a write, and a write that cannot get
SQLite's lock (another process holds it) waits without holding anyone else up, then fails
with DatabaseBusyError. Also: open errors in one line, and the transaction-time metric."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot import metrics
from bot.storage.db import Database
from bot.storage.errors import DatabaseBusyError, DatabaseOpenError
from bot.storage.sql import Tx

WAIT = 1.5  # the engine's write wait in these tests (production: 5 s)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3", write_wait=WAIT)
    try:
        yield database
    finally:
        await database.close()


@contextmanager
def write_lock_held_by_another_process(path: Path) -> Iterator[sqlite3.Connection]:
    """What `sqlite3 bot.sqlite3` + `BEGIN IMMEDIATE;` in a shell does to the bot."""
    other = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (99, 'x', 'x')")
        yield other
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


async def timed(awaitable: object) -> tuple[object, float]:
    started = time.monotonic()
    result = await awaitable  # type: ignore[misc]
    return result, time.monotonic() - started


async def test_reads_go_on_while_a_write_waits_for_the_lock(db: Database) -> None:
    await db.users.set_language(1, "ru")
    with write_lock_held_by_another_process(db.path or Path()):
        waiting_write = asyncio.create_task(db.users.set_language(2, "en"))
        await asyncio.sleep(0.2)  # the write is now retrying
        assert not waiting_write.done()
        for _ in range(5):
            settings, took = await timed(db.users.get(1))
            assert settings is not None and settings.language == "ru"  # type: ignore[attr-defined]
            assert took < 0.5
        _, took = await timed(db.schema_version())
        assert took < 0.5
        with pytest.raises(DatabaseBusyError, match="write lock"):
            await waiting_write
    assert await db.users.get(2) is None  # nothing half-written


async def test_a_waiting_write_does_not_make_other_writes_wait_longer(db: Database) -> None:
    """Each write waits its own bound; the first does not hold the others behind it."""
    with write_lock_held_by_another_process(db.path or Path()):
        started = time.monotonic()
        first = asyncio.create_task(db.users.set_language(1, "en"))
        await asyncio.sleep(0.5)
        second = asyncio.create_task(db.users.set_language(2, "en"))
        results = await asyncio.gather(first, second, return_exceptions=True)
        took = time.monotonic() - started
    assert all(isinstance(r, DatabaseBusyError) for r in results)
    # One lock holder would make it 2 x WAIT; both bounded by their own deadline instead.
    assert took < 0.5 + WAIT + 1.0


async def test_a_write_goes_through_once_the_other_process_commits(db: Database) -> None:
    with write_lock_held_by_another_process(db.path or Path()) as other:
        task = asyncio.create_task(db.users.set_language(1, "en"))
        tx = asyncio.create_task(_insert_in_transaction(db, 2))
        await asyncio.sleep(0.3)
        other.execute("COMMIT")
        await asyncio.wait_for(asyncio.gather(task, tx), 5)
    users = {r[0] for r in await db.fetchall("SELECT user_id FROM users")}
    assert users == {1, 2, 99}


async def _insert_in_transaction(db: Database, user_id: int) -> None:
    async def work(tx: Tx) -> None:
        await tx.execute(
            "INSERT INTO users (user_id, created_at, updated_at) VALUES (:id, 'x', 'x')",
            {"id": user_id},
        )

    await db.run(work)


async def test_a_transaction_waits_without_the_lock_then_fails(db: Database) -> None:
    with write_lock_held_by_another_process(db.path or Path()):
        task = asyncio.create_task(_insert_in_transaction(db, 5))
        await asyncio.sleep(0.2)
        _, took = await timed(db.fetchall("SELECT * FROM users"))
        assert took < 0.5
        with pytest.raises(DatabaseBusyError):
            await task
    # The lock was given back: the next write goes through at once.
    _, took = await timed(_insert_in_transaction(db, 6))
    assert took < 0.5
    assert [r[0] for r in await db.fetchall("SELECT user_id FROM users")] == [6]


async def test_a_write_sent_to_the_read_side_fails_loudly(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.fetchall("INSERT INTO users (user_id, created_at, updated_at) VALUES (1, '', '')")
    assert await db.fetchall("SELECT * FROM users") == []


async def test_reads_see_every_acknowledged_write(db: Database) -> None:
    for n in range(50):
        await db.users.set_language(n, "en" if n % 2 else "ru")
        settings = await db.users.get(n)
        assert settings is not None and settings.language == ("en" if n % 2 else "ru")


async def test_every_transaction_is_observed(db: Database) -> None:
    def count() -> float:
        value = metrics.REGISTRY.get_sample_value("dispute_helper_db_transaction_seconds_count")
        return value or 0.0

    before = count()
    await db.users.set_language(1, "en")  # a write
    await db.users.get(1)  # a read
    await db.run(lambda tx: tx.fetchall("SELECT 1"))  # a transaction
    assert count() == before + 3


async def test_close_waits_for_a_read_in_progress(db: Database) -> None:
    for n in range(10):
        await db.users.set_language(n, "en")
    seen: list[int] = []
    async with db.stream("SELECT user_id FROM users ORDER BY user_id", chunk=3) as chunks:
        closing = asyncio.create_task(db.close())
        await asyncio.sleep(0.05)
        assert not closing.done()
        async for rows in chunks:
            seen += [r[0] for r in rows]
    await closing
    assert seen == list(range(10)) and db.closed


@pytest.mark.parametrize("case", ["directory", "under_a_file", "not_a_database"])
async def test_open_errors_are_one_line_naming_the_file(tmp_path: Path, case: str) -> None:
    if case == "directory":
        path = tmp_path / "db"
        path.mkdir()
        expected = "is a directory"
    elif case == "under_a_file":
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "bot.sqlite3"
        expected = "is not a directory"
    else:
        path = tmp_path / "bot.sqlite3"
        path.write_bytes(b"this is not a database at all, but long enough" * 100)
        expected = "is not a SQLite database"
    with pytest.raises(DatabaseOpenError) as error:
        await Database.open(path)
    message = str(error.value)
    assert expected in message and str(path) in message and "\n" not in message
