"""The reminder outbox dispatcher (bot/outbox.py) on a real database and the real Bot API
path (PTB's ExtBot over HTTPX, answered by the offline stand-in), with a hand-moved clock.

What must hold (issue 5): every reminder fires at its instant and not before, out of night
hours, survives restarts, is caught up after downtime (one per deadline, or one "deadline
passed" notice), at most one duplicate per crash, never twice otherwise, 429 waited out,
5xx and timeouts retried with back-off, 403 stops that buyer only, fast with 100,000 rows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot import metrics
from bot.domain.models import Dispute, Outcome, Reminder, ReminderState, Stage, UserSettings
from bot.domain.rules import DEFAULT_RULES
from bot.domain.schedule import PlannedReminder
from bot.fleet import ALIVE, Fleet
from bot.handlers.reminder_buttons import render, renderer
from bot.limits import reminder_in_flight
from bot.outbox import BACKOFF, ReminderService, backoff, plan_for
from bot.ratelimit import OutgoingLimiter
from bot.storage.db import Database, to_db_time
from tests.harness import TEST_TOKEN, FakeClock
from tests.standin import FakeBotApi, Fault

DAY, HOUR, SECOND = timedelta(days=1), timedelta(hours=1), timedelta(seconds=1)
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # FakeClock's start: 09:00 UTC, 12:00 MSK
MSK = ZoneInfo("Europe/Moscow")


# The dispatcher on both engines (tests/databases.py).
pytestmark = pytest.mark.both_engines


@dataclass
class Env:
    db_path: Path | str
    db: Database
    api: FakeBotApi
    bot: ExtBot[None]
    clock: FakeClock
    services: list[ReminderService] = field(default_factory=list)

    def service(self, **kwargs: Any) -> ReminderService:
        svc = ReminderService(
            self.db, self.bot, self.clock, DEFAULT_RULES, None, renderer(None), **kwargs
        )
        self.services.append(svc)
        return svc

    async def reopen(self) -> None:
        """A process restart: every service stopped, the database closed and opened again."""
        for svc in self.services:
            await svc.stop()
        self.services.clear()
        await self.db.close()
        self.db = await Database.open(self.db_path, clock=self.clock)

    def messages_to(self, chat_id: int) -> list[str]:
        return [s.text for s in self.api.sent_to(chat_id) if s.method == "sendMessage"]

    def send_calls(self) -> int:
        return self.api.counts["sendMessage"]


@pytest.fixture
async def env(db_target: Path | str) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    path = db_target
    db = await Database.open(path, clock=clock)
    api = FakeBotApi()
    bot: ExtBot[None] = ExtBot(
        TEST_TOKEN,
        base_url="http://standin.invalid/bot",
        request=HTTPXRequest(httpx_kwargs={"transport": api.transport()}),
    )
    await bot.initialize()
    e = Env(path, db, api, bot, clock)
    try:
        yield e
    finally:
        for svc in e.services:
            await svc.stop()
        await bot.shutdown()
        await e.db.close()


async def add_case(
    env: Env,
    user_id: int,
    order_id: str,
    stage: Stage,
    *,
    language: str | None = "en",
    tz: str | None = None,
    **fields: Any,
) -> tuple[Dispute, list[PlannedReminder]]:
    """A stored case and its stored plan, planned the way the handlers plan it."""
    if language:
        await env.db.users.set_language(user_id, language)
    if tz:
        await env.db.users.set_timezone(user_id, tz)
    buyer = await env.db.users.get(user_id) or UserSettings(user_id=user_id)
    d = Dispute(user_id=user_id, order_id=order_id, stage=stage, item_title="Phone case")
    for name, value in fields.items():
        setattr(d, name, value)
    plan = plan_for(d, buyer, DEFAULT_RULES, now=env.clock.now, default_tz="UTC")
    await env.db.disputes.create(d, reminders=plan)
    return d, plan


async def rows(env: Env, d: Dispute) -> list[Reminder]:
    assert d.id is not None
    return await env.db.reminders.list_for_dispute(d.id)


def opened_case(now: datetime) -> dict[str, Any]:
    return {
        "opened_at": now,
        "seller_deadline": now + 5 * DAY,
        "escalation_at": now + 7 * DAY,
    }


# Every stage that has reminders, and a phrase its English message must contain.
STAGES: dict[str, tuple[Stage, Callable[[datetime], dict[str, Any]], dict[str, str]]] = {
    "tracking": (
        Stage.TRACKING,
        lambda now: {"protection_end": now + 10 * DAY},
        {
            "protection": "Buyer protection for this order ends soon",
            # Guide B: about 15 more days after protection ends, reminded before they close.
            "late": "extra time to open a dispute after buyer protection ends soon",
        },
    ),
    "receipt confirmed": (
        Stage.DRAFT,
        lambda now: {
            "protection_end": now + 60 * DAY,
            "receipt_confirmed": True,
            "receipt_confirmed_at": now - DAY,
        },
        {
            "receipt": "after confirming receipt ends soon",
            "protection": "Buyer protection for this order ends soon",
        },
    ),
    "opened": (
        Stage.OPENED,
        opened_case,
        {
            "seller": "seller's time to answer your dispute ends soon",
            "escalation": "escalated to AliExpress soon",
        },
    ),
    "evidence requested": (
        Stage.EVIDENCE_REQUESTED,
        lambda now: {"evidence_due": now + 3 * DAY},
        {"evidence": "waiting for your evidence"},
    ),
    "return agreed": (
        Stage.SELLER_ACCEPTED,
        lambda now: {"return_post_by": now + 10 * DAY},
        {"return": "return parcel must be posted soon"},
    ),
    "won, refund pending": (
        Stage.CLOSED,
        lambda now: {"outcome": Outcome.WON, "closed_at": now},
        {"refund": "Has your refund arrived?"},
    ),
}


@pytest.mark.parametrize("name", list(STAGES))
async def test_every_reminder_of_every_stage_fires_at_its_instant_not_before(
    env: Env, name: str
) -> None:
    stage, fields, phrases = STAGES[name]
    d, plan = await add_case(env, 1, "8100000000000001", stage, **fields(env.clock.now))
    assert {p.family for p in plan} == set(phrases), plan
    svc = env.service()
    await svc.start(loop=False)
    seen = 0
    for due in sorted({p.due_at for p in plan}):
        env.clock.now = due - SECOND
        assert await svc.run_due() == 0
        assert len(env.messages_to(1)) == seen  # nothing early
        env.clock.now = due
        expected = [p for p in plan if p.due_at == due]
        assert await svc.run_due() == len(expected)
        texts = env.messages_to(1)[seen:]
        seen += len(expected)
        for p, text in zip(sorted(expected, key=lambda p: p.deadline_at), texts, strict=True):
            assert phrases[p.family] in text
            assert "8100000000000001" in text and "Phone case" in text
    assert all(r.state is ReminderState.SENT and r.sent_message_id for r in await rows(env, d))
    env.clock.now += 30 * DAY
    assert await svc.run_due() == 0  # and never again


async def test_reminder_text_says_order_deadline_when_and_what_to_do(env: Env) -> None:
    d, _ = await add_case(env, 1, "8100000000000002", Stage.OPENED, **opened_case(T0))
    first = await rows(env, d)
    seller_1d = next(r for r in first if r.kind == "seller_1d")
    text, markup = await render(seller_1d, d, UserSettings(1, language="en"), seller_1d.due_at)
    assert "8100000000000002" in text and "Phone case" in text
    assert "in 1 day" in text  # countdown
    assert "Nov 28, 2026, 9:00 AM (UTC)" in text  # absolute time in the buyer's zone
    assert "Did the seller answer? Did the terms change?" in text
    buttons = [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row]
    assert buttons == [
        ("📋 Open the card", f"st:{d.id}"),
        ("✏️ Update the stage", f"stg:{d.id}"),
        ("🔕 Mute this order", f"mute:{d.id}"),
    ]
    escalation = next(r for r in first if r.kind == "escalation_1d")
    text, _ = await render(escalation, d, UserSettings(1), escalation.due_at)
    assert "edit the terms" in text  # the seeds' warning before escalation


async def test_night_time_reminder_moves_to_the_evening_before(env: Env) -> None:
    # Evidence due at 06:00 Moscow time: "3 h before" would be 03:00, at night.
    due = datetime(2026, 11, 26, 6, 0, tzinfo=MSK).astimezone(UTC)
    _, plan = await add_case(
        env, 2, "8100000000000003", Stage.EVIDENCE_REQUESTED, tz="Europe/Moscow", evidence_due=due
    )
    three_h = next(p for p in plan if p.kind == "evidence_3h")
    local = three_h.due_at.astimezone(MSK)
    assert (local.day, local.hour, local.minute) == (25, 20, 59)  # the evening before
    assert three_h.due_at < due
    svc = env.service()
    await svc.start(loop=False)
    env.clock.now = three_h.due_at - SECOND
    await svc.run_due()
    before = len(env.messages_to(2))
    env.clock.now = three_h.due_at
    assert await svc.run_due() == 1
    [text] = env.messages_to(2)[before:]
    assert "Nov 26, 2026, 6:00 AM (Europe/Moscow)" in text and "in 9 hr 1 min" in text
    assert all(9 <= p.due_at.astimezone(MSK).hour < 21 for p in plan)


async def test_pending_reminders_survive_a_restart(env: Env) -> None:
    d, plan = await add_case(env, 3, "8100000000000004", Stage.OPENED, **opened_case(T0))
    await env.service().start(loop=False)
    await env.reopen()
    assert [r.state for r in await rows(env, d)] == [ReminderState.PENDING] * len(plan)
    svc = env.service()
    await svc.start(loop=False)
    for p in plan:
        env.clock.now = p.due_at
        await svc.run_due()
    assert len(env.messages_to(3)) == len(plan)


async def test_a_crash_between_send_and_mark_gives_one_duplicate_never_a_loss(env: Env) -> None:
    d, plan = await add_case(env, 4, "8100000000000005", Stage.OPENED, **opened_case(T0))
    svc = env.service()
    await svc.start(loop=False)
    env.clock.now = plan[0].due_at

    class Crash(Exception):
        pass

    async def crash(reminder_id: int, message_id: int) -> None:
        raise Crash("the process died right after Telegram accepted the message")

    env.db.reminders.mark_sent = crash  # type: ignore[method-assign]
    assert await svc.run_due() == 0
    assert len(env.messages_to(4)) == 1  # the buyer got it...
    [first] = [r for r in await rows(env, d) if r.kind == plan[0].kind]
    assert first.state is ReminderState.SENDING  # ...but we never recorded it

    await env.reopen()  # also restores the real mark_sent
    svc = env.service()
    report = await svc.start(loop=False)
    assert report.recovered == 1
    assert await svc.run_due() == 1
    assert len(env.messages_to(4)) == 2  # exactly one duplicate
    [again] = [r for r in await rows(env, d) if r.kind == plan[0].kind]
    assert again.state is ReminderState.SENT and again.attempts == 2
    assert await svc.run_due() == 0
    assert len(env.messages_to(4)) == 2


async def test_downtime_with_the_deadline_ahead_sends_only_the_latest_missed(env: Env) -> None:
    end = T0 + 10 * DAY
    d, plan = await add_case(env, 5, "8100000000000006", Stage.TRACKING, protection_end=end)
    assert [p.kind for p in plan if p.family == "protection"] == [
        "protection_7d",
        "protection_3d",
        "protection_1d",
    ]
    await env.service().start(loop=False)
    await env.reopen()
    env.clock.now = end - 2 * DAY  # down through the 7-day and 3-day reminders
    svc = env.service()
    report = await svc.start(loop=False)
    assert (report.overdue, report.superseded, report.passed_notices) == (2, 1, 0)
    assert await svc.run_due() == 1
    [text] = env.messages_to(5)
    assert "ends soon" in text and "in 2 days" in text
    states = {r.kind: r.state for r in await rows(env, d) if r.kind.startswith("protection")}
    assert states == {
        "protection_7d": ReminderState.CANCELLED,
        "protection_3d": ReminderState.SENT,
        "protection_1d": ReminderState.PENDING,
    }
    env.clock.now = end - DAY
    assert await svc.run_due() == 1  # the rest of the schedule goes on


async def test_a_catch_up_at_night_waits_for_the_buyers_morning(env: Env) -> None:
    """Issue 14 §3: after downtime a missed reminder went out at 03:08 the buyer's time for a
    deadline days away. It now waits for the buyer's waking hours (09:00 to 21:00)."""
    end = T0 + 10 * DAY
    await add_case(
        env, 70, "8100000000000070", Stage.TRACKING, tz="Europe/Moscow", protection_end=end
    )
    await env.service().start(loop=False)
    await env.reopen()
    env.clock.now = datetime(2026, 11, 27, 3, 8, tzinfo=MSK)  # down through the 7-day one
    svc = env.service()
    report = await svc.start(loop=False)
    assert (report.overdue, report.deferred) == (1, 1)
    assert await svc.run_due() == 0  # not at 03:08
    assert env.messages_to(70) == []
    env.clock.now = datetime(2026, 11, 27, 8, 59, tzinfo=MSK)
    assert await svc.run_due() == 0
    env.clock.now = datetime(2026, 11, 27, 9, 0, tzinfo=MSK)
    assert await svc.run_due() == 1
    [text] = env.messages_to(70)
    assert "Buyer protection for this order ends soon" in text and "in 6 days" in text


