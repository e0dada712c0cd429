"""The negotiation assistant through the real bot, in both languages: from the case card to the
verdict on the seller's message and a reply to paste, forwarded messages outside any prompt,
checking the seller's offer before recording it, and the text for AliExpress at the later
stages. Everything lands in the case's history, never the seller's own words."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.lifecycle import Action, ActionWarning
from bot.domain.models import Money, Stage
from bot.domain.negotiation import (
    OfferChange,
    Reopen,
    Trick,
    Verdict,
    accept_note,
    cancel_note,
    change_text,
    trick_name,
    trick_why,
    verdict_label,
)
from bot.domain.rules import DEFAULT_RULES
from bot.i18n import translations, translator
from bot.views import negotiation as views
from bot.views.warnings import warning_text
from tests import standin
from tests.harness import Buyer, FakeClock, Harness, texts
from tests.standin import Sent, render_html
from tests.test_claim_wizard import ORDER, dispute_of, leggings_facts, leggings_to_facts

RU = translator("ru")
EN = translator("en")
# A seller's message that plays three tricks at once, in the broken English many sellers write.
TRICKY = (
    "Dear friend, pls cancel the dispute and i will give you coupon 5$ for next order. "
    "Or i refund you by PayPal, is more fast."
)
TRICKY_RU = "Уважаемый покупатель, закройте спор, пожалуйста, а я верну деньги на карту."
FAIR = "Sorry for the trouble. Please send a photo of the seams so we can check."


def usd(cents: int) -> Money:
    return Money(cents, "USD")


def plain(sent: Sent) -> str:
    return render_html(sent.text)[0]


def labels(sent: Sent) -> list[str]:
    return [label for label, _ in sent.buttons]


def forwarded(buyer: Buyer, text: str) -> dict[str, Any]:
    return standin.forwarded(standin.text_update(buyer.user, text))


async def open_leggings(buyer: Buyer, *, ru: bool) -> None:
    """The guides' leggings case, opened on AliExpress today."""
    t = RU if ru else EN
    await leggings_to_facts(buyer, ru=ru)
    await leggings_facts(buyer, ru=ru)
    await buyer.press(t._("Confirm"))
    await buyer.press(t._("I have opened it on AliExpress today"))


async def events_of(bot: Harness, buyer: Buyer) -> list[Any]:
    assert bot.app is not None
    d = await dispute_of(bot, buyer)
    return await bot.app.services.db.events.list(d.id)


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_from_the_card_to_the_verdict_and_a_reply_in_two_taps(
    bot: Harness, language: str
) -> None:
    t = translator(language)
    cat = translations(language)
    buyer = bot.buyer(1, language_code=language)
    await open_leggings(buyer, ru=language == "ru")
    taps = 0
    await buyer.say("/status")
    await buyer.press(ORDER[-8:])  # the order in the list
    taps += 1
    [*_, prompt] = await buyer.press(t._("The seller wrote to me"))
    taps += 1
    assert t._("Back to the card") in labels(prompt)[0]
    [verdict] = await buyer.send(forwarded(buyer, TRICKY))
    assert taps <= 3
    text = plain(verdict)
    for trick in (Trick.CLOSE_FOR_PROMISE, Trick.OUTSIDE_PAYMENT, Trick.COUPON):
        assert trick_name(cat, trick) in text and trick_why(cat, trick) in text
    assert t._("Do not do it") in text and "«cancel the dispute»" in text
    # The reply to paste, in <code> so that a tap copies it.
    assert "<code>Hello, thank you for your message. I will not close or cancel" in verdict.text
    # What it says, for a Russian speaker; an English reader needs none.
    assert "What it says" not in text
    assert ("Что там написано:\nЗдравствуйте, спасибо за сообщение." in text) is (language == "ru")
    assert labels(verdict) == [
        "💰 " + t._("Record the seller's offer"),
        "📋 " + t._("Back to the card"),
    ]
    # The history keeps the reading, never the seller's words.
    [*_, read] = await events_of(bot, buyer)
    assert read.kind == "seller_message"
    assert read.detail["tricks"] == ["close", "outside", "coupon"]
    assert read.detail["verdict"] == "do_not" and read.detail["drafted"] == "reply"
    assert "PayPal" not in json.dumps(read.detail)
    d = await dispute_of(bot, buyer)
    assert d.wizard_step is None  # the prompt is over


