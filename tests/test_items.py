"""Issue 14 §2: one dispute per item. An order with several items holds several cases (the
guides: a separate dispute per item), told apart by the buyer's item title, and /status
shows an order's cases together."""

from __future__ import annotations

import pytest

from bot.domain.models import Dispute, Stage
from bot.domain.steps import StepId as S
from bot.views.wizard import choice
from tests.harness import Buyer, Harness, texts
from tests.test_status import opened_case
from tests.test_wizard import ORDER

pytestmark = pytest.mark.both_engines  # the unique index per item, on both engines


async def cases_of(bot: Harness, buyer: Buyer) -> list[Dispute]:
    assert bot.app is not None
    return await bot.app.services.db.disputes.list_for_user(buyer.id)


async def test_a_second_item_of_an_order_gets_its_own_case(bot: Harness) -> None:
    buyer = bot.buyer(41)
    await opened_case(buyer)  # "Desk lamp", opened on AliExpress
    await buyer.say("/new")
    replies = await buyer.say(ORDER)
    offer = replies[-1]
    assert "You already have a case for order" in offer.text
    assert "Desk lamp — opened, waiting for the seller" in offer.text
    assert "one dispute per item" in offer.text
    labels = [label for label, _ in offer.buttons]
    assert "📋 Desk lamp" in labels and "🆕 Another item of this order" in labels

    replies = await buyer.press("Another item of this order")
    prompt = texts(replies)[-1]
    assert "A new case for another item of order" in prompt and "Step 2 of 10" in prompt
    # Without a title the two cases of the order would look alike: no Skip is offered, and
    # an old Skip button pressed anyway is refused.
    assert "tells its case apart" in prompt and "you can skip" not in prompt
    assert not any("Skip" in label for label, _ in replies[-1].buttons)
    [second] = [c for c in await cases_of(bot, buyer) if c.stage is Stage.DRAFT]
    replies = await buyer.press_data(str(choice(second, S.ITEM, "Skip", "skip").callback_data))
    assert "needs a short title of its item" in texts(replies)[-1]
    # The title of the item that has a case already (case and spaces aside) is refused too.
    replies = await buyer.say("desk   LAMP")
    assert "already has a case for “Desk lamp”" in texts(replies)[-1]
    replies = await buyer.say("Blue mug")
    assert "Step 3 of 10" in texts(replies)[-1]

    await buyer.say("9 USD")
    await buyer.say("40")
    await buyer.press("Yes, I received it")
    await buyer.press("Damaged in shipping")
    await buyer.press("No, not yet")
    await buyer.press("Keep the item, full refund")
    await buyer.say("The mug arrived with its handle broken off.")
    await buyer.press("Skip the rest")
    await buyer.photo("mug-1")
    await buyer.press("Done")
    await buyer.press("Confirm")
    await buyer.press("I have opened it on AliExpress today")

    cases = await cases_of(bot, buyer)
    assert [(d.order_id, d.item_title, d.stage) for d in cases] == [
        (ORDER, "Desk lamp", Stage.OPENED),
        (ORDER, "Blue mug", Stage.OPENED),
    ]
    # /status shows the order's cases together, each with its own stage and deadline.
    [listing] = await buyer.say("/status")
    assert f"<code>{ORDER}</code>, 2 cases:" in listing.text
    assert listing.text.index("Desk lamp") < listing.text.index("Blue mug")
    assert listing.text.count("seller's time to answer ends") == 2
    assert [label for label, _ in listing.buttons] == [
        f"📋 {ORDER[-8:]} · Desk lamp",
        f"📋 {ORDER[-8:]} · Blue mug",
    ]
    # /status ORDER: the order's cases, each card a tap away.
    [order] = await buyer.say(f"/status {ORDER}")
    assert f"Order {ORDER}" in order.text and "Blue mug" in order.text
    replies = await buyer.press("Blue mug")
    assert "The mug arrived" in texts(replies)[-1]


async def test_continue_the_existing_case_from_the_offer(bot: Harness) -> None:
    buyer = bot.buyer(42, language_code="ru")
    await buyer.say("/new")
    await buyer.say(ORDER)
    await buyer.say("Настольная лампа")
    await buyer.say("/new")
    await buyer.press("Начать новый")
    replies = await buyer.say(ORDER)
    assert "По заказу" in replies[-1].text and "уже есть спор" in replies[-1].text
    replies = await buyer.press("Продолжить: Настольная лампа")
    assert "Шаг 3 из" in texts(replies)[-1]
    cases = await cases_of(bot, buyer)
    # The empty draft of the second /new is dropped; the lamp's draft goes on.
    assert [(d.order_id, d.item_title) for d in cases] == [(ORDER, "Настольная лампа")]


async def test_a_forged_another_item_press_is_out_of_date(bot: Harness) -> None:
    """The button carries the order number; one with no case of the buyer's is refused."""
    buyer = bot.buyer(43)
    [prompt] = await buyer.say("/new")
    _, cancel = prompt.buttons[-1]
    draft_id = cancel.split(":")[1]
    replies = await buyer.press_data(f"w:{draft_id}:order:item-8123456789099999")
    assert buyer.answers(replies) == ["This button is out of date."]
    assert (await cases_of(bot, buyer))[0].order_id is None
