"""The claim's facts through the real wizard: the guides' leggings case walked by a Russian buyer
and by a buyer using the English interface gets exactly the golden English claim
(tests/test_claim_golden.py), and the facts' questions behave as every wizard step does:
buttons, Skip, Back, bad answers, Edit from the summary, a restart, the step counter."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.claim import language_note
from bot.domain.facts import Facts, Failure, SellerReply, YesNo
from bot.domain.models import Stage
from bot.domain.steps import StepId
from bot.i18n import translations, translator
from tests.harness import Buyer, FakeClock, Harness, texts
from tests.standin import render_html
from tests.test_claim_golden import GOLDEN

ORDER = "8123456789012345"
RU = translator("ru")
MOSCOW = ZoneInfo("Europe/Moscow")
LEGGINGS_RU = "Одни из трёх леггинсов пришли с дырками на швах, швы расходятся."


def plain(html_text: str) -> str:
    return render_html(html_text)[0]


async def dispute_of(bot: Harness, buyer: Buyer):  # type: ignore[no-untyped-def]
    assert bot.app is not None
    [d] = await bot.app.services.db.disputes.list_for_user(buyer.id)
    return d


async def leggings_to_facts(buyer: Buyer, ru: bool) -> str:
    """The leggings case up to its first fact question; returns that question's text."""
    _ = RU._ if ru else (lambda s: s)
    await buyer.say("/new")
    await buyer.say(ORDER)
    await buyer.say("Леггинсы, 3 шт")
    await buyer.say("11,73 $" if ru else "$11.73")
    await buyer.say("30")
    await buyer.press(_("Yes, I received it"))
    await buyer.press(_("Quality problem / does not work"))
    await buyer.press(_("No, not yet"))
    await buyer.press(_("Keep the item, partial refund"))
    await buyer.say("5")
    replies = await buyer.say(LEGGINGS_RU)
    return replies[-1].text


async def leggings_facts(buyer: Buyer, ru: bool) -> str:
    """The facts of the guides' leggings, answered with buttons and a few words, then two
    photos; returns the summary."""
    _ = RU._ if ru else (lambda s: s)
    await buyer.press(_("Poor stitching"))
    await buyer.press(_("Yes"))
    await buyer.say("20.11.2026")
    await buyer.press(_("Offered a coupon"))
    await buyer.say("Women's Seamless Leggings, 3 pcs")
    await buyer.photo("seam-1")
    await buyer.photo("seam-2")
    replies = await buyer.press(_("Done"))
    return replies[-1].text


async def test_the_leggings_in_russian_give_the_golden_claim(bot: Harness) -> None:
    buyer = bot.buyer(1, language_code="ru")
    first = await leggings_to_facts(buyer, ru=True)
    assert "Шаг 11 из 15" in first, first  # the facts are steps, counted like any other
    summary = plain(await leggings_facts(buyer, ru=True))
    english, russian = GOLDEN["leggings"]
    assert english in summary
    assert russian in summary  # what it says, for a Russian speaker
    # The buyer's own words stayed out of the English, and the summary says so.
    assert "Леггинсы, 3 шт" in summary and RU._("Your description") in summary
    assert "Legginsy" not in summary
    # Advice, not a rule: the Russian form also accepts Russian.
    assert language_note(translations("ru")) in summary
    replies = await buyer.press(RU._("Confirm"))
    instructions = plain(texts(replies)[-1])
    assert english in instructions and "2 фото" in instructions
    d = await dispute_of(bot, buyer)
    assert d.claim_text == english and d.stage is Stage.READY
    assert d.facts == Facts(
        failure=Failure.STITCHING,
        seller_contacted=YesNo.YES,
        seller_contacted_on=d.facts.seller_contacted_on,
        seller_reply=SellerReply.COUPON,
        english_title="Women's Seamless Leggings, 3 pcs",
    )
    assert d.facts is not None and d.facts.seller_contacted_on is not None
    assert d.facts.seller_contacted_on.isoformat() == "2026-11-20"


async def test_the_leggings_in_the_english_interface_give_the_same_claim(bot: Harness) -> None:
    """The same case, the same words, the English interface: exactly the same English."""
    buyer = bot.buyer(2, language_code="en")
    first = await leggings_to_facts(buyer, ru=False)
    assert "Step 11 of 15" in first and "What is wrong with the item?" in first
    summary = plain(await leggings_facts(buyer, ru=False))
    english = GOLDEN["leggings"][0]
    assert english in summary
    assert "What it says" not in summary  # an English reader needs no translation
    assert "I do not translate what you type" in summary
    replies = await buyer.press("Confirm")
    assert english in plain(texts(replies)[-1])
    assert (await dispute_of(bot, buyer)).claim_text == english


