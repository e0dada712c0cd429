"""What the assistant says: explanations in both languages, and the English texts to paste."""

from __future__ import annotations

import re
from enum import Enum

import pytest

from bot.domain.models import Branch, Dispute, Money, Reason, RefundOption, Stage
from bot.domain.negotiation import (
    ENGLISH,
    REPLY_MAX_CHARS,
    STATEMENT_MAX_CHARS,
    FairSignal,
    OfferChange,
    Reading,
    Reopen,
    Trick,
    Verdict,
    accept_note,
    cancel_note,
    change_text,
    check_offer,
    counter_offer,
    fair_note,
    offer_lines,
    plain_money,
    read_message,
    reply_to_seller,
    statement_for_aliexpress,
    terms,
    trick_name,
    trick_why,
    verdict_label,
)
from bot.i18n import Translator, translations

R = RefundOption
RU = translations("ru")
PAID = Money(1173, "USD")
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def leggings(**kw: object) -> Dispute:
    d = Dispute(
        user_id=7,
        order_id="8123456789012345",
        item_title="Leggings, 3 pcs",
        amount_paid=PAID,
        branch=Branch.RECEIVED,
        reason=Reason.QUALITY,
        refund_option=R.KEEP_PARTIAL,
        refund_amount=usd(500),
        description="The seams of one pair came apart after one wear.",
        stage=Stage.ESCALATED,
    )
    for k, v in kw.items():
        setattr(d, k, v)
    return d


# --- explanations -----------------------------------------------------------------------------
LABELS: list[tuple[object, list[Enum]]] = [
    (trick_name, list(Trick)),
    (trick_why, list(Trick)),
    (verdict_label, list(Verdict)),
    (fair_note, list(FairSignal)),
    (change_text, list(OfferChange)),
    (cancel_note, list(Reopen)),
]


@pytest.mark.parametrize(("label", "members"), LABELS)
def test_every_value_has_a_text_in_both_languages(label, members) -> None:  # type: ignore[no-untyped-def]
    english = [label(ENGLISH, m) for m in members]
    russian = [label(RU, m) for m in members]
    assert len(set(english)) == len(members), "two values share a text"
    for en, ru in zip(english, russian, strict=True):
        assert en.isascii() and en[0].isupper()
        assert ru != en and CYRILLIC.search(ru), en


def test_why_sentences_are_one_sentence_each() -> None:
    for trick in Trick:
        text = trick_why(ENGLISH, trick)
        assert text.endswith(".") and text.count(". ") == 0, text


def test_offer_lines_name_the_amounts() -> None:
    result = check_offer(PAID, terms(R.KEEP_FULL, PAID), terms(R.KEEP_PARTIAL, PAID, usd(500)))
    assert offer_lines(ENGLISH, result, plain_money) == [
        "The refund is 5.00 USD instead of the 11.73 USD you asked for.",
        "The refund option is not the one you asked for.",
    ]
    ru = offer_lines(RU, result, Translator("ru").money)
    assert "5,00" in ru[0] and "11,73" in ru[0]
    same = check_offer(PAID, terms(R.KEEP_FULL, PAID), terms(R.KEEP_FULL, PAID))
    assert offer_lines(ENGLISH, same, plain_money) == ["The offer is what you asked for."]


def test_accept_is_final_in_both_languages() -> None:
    assert "final" in accept_note(ENGLISH)
    assert CYRILLIC.search(accept_note(RU))


# --- the reply to paste -----------------------------------------------------------------------
def test_reply_declines_closing_and_paying_outside() -> None:
    reading = read_message("pls close the dispute, i refund you by paypal, give me your email")
    assert reply_to_seller(reading) == (
        "Hello, thank you for your message. "
        "I will not close or cancel the dispute before the refund is issued through AliExpress. "
        "I do not accept payments outside AliExpress; please make the refund in the dispute. "
        "Best regards."
    )


def test_reply_to_a_coupon_keeps_the_dispute_open() -> None:
    reading = read_message("We can give you a 5$ coupon for your next order.")
    assert reply_to_seller(reading) == (
        "Hello, thank you for your message. "
        "A coupon or store credit is not a refund, so I must decline it. "
        "I will keep the dispute open until the refund is issued through AliExpress. "
        "Best regards."
    )


def test_reply_restates_the_request_against_changed_terms() -> None:
    reading = read_message("We changed the refund amount to 2 USD, please accept.")
    asked = terms(R.KEEP_PARTIAL, PAID, usd(500))
    reply = reply_to_seller(reading, asked=asked)
    assert (
        "I ask for a partial refund of 5.00 USD without returning the item, as stated in the "
        "dispute." in reply
    )
    assert "5,00" in reply_to_seller(reading, RU, asked=asked, money=Translator("ru").money)


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("Please send a photo of the damage.", "I will add photos and a video"),
        ("We agree to refund you in the dispute.", "Please make the refund in the dispute"),
        ("Hello", "I am waiting for the refund in the dispute"),
    ],
)
def test_reply_to_a_fair_message(text: str, sentence: str) -> None:
    assert sentence in reply_to_seller(read_message(text))


