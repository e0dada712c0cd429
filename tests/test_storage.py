"""The storage package: migrations, pragmas, repositories, the reminder outbox, deletion.

These pin down the promises the rest of the bot leans on: an acknowledged write is
committed, a buyer only ever reaches their own rows, re-planning reminders is idempotent,
and /deletedata leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.domain.facts import Facts, Mismatch
from bot.domain.models import (
    Branch,
    DeadlineField,
    Dispute,
    Event,
    Evidence,
    EvidenceKind,
    Money,
    Outcome,
    Reason,
    RefundOption,
    ReminderState,
    Stage,
    UserSettings,
)
from bot.storage.db import (
    Database,
    SchemaTooNewError,
    dumps_json,
    latest_schema_version,
    load_migrations,
    loads_json,
    to_db_time,
)
from bot.storage.errors import ConstraintError
from bot.storage.repositories import (
    DisputeNotFoundError,
    DuplicateActiveDisputeError,
)
from bot.storage.repositories.reminders import replace_reminders as _replace_reminders
from bot.storage.sql import Dialect, Tx
from tests.databases import table_columns

# Every test that takes `sdb` runs on SQLite and on PostgreSQL (tests/databases.py).
pytestmark = pytest.mark.both_engines

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


class StepClock:
    """A settable clock so updated_at and reminder times are predictable."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def step_clock() -> StepClock:
    return StepClock()


@pytest.fixture
async def sdb(db_target: str | Path, step_clock: StepClock) -> AsyncIterator[Database]:
    db = await Database.open(db_target, clock=step_clock)
    try:
        yield db
    finally:
        await db.close()


def full_dispute(user_id: int = 1, order_id: str = "8123456789012345") -> Dispute:
    """A dispute with every field set to a non-default value (MSK offsets on purpose)."""
    msk = timezone(timedelta(hours=3))
    return Dispute(
        user_id=user_id,
        order_id=order_id,
        stage=Stage.EVIDENCE_REQUESTED,
        wizard_step="evidence",
        item_title="Наушники / headphones",
        amount_paid=Money(123456, "RUB"),
        protection_end=datetime(2026, 4, 1, 7, 59, 59, 999999, tzinfo=UTC),
        branch=Branch.RECEIVED,
        reason=Reason.NOT_AS_DESCRIBED,
        receipt_confirmed=False,
        receipt_confirmed_at=datetime(2026, 2, 20, 10, 0, tzinfo=msk),
        refund_option=RefundOption.KEEP_PARTIAL,
        refund_amount=Money(50000, "RUB"),
        description="Не тот размер",
        claim_text="Wrong size.",
        opened_at=datetime(2026, 3, 1, 1, 2, 3, 4, tzinfo=UTC),
        seller_deadline=datetime(2026, 3, 6, 1, 2, 3, tzinfo=UTC),
        escalation_at=datetime(2026, 3, 8, tzinfo=UTC),
        evidence_due=datetime(2026, 3, 4, 23, 0, tzinfo=msk),
        closed_at=datetime(2026, 3, 9, tzinfo=UTC),
        outcome=Outcome.PARTLY_WON,
        muted=True,
        created_at=datetime(2026, 2, 28, tzinfo=UTC),
        updated_at=datetime(2026, 2, 28, tzinfo=UTC),
        return_post_by=datetime(2026, 3, 19, tzinfo=UTC),
        refund_received_at=datetime(2026, 3, 20, tzinfo=UTC),
        shipped_at=datetime(2026, 2, 1, 8, 30, tzinfo=UTC),
        review_due=datetime(2026, 3, 25, 12, 0, tzinfo=msk),
        own_deadlines=frozenset({DeadlineField.EVIDENCE_DUE, DeadlineField.RETURN_POST_BY}),
        facts=Facts(mismatch=Mismatch.SIZE, listed="size XL", arrived="размер M"),
        id=None,
    )


def sqlite_only(db: Database) -> None:
    """For a test of SQLite's own machinery (pragmas, its file, its worker threads)."""
    if db.dialect is not Dialect.SQLITE:
        pytest.skip("SQLite's own machinery")