async def test_a_pasted_russian_message_and_a_fair_one(bot: Harness) -> None:
    buyer = bot.buyer(2, language_code="ru")
    await open_leggings(buyer, ru=True)
    await buyer.say(f"/status {ORDER}")
    await buyer.press(RU._("The seller wrote to me"))
    [verdict] = await buyer.say(TRICKY_RU)  # pasted, not forwarded
    text = plain(verdict)
    cat = translations("ru")
    assert trick_name(cat, Trick.OUTSIDE_PAYMENT) in text
    assert trick_name(cat, Trick.CLOSE_FOR_PROMISE) in text
    await buyer.press(RU._("Back to the card"))
    await buyer.press(RU._("The seller wrote to me"))
    [fair] = await buyer.say(FAIR)
    assert RU._("This message looks fair.") in plain(fair)
    assert "add photos and a video of the problem" in fair.text  # the reply to paste
    history = plain((await buyer.say(f"/status {ORDER}"))[-1])
    assert "сообщение продавца проверено: найдено 2 уловки; ответ составлен" in history
    assert "сообщение продавца проверено: уловок нет; ответ составлен" in history


async def test_the_message_prompt_takes_text_only_and_can_be_left(bot: Harness) -> None:
    buyer = bot.buyer(3)
    await open_leggings(buyer, ru=False)
    await buyer.say(f"/status {ORDER}")
    await buyer.press("The seller wrote to me")
    replies = await buyer.photo("screenshot")
    assert "I can read text only" in replies[-1].text
    replies = await buyer.send(standin.sticker_update(buyer.user))
    assert "I can read text only" in replies[-1].text
    replies = await buyer.say("👍👍")
    assert "doesn't look like a message from the seller" in replies[-1].text
    replies = await buyer.edit("edited")
    assert "edited messages" in replies[-1].text
    assert (await dispute_of(bot, buyer)).wizard_step == "seller_msg"  # still waiting
    replies = await buyer.press("Back to the card")
    assert ORDER in replies[-1].text and (await dispute_of(bot, buyer)).wizard_step is None
    replies = await buyer.say("hello")
    assert "not waiting" in replies[-1].text  # the prompt is over
    # /new leaves a waiting prompt too, and /cancel.
    await buyer.press("The seller wrote to me")
    replies = await buyer.say("/new")
    assert "Step 1 of 10" in replies[-1].text
    await buyer.say("/cancel")
    await buyer.say(f"/status {ORDER}")
    await buyer.press("The seller wrote to me")
    replies = await buyer.say("/cancel")
    assert "stays in /status" in replies[-1].text
    assert (await dispute_of(bot, buyer)).wizard_step is None


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_a_forwarded_message_outside_any_prompt(bot: Harness, language: str) -> None:
    t = translator(language)
    buyer = bot.buyer(4, language_code=language)
    # No open dispute: a clear explanation.
    replies = await buyer.send(forwarded(buyer, TRICKY))
    assert replies[-1].text == views.no_open_case(t)
    await open_leggings(buyer, ru=language == "ru")
    # One open dispute: read for it at once.
    replies = await buyer.send(forwarded(buyer, TRICKY))
    assert t._("<b>The seller's message, order %(order)s</b>", order=f"<code>{ORDER}</code>") in (
        replies[-1].text
    )
    # A photo forwarded: text only.
    replies = await buyer.send(standin.forwarded(standin.photo_update(buyer.user, "fwd-photo")))
    assert replies[-1].text == views.text_only(t)


