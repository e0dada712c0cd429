"""PostgreSQL's side of issue 15 §5: while another session holds a lock, reads go on, a write
that needs the lock waits at most `write_wait` then fails with DatabaseBusyError (the buyer's
apology; nothing written), and writes that need no such lock are not held up by it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable

import asyncpg
import pytest

from bot.domain.models import Dispute, Event
from bot.storage.db import Database
from bot.storage.errors import DatabaseBusyError
from tests.databases import fresh_schema

WAIT = 1.5  # the engine's write wait in these tests (production: 5 s)


@pytest.fixture
async def pg() -> AsyncIterator[tuple[Database, str]]:
    async with fresh_schema() as url:
        db = await Database.open(url, write_wait=WAIT)
        try:
            yield db, url
        finally:
            await db.close()


async def timed(awaitable: Awaitable[object]) -> tuple[object, float]:
    started = time.monotonic()
    result = await awaitable
    return result, time.monotonic() - started


async def test_a_held_lock_stalls_only_the_writes_that_need_it(pg: tuple[Database, str]) -> None:
    db, url = pg
    await db.users.set_language(1, "ru")
    case = await db.disputes.create(Dispute(user_id=1, order_id="8123456789012345"))
    assert case.id is not None
    other = await asyncpg.connect(url)
    try:
        # What an operator's `BEGIN; LOCK TABLE users IN EXCLUSIVE MODE;` does: writes to
        # users wait, reads do not.
        holding = other.transaction()
        await holding.start()
        await other.execute("LOCK TABLE users IN EXCLUSIVE MODE")
        started = time.monotonic()
        blocked = asyncio.create_task(db.users.set_language(2, "en"))
        await asyncio.sleep(0.2)
        assert not blocked.done()
        for _ in range(5):
            settings, took = await timed(db.users.get(1))
            assert settings is not None and took < 0.5
        # A write that needs no lock on users goes through meanwhile.
        event = Event(case.id, case.created_at or db.clock(), "buyer", "note")
        _, took = await timed(db.events.append(event))
        assert took < 0.5
        with pytest.raises(DatabaseBusyError, match="nothing was written") as error:
            await blocked
        assert time.monotonic() - started < WAIT + 1.0
        assert "secret" not in str(error.value) and ":***@" in str(error.value)
        await holding.rollback()
    finally:
        await other.close()
    assert await db.users.get(2) is None  # nothing half-written
    _, took = await timed(db.users.set_language(2, "en"))  # the lock is free again
    assert took < 0.5 and len(await db.events.list(case.id)) == 1