def sqlite_rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read with a separate plain sqlite3 connection: what is really committed on disk."""
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


# --------------------------------------------------------------------------- schema


async def test_migrates_an_empty_file_and_packages_its_sql(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bot.sqlite3"
    db = await Database.open(path)
    try:
        assert path.exists()
        assert await db.schema_version() == latest_schema_version() == len(load_migrations())
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master")}
        assert {"users", "disputes", "evidence", "reminders", "events"} <= tables
        # No PTB persistence: its tables went in migrations 3 (user, chat, bot and callback
        # data) and 4 (conversations: the wizard's place is the dispute row's wizard_step).
        assert not {"user_data", "chat_data", "bot_data", "callback_data", "conversations"} & (
            tables
        )
    finally:
        await db.close()


async def test_reopen_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    created = await db.disputes.create(full_dispute())
    version = await db.schema_version()
    await db.close()

    db = await Database.open(path)
    try:
        assert await db.schema_version() == version
        assert await db.disputes.get(created.id or 0, 1) == created
    finally:
        await db.close()


async def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await Database.open(path)).close()
    newer = latest_schema_version() + 5
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.close()

    with pytest.raises(SchemaTooNewError) as err:
        await Database.open(path)
    message = str(err.value)
    assert str(newer) in message and str(latest_schema_version()) in message
    assert sqlite_rows(path, "PRAGMA user_version") == [(newer,)]


async def test_pragmas_for_durability_and_integrity(sdb: Database) -> None:
    sqlite_only(sdb)

    def pragmas(*names: str) -> Any:
        async def read(tx: Tx) -> list[Any]:
            return [(await tx.fetchall(f"PRAGMA {name}"))[0][0] for name in names]

        return read

    got = await sdb.run(pragmas("journal_mode", "foreign_keys", "synchronous", "busy_timeout"))
    # NORMAL; no busy wait on the writer's thread: the engine waits with its lock released.
    assert got == ["wal", 1, 1, 0]
    assert await sdb.read(pragmas("journal_mode", "query_only", "busy_timeout")) == [
        "wal",
        1,
        5000,
    ]


async def test_closed_database_says_so(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    await db.close()
    await db.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        await db.users.get(1)


# --------------------------------------------------------------------------- codecs


def test_json_codec_keeps_tuples_int_keys_and_datetimes() -> None:
    value = {
        "plain": [1, 2.5, "x", None, True],
        "tuple": (1, ("nested", 2)),
        "int_keys": {1: "a", 2: {3: (4,)}},
        "tuple_keys": {(1, 2): "pair"},
        "when": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        "looks_like_a_tag": {"__tuple__": [1]},
    }
    assert loads_json(dumps_json(value)) == value
    with pytest.raises(TypeError, match="set"):
        dumps_json({"s": {1, 2}})
    with pytest.raises(ValueError, match="naive"):
        dumps_json(datetime(2026, 1, 1))


# --------------------------------------------------------------------------- users


async def test_user_settings_round_trip_and_upserts(sdb: Database, step_clock: StepClock) -> None:
    assert await sdb.users.get(7) is None
    await sdb.users.set_language(7, "ru")  # upsert before any ensure()
    ensured = await sdb.users.ensure(7)
    assert ensured.language == "ru" and ensured.remind_from_hour is None and not ensured.blocked

    step_clock.now = T0 + timedelta(hours=1)
    await sdb.users.set_timezone(7, "Europe/Moscow")
    await sdb.users.set_waking_hours(7, 8, 22)
    await sdb.users.set_blocked(7, True)
    assert await sdb.users.get(7) == UserSettings(
        user_id=7,
        language="ru",
        timezone="Europe/Moscow",
        remind_from_hour=8,
        remind_to_hour=22,
        blocked=True,
        created_at=T0,
        updated_at=T0 + timedelta(hours=1),
    )
    assert await sdb.users.ensure(7) == await sdb.users.get(7)  # ensure never resets
    with pytest.raises(ValueError):
        await sdb.users.set_waking_hours(7, 25, 3)

    fresh = await sdb.users.ensure(8)
    assert fresh == UserSettings(
        user_id=8, created_at=T0 + timedelta(hours=1), updated_at=fresh.updated_at
    )


# --------------------------------------------------------------------------- disputes


async def test_dispute_round_trips_every_field_exactly(sdb: Database) -> None:
    original = full_dispute()
    defaults = Dispute(user_id=0, order_id="")
    untouched = {
        f.name
        for f in fields(Dispute)
        if f.name != "id" and getattr(original, f.name) == getattr(defaults, f.name)
    }
    # A new Dispute field must get a column: extend full_dispute() and the repository.
    assert untouched == set()

    created = await sdb.disputes.create(original)
    assert created is original and created.id is not None
    loaded = await sdb.disputes.get(created.id, 1)
    assert loaded == created
    assert loaded is not None and loaded.evidence_due is not None
    assert loaded.evidence_due.tzinfo is not None
    assert loaded.evidence_due.utcoffset() == timedelta(0)
    assert loaded.opened_at == datetime(2026, 3, 1, 1, 2, 3, 4, tzinfo=UTC)  # microseconds kept
    assert loaded.amount_paid == Money(123456, "RUB")


async def test_facts_are_stored_as_their_json_and_unreadable_ones_read_as_none(
    sdb: Database, caplog: pytest.LogCaptureFixture
) -> None:
    d = await sdb.disputes.create(full_dispute())
    [(stored,)] = await sdb.fetchall("SELECT facts FROM disputes WHERE id = :id", {"id": d.id})
    assert stored == '{"arr":"размер M","lst":"size XL","mis":"size"}'
    # A value no version of the bot wrote (edited by hand, say) costs the claim its facts,
    # never the case.
    await sdb.execute(
        "UPDATE disputes SET facts = :facts WHERE id = :id", {"facts": '{"mis":"huge"}', "id": d.id}
    )
    loaded = await sdb.disputes.get(d.id or 0, 1)
    assert loaded is not None and loaded.facts is None and loaded.order_id == d.order_id
    assert "unreadable facts" in caplog.text
    await sdb.delete_user_data(1)
    assert await sdb.fetchall("SELECT facts FROM disputes") == []


async def test_own_deadlines_are_stored_as_their_values_and_unknown_ones_dropped(
    sdb: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The buyer's own deadlines (issue 14 §2) go through the mapper's set-of-enum spelling:
    sorted values joined by commas; a value no version of the bot wrote is dropped, logged."""
    d = await sdb.disputes.create(full_dispute())
    query = "SELECT own_deadlines FROM disputes WHERE id = :id"
    [(stored,)] = await sdb.fetchall(query, {"id": d.id})
    assert stored == "evidence_due,return_post_by"
    await sdb.execute(
        "UPDATE disputes SET own_deadlines = :v WHERE id = :id",
        {"v": "seller_deadline,someday", "id": d.id},
    )
    loaded = await sdb.disputes.get(d.id or 0, 1)
    assert loaded is not None and loaded.own_deadlines == {DeadlineField.SELLER_DEADLINE}
    assert "someday" in caplog.text