def test_reply_has_its_russian_meaning() -> None:
    reading = read_message("Закройте спор, вернём деньги на карту")
    english, russian = reply_to_seller(reading), reply_to_seller(reading, RU)
    assert english.isascii() and CYRILLIC.search(russian)
    assert english.count(". ") == russian.count(". ")


def test_a_reply_to_every_trick_is_cut_to_the_bound() -> None:
    from bot.domain.negotiation import Finding
    from bot.domain.negotiation.vocabulary import VERDICT

    everything = Reading(tuple(Finding(t, VERDICT[t], "") for t in Trick), ())
    reply = reply_to_seller(everything, asked=terms(R.RETURN_PARTIAL, PAID, usd(500)))
    assert len(reply) <= REPLY_MAX_CHARS and reply.isascii()
    assert reply.startswith("Hello") and reply.endswith("Best regards.")
    assert "I will not close or cancel the dispute" in reply  # the costliest is kept


# --- the counter-offer ------------------------------------------------------------------------
def test_counter_offer_for_the_leggings() -> None:
    result = check_offer(
        PAID, terms(R.KEEP_PARTIAL, PAID, usd(500)), terms(R.RETURN_PARTIAL, PAID, usd(300))
    )
    assert counter_offer(result) == (
        "Thank you for your offer, but I cannot accept it. "
        "I did not agree to return the item: return shipping would be at my cost. "
        "3.00 USD is less than the 5.00 USD I asked for. "
        "I ask for a partial refund of 5.00 USD without returning the item, as stated in the "
        "dispute. Please change the solution in the dispute; until then the dispute stays open."
    )
    russian = counter_offer(result, RU, money=Translator("ru").money)
    assert russian is not None and "3,00" in russian and CYRILLIC.search(russian)


def test_no_counter_offer_for_a_fine_offer() -> None:
    result = check_offer(PAID, terms(R.KEEP_FULL, PAID), terms(R.KEEP_FULL, PAID))
    assert counter_offer(result) is None


def test_counter_offer_amounts_are_ascii_in_any_currency() -> None:
    paid = Money(117_300, "RUB")
    result = check_offer(
        paid, terms(R.KEEP_FULL, paid), terms(R.KEEP_PARTIAL, paid, Money(0, "RUB"))
    )
    text = counter_offer(result, money=Translator("ru").money)
    assert text is not None and text.isascii() and "1,173.00 RUB" in text


# --- the statement for AliExpress -------------------------------------------------------------
def test_statement_at_escalation() -> None:
    offer = check_offer(
        PAID, terms(R.KEEP_PARTIAL, PAID, usd(500)), terms(R.RETURN_PARTIAL, PAID, usd(300))
    )
    tricks = (Trick.CLOSE_FOR_PROMISE, Trick.TERMS_CHANGED)
    text = statement_for_aliexpress(leggings(), evidence_count=3, offer=offer, tricks=tricks)
    assert text.startswith("I ask AliExpress to review this dispute. Order 8123456789012345.")
    assert "I paid 11.73 USD for this item, shipping included." in text
    assert "I request a partial refund of 5.00 USD without returning the item." in text
    assert "I have attached 3 photos or videos that show the problem." in text
    assert "return the item at my own cost" in text
    assert "The seller offered 3.00 USD, less than the 5.00 USD I asked for" in text
    assert "in exchange for a promise" in text
    assert "changed the terms" not in text  # the offer's numbers already say it
    assert text.endswith("I ask you to decide the dispute as requested above.")
    assert text.isascii() and len(text) <= STATEMENT_MAX_CHARS


def test_statement_when_evidence_was_requested() -> None:
    text = statement_for_aliexpress(leggings(stage=Stage.EVIDENCE_REQUESTED), evidence_count=1)
    assert text.startswith("In reply to your request, here is the evidence for this dispute.")
    assert "I have attached 1 photo or video that shows the problem." in text


@pytest.mark.parametrize(
    ("n", "words"), [(1, "1 фото или видео, на котором"), (3, "3 фото или видео, на которых")]
)
def test_statement_in_russian_uses_plural_forms(n: int, words: str) -> None:
    ru = Translator("ru")
    text = statement_for_aliexpress(leggings(), RU, evidence_count=n, money=ru.money, locale="ru")
    assert words in text and "11,73" in text


def test_statement_keeps_the_facts_and_drops_the_moves_when_long() -> None:
    d = leggings(
        description=" ".join(["The seams came apart."] * 30),
        refund_option=R.KEEP_FULL,
        refund_amount=None,
    )
    offer = check_offer(PAID, terms(R.KEEP_FULL, PAID), terms(R.RETURN_PARTIAL, PAID, usd(1)))
    text = statement_for_aliexpress(d, evidence_count=12, offer=offer, tricks=list(Trick))
    assert len(text) <= STATEMENT_MAX_CHARS
    assert "I request a full refund without returning the item." in text
    assert "The seller offered 0.01 USD" in text