async def test_a_bad_fact_answer_is_explained_and_the_buyer_stays(bot: Harness) -> None:
    buyer = bot.buyer(3, language_code="en")
    await leggings_to_facts(buyer, ru=False)
    replies = await buyer.say("the seams")  # a choice: the buttons answer it
    assert "choose one of the buttons" in replies[-1].text
    await buyer.press("Poor stitching")
    await buyer.press("Yes")
    replies = await buyer.say("sometime last week")
    assert "couldn't read a date" in replies[-1].text
    replies = await buyer.say("tomorrow")
    assert "future" in replies[-1].text.lower()
    d = await dispute_of(bot, buyer)
    assert d.wizard_step == StepId.F_SELLER_CONTACTED_ON
    await buyer.say("yesterday")
    await buyer.press("Refused")
    replies = await buyer.say("Леггинсы женские")  # the English title, in Russian
    assert "not in English" in replies[-1].text and "never transliterate" in replies[-1].text
    replies = await buyer.say("https://aliexpress.com/item/1.html")
    assert "That is a link" in replies[-1].text
    replies = await buyer.press("Skip")
    assert "Now send the evidence" in replies[-1].text


async def test_the_longest_summary_still_fits_one_message(bot: Harness) -> None:
    """Every free answer at its longest, in Russian (not in the English text, so shown back),
    with both eligibility warnings: the summary is one message Telegram accepts."""
    buyer = bot.buyer(4, language_code="ru")
    await buyer.say("/new")
    await buyer.say(ORDER)
    await buyer.say(("Длинное название товара " * 5)[:100])
    await buyer.say("1 234,56 ₽")
    await buyer.say("2")  # protection ends in two days: a warning
    await buyer.press(RU._("Yes, I received it"))
    await buyer.press(RU._("Not as described (size, colour, material, function)"))
    await buyer.press(RU._("Yes, I confirmed"))
    await buyer.say("13 дней назад")  # the window after confirming closes soon: a warning
    await buyer.press(RU._("Return the item, partial refund"))
    await buyer.say("1 000")
    await buyer.say(("Ткань совсем не такая, как на фотографиях в описании товара. " * 20)[:1000])
    await buyer.press(RU._("Material"))
    await buyer.say(("хлопок сто процентов и мягкая " * 5)[:100])
    await buyer.say(("синтетика и жёсткая на ощупь " * 5)[:100])
    await buyer.press(RU._("Yes"))
    await buyer.say("вчера")
    await buyer.press(RU._("Answered, nothing solved"))
    await buyer.say(("Women Cotton Dress Summer Casual Loose Long Sleeve " * 8)[:300])
    await buyer.photo("p1")
    [*_, summary] = await buyer.press(RU._("Done"))
    shown = plain(summary.text)
    assert len(shown) <= 4096, len(shown)
    assert "Шаг" in shown and "⚠️" in shown and "Что там написано" in shown
    assert "…" in shown  # the description, cut short to fit
    # The card of the opened case says it all, the English text in a message of its own.
    await buyer.press(RU._("Confirm"))
    await buyer.press(RU._("I have opened it on AliExpress today"))
    claim, card = await buyer.say(f"/status {ORDER}")
    assert RU._("Text for AliExpress (English):") in claim.text and not claim.buttons
    assert "Ткань совсем не такая" in card.text and "…" not in plain(card.text)
    assert card.buttons
    for sent in (claim, card):
        assert len(plain(sent.text)) <= 4096


async def test_facts_back_edit_and_restart(db_path: Path, clock: FakeClock) -> None:
    """Back from the first fact is the description; a restart resumes at the fact; a fact
    changed from the summary changes the English; "no, I did not write" drops when and what."""
    bot = await Harness(db_path, clock=clock).start()
    try:
        buyer = bot.buyer(5, language_code="en")
        first = await leggings_to_facts(buyer, ru=False)
        assert "What is wrong with the item?" in first
        replies = await buyer.press("Back")
        assert "Describe the problem in your own words" in replies[-1].text
        await buyer.say(LEGGINGS_RU)
        await buyer.press("Poor stitching")
        await bot.restart()
        buyer = bot.buyer(5, language_code="en")
        replies = await buyer.press("Yes")  # the question shown before the restart
        assert "When did you write to the seller?" in replies[-1].text
        await buyer.say("20.11.2026")
        await buyer.press("Offered a coupon")
        await buyer.say("Women's Seamless Leggings, 3 pcs")
        await buyer.photo("seam-1")
        await buyer.photo("seam-2")
        await buyer.press("Done")
        await buyer.press("Edit")
        replies = await buyer.press("What is wrong")
        assert "Back to the summary" in str(replies[-1].buttons)
        assert "Skip the rest" not in str(replies[-1].buttons)  # editing one answer
        summary = plain((await buyer.press("Does not turn on"))[-1].text)
        assert "The item I received does not turn on." in summary
        assert "poorly stitched" not in summary
        await buyer.press("Edit")
        await buyer.press("Wrote to the seller")
        summary = plain((await buyer.press("No"))[-1].text)
        assert "Step 15 of 15" in summary
        assert "contacted the seller" not in summary and "coupon" not in summary
        d = await dispute_of(bot, buyer)
        assert d.facts == Facts(
            failure=Failure.NO_POWER,
            seller_contacted=YesNo.NO,
            english_title="Women's Seamless Leggings, 3 pcs",
        )
    finally:
        await bot.stop()