async def test_dispute_with_only_required_fields(sdb: Database, step_clock: StepClock) -> None:
    d = await sdb.disputes.create(Dispute(user_id=3, order_id="1"))
    assert d.created_at == d.updated_at == T0
    assert await sdb.disputes.get(d.id or 0, 3) == d
    assert await sdb.users.get(3) is not None  # the buyer's row was created alongside


async def test_naive_datetimes_are_refused(sdb: Database) -> None:
    with pytest.raises(ValueError, match="naive"):
        await sdb.disputes.create(Dispute(user_id=1, order_id="1", opened_at=datetime(2026, 1, 1)))
    assert await sdb.disputes.list_for_user(1) == []


async def test_a_buyer_only_reaches_their_own_disputes(sdb: Database) -> None:
    mine = await sdb.disputes.create(Dispute(user_id=1, order_id="111"))
    assert mine.id is not None
    await sdb.reminders.replace_for_dispute(mine.id, 1, [("k", T0, T0)])
    (reminder,) = await sdb.reminders.list_for_dispute(mine.id)

    assert await sdb.disputes.get(mine.id, 2) is None
    assert await sdb.disputes.list_for_user(2) == []
    assert await sdb.reminders.get(reminder.id or 0, 2) is None
    assert await sdb.reminders.get(reminder.id or 0, 1) == reminder
    forged = Dispute(user_id=2, order_id="111", id=mine.id, item_title="hijack")
    with pytest.raises(DisputeNotFoundError):
        await sdb.disputes.save(forged)
    with pytest.raises(DisputeNotFoundError):
        await sdb.reminders.replace_for_dispute(mine.id, 2, [])
    assert await sdb.disputes.delete(mine.id, 2) is False
    assert await sdb.disputes.get(mine.id, 1) == mine


async def test_one_active_case_per_item_of_an_order(sdb: Database) -> None:
    """Issue 14 §2: an order may hold several cases, one per item (the guides: a separate
    dispute per item); one item never has two active cases past their drafts."""
    first = await sdb.disputes.create(Dispute(user_id=1, order_id="42", stage=Stage.OPENED))
    with pytest.raises(DuplicateActiveDisputeError) as err:
        await sdb.disputes.create(Dispute(user_id=1, order_id="42", stage=Stage.READY))
    assert err.value.existing == first
    await sdb.disputes.create(Dispute(user_id=2, order_id="42", stage=Stage.OPENED))  # not hers
    lamp = await sdb.disputes.create(
        Dispute(user_id=1, order_id="42", stage=Stage.OPENED, item_title="Desk lamp")
    )
    with pytest.raises(DuplicateActiveDisputeError) as err:
        await sdb.disputes.create(
            Dispute(user_id=1, order_id="42", stage=Stage.READY, item_title="  DESK lamp ")
        )
    assert err.value.existing == lamp
    assert await sdb.disputes.active_for_order(1, "42") == [first, lamp]
    # While the wizard asks a second case for its title, its draft may look like the first;
    # it cannot be confirmed so.
    draft = await sdb.disputes.create(Dispute(user_id=1, order_id="42"))
    draft.stage = Stage.READY
    with pytest.raises(DuplicateActiveDisputeError):
        await sdb.disputes.save(draft)
    draft.item_title = "Mug"
    await sdb.disputes.save(draft)

    first.stage = Stage.CLOSED
    first.outcome = Outcome.WON
    await sdb.disputes.save(first)
    second = await sdb.disputes.create(Dispute(user_id=1, order_id="42", stage=Stage.OPENED))
    assert await sdb.disputes.find_active(1, "42") == lamp  # the oldest active one
    assert await sdb.disputes.list_for_user(1, include_closed=False) == [lamp, draft, second]

    first.stage = Stage.OPENED  # reopening the closed one would make two active ones
    with pytest.raises(DuplicateActiveDisputeError):
        await sdb.disputes.save(first)


