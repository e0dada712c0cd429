"""The webhook's inbox and its leases (bot/storage/repositories/inbox.py, bot/inbox.py), on both
engines: an update stored twice is one row; a chat is leased to one process at a time and
taken over when its lease expires; its updates come in update_id order; a write made while
an inbox update is handled records that update in the same transaction, so a recorded update
is never handled again; the outgoing budget is shared by the live processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.concurrency import INBOX_UPDATE, inbox_update_id
from bot.domain.models import Dispute
from bot.fleet import Fleet
from bot.ratelimit import OutgoingLimiter
from bot.storage.codecs import to_db_time
from bot.storage.db import Database
from bot.storage.sql import Tx

pytestmark = pytest.mark.both_engines

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return to_db_time(T0 + timedelta(seconds=seconds))


@pytest.fixture
async def db(db_target: Path | str) -> AsyncIterator[Database]:
    database = await Database.open(db_target)
    database.record_updates(inbox_update_id)
    try:
        yield database
    finally:
        await database.close()


async def test_an_update_stored_twice_is_one_row(db: Database) -> None:
    await db.inbox.store(10, 501, '{"update_id": 10}', at(0))
    await db.inbox.store(10, 501, '{"update_id": 10, "again": true}', at(1))
    assert await db.inbox.waiting() == 1
    [stored] = await db.inbox.pending(501, 10)
    assert (stored.update_id, stored.body, stored.handled) == (10, '{"update_id": 10}', False)


async def test_a_chat_is_leased_to_one_process_until_its_lease_expires(db: Database) -> None:
    for update_id, chat in ((3, 501), (1, 502), (2, 501)):
        await db.inbox.store(update_id, chat, "{}", at(0))
    # Oldest update first; the second process gets nothing while the leases last.
    assert await db.inbox.claim_chats("a", at(0), at(15), 10) == [502, 501]
    assert await db.inbox.claim_chats("b", at(1), at(16), 10) == []
    assert [s.update_id for s in await db.inbox.pending(501, 10)] == [2, 3]  # in order
    # "a" stops renewing (killed): after the expiry "b" takes both chats over.
    assert sorted(await db.inbox.claim_chats("b", at(15.5), at(30), 10)) == [501, 502]
    assert await db.inbox.claim_chats("a", at(16), at(31), 10) == []


async def test_the_lease_goes_back_only_when_the_chat_is_empty(db: Database) -> None:
    await db.inbox.store(1, 501, "{}", at(0))
    await db.inbox.store(2, 501, "{}", at(0))
    assert await db.inbox.claim_chats("a", at(0), at(15), 10) == [501]
    await db.inbox.finish(1)
    assert await db.inbox.release_if_empty(501, "a") is False  # 2 waits: "a" keeps it
    await db.inbox.finish(2)
    await db.inbox.store(3, 501, "{}", at(2))  # stored before "a" lets go: "a" keeps it
    assert await db.inbox.release_if_empty(501, "a") is False
    assert await db.inbox.claim_chats("b", at(3), at(18), 10) == []
    await db.inbox.finish(3)
    assert await db.inbox.release_if_empty(501, "b") is False  # not b's to give back
    assert await db.inbox.release_if_empty(501, "a") is True
    assert await db.inbox.waiting() == 0
    await db.inbox.store(4, 501, "{}", at(4))  # the next one is anybody's at once
    assert await db.inbox.claim_chats("b", at(4), at(19), 10) == [501]
    # An update whose writes recorded it, delivered again: stored, but marked as handled.
    token = INBOX_UPDATE.set(2)
    try:
        await db.users.set_language(501, "en")
    finally:
        INBOX_UPDATE.reset(token)
    await db.inbox.store(2, 501, "{}", at(5))
    assert [(s.update_id, s.handled) for s in await db.inbox.pending(501, 10)] == [
        (2, True),
        (4, False),
    ]


async def test_writes_of_an_inbox_update_record_it_with_them(db: Database) -> None:
    token = INBOX_UPDATE.set(77)
    try:
        await db.users.set_language(1, "en")  # an autocommitted statement
        await db.disputes.create(Dispute(user_id=1, order_id="8123456789012345"))  # a tx
    finally:
        INBOX_UPDATE.reset(token)
    await db.inbox.store(77, 1, "{}", at(0))
    [stored] = await db.inbox.pending(1, 10)
    assert stored.handled

    async def fails(tx: Tx) -> None:
        await tx.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (2, 'x', 'x')")
        raise RuntimeError("the handler failed")

    token = INBOX_UPDATE.set(78)
    try:
        with pytest.raises(RuntimeError):
            await db.run(fails)
    finally:
        INBOX_UPDATE.reset(token)
    await db.inbox.store(78, 2, "{}", at(0))
    [stored] = await db.inbox.pending(2, 10)
    assert not stored.handled and await db.users.get(2) is None  # neither, as one
    # Outside an inbox update nothing is recorded (polling, the reminder dispatcher).
    await db.users.set_language(3, "ru")
    row = await db.fetchone("SELECT COUNT(*) FROM handled_updates")
    assert row is not None and row[0] == 1


async def test_live_processes_share_the_outgoing_budget(db: Database) -> None:
    first = OutgoingLimiter(30, reminder_rate=20)
    second = OutgoingLimiter(30, reminder_rate=20)
    one, two = Fleet(db, "one", budget=first), Fleet(db, "two", budget=second)
    await one.beat()
    assert (one.live, first.rate, first.reminder_rate) == (1, 30, 20)
    await two.beat()
    await one.beat()
    assert (one.live, two.live) == (2, 2)
    assert (first.rate, second.rate, first.reminder_rate) == (15, 15, 10)
    await two.stop()  # a clean stop leaves at once
    await one.beat()
    assert (one.live, first.rate) == (1, 30)