async def test_a_catch_up_at_night_goes_at_once_when_the_deadline_is_before_morning(
    env: Env,
) -> None:
    """The deadline comes first: an evidence request due at 05:00 cannot wait for 09:00."""
    due = datetime(2026, 11, 27, 5, 0, tzinfo=MSK)
    await add_case(
        env, 71, "8100000000000071", Stage.EVIDENCE_REQUESTED, tz="Europe/Moscow", evidence_due=due
    )
    await env.service().start(loop=False)
    await env.reopen()
    env.clock.now = datetime(2026, 11, 27, 3, 8, tzinfo=MSK)
    svc = env.service()
    report = await svc.start(loop=False)
    assert report.deferred == 0
    assert await svc.run_due() == 1
    [text] = env.messages_to(71)
    assert "waiting for your evidence" in text


async def test_a_passed_deadline_notice_at_night_waits_for_the_morning(env: Env) -> None:
    """A deadline already behind gains nothing from a message at 03:08: the notice waits."""
    await add_case(env, 72, "8100000000000072", Stage.OPENED, tz="Europe/Moscow", **opened_case(T0))
    await env.service().start(loop=False)
    await env.reopen()
    env.clock.now = datetime(2026, 11, 29, 3, 8, tzinfo=MSK)  # seller's deadline passed
    svc = env.service()
    report = await svc.start(loop=False)
    assert report.passed_notices == 1 and report.deferred == 1
    assert await svc.run_due() == 0
    env.clock.now = datetime(2026, 11, 29, 9, 0, tzinfo=MSK)
    assert await svc.run_due() == 1
    [text] = env.messages_to(72)
    assert "seller's time to answer your dispute has ended" in text