async def test_save_writes_dispute_its_wizard_step_and_event_together(
    sdb: Database, step_clock: StepClock
) -> None:
    d = await sdb.disputes.create(
        Dispute(user_id=5, order_id="9", wizard_step="order"),
        event=Event(dispute_id=0, at=T0, actor="buyer", kind="created"),
    )
    assert d.id is not None
    step_clock.now = T0 + timedelta(minutes=3)
    d.item_title = "Lamp"
    d.wizard_step = "amount"
    await sdb.disputes.save(
        d,
        event=Event(dispute_id=0, at=step_clock.now, actor="buyer", kind="title", detail={"t": 1}),
    )
    assert d.updated_at == step_clock.now
    stored = await sdb.disputes.get(d.id, 5)
    assert stored is not None and stored.item_title == "Lamp" and stored.updated_at == d.updated_at
    assert [(e.kind, e.dispute_id, e.detail) for e in await sdb.events.list(d.id)] == [
        ("created", d.id, {}),
        ("title", d.id, {"t": 1}),
    ]
    in_wizard = await sdb.disputes.in_wizard(5)
    assert in_wizard is not None and in_wizard.wizard_step == "amount"

    d.wizard_step = None
    await sdb.disputes.save(d)
    assert await sdb.disputes.in_wizard(5) is None


async def test_save_is_atomic_when_it_fails_midway(sdb: Database) -> None:
    d = await sdb.disputes.create(Dispute(user_id=5, order_id="9", wizard_step="item"))
    assert d.id is not None
    before = await sdb.disputes.get(d.id, 5)
    d.item_title = "changed"
    d.wizard_step = "amount"
    # The event's detail cannot be encoded: the failure comes after the UPDATE (the answer
    # and the buyer's new place in the wizard) has run inside the transaction.
    bad = Event(dispute_id=d.id, at=T0, actor="buyer", kind="x", detail={"o": object()})
    with pytest.raises(TypeError):
        await sdb.disputes.save(d, event=bad)
    assert await sdb.disputes.get(d.id, 5) == before
    assert await sdb.events.list(d.id) == []


async def test_delete_one_dispute_cascades(sdb: Database) -> None:
    d = await sdb.disputes.create(Dispute(user_id=1, order_id="1"))
    assert d.id is not None
    await sdb.evidence.add(Evidence(d.id, "f", "u", EvidenceKind.PHOTO))
    await sdb.reminders.replace_for_dispute(d.id, 1, [("k", T0, T0)])
    await sdb.events.append(Event(d.id, T0, "bot", "x"))
    assert await sdb.disputes.delete(d.id, 1) is True
    for table in ("evidence", "reminders", "events"):
        assert await sdb.fetchall(f"SELECT * FROM {table}") == []  # noqa: S608


# --------------------------------------------------------------------------- evidence


async def test_evidence_positions_and_duplicates(sdb: Database) -> None:
    d = await sdb.disputes.create(Dispute(user_id=1, order_id="1"))
    assert d.id is not None
    photo = Evidence(d.id, "file-a", "uniq-a", EvidenceKind.PHOTO, file_size=1000, caption="c")
    video = Evidence(
        d.id, "file-b", "uniq-b", EvidenceKind.VIDEO, mime_type="video/mp4", media_group_id="g"
    )
    assert await sdb.evidence.add(photo) is True
    assert await sdb.evidence.add(video) is True
    # Same photo again (new file_id, same unique id): ignored.
    assert await sdb.evidence.add(Evidence(d.id, "file-a2", "uniq-a", EvidenceKind.PHOTO)) is False
    listed = await sdb.evidence.list(d.id)
    assert [(e.file_id, e.position) for e in listed] == [("file-a", 0), ("file-b", 1)]
    assert listed[1].mime_type == "video/mp4" and listed[0].caption == "c"
    assert await sdb.evidence.count(d.id) == 2
    assert await sdb.evidence.count_and_album(d.id, "g") == (2, True)
    assert await sdb.evidence.count_and_album(d.id, "another album") == (2, False)
    assert await sdb.evidence.count_and_album(d.id, None) == (2, False)
    await sdb.evidence.clear(d.id)
    assert await sdb.evidence.count(d.id) == 0
    assert await sdb.evidence.count_and_album(d.id, "g") == (0, False)


# --------------------------------------------------------------------------- reminders


async def _dispute_with_plan(db: Database, user_id: int = 1) -> tuple[int, list[Any]]:
    d = await db.disputes.create(Dispute(user_id=user_id, order_id=f"o{user_id}"))
    assert d.id is not None
    deadline = T0 + timedelta(days=5)
    plan = [
        ("seller_1d", deadline, deadline - timedelta(days=1)),
        ("seller_end", deadline, deadline),
        ("early", T0 + timedelta(days=1), T0 - timedelta(hours=1)),
    ]
    await db.reminders.replace_for_dispute(d.id, user_id, plan)
    return d.id, plan