async def open_a_second_case(buyer: Buyer, t: Any, order: str) -> None:
    """Another order, not received, opened on AliExpress too."""
    for text in ("/new", order, "Phone case", "9.99 USD", "20"):
        await buyer.say(text)
    for label in ("No, I did not receive it", "No tracking, or tracking is not updating", "Skip"):
        await buyer.press(t._(label))
    await buyer.say("Tracking has not moved for a month.")
    for label in ("Skip the rest", "Skip, I have none", "Confirm"):
        await buyer.press(t._(label))
    await buyer.press(t._("I have opened it on AliExpress today"))


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_several_open_disputes_the_buyer_picks_the_order(bot: Harness, language: str) -> None:
    t = translator(language)
    buyer = bot.buyer(5, language_code=language)
    await open_leggings(buyer, ru=language == "ru")
    other = "8123456789099999"
    await open_a_second_case(buyer, t, other)
    replies = await buyer.send(forwarded(buyer, TRICKY))
    assert t._("Which order is this seller's message about?") in replies[-1].text
    assert len(replies[-1].buttons) == 2
    [*_, verdict] = await buyer.press(other[-8:])
    assert f"<code>{other}</code>" in verdict.text
    assert trick_name(translations(language), Trick.OUTSIDE_PAYMENT) in plain(verdict)
    # A message that names its order goes to that one without asking.
    replies = await buyer.send(forwarded(buyer, f"About order {ORDER}: please cancel dispute."))
    assert f"<code>{ORDER}</code>" in replies[-1].text
    assert trick_name(translations(language), Trick.CLOSE_FOR_PROMISE) in plain(replies[-1])


async def offer_check(buyer: Buyer, option: str, amount: str | None, t: Any = EN) -> Sent:
    await buyer.say(f"/status {ORDER}")
    await buyer.press(t._("The seller made an offer"))
    replies = await buyer.press(option)
    if amount is not None:
        replies = await buyer.say(amount)
    return replies[-1]


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_an_offer_is_checked_before_it_is_recorded(bot: Harness, language: str) -> None:
    t, cat = translator(language), translations(language)
    buyer = bot.buyer(6, language_code=language)
    await open_leggings(buyer, ru=language == "ru")
    result = await offer_check(buyer, t._("Return the item, partial refund"), "3", t)
    text = plain(result)
    assert change_text(cat, OfferChange.RETURN_ADDED) in text
    assert (
        cat.gettext("The refund is %(offered)s instead of the %(asked)s you asked for.")
        % {"offered": t.money(usd(300)), "asked": t.money(usd(500))}
        in text
    )
    assert verdict_label(cat, Verdict.COUNTER) in text
    # The checks the figures cannot make, once each, and Accept versus cancelling.
    assert warning_text(t, ActionWarning.OFFER_COUPON, DEFAULT_RULES) in text
    assert "PayPal" in text
    assert warning_text(t, ActionWarning.OFFER_REFUND_LOWERED, DEFAULT_RULES) not in text
    assert accept_note(cat) in text and cancel_note(cat, Reopen.POSSIBLE) in text
    assert "<code>Thank you for your offer, but I cannot accept it." in result.text
    record = "✅ " + t._("Record: %(move)s", move=t._("Seller made a counter-offer"))
    assert labels(result) == [record, "📋 " + t._("Back to the card")]
    [*_, checked] = await events_of(bot, buyer)
    assert checked.kind == "offer_checked"
    assert checked.detail == {
        "option": "ret_part",
        "minor": 300,
        "currency": "USD",
        "changes": ["return_added", "lowered", "option"],
        "verdict": "counter",
        "drafted": "counter",
    }
    replies = await buyer.press(record[2:])
    assert "✅ " + t._("Seller made a counter-offer") in replies[-1].text  # no warnings again
    assert (await dispute_of(bot, buyer)).stage is Stage.SELLER_COUNTERED
    offered = t._("Return the item, partial refund") + ": " + t.money(usd(300))
    assert offered in plain(replies[-1])  # the history


async def test_an_offer_of_what_was_asked_is_fine_and_recorded_as_accepted(
    bot: Harness,
) -> None:
    buyer = bot.buyer(7)
    await open_leggings(buyer, ru=False)
    result = await offer_check(buyer, "Keep the item, partial refund", "5.00")
    assert "The offer is what you asked for." in plain(result) and "Fine to accept" in plain(result)
    assert "Counter-offer" not in plain(result)
    await buyer.press("Record: Seller accepted")
    assert (await dispute_of(bot, buyer)).stage is Stage.SELLER_ACCEPTED
    # Accepting it on AliExpress is recorded without repeating the offer's warnings.
    await buyer.say(f"/status {ORDER}")
    replies = await buyer.press("I accepted the seller's offer")
    assert "Record it?" not in replies[-1].text
    assert (await dispute_of(bot, buyer)).stage is Stage.CLOSED