async def test_downtime_past_a_deadline_gives_one_passed_notice_per_deadline(env: Env) -> None:
    d, plan = await add_case(env, 6, "8100000000000007", Stage.OPENED, **opened_case(T0))
    assert [p.kind for p in plan] == ["seller_1d", "seller_end", "escalation_1d"]
    await env.service().start(loop=False)
    await env.reopen()
    # Back at noon the buyer's time: the seller's deadline passed, escalation ahead.
    env.clock.now = T0 + 6 * DAY + 3 * HOUR
    svc = env.service()
    report = await svc.start(loop=False)
    assert report.passed_notices == 1 and report.overdue == 3 and report.deferred == 0
    assert await svc.run_due() == 2
    texts = env.messages_to(6)
    passed = [t for t in texts if "has ended" in t]
    assert len(passed) == 1 and "seller's time to answer your dispute has ended" in passed[0]
    assert "Deadline was Nov 28, 2026, 9:00 AM (UTC), 1 day 3 hr ago" in passed[0]
    assert any("escalated to AliExpress soon" in t for t in texts)
    kinds = {r.kind: r.state for r in await rows(env, d)}
    assert kinds == {
        "seller_1d": ReminderState.CANCELLED,
        "seller_passed": ReminderState.SENT,
        "escalation_1d": ReminderState.SENT,
    }
    # A second restart finds nothing more to say.
    await env.reopen()
    svc = env.service()
    report = await svc.start(loop=False)
    assert report.overdue == 0 and await svc.run_due() == 0