async def test_outbox_claim_send_retry_fail_and_recover(sdb: Database) -> None:
    dispute_id, _ = await _dispute_with_plan(sdb)
    assert await sdb.reminders.earliest_pending_due() == T0 - timedelta(hours=1)
    due = await sdb.reminders.next_due(T0, 10)
    assert [r.kind for r in due] == ["early"]
    (early,) = due
    assert early.id is not None and early.state is ReminderState.PENDING

    assert await sdb.reminders.claim(early.id) is True
    assert await sdb.reminders.claim(early.id) is False  # someone already has it
    assert await sdb.reminders.next_due(T0, 10) == []

    # Crash between send and mark: back to pending at start-up, sent again, then marked.
    assert await sdb.reminders.recover_sending() == 1
    assert await sdb.reminders.claim(early.id) is True
    await sdb.reminders.mark_retry(early.id, T0 + timedelta(minutes=5))
    assert await sdb.reminders.next_due(T0, 10) == []  # backing off
    assert await sdb.reminders.earliest_pending_due() == T0 + timedelta(minutes=5)
    assert [r.id for r in await sdb.reminders.next_due(T0 + timedelta(minutes=5), 10)] == [early.id]
    assert await sdb.reminders.claim(early.id) is True
    await sdb.reminders.mark_sent(early.id, 777)
    sent = await sdb.reminders.get(early.id, 1)
    assert sent is not None and sent.state is ReminderState.SENT
    assert sent.attempts == 3 and sent.sent_message_id == 777
    assert await sdb.reminders.claim(early.id) is False

    later = T0 + timedelta(days=10)
    ordered = await sdb.reminders.next_due(later, 10)
    assert [r.kind for r in ordered] == ["seller_1d", "seller_end"]
    assert [r.kind for r in await sdb.reminders.next_due(later, 1)] == ["seller_1d"]
    assert await sdb.reminders.claim(ordered[0].id or 0)
    await sdb.reminders.mark_failed(ordered[0].id or 0)
    assert await sdb.reminders.count_by_state() == {
        "pending": 1,
        "sending": 0,
        "sent": 1,
        "cancelled": 0,
        "failed": 1,
    }
    assert await sdb.reminders.cancel_for_dispute(dispute_id) == 1
    assert await sdb.reminders.earliest_pending_due() is None


async def test_replanning_is_idempotent_and_cancels_what_is_gone(
    sdb: Database, step_clock: StepClock
) -> None:
    dispute_id, plan = await _dispute_with_plan(sdb)
    before = await sdb.reminders.list_for_dispute(dispute_id)
    await sdb.reminders.replace_for_dispute(dispute_id, 1, plan)
    assert await sdb.reminders.list_for_dispute(dispute_id) == before

    by_kind = {r.kind: r for r in before}
    await sdb.reminders.claim(by_kind["early"].id or 0)
    await sdb.reminders.mark_sent(by_kind["early"].id or 0, 1)

    # New plan: "seller_end" gone, "seller_1d" moved earlier, "early" kept, one new.
    deadline = T0 + timedelta(days=5)
    moved = deadline - timedelta(days=1, hours=2)
    new_plan = [
        ("seller_1d", deadline, moved),
        plan[2],
        ("escalation", T0 + timedelta(days=7), T0 + timedelta(days=6)),
    ]
    await sdb.reminders.replace_for_dispute(dispute_id, 1, new_plan)
    after = {r.kind: r for r in await sdb.reminders.list_for_dispute(dispute_id)}
    assert after["seller_end"].state is ReminderState.CANCELLED
    assert after["seller_1d"].due_at == moved and after["seller_1d"].id == by_kind["seller_1d"].id
    assert after["early"].state is ReminderState.SENT  # never resent
    assert after["escalation"].state is ReminderState.PENDING

    # Planned again after being cancelled (e.g. unmuted): pending again, same row.
    await sdb.reminders.replace_for_dispute(dispute_id, 1, plan)
    again = {r.kind: r for r in await sdb.reminders.list_for_dispute(dispute_id)}
    assert again["seller_end"].state is ReminderState.PENDING
    assert again["seller_end"].id == by_kind["seller_end"].id
    assert again["escalation"].state is ReminderState.CANCELLED
    assert again["early"].state is ReminderState.SENT
    assert len(again) == 4

    # Applied inside a larger transaction, a plan is rolled back with it when a later step
    # of that transaction fails (the plan itself went through: every pending row cancelled).
    snapshot = await sdb.reminders.list_for_dispute(dispute_id)
    assert any(r.state is ReminderState.PENDING for r in snapshot)

    async def plan_then_fail(tx: Tx) -> None:
        await _replace_reminders(tx, to_db_time(sdb.clock()), dispute_id, 1, [])
        states = {row[0] for row in await tx.fetchall("SELECT state FROM reminders")}
        assert ReminderState.PENDING.value not in states  # applied, for now
        raise RuntimeError("a later step failed")

    with pytest.raises(RuntimeError, match="later step"):
        await sdb.run(plan_then_fail)
    assert await sdb.reminders.list_for_dispute(dispute_id) == snapshot