async def test_wrong_offer_figures_are_explained(bot: Harness) -> None:
    buyer = bot.buyer(8, language_code="ru")
    await open_leggings(buyer, ru=True)
    await buyer.say(f"/status {ORDER}")
    await buyer.press(RU._("The seller made an offer"))
    await buyer.press(RU._("Keep the item, partial refund"))
    replies = await buyer.say("20")
    assert "не может быть больше" in replies[-1].text
    replies = await buyer.say("3 EUR")
    assert "в той валюте, в которой вы платили" in replies[-1].text
    replies = await buyer.say("деньги")
    assert "Пришлите" in replies[-1].text or "сумм" in replies[-1].text
    assert (await dispute_of(bot, buyer)).wizard_step == "offer_kp"
    [*_, result] = await buyer.press(RU._("0, no refund at all"))
    text = plain(result)
    assert RU._("Do not do it") in text and "закроется" in text


async def test_the_old_seller_answer_buttons_check_the_offer_first(bot: Harness) -> None:
    buyer = bot.buyer(9)
    await open_leggings(buyer, ru=False)
    d = await dispute_of(bot, buyer)
    sent = await buyer.press_data(f"lc:{d.id}:{Action.SELLER_ACCEPTED.value}")
    assert "Which option is it?" in texts(sent)[-1]
    assert (await dispute_of(bot, buyer)).stage is Stage.OPENED


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_escalation_and_evidence_bring_the_text_for_aliexpress(
    bot: Harness, language: str
) -> None:
    t = translator(language)
    buyer = bot.buyer(10, language_code=language)
    await open_leggings(buyer, ru=language == "ru")
    await buyer.say(f"/status {ORDER}")
    await buyer.press(t._("The seller wrote to me"))
    await buyer.say(TRICKY)
    await offer_check(buyer, t._("Keep the item, partial refund"), "3", t)
    await buyer.say(f"/status {ORDER}")
    await buyer.press(t._("Escalated to AliExpress"))
    replies = await buyer.press(t._("Yes, record it"))
    statement, card = [s for s in replies if s.method == "sendMessage"]
    text = plain(statement)
    assert "I ask AliExpress to review this dispute. Order 8123456789012345." in text
    assert "The seller offered 3.00 USD, less than the 5.00 USD I asked for" in text
    assert "The seller offered to pay me outside AliExpress." in text
    assert ("Прошу AliExpress рассмотреть этот спор." in text) is (language == "ru")
    assert t._("Escalated to AliExpress") in card.text and card.buttons
    await buyer.press(t._("AliExpress asked for evidence"))
    replies = await buyer.press(t._("Yes, record it"))
    texts_sent = [s.text for s in replies if s.method == "sendMessage"]
    assert (
        "<code>In reply to your request, here is the evidence for this dispute." in (texts_sent[0])
    )


async def test_a_draft_in_the_wizard_meanwhile_stays_usable(bot: Harness, clock: FakeClock) -> None:
    """The buyer is halfway through a new dispute, opens the card of an opened one and asks
    to read a seller's message: their next text is that message; a button of the draft
    takes them back to the draft."""
    buyer = bot.buyer(11)
    await open_leggings(buyer, ru=False)
    await buyer.say("/new")
    await buyer.say("8123456789099999")
    await buyer.say("Phone case")
    await buyer.say("9.99 USD")
    draft_prompt = (await buyer.say("20"))[-1]
    assert "Did you receive the item?" in draft_prompt.text
    clock.advance(timedelta(minutes=1))  # the buyer's latest move is the newest
    await buyer.say(f"/status {ORDER}")
    await buyer.press("The seller wrote to me")
    replies = await buyer.say(TRICKY)
    assert "Reply to paste" in replies[-1].text
    replies = await buyer.say("hello")  # the draft is the wizard's again
    assert "choose one of the buttons" in replies[-1].text
    clock.advance(timedelta(minutes=1))
    await buyer.say(f"/status {ORDER}")
    await buyer.press("The seller wrote to me")
    data = next(d for label, d in draft_prompt.buttons if label.startswith("No"))
    replies = await buyer.press_data(data, draft_prompt)
    assert "What is the problem" in replies[-1].text
    assert (await dispute_of_order(bot, buyer, ORDER)).wizard_step is None


async def dispute_of_order(bot: Harness, buyer: Buyer, order: str) -> Any:
    assert bot.app is not None
    disputes = await bot.app.services.db.disputes.list_for_user(buyer.id)
    return next(d for d in disputes if d.order_id == order)