async def test_an_interrupted_catch_up_still_sends_one_notice(env: Env) -> None:
    d, _ = await add_case(env, 7, "8100000000000008", Stage.OPENED, **opened_case(T0))
    env.clock.now = T0 + 20 * DAY  # both deadlines passed
    svc = env.service()
    report = await svc.start(loop=False)  # notices created, not sent: then the process dies
    assert report.passed_notices == 2
    await env.reopen()
    svc = env.service()
    again = await svc.start(loop=False)
    assert again.passed_notices == 2 and again.superseded == 0  # the same two rows, kept
    assert await svc.run_due() == 2
    assert sorted(r.kind for r in await rows(env, d) if r.state is ReminderState.SENT) == [
        "escalation_passed",
        "seller_passed",
    ]


async def test_blocked_buyer_stops_their_reminders_only(env: Env) -> None:
    blocked, _ = await add_case(env, 8, "8100000000000009", Stage.OPENED, **opened_case(T0))
    await add_case(env, 9, "8100000000000010", Stage.OPENED, **opened_case(T0))
    dropped: list[int] = []
    svc = env.service(on_blocked=dropped.append)
    await svc.start(loop=False)
    env.api.blocked_chats.add(8)
    env.clock.now = T0 + 4 * DAY
    assert await svc.run_due() == 1
    assert len(env.messages_to(9)) == 1
    assert dropped == [8]
    buyer = await env.db.users.get(8)
    assert buyer is not None and buyer.blocked
    assert {r.state for r in await rows(env, blocked)} == {ReminderState.CANCELLED}
    assert await env.db.disputes.get(blocked.id or 0, 8) is not None  # data kept
    env.clock.now = T0 + 8 * DAY
    assert await svc.run_due() == 2  # the other buyer's schedule goes on
    assert len(env.messages_to(9)) == 3
    assert env.api.counts["sendMessage"] == 4  # one 403, nothing more tried for buyer 8

    # They come back: unblocked, and what still lies ahead is planned again.
    env.api.blocked_chats.clear()
    env.clock.now = T0 + 4 * DAY + HOUR
    # seller_end and escalation_1d, and the missed "1 day left" (cancelled by the 403, its
    # deadline still ahead) comes back as due now.
    assert await svc.buyer_returned(8) == 3
    assert await svc.run_due() == 1
    assert "ends soon" in env.messages_to(8)[-1]
    buyer = await env.db.users.get(8)
    assert buyer is not None and not buyer.blocked