async def test_cancel_for_user_only_touches_pending(sdb: Database) -> None:
    d1, _ = await _dispute_with_plan(sdb, 1)
    await _dispute_with_plan(sdb, 2)
    first = (await sdb.reminders.list_for_dispute(d1))[0]
    await sdb.reminders.claim(first.id or 0)
    assert await sdb.reminders.cancel_for_user(1) == 2
    states = {r.state for r in await sdb.reminders.list_for_dispute(d1)}
    assert states == {ReminderState.SENDING, ReminderState.CANCELLED}
    assert (await sdb.reminders.count_by_state())["pending"] == 3  # user 2's


async def test_dispatcher_queries_use_the_indexes(sdb: Database) -> None:
    """The dispatcher must stay fast with 100,000 pending rows: its queries are index range
    scans, never a scan of the table or of every pending row."""
    sqlite_only(sdb)
    plan = await sdb.fetchall(
        "EXPLAIN QUERY PLAN SELECT * FROM reminders WHERE state = 'pending' AND due_at <= :t"
        " AND (next_attempt_at IS NULL OR next_attempt_at <= :t) ORDER BY due_at, id LIMIT 10",
        {"t": "t"},
    )
    details = " | ".join(r[3] for r in plan)
    assert "USING INDEX reminders_dispatch" in details
    assert "TEMP B-TREE" not in details  # ORDER BY served by the index

    # Functional check at scale: 100,000 future rows, 3 due ones found first.
    d = await sdb.disputes.create(Dispute(user_id=1, order_id="1"))
    # Generated inside SQLite (a recursive CTE) to keep the test quick; due_at in the future.
    await sdb.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)"
        " INSERT INTO reminders (user_id, dispute_id, kind, deadline_at, due_at, created_at,"
        " updated_at) SELECT 1, :d, 'k' || i, :deadline,"
        " strftime('%Y-%m-%dT%H:%M:%f000Z', :start, '+' || i || ' seconds'), 'x', 'x' FROM n",
        {
            "d": d.id,
            "deadline": to_db_time(T0 + timedelta(days=30)),
            "start": (T0 + timedelta(days=1)).isoformat(),
        },
    )
    assert (await sdb.reminders.count_by_state())["pending"] == 100_000
    other = await sdb.disputes.create(Dispute(user_id=1, order_id="2"))
    await sdb.reminders.replace_for_dispute(
        other.id or 0, 1, [(f"due{i}", T0, T0 - timedelta(minutes=i)) for i in range(3)]
    )
    loop = asyncio.get_running_loop()
    start = loop.time()
    due = await sdb.reminders.next_due(T0, 100)
    earliest = await sdb.reminders.earliest_pending_due()
    elapsed = loop.time() - start
    assert [r.kind for r in due] == ["due2", "due1", "due0"]
    assert earliest == T0 - timedelta(minutes=2)
    assert elapsed < 0.5  # milliseconds in practice; generous for slow CI


# --------------------------------------------------------------------------- deletion


async def _populate(db: Database, user_id: int) -> None:
    d = await db.disputes.create(
        full_dispute(user_id, order_id=f"{user_id}00"),
        event=Event(0, T0, "buyer", "created", {"by": user_id}),
    )
    assert d.id is not None
    await db.users.set_language(user_id, "en")
    await db.evidence.add(Evidence(d.id, f"f{user_id}", f"u{user_id}", EvidenceKind.PHOTO))
    await db.reminders.replace_for_dispute(d.id, user_id, [("k", T0, T0)])
    await db.events.append(Event(d.id, T0, "bot", "reminded"))


async def _rows_mentioning(db: Database, user_id: int) -> dict[str, int]:
    """Rows in any table that refer to the buyer: by a user_id/chat_id column, by a
    conversation key containing the id, or by a dispute_id of one of their disputes."""
    found: dict[str, int] = {}
    by_user = {"user_id": user_id}
    mine = "SELECT id FROM disputes WHERE user_id = :user_id"
    for table, columns in (await table_columns(db)).items():
        count = 0
        for column in ("user_id", "chat_id"):
            if column in columns:
                row = await db.fetchone(
                    f"SELECT COUNT(*) FROM {table} WHERE {column} = :user_id",  # noqa: S608
                    by_user,
                )
                count += row[0] if row else 0
        if "key" in columns:
            for (key,) in await db.fetchall(f"SELECT key FROM {table}"):  # noqa: S608
                count += user_id in loads_json(key)
        if "dispute_id" in columns:
            row = await db.fetchone(
                f"SELECT COUNT(*) FROM {table} WHERE dispute_id IN ({mine})",  # noqa: S608
                by_user,
            )
            count += row[0] if row else 0
        found[table] = count
    return found


