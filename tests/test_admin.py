"""/stats for ADMIN_IDS: the operator's counts in their language; for anyone else, and in
groups, there is no such command."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.models import Dispute, Stage
from bot.handlers.admin import stats_text
from bot.i18n import translator
from bot.storage.stats import Counts
from tests import standin
from tests.harness import TEST_TOKEN, FakeClock, Harness, make_settings

ADMIN = 42


async def started(db_path: Path, clock: FakeClock, admins: frozenset[int]) -> Harness:
    return await Harness(
        db_path, clock=clock, settings=make_settings(db_path, admin_ids=admins)
    ).start()


async def seed(harness: Harness, clock: FakeClock) -> None:
    assert harness.app is not None
    # The overdue reminder below must stay pending while the counts are read: stop the
    # dispatcher, which would otherwise send it (to buyer 1) at any moment.
    if harness.app.services.reminders is not None:
        await harness.app.services.reminders.stop()
    db = harness.app.services.db
    for user_id, order, stage in [
        (1, "11", Stage.OPENED),
        (2, "21", Stage.DRAFT),
        (2, "22", Stage.CLOSED),
    ]:
        await db.disputes.create(Dispute(user_id=user_id, order_id=order, stage=stage))
    [d] = await db.disputes.list_for_user(1)
    now = clock()
    await db.reminders.replace_for_dispute(
        d.id or 0, 1, [("k1", now + timedelta(days=2), now - timedelta(hours=1))]
    )


async def test_admin_gets_the_counts_in_english_and_russian(
    db_path: Path, clock: FakeClock
) -> None:
    harness = await started(db_path, clock, frozenset({ADMIN, 43}))
    try:
        await seed(harness, clock)
        [reply] = await harness.buyer(ADMIN, language_code="en").say("/stats")
        text = reply.text
        assert text.startswith("<b>Bot statistics</b>\n2 buyers")
        assert "3 cases, 2 not closed:" in text
        assert "• opened, waiting for the seller: 1" in text and "• closed: 1" in text
        assert "1 reminder:\n• waiting to be sent: 1" in text
        assert "Overdue (waiting, due more than 1 minute ago): 1" in text
        assert "Database size: " in text and "MB" in text

        [reply] = await harness.buyer(43, language_code="ru").say("/stats")
        text = reply.text
        assert text.startswith("<b>Статистика бота</b>\n2 покупателя")
        assert "3 спора (не закрыто: 2):" in text
        assert "1 напоминание:\n• ждут отправки: 1" in text
        assert "более 1 минуты назад): 1" in text
        assert "Размер базы данных: " in text and "МБ" in text
    finally:
        await harness.stop()


@pytest.mark.parametrize("admins", [frozenset({ADMIN}), frozenset()])
async def test_anyone_else_has_no_stats_command(
    db_path: Path, clock: FakeClock, admins: frozenset[int]
) -> None:
    harness = await started(db_path, clock, admins)
    try:
        [reply] = await harness.buyer(7, language_code="en").say("/stats")
        assert reply.text == "I don't know the command /stats. Send /help to see what I can do."
        if not admins:
            [reply] = await harness.buyer(ADMIN, language_code="en").say("/stats")
            assert "I don't know the command /stats" in reply.text
    finally:
        await harness.stop()


async def test_no_stats_in_a_group_even_for_an_admin(db_path: Path, clock: FakeClock) -> None:
    harness = await started(db_path, clock, frozenset({ADMIN}))
    try:
        update = standin.text_update(standin.user(ADMIN, "en"), "/stats")
        update["message"]["chat"] = {"id": -1001234, "type": "supergroup", "title": "ops"}
        sent = await harness.send(update)
        assert not any("Bot statistics" in s.text for s in sent)
    finally:
        await harness.stop()


def test_russian_plural_forms() -> None:
    t = translator("ru")
    for n, word in [(1, "покупатель"), (3, "покупателя"), (5, "покупателей"), (21, "покупатель")]:
        assert f"\n{n} {word}\n" in stats_text(t, Counts(buyers=n))
    text = stats_text(t, Counts(buyers=0, cases_by_stage={"draft": 12, "opened": 2}))
    assert "14 споров (не закрыто: 14):" in text


def test_admin_ids_setting() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TEST_TOKEN}
    assert load_settings(env, dotenv=None).admin_ids == frozenset()
    settings = load_settings({**env, "ADMIN_IDS": " 12345, 678 ,,"}, dotenv=None)
    assert settings.admin_ids == frozenset({12345, 678})
    for bad in ("abc", "12; 13", "-5", "1.5"):
        with pytest.raises(ConfigError) as error:
            load_settings({**env, "ADMIN_IDS": bad}, dotenv=None)
        assert str(error.value).startswith("ADMIN_IDS: ")