async def test_chat_not_found_counts_as_blocked(env: Env) -> None:
    d, _ = await add_case(env, 10, "8100000000000011", Stage.OPENED, **opened_case(T0))
    env.api.fault = lambda method, params: (
        Fault(status=400, description="Bad Request: chat not found")
        if method == "sendMessage"
        else None
    )
    svc = env.service()
    await svc.start(loop=False)
    env.clock.now = T0 + 4 * DAY
    assert await svc.run_due() == 0
    buyer = await env.db.users.get(10)
    assert buyer is not None and buyer.blocked
    assert {r.state for r in await rows(env, d)} == {ReminderState.CANCELLED}


async def test_429_pauses_everything_for_retry_after_then_sends_once(env: Env) -> None:
    await add_case(env, 11, "8100000000000012", Stage.OPENED, **opened_case(T0))
    await add_case(env, 12, "8100000000000013", Stage.OPENED, **opened_case(T0))
    calls = {"n": 0}

    def flood(method: str, params: dict[str, Any]) -> Fault | None:
        if method != "sendMessage":
            return None
        calls["n"] += 1
        return Fault(status=429, retry_after=7) if calls["n"] == 1 else None

    env.api.fault = flood
    svc = env.service(concurrency=1)
    await svc.start(loop=False)
    env.clock.now = T0 + 4 * DAY
    assert await svc.run_due() == 0
    assert svc.paused() and svc.paused_until == env.clock.now + 7 * SECOND
    assert calls["n"] == 1  # the second buyer's reminder was not even tried
    env.clock.now += 6 * SECOND
    assert await svc.run_due() == 0 and calls["n"] == 1  # still waiting it out
    env.clock.now += SECOND
    assert await svc.run_due() == 2
    assert len(env.messages_to(11)) == 1 and len(env.messages_to(12)) == 1  # no duplicate
    sent = await env.db.reminders.next_due(env.clock.now, 10)
    assert sent == []
    for user_id in (11, 12):
        [d] = await env.db.disputes.list_for_user(user_id)
        [r] = [r for r in await rows(env, d) if r.state is ReminderState.SENT]
        assert r.attempts == 1  # waiting out a 429 is not a failed attempt


async def test_5xx_and_dropped_connections_retry_with_backoff(env: Env) -> None:
    d, _ = await add_case(env, 13, "8100000000000014", Stage.OPENED, **opened_case(T0))
    outcomes = [Fault(status=502), Fault(status=500), Fault(drop=True)]

    def flaky(method: str, params: dict[str, Any]) -> Fault | None:
        if method == "sendMessage" and outcomes:
            return outcomes.pop(0)
        return None

    env.api.fault = flaky
    svc = env.service()
    await svc.start(loop=False)
    env.clock.now = T0 + 4 * DAY
    for attempt, wait in enumerate(BACKOFF[:3], start=1):
        assert await svc.run_due() == 0
        [r] = [r for r in await rows(env, d) if r.kind == "seller_1d"]
        assert r.attempts == attempt and r.next_attempt_at == env.clock.now + wait
        env.clock.now += wait - SECOND
        assert await svc.run_due() == 0  # backing off: not retried early
        env.clock.now += SECOND
    assert await svc.run_due() == 1
    [r] = [r for r in await rows(env, d) if r.kind == "seller_1d"]
    assert r.state is ReminderState.SENT and r.attempts == 4
    assert len(env.messages_to(13)) == 1


async def test_gives_up_after_max_attempts(env: Env) -> None:
    d, _ = await add_case(env, 14, "8100000000000015", Stage.OPENED, **opened_case(T0))
    env.api.fault = lambda method, params: Fault(status=500) if method == "sendMessage" else None
    svc = env.service(max_attempts=4)
    await svc.start(loop=False)
    env.clock.now = T0 + 4 * DAY
    for attempt in range(1, 5):
        await svc.run_due()
        env.clock.now += backoff(attempt)
    [r] = [r for r in await rows(env, d) if r.kind == "seller_1d"]
    assert r.state is ReminderState.FAILED and r.attempts == 4
    assert env.send_calls() == 4  # and no retry storm


async def test_never_sent_twice_in_normal_operation(env: Env) -> None:
    cases = [
        await add_case(env, 20 + i, f"81000000000001{i:02d}", Stage.OPENED, **opened_case(T0))
        for i in range(10)
    ]
    svc = env.service(concurrency=4, batch=3)
    await svc.start(loop=False)
    for hours in range(0, 8 * 24, 5):
        env.clock.now = T0 + hours * HOUR
        await asyncio.gather(svc.run_due(), svc.run_due(), svc.run_due(limit=2))
    for d, plan in cases:
        assert len(env.messages_to(d.user_id)) == len(plan)
        assert all(r.state is ReminderState.SENT for r in await rows(env, d))
    assert env.send_calls() == sum(len(plan) for _, plan in cases)


