"""/status, the case card, recording stages, the calendar file, /timezone and /deletedata."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.domain.models import Outcome, Stage
from tests.harness import Buyer, FakeClock, Harness, texts
from tests.test_wizard import ORDER, dispute_of


async def opened_case(buyer: Buyer, order: str = ORDER, *, received: bool = False) -> None:
    """A buyer walks the wizard to a dispute opened on AliExpress today."""
    await buyer.say("/new")
    await buyer.say(order)
    await buyer.say("Desk lamp")
    await buyer.say("25 USD")
    await buyer.say("40")
    if received:
        await buyer.press("Yes, I received it")
        await buyer.press("Damaged in shipping")
        await buyer.press("No, not yet")
        await buyer.press("Keep the item, full refund")
        await buyer.say("The lamp arrived with a cracked base.")
        await buyer.press("Skip the rest")
        await buyer.photo("lamp-1")
        await buyer.photo("lamp-2")
        await buyer.press("Done")
    else:
        await buyer.press("No, I did not receive it")
        await buyer.press("No tracking")
        await buyer.say("40 days ago")  # shipped
        await buyer.say("No tracking updates for five weeks now.")
        await buyer.press("Skip the rest")
        await buyer.press("Skip, I have none")
    await buyer.press("Confirm")
    await buyer.press("I have opened it on AliExpress today")


async def test_status_lists_orders_with_next_deadline(bot: Harness) -> None:
    buyer = bot.buyer(1)
    [reply] = await buyer.say("/status")
    assert "no orders" in reply.text and "/new" in reply.text
    await opened_case(buyer)
    [reply] = await buyer.say("/status")
    assert ORDER in reply.text and "opened, waiting for the seller" in reply.text
    assert "seller's time to answer ends in 5 days" in reply.text
    ru = bot.buyer(2, language_code="en")
    await opened_case(ru, "9123456789012345")
    await ru.say("/language")
    await ru.press("Русский")
    [reply] = await ru.say("/status")
    assert "9123456789012345" in reply.text and "5 дней" in reply.text


async def test_card_shows_answers_history_and_actions(bot: Harness) -> None:
    buyer = bot.buyer(3)
    await opened_case(buyer, received=True)
    [card] = await buyer.say(f"/status {ORDER}")
    assert "Desk lamp" in card.text and "Damaged in shipping" in card.text
    assert "Text for AliExpress" in card.text and "History" in card.text
    labels = [label for label, _ in card.buttons]
    # The seller's answer with an offer is recorded after checking the offer.
    assert "💰 The seller made an offer" in labels and "Seller accepted" not in labels
    assert "💬 The seller wrote to me" in labels and "Escalated to AliExpress" in labels
    assert any("Evidence" in label for label in labels)
    sent = await buyer.press("Evidence")
    assert any(s.method == "sendMediaGroup" for s in sent)


async def test_recording_stages_recomputes_deadlines(bot: Harness, clock: FakeClock) -> None:
    buyer = bot.buyer(4)
    await opened_case(buyer)
    opened_at = clock.now
    clock.advance(timedelta(days=2))
    await buyer.say(f"/status {ORDER}")
    replies = await buyer.press("Seller rejected")
    assert "Record it?" in replies[-1].text  # not-received: warned about confirming early
    replies = await buyer.press("Yes, record it")
    assert "seller rejected" in replies[-1].text
    d = await dispute_of(bot, buyer)
    assert d.stage is Stage.SELLER_REJECTED and d.seller_deadline is None
    assert d.escalation_at == opened_at + timedelta(days=7)
    replies = await buyer.press("Escalated to AliExpress")
    assert "edit" in replies[-1].text.lower()  # re-check the terms before escalating
    await buyer.press("Yes, record it")
    replies = await buyer.press("AliExpress asked for evidence")
    await buyer.press("Yes, record it")
    d = await dispute_of(bot, buyer)
    assert d.stage is Stage.EVIDENCE_REQUESTED
    assert d.evidence_due == clock.now + timedelta(days=3)
    replies = await buyer.press("Closed: I won")
    d = await dispute_of(bot, buyer)
    assert d.stage is Stage.CLOSED and d.outcome is Outcome.WON
    # A closed case offers no escalation: an old button is out of date and changes nothing.
    stale = next(
        s
        for s in reversed(buyer.seen)
        if any(lbl == "Escalated to AliExpress" for lbl, _ in s.buttons)
    )
    data = next(d for lbl, d in stale.buttons if lbl == "Escalated to AliExpress")
    sent = await buyer.press_data(data, stale)
    assert buyer.answers(sent) == ["This button is out of date."]
    assert (await dispute_of(bot, buyer)).stage is Stage.CLOSED


async def test_calendar_file_lists_upcoming_deadlines(bot: Harness) -> None:
    buyer = bot.buyer(5)
    await opened_case(buyer)
    await buyer.say(f"/status {ORDER}")
    sent = await buyer.press("Calendar")
    [document] = [s for s in sent if s.method == "sendDocument"]
    upload = document.params["document"]
    body = upload["content"].decode()
    assert body.startswith("BEGIN:VCALENDAR") and body.count("BEGIN:VEVENT") == 2
    assert "seller's time to answer ends" in body.replace("\\", "")
    assert upload["filename"] == f"order-{ORDER}.ics"


async def test_another_buyer_learns_nothing(bot: Harness) -> None:
    owner, other = bot.buyer(6), bot.buyer(7)
    await opened_case(owner)
    [reply] = await other.say(f"/status {ORDER}")
    assert "no case for order" in reply.text and "Desk lamp" not in reply.text
    [reply] = await other.say("/status")
    assert ORDER not in reply.text
    d = await dispute_of(bot, owner)
    for data in (
        f"st:{d.id}",
        f"sf:{d.id}",
        f"ics:{d.id}",
        f"lc:{d.id}:won",
        f"lc:{d.id}:won:y",
        f"wx:{d.id}:continue",
    ):
        sent = await other.press_data(data)
        assert other.answers(sent) == ["This button is out of date."], data
        assert not [s for s in sent if s.method != "answerCallbackQuery"], data
    assert (await dispute_of(bot, owner)).stage is Stage.OPENED


async def test_timezone_buttons_and_free_entry(bot: Harness) -> None:
    buyer = bot.buyer(8)
    replies = await buyer.say("/timezone")
    assert "UTC" in replies[0].text and "between 9:00 and 21:00" in replies[0].text
    replies = await buyer.press("8:00–22:00")
    assert "between 8:00 and 22:00" in texts(replies)[-1]
    sent = await buyer.press_data("hrs:3:4")
    assert buyer.answers(sent) == ["This button is out of date."]
    replies = await buyer.press("Vladivostok")
    assert "Asia/Vladivostok" in texts(replies)[-1]
    [reply] = await buyer.say("/timezone america/new_york")
    assert "America/New_York" in reply.text
    [reply] = await buyer.say("/timezone Mars/Base")
    assert "don't know the time zone" in reply.text
    assert bot.app is not None
    stored = await bot.app.services.db.users.get(buyer.id)
    assert stored is not None and stored.timezone == "America/New_York"
    assert (stored.remind_from_hour, stored.remind_to_hour) == (8, 22)


async def test_deletedata_removes_every_row(bot: Harness) -> None:
    buyer, other = bot.buyer(9), bot.buyer(10)
    await opened_case(buyer, received=True)
    await opened_case(other, "7123456789012345")
    await buyer.say("/language")
    await buyer.press("English")
    await buyer.say("/deletedata")
    replies = await buyer.press("No, keep my data")
    assert "Nothing was deleted" in texts(replies)[-1]
    await buyer.say("/deletedata")
    replies = await buyer.press("Yes, delete everything")
    assert "deleted all your data" in texts(replies)[-1]
    assert bot.app is not None
    path = bot.app.services.db.path
    with sqlite3.connect(path) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        assert {
            "users",
            "disputes",
            "evidence",
            "reminders",
            "events",
        } <= set(tables)
        for table in tables:
            columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
            # Table names come from sqlite_master, not from input.
            rows = conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
            for row in rows:
                cells = dict(zip(columns, row, strict=True))
                for name in ("user_id", "chat_id"):
                    assert cells.get(name) != buyer.id, (table, cells)
                if "key" in cells:
                    assert str(buyer.id) not in str(cells["key"]), (table, cells)
        for table in ("evidence", "events", "reminders"):
            orphans = conn.execute(
                f"SELECT count(*) FROM {table} WHERE dispute_id NOT IN (SELECT id FROM disputes)"  # noqa: S608
            ).fetchone()
            assert orphans == (0,), table
        assert conn.execute("SELECT count(*) FROM evidence").fetchone() == (0,)
        disputes = conn.execute("SELECT user_id FROM disputes").fetchall()
    assert disputes == [(other.id,)]
    # The buyer starts from scratch; the other buyer's case is untouched.
    [reply] = await buyer.say("/status")
    assert "no orders" in reply.text
    assert (await dispute_of(bot, other)).stage is Stage.OPENED


async def test_watch_only_then_open_the_dispute_later(bot: Harness, clock: FakeClock) -> None:
    """Not a problem yet: the order is kept with protection reminders; the dispute comes later."""
    buyer = bot.buyer(11)
    await buyer.say("/new")
    await buyer.say(ORDER)
    await buyer.say("Desk lamp")
    await buyer.say("25 USD")
    await buyer.say("40")
    replies = await buyer.press("Not yet, just watch the protection timer")
    assert "7, 3 and 1 day before" in texts(replies)[-1]
    d = await dispute_of(bot, buyer)
    assert d.stage is Stage.TRACKING and d.wizard_step is None
    assert bot.app is not None
    planned = await bot.app.services.db.reminders.list_for_dispute(d.id or 0)
    assert sorted(r.kind for r in planned if r.kind.startswith("protection")) == [
        "protection_1d",
        "protection_3d",
        "protection_7d",
    ]
    [reply] = await buyer.say("/status")
    assert "watching the protection timer" in reply.text
    clock.advance(timedelta(days=20))
    await buyer.say(f"/status {ORDER}")
    replies = await buyer.press("Open a dispute for it")
    assert any("Continue it" in label for label, _ in replies[-1].buttons)
    replies = await buyer.press("Continue it")
    assert "Did you receive the item?" in texts(replies)[-1]
    await buyer.press("No, I did not receive it")
    d = await dispute_of(bot, buyer)
    assert d.stage is Stage.DRAFT and d.wizard_step == "reason"