async def test_delete_user_data_removes_every_row_of_that_buyer_only(sdb: Database) -> None:
    await _populate(sdb, 111)
    await _populate(sdb, 222)
    other_before = await _rows_mentioning(sdb, 222)
    mine = await _rows_mentioning(sdb, 111)
    # The check itself sees the buyer everywhere we put them.
    for table in ("users", "disputes", "evidence", "reminders", "events"):
        assert mine[table] > 0, table

    await sdb.delete_user_data(111)

    assert all(n == 0 for n in (await _rows_mentioning(sdb, 111)).values())
    assert await _rows_mentioning(sdb, 222) == other_before
    assert await sdb.users.get(111) is None
    assert len(await sdb.disputes.list_for_user(222)) == 1


# --------------------------------------------------------------------------- transactions


async def test_run_is_one_transaction(sdb: Database) -> None:
    """`Database.run`: the work's writes commit together and its result comes back; an error
    rolls all of them back and reaches the caller; the connection is usable afterwards."""
    insert = "INSERT INTO users (user_id, created_at, updated_at) VALUES (:id, 'x', 'x')"
    committed = sdb.stats.transactions

    async def two_then_fail(tx: Tx) -> None:
        await tx.execute(insert, {"id": 1})
        await tx.execute(insert, {"id": 2})
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await sdb.run(two_then_fail)
    assert await sdb.fetchall("SELECT user_id FROM users") == []
    assert sdb.stats.transactions == committed

    async def two(tx: Tx) -> int:
        await tx.execute(insert, {"id": 1})
        await tx.execute(insert, {"id": 2})
        row = await tx.fetchone("SELECT COUNT(*) FROM users")
        return int(row[0]) if row else 0

    assert await sdb.run(two) == 2
    users = await sdb.fetchall("SELECT user_id FROM users ORDER BY 1")
    assert [r[0] for r in users] == [1, 2]
    assert sdb.stats.transactions == committed + 1


async def test_run_is_not_cut_in_half_by_cancellation(sdb: Database) -> None:
    """A cancelled caller leaves a `run` whole: here it was queued, so it commits entirely,
    and the next statement is not swallowed by a dangling transaction."""
    sqlite_only(sdb)  # the body below blocks its thread: SQLite's worker thread
    insert = "INSERT INTO users (user_id, created_at, updated_at) VALUES (:id, 'x', 'x')"
    started, go_on = threading.Event(), threading.Event()

    async def paused_pair(tx: Tx) -> None:
        await tx.execute(insert, {"id": 1})
        started.set()
        go_on.wait(5)  # on the database thread: the caller is cancelled meanwhile
        await tx.execute(insert, {"id": 2})

    task = asyncio.create_task(sdb.run(paused_pair))
    assert await asyncio.to_thread(started.wait, 5)
    task.cancel()
    go_on.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    await sdb.users.set_language(3, "en")
    rows = sqlite_rows(sdb.path or Path(), "SELECT user_id FROM users ORDER BY 1")
    assert rows == [(1,), (2,), (3,)]


async def test_a_transaction_body_may_await_only_its_database(sdb: Database) -> None:
    """On SQLite a body runs on the writer's thread and must never suspend: one that awaits
    anything else is refused and rolled back, and the next write goes through. On
    PostgreSQL a cancelled body is rolled back whole."""
    insert = "INSERT INTO users (user_id, created_at, updated_at) VALUES (1, 'x', 'x')"
    inside = asyncio.Event()

    async def suspends(tx: Tx) -> None:
        await tx.execute(insert)
        await asyncio.sleep(0)

    async def stuck(tx: Tx) -> None:
        await tx.execute(insert)
        inside.set()
        await asyncio.Event().wait()

    if sdb.dialect is Dialect.SQLITE:
        with pytest.raises(RuntimeError, match="awaited something other"):
            await sdb.run(suspends)
    else:
        task = asyncio.create_task(sdb.run(stuck))
        await inside.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await sdb.users.get(1) is None
    await sdb.users.set_language(2, "en")  # not swallowed by a dangling transaction
    assert [r[0] for r in await sdb.fetchall("SELECT user_id FROM users")] == [2]


async def test_acknowledged_writes_are_on_disk_for_another_connection(sdb: Database) -> None:
    """What a crash image would hold: another connection sees every acknowledged write
    without our connection closing or checkpointing."""
    sqlite_only(sdb)
    d = await sdb.disputes.create(Dispute(user_id=9, order_id="5"))
    d.wizard_step = "amount"
    await sdb.disputes.save(d)
    assert sdb.path is not None
    assert sqlite_rows(sdb.path, "SELECT wizard_step FROM disputes") == [("amount",)]


async def test_stats_count_statements_and_transactions(sdb: Database) -> None:
    sdb.stats.reset()
    await sdb.users.get(1)
    assert (sdb.stats.statements, sdb.stats.transactions) == (1, 0)
    await sdb.disputes.create(Dispute(user_id=1, order_id="1"))
    # ensure-user, insert (the unique index checks the item); BEGIN/COMMIT are not counted.
    assert (sdb.stats.statements, sdb.stats.transactions) == (3, 1)