async def test_muted_case_or_blocked_buyer_is_not_sent_even_if_a_row_is_left(env: Env) -> None:
    d, _ = await add_case(env, 40, "8100000000000040", Stage.OPENED, **opened_case(T0))
    d.muted = True
    await env.db.disputes.save(d)  # muted without re-planning: the row is still pending
    svc = env.service()
    await svc.start(loop=False)
    env.clock.now = T0 + 4 * DAY
    assert await svc.run_due() == 0 and env.send_calls() == 0
    [r] = [r for r in await rows(env, d) if r.kind == "seller_1d"]
    assert r.state is ReminderState.CANCELLED


async def test_plan_for_uses_the_buyers_zone_and_hours_and_respects_mute_and_block() -> None:
    d = Dispute(user_id=1, order_id="1", stage=Stage.EVIDENCE_REQUESTED, evidence_due=T0 + DAY)
    night_owl = UserSettings(1, timezone="Asia/Vladivostok", remind_from_hour=0, remind_to_hour=24)
    plan = plan_for(d, night_owl, DEFAULT_RULES, now=T0, default_tz="UTC")
    assert [p.due_at for p in plan] == [T0, T0 + 21 * HOUR]  # 48h/24h collapse to now; 3h as is
    early_bird = UserSettings(1, remind_from_hour=6, remind_to_hour=8)
    [_, last] = plan_for(d, early_bird, DEFAULT_RULES, now=T0, default_tz="Europe/Moscow")
    assert last.due_at.astimezone(MSK).hour == 7  # the buyer's window in the default zone
    assert plan_for(d, UserSettings(1, blocked=True), DEFAULT_RULES, now=T0, default_tz="UTC") == []
    d.muted = True
    assert plan_for(d, UserSettings(1), DEFAULT_RULES, now=T0, default_tz="UTC") == []


async def test_save_replaces_reminders_in_the_same_transaction(env: Env) -> None:
    d, plan = await add_case(env, 41, "8100000000000041", Stage.OPENED, **opened_case(T0))
    assert len(await rows(env, d)) == len(plan)
    before = env.db.stats.transactions
    d.stage = Stage.ESCALATED
    await env.db.disputes.save(
        d, reminders=plan_for(d, UserSettings(41), DEFAULT_RULES, now=T0, default_tz="UTC")
    )
    assert env.db.stats.transactions == before + 1
    assert {r.state for r in await rows(env, d)} == {ReminderState.CANCELLED}
    await env.db.disputes.save(d)  # reminders=None leaves them alone
    assert {r.state for r in await rows(env, d)} == {ReminderState.CANCELLED}


async def test_background_loop_sends_when_due_and_when_woken(env: Env) -> None:
    _, plan = await add_case(
        env, 42, "8100000000000042", Stage.TRACKING, protection_end=T0 + 2 * DAY
    )
    protection = [p.due_at for p in plan if p.family == "protection"]
    assert protection == [T0, T0 + DAY]  # 7d and 3d collapse to now
    svc = env.service(max_sleep=0.05)
    await svc.start()
    assert svc.running
    await env.api.wait_sent(lambda s: s.chat_id == 42, within=5)
    env.clock.now = T0 + DAY
    svc.wake()
    await env.api.wait_sent(lambda s: s.chat_id == 42 and "in 1 day" in s.text, within=5)
    assert len(env.messages_to(42)) == 2
    await svc.stop()
    assert not svc.running


async def _bulk_load(
    db: Database, *, disputes: int, per_dispute: int, due: Callable[[int], datetime]
) -> None:
    """Rows straight into the database, as a long-running deployment would have them."""
    now = to_db_time(T0)
    users = 1_000
    await db.executemany(
        "INSERT INTO users (user_id, language, created_at, updated_at)"
        " VALUES (:user_id, 'en', :now, :now)",
        [{"user_id": 100_000 + u, "now": now} for u in range(users)],
    )
    await db.executemany(
        "INSERT INTO disputes (id, user_id, order_id, stage, opened_at, seller_deadline,"
        " escalation_at, created_at, updated_at) VALUES (:id, :user_id, :order_id, 'opened',"
        " :now, :seller, :escalation, :now, :now)",
        [
            {
                "id": i + 1,
                "user_id": 100_000 + i % users,
                "order_id": f"9{i:015d}",
                "now": now,
                "seller": to_db_time(T0 + 5 * DAY),
                "escalation": to_db_time(T0 + 7 * DAY),
            }
            for i in range(disputes)
        ],
    )
    await db.executemany(
        "INSERT INTO reminders (user_id, dispute_id, kind, deadline_at, due_at, state,"
        " created_at, updated_at) VALUES (:user_id, :dispute_id, :kind, :deadline, :due,"
        " 'pending', :now, :now)",
        [
            {
                "user_id": 100_000 + i % users,
                "dispute_id": i + 1,
                "kind": f"seller_{k}h",
                "deadline": to_db_time(T0 + 400 * DAY),
                "due": to_db_time(due(i * per_dispute + k)),
                "now": now,
            }
            for i in range(disputes)
            for k in range(per_dispute)
        ],
    )


