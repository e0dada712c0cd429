"""The operator's numbers: database counts, the metrics registry, the per-update context."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from telegram import Update

from bot import metrics
from bot.concurrency import CURRENT_UPDATE, PerChatUpdateProcessor, UpdateInfo, update_kind
from bot.domain.models import Stage
from bot.domain.schedule import PlannedReminder
from bot.storage.db import Database
from bot.storage.stats import counts
from tests import standin
from tests.test_storage import full_dispute

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _samples(name: str) -> dict[tuple[tuple[str, str], ...], float]:
    out = {}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            if sample.name == name:
                out[tuple(sorted(sample.labels.items()))] = sample.value
    return out


async def test_counts_read_buyers_cases_and_reminders(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3", clock=lambda: NOW)
    try:
        empty = await counts(db, NOW)
        assert (empty.buyers, empty.open_cases, empty.reminders_overdue) == (0, 0, 0)
        plan = [
            PlannedReminder("seller_deadline", NOW + timedelta(days=1), NOW - timedelta(hours=1)),
            PlannedReminder("escalation", NOW + timedelta(days=3), NOW + timedelta(days=2)),
        ]
        await db.disputes.create(
            replace(full_dispute(1, "1111"), stage=Stage.OPENED, muted=False), reminders=plan
        )
        await db.disputes.create(replace(full_dispute(2, "2222"), stage=Stage.CLOSED))
        await db.disputes.create(replace(full_dispute(2, "3333"), stage=Stage.DRAFT))
        got = await counts(db, NOW)
    finally:
        await db.close()
    assert got.buyers == 2
    assert got.cases_by_stage == {"opened": 1, "closed": 1, "draft": 1}
    assert got.open_cases == 2
    assert got.reminders_by_state == {"pending": 2}
    assert got.reminders_overdue == 1  # due an hour ago, still pending
    assert got.database_bytes > 0

    metrics.refresh_from_counts(got)
    assert _samples("dispute_helper_buyers") == {(): 2}
    assert _samples("dispute_helper_open_cases") == {(): 2}
    reminders = _samples("dispute_helper_reminders")
    assert reminders[(("state", "pending"),)] == 2 and reminders[(("state", "sent"),)] == 0


async def test_processor_counts_updates_by_kind_and_sets_the_update_context() -> None:
    buyer = standin.user(77, "en")
    update = Update.de_json(dict(standin.text_update(buyer, "hi"), update_id=501), None)
    assert update_kind(update) == "message"
    seen: list[UpdateInfo | None] = []

    async def handler() -> None:
        seen.append(CURRENT_UPDATE.get())

    before = _samples("dispute_helper_updates_total").get((("kind", "message"),), 0.0)
    latency_before = _samples("dispute_helper_update_seconds_count").get((), 0.0)
    processor = PerChatUpdateProcessor(4)
    await asyncio.create_task(processor.process_update(update, handler()))
    info = seen[0]
    assert info is not None and (info.update_id, info.chat_id, info.kind) == (501, 77, "message")
    assert CURRENT_UPDATE.get() is None  # set only inside the update's own task
    assert _samples("dispute_helper_updates_total")[(("kind", "message"),)] == before + 1
    assert _samples("dispute_helper_update_seconds_count")[()] == latency_before + 1