async def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    """A database written by the first release gains the new column, and keeps its rows."""
    path = tmp_path / "v1.sqlite3"
    first = load_migrations()[0]
    with sqlite3.connect(path) as conn:
        for statement in first.statements():
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (7, 'x', 'x')")
        conn.execute(
            "INSERT INTO disputes (user_id, order_id, stage, muted, created_at, updated_at)"
            " VALUES (7, '8123456789012345', 'draft', 0,"
            " '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')"
        )
    db = await Database.open(path)
    try:
        assert await db.schema_version() == latest_schema_version() >= 2
        [d] = await db.disputes.list_for_user(7)
        assert d.order_id == "8123456789012345" and d.shipped_at is None
        d.shipped_at = datetime(2026, 1, 2, tzinfo=UTC)
        await db.disputes.save(d)
        stored = await db.disputes.get(d.id or 0, 7)
        assert stored is not None and stored.shipped_at == d.shipped_at
    finally:
        await db.close()


# --------------------------------------------------------------------------- schema 4


def _at_version(path: Path, version: int) -> None:
    """A database as the release with schema `version` left it."""
    with sqlite3.connect(path) as conn:
        for migration in load_migrations()[:version]:
            for statement in migration.statements():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")


async def test_a_version_3_database_moves_the_wizard_into_the_dispute_rows(
    tmp_path: Path,
) -> None:
    """Migration 4 rebuilds disputes (order_id nullable) and drops PTB's last table: every
    row and every reference survive, and an id once used is still never given again."""
    path = tmp_path / "v3.sqlite3"
    _at_version(path, 3)
    stamp = "2026-01-01T00:00:00.000000Z"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(
            "INSERT INTO users (user_id, created_at, updated_at) VALUES (7, ?, ?)", (stamp,) * 2
        )
        for order in ("811", "822", "833"):
            conn.execute(
                "INSERT INTO disputes (user_id, order_id, stage, wizard_step, muted, created_at,"
                " updated_at) VALUES (7, ?, 'draft', 'amount', 0, ?, ?)",
                (order, stamp, stamp),
            )
        conn.execute("DELETE FROM disputes WHERE id = 3")  # the sequence stays at 3
        conn.execute(
            "INSERT INTO evidence (dispute_id, file_id, file_unique_id, kind, position,"
            " created_at) VALUES (2, 'f', 'u', 'photo', 0, ?)",
            (stamp,),
        )
        conn.execute(
            "INSERT INTO reminders (user_id, dispute_id, kind, deadline_at, due_at, created_at,"
            " updated_at) VALUES (7, 2, 'k', ?, ?, ?, ?)",
            (stamp,) * 4,
        )
        conn.execute(
            "INSERT INTO events (dispute_id, at, actor, kind) VALUES (2, ?, 'b', 'x')", (stamp,)
        )
        conn.execute("INSERT INTO conversations VALUES ('wizard', '[7,7]', '\"amount\"')")
    db = await Database.open(path)
    try:
        assert await db.schema_version() == latest_schema_version() >= 4
        assert [d.order_id for d in await db.disputes.list_for_user(7)] == ["811", "822"]
        assert await db.evidence.count(2) == 1 and len(await db.events.list(2)) == 1
        assert len(await db.reminders.list_for_dispute(2)) == 1
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master")}
        assert "conversations" not in tables and "disputes_new" not in tables
        assert list(await db.fetchall("PRAGMA foreign_key_check")) == []
        draft = await db.disputes.create(Dispute(user_id=7, order_id=None, wizard_step="order"))
        assert draft.id == 4  # not 3: that id belonged to a deleted dispute
        # Foreign keys are on again: deleting a dispute takes its evidence and events along.
        assert await db.disputes.delete(2, 7)
        assert await db.evidence.count(2) == 0 and await db.events.list(2) == []
    finally:
        await db.close()


async def test_a_draft_without_its_order_number(sdb: Database) -> None:
    """Step 1 of the wizard: the draft exists before its order number. Such drafts never
    collide with each other or with an order's case, and only a draft may lack one."""
    first = await sdb.disputes.create(Dispute(user_id=3, order_id=None, wizard_step="order"))
    active = await sdb.disputes.create(
        Dispute(user_id=3, order_id="8123456789012345", stage=Stage.OPENED)
    )
    second = await sdb.disputes.create(Dispute(user_id=3, order_id=None, wizard_step="order"))
    assert None not in (first.id, active.id, second.id)
    assert await sdb.disputes.find_active(3, "8123456789012345") == active
    in_wizard = await sdb.disputes.in_wizard(3)
    assert in_wizard is not None and in_wizard.id == second.id  # the newest
    stored = await sdb.disputes.get(first.id or 0, 3)
    assert stored is not None and stored.order_id is None
    # Answering step 1 with an order that has a case: the wizard offers that case (or a new
    # one for another item); the store refuses only a second confirmed case of one item.
    first.order_id = "8123456789012345"
    await sdb.disputes.save(first)
    first.stage = Stage.READY
    with pytest.raises(DuplicateActiveDisputeError):
        await sdb.disputes.save(first)
    opened = Dispute(user_id=3, order_id=None, stage=Stage.OPENED)
    with pytest.raises(ConstraintError):
        await sdb.disputes.create(opened)