@pytest.mark.slow
async def test_100k_pending_rows_start_fast_and_dispatch_in_batches(env: Env) -> None:
    # 100,000 pending reminders spread over the coming year; the first 1,000 are due now.
    await _bulk_load(
        env.db,
        disputes=20_000,
        per_dispute=5,
        due=lambda n: T0 if n % 100 == 0 else T0 + (1 + n % 365) * DAY,
    )
    svc = env.service()
    started = time.perf_counter()
    report = await svc.start(loop=False)
    start_s = time.perf_counter() - started
    assert report.overdue == 1_000 and report.superseded == 0
    assert start_s < 2.0, f"start() took {start_s:.2f} s with 100,000 pending rows"
    started = time.perf_counter()
    sent = await svc.run_due(limit=1_000)
    run_s = time.perf_counter() - started
    assert sent == 1_000
    assert run_s < 20.0, f"run_due sent 1,000 in {run_s:.2f} s"
    counts = await env.db.reminders.count_by_state()
    assert counts["sent"] == 1_000 and counts["pending"] == 99_000


@pytest.mark.slow
async def test_100k_overdue_rows_catch_up_in_one_pass(env: Env) -> None:
    # A long outage: every one of 100,000 reminders is overdue at start-up.
    await _bulk_load(env.db, disputes=20_000, per_dispute=5, due=lambda n: T0 - DAY + n * SECOND)
    env.clock.now = T0 + 2 * DAY
    svc = env.service()
    started = time.perf_counter()
    report = await svc.start(loop=False)
    start_s = time.perf_counter() - started
    # Per dispute the five rows share one deadline, still ahead: one is sent, four superseded.
    assert (report.overdue, report.superseded, report.passed_notices) == (100_000, 80_000, 0)
    assert start_s < 6.0, f"catch-up of 100,000 overdue rows took {start_s:.2f} s"
    counts = await env.db.reminders.count_by_state()
    assert counts["pending"] == 20_000 and counts["cancelled"] == 80_000


# --- the outgoing budget: claim only with a slot, one send per buyer in flight ------------------


class InFlight:
    """Counts sendMessage calls in flight in the stand-in, overall and per chat."""

    def __init__(self, api: FakeBotApi, delay: float) -> None:
        self.now: dict[int, int] = {}
        self.max_total = 0
        self.max_per_chat = 0
        self.delay = delay
        api.fault = self.enter

    def enter(self, method: str, params: dict[str, Any]) -> Fault | None:
        if method != "sendMessage":
            return None
        chat = int(params["chat_id"])
        self.now[chat] = self.now.get(chat, 0) + 1
        self.max_total = max(self.max_total, sum(self.now.values()))
        self.max_per_chat = max(self.max_per_chat, self.now[chat])
        asyncio.get_running_loop().call_later(self.delay, self.leave, chat)
        return Fault(delay=self.delay)

    def leave(self, chat: int) -> None:
        self.now[chat] -= 1


async def test_with_the_budget_rows_are_claimed_only_with_a_slot_one_per_buyer(
    env: Env,
) -> None:
    limiter = OutgoingLimiter(30)
    bot: ExtBot[Any] = ExtBot(
        TEST_TOKEN,
        base_url="http://standin.invalid/bot",
        request=HTTPXRequest(httpx_kwargs={"transport": env.api.transport()}),
        rate_limiter=limiter.for_reminders(),
    )
    await bot.initialize()
    try:
        # 12 buyers with 4 cases each: 48 reminders, all due at once.
        for buyer in range(12):
            for n in range(4):
                await add_case(
                    env,
                    60 + buyer,
                    f"81000000006{buyer:02d}{n:03d}",
                    Stage.OPENED,
                    **opened_case(T0),
                )
        flight = InFlight(env.api, delay=0.08)
        svc = ReminderService(
            env.db,
            bot,
            env.clock,
            DEFAULT_RULES,
            None,
            renderer(None),
            budget=limiter,
            concurrency=reminder_in_flight(30),
        )
        env.services.append(svc)
        await svc.start(loop=False)
        env.clock.now = T0 + 4 * DAY
        sending: list[list[tuple[int]]] = []

        async def watch() -> None:
            while True:
                sending.append(
                    await env.db.fetchall("SELECT user_id FROM reminders WHERE state = 'sending'")
                )
                await asyncio.sleep(0.005)

        watcher = asyncio.create_task(watch())
        started = time.monotonic()
        sent = await svc.run_due()
        elapsed = time.monotonic() - started
        watcher.cancel()
    finally:
        await bot.shutdown()
    assert sent == 48
    assert all(len(env.messages_to(60 + b)) == 4 for b in range(12))
    # Claimed only when about to be sent: never more rows in 'sending' than the in-flight cap
    # (the old dispatcher claimed 64 at once), never two of one buyer.
    assert max(len(rows) for rows in sending) <= reminder_in_flight(30)
    assert all(len(set(rows)) == len(rows) for rows in sending)
    assert flight.max_per_chat == 1
    # Paced one every 34 ms, each in flight for 80 ms: 3 at once (30/s x 80 ms + 1 = 3.4),
    # one more allowed for a loaded machine's timing.
    assert flight.max_total <= 4
    assert elapsed >= 47 * limiter.reminder_interval * 0.95  # paced, not a burst


async def test_sent_and_failed_reminders_are_counted_in_metrics(env: Env) -> None:
    def sample(name: str) -> float:
        return metrics.REGISTRY.get_sample_value(f"dispute_helper_{name}_total") or 0.0

    await add_case(env, 70, "8100000000000070", Stage.OPENED, **opened_case(T0))
    await add_case(env, 71, "8100000000000071", Stage.OPENED, **opened_case(T0))
    env.api.fault = lambda method, params: (
        Fault(status=400, description="Bad Request: message is too long")
        if method == "sendMessage" and params.get("chat_id") == 71
        else None
    )
    sent, failed = sample("reminders_sent"), sample("reminders_failed")
    svc = env.service()
    await svc.start(loop=False)
    env.clock.now = T0 + 4 * DAY
    assert await svc.run_due() == 1
    assert sample("reminders_sent") == sent + 1
    assert sample("reminders_failed") == failed + 1


# --------------------------------------------------------------------------- several processes


async def test_two_processes_send_each_reminder_once_never_two_per_buyer_at_once(
    env: Env,
) -> None:
    """Two dispatchers on one database (as two processes on one PostgreSQL server): every
    row is claimed by one of them, so each reminder goes out once, and a buyer never has two
    in flight, whichever process sends."""
    for buyer in range(12):
        for n in range(4):
            await add_case(
                env, 80 + buyer, f"82000000008{buyer:02d}{n:03d}", Stage.OPENED, **opened_case(T0)
            )
    flight = InFlight(env.api, delay=0.02)
    first, second = env.service(owner="first"), env.service(owner="second")
    for svc in (first, second):
        await svc.start(loop=False)
    env.clock.now = T0 + 4 * DAY
    sent = await asyncio.gather(first.run_due(), second.run_due())
    assert sum(sent) == 48 and all(sent)  # both took part
    assert all(len(env.messages_to(80 + b)) == 4 for b in range(12))  # no duplicate
    assert flight.max_per_chat == 1
    claimed = await env.db.fetchall(
        "SELECT DISTINCT claimed_by FROM reminders WHERE state = 'sent' ORDER BY 1"
    )
    assert [r[0] for r in claimed] == ["first", "second"]


async def test_a_stopped_process_s_reminder_in_flight_is_sent_by_another(env: Env) -> None:
    """A process killed between claiming a row and marking it sent: while its heartbeat is
    fresh the row is left alone (it may be sending it right now), and once the heartbeat is
    stale the others send it: one duplicate at most, never lost. Meanwhile no other reminder
    of that buyer goes out (one in flight per buyer, across processes)."""
    await add_case(env, 90, "8300000000000090", Stage.OPENED, **opened_case(T0))
    await add_case(env, 90, "8300000000000091", Stage.OPENED, **opened_case(T0))
    env.clock.now = T0 + 4 * DAY
    [first, *_] = await env.db.reminders.next_due(env.clock.now, 10)
    assert first.id is not None
    killed, survivor = Fleet(env.db, "killed"), Fleet(env.db, "survivor")
    await killed.beat()
    assert await env.db.reminders.claim(first.id, "killed")
    svc = env.service(owner="survivor", orphans_after=ALIVE)
    survivor.reminders = svc
    await survivor.beat()
    await svc.start(loop=False)
    assert await svc.run_due() == 0  # the killed one's buyer has a reminder in flight
    assert await svc.db.reminders.get(first.id, 90) is not None
    # The killed process beats no more: past ALIVE its row goes back and is sent.
    stale = to_db_time(datetime.now(UTC) - ALIVE - SECOND)
    await env.db.execute("UPDATE processes SET seen_at = :t WHERE id = 'killed'", {"t": stale})
    await survivor.beat()
    assert await svc.run_due() == 2
    assert len(env.messages_to(90)) == 2
    resent = await env.db.reminders.get(first.id, 90)
    assert resent is not None and resent.state is ReminderState.SENT and resent.attempts == 2
