"""The claim's behaviour: no transliteration, the buyer's words handed back, one sentence per
fact, what goes first when the text is too long, the evidence summary, the notes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_currency, get_currency_precision

import bot.domain.claim as claim_module
from bot.domain.claim import (
    CLAIM_ITEM_MAX_CHARS,
    CLAIM_MAX_CHARS,
    compose_claim,
    language_note,
    untranslated_note,
)
from bot.domain.facts import FactField, Facts, Mismatch, YesNo, questions_for
from bot.domain.models import (
    Branch,
    Dispute,
    Evidence,
    EvidenceKind,
    EvidenceSummary,
    Money,
    Reason,
    RefundOption,
)
from bot.i18n import Translator, translations
from tests.claim_cases import CHOICE_SENTENCES, CHOICE_TEMPLATES, ORDER, dispute, usd

ROOT = Path(__file__).resolve().parent.parent
MOSCOW = ZoneInfo("Europe/Moscow")
F = FactField
CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")


def english(message: str) -> str:
    return message


def money_in(locale: str) -> Callable[[Money], str]:
    def fmt(money: Money) -> str:
        amount = Decimal(money.minor).scaleb(-int(get_currency_precision(money.currency)))
        return str(format_currency(amount, money.currency, locale=locale))

    return fmt


def russian(d: Dispute, facts: Facts | None = None, evidence: EvidenceSummary | None = None) -> str:
    ru = translations("ru")
    return compose_claim(d, facts, evidence, ru, locale="ru", money=Translator("ru").money).text


DAMAGED = dispute(Reason.DAMAGED, amount_paid=usd(450), refund_option=RefundOption.KEEP_FULL)


# --- never transliterated, never translated -------------------------------------------------


def test_the_transliteration_code_is_gone() -> None:
    assert not hasattr(claim_module, "ascii_title")
    for name in ("claim.py", "claim_facts.py", "claim_writer.py", "facts/answers.py"):
        source = (ROOT / "bot" / "domain" / name).read_text(encoding="utf-8")
        # A letter table maps single letters: no single Cyrillic letter is quoted anywhere.
        assert not re.search(r"[\"'][а-яёА-ЯЁ][\"']", source), name


@pytest.mark.parametrize("title", ["Женские леггинсы «Щука» №2", "智能手表 🔥", "Café crème"])
def test_a_title_that_is_not_english_is_left_out_and_handed_back(title: str) -> None:
    d = dispute(Reason.DAMAGED, item_title=title, refund_option=RefundOption.KEEP_FULL)
    claim = compose_claim(d)
    assert "ordered" not in claim.text and claim.text.isascii()
    assert ("item_title", title) in [(w.source, w.text) for w in claim.untranslated]


def test_the_english_order_page_title_comes_first() -> None:
    d = dispute(Reason.DAMAGED, item_title="Кружка", refund_option=RefundOption.KEEP_FULL)
    claim = compose_claim(d, Facts(english_title="Ceramic Coffee Mug"))
    assert "I ordered Ceramic Coffee Mug." in claim.text
    title = next(s for s in claim.sentences if s.key == "title")
    assert title.sources == {"facts.english_title"}
    # An English title the buyer typed at the wizard's start serves when there is no other.
    d.item_title = "Coffee mug"
    assert "I ordered Coffee mug." in compose_claim(d).text
    assert (
        "I ordered Ceramic Coffee Mug."
        in compose_claim(d, Facts(english_title="Ceramic Coffee Mug")).text
    )


def test_a_long_english_title_is_cut_at_a_word() -> None:
    title = "Women's High Waist Seamless Leggings Push Up Fitness Yoga Pants Gym Sport Tights " * 3
    facts = Facts(english_title=title.strip())
    text = compose_claim(DAMAGED, facts).text
    item = text.split("I ordered ", 1)[1].split(". The item", 1)[0]
    assert len(item) <= CLAIM_ITEM_MAX_CHARS and title.startswith(item)
    assert title[len(item)] == " "  # cut between two words


def test_a_non_english_fact_is_left_out_and_the_structured_facts_stay() -> None:
    d = dispute(Reason.NOT_AS_DESCRIBED, refund_option=RefundOption.KEEP_FULL)
    facts = Facts(mismatch=Mismatch.MATERIAL, listed="100% cotton", arrived="65% полиэстер")
    claim = compose_claim(d, facts)
    assert claim.text == (
        "Order 8123456789012345. The material of the item does not match the listing. "
        "The listing states 100% cotton. I request a full refund without returning the item."
    )
    assert [(w.source, w.text) for w in claim.untranslated] == [("arr", "65% полиэстер")]
    assert russian(d, facts) == (
        "Заказ 8123456789012345. Материал товара не соответствует описанию. "
        "В описании товара указано «100% cotton». Прошу полный возврат денег без возврата товара."
    )


def test_an_english_description_goes_in_as_details_a_russian_one_does_not() -> None:
    d = dispute(
        Reason.QUALITY,
        refund_option=RefundOption.KEEP_FULL,
        description="Very poor quality,\npoorly stitched",
    )
    assert "Details: Very poor quality, poorly stitched. I request" in compose_claim(d).text
    d.description = "Швы разошлись, дырки на швах"
    claim = compose_claim(d)
    assert "Details" not in claim.text
    assert [w.source for w in claim.untranslated] == ["description"]


def test_facts_of_another_reason_are_not_stated() -> None:
    """A buyer who changed the reason keeps the old answers, but the claim ignores them."""
    facts = Facts(brand="Xiaomi", tracking_number="LP00123456789", damaged_part="screen")
    text = compose_claim(DAMAGED, facts).text
    assert "Damaged part: screen." in text
    assert "Xiaomi" not in text and "LP00123456789" not in text


@pytest.mark.parametrize("reason", list(Reason))
def test_the_reason_is_stated_as_one_thing(reason: Reason) -> None:
    d = dispute(reason)
    sentence = next(s for s in compose_claim(d).sentences if s.key == "reason")
    assert " or " not in sentence.text


CHOICES = [
    (reason, field, choice)
    for reason in Reason
    for q in questions_for(reason)
    for field in [q.field]
    if any(field in fields for fields in CHOICE_SENTENCES.values())
    for choice in q.choices
]


@pytest.mark.parametrize(("reason", "field", "choice"), CHOICES)
def test_each_choice_says_exactly_what_was_chosen(
    reason: Reason, field: FactField, choice: object
) -> None:
    facts = Facts(seller_contacted=YesNo.YES).replace(field, choice)  # type: ignore[arg-type]
    claim = compose_claim(dispute(reason), facts)
    key = next(k for k, fields in CHOICE_SENTENCES.items() if field in fields)
    sentence = next(s for s in claim.sentences if s.key == key)
    expected = CHOICE_TEMPLATES[field][choice]
    if expected is None:  # "something else": the reason's own sentence, the choice unsaid
        assert f"facts.{field.attr}" not in sentence.sources
    else:
        assert sentence.text == expected
        assert f"facts.{field.attr}" in sentence.sources


def test_the_seller_is_mentioned_only_after_a_yes() -> None:
    base = Facts(seller_contacted_on=date(2026, 11, 20))  # a date left from an answer taken back
    assert "seller" not in compose_claim(DAMAGED, base).text
    no = Facts(seller_contacted=YesNo.NO)
    assert "seller" not in compose_claim(DAMAGED, no).text
    yes = base.replace(F.SELLER_CONTACTED, YesNo.YES)
    assert "I contacted the seller on 20 November 2026, before opening this dispute." in (
        compose_claim(DAMAGED, yes).text
    )


# --- counts, dates and amounts --------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordered", "received", "english_text", "russian_text"),
    [
        (3, 2, "2 of the 3 items ordered arrived.", "Получено 2 из 3 заказанных штук."),
        (21, 1, "1 of the 21 items ordered arrived.", "Получено 1 из 21 заказанной штуки."),
        (5, None, "I ordered 5 items.", "В заказе 5 штук."),
        (None, 1, "Only 1 item arrived.", "Пришла только 1 штука."),
        (None, 3, "Only 3 items arrived.", "Пришли только 3 штуки."),
    ],
)
def test_counts_read_right_in_both_languages(
    ordered: int | None, received: int | None, english_text: str, russian_text: str
) -> None:
    d = dispute(Reason.MISSING_PARTS, refund_option=RefundOption.KEEP_FULL)
    facts = Facts(ordered_count=ordered, received_count=received)
    assert english_text in compose_claim(d, facts).text
    assert russian_text in russian(d, facts)


def test_the_receipt_date_is_the_buyers_day() -> None:
    late = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)  # already 28 November in Moscow
    d = dispute(
        Reason.QUALITY,
        receipt_confirmed=True,
        receipt_confirmed_at=late,
        refund_option=RefundOption.KEEP_FULL,
    )
    assert "I confirmed receipt on 28 November 2026." in compose_claim(d, tz=MOSCOW).text
    assert "I confirmed receipt on 27 November 2026." in compose_claim(d).text


@pytest.mark.parametrize(
    ("paid", "written"),
    [
        (Money(1173, "USD"), "11.73 USD"),
        (Money(117300, "RUB"), "1,173.00 RUB"),
        (Money(123456, "EUR"), "1,234.56 EUR"),
        (Money(500, "JPY"), "500 JPY"),
    ],
)
def test_amounts_are_plain_in_english_whatever_the_formatter(paid: Money, written: str) -> None:
    d = dispute(Reason.QUALITY, amount_paid=paid, refund_option=RefundOption.KEEP_FULL)
    for fmt in (money_in("en"), money_in("fr"), money_in("ru")):
        text = compose_claim(d, money=fmt).text
        assert f"I paid {written} for this item, shipping included." in text


@pytest.mark.parametrize(
    ("option", "amount", "sentence"),
    [
        (RefundOption.KEEP_FULL, None, "I request a full refund without returning the item."),
        (RefundOption.KEEP_PARTIAL, None, "I request a partial refund without returning the item."),
        (
            RefundOption.KEEP_PARTIAL,
            usd(300),
            "I request a partial refund of 3.00 USD without returning the item.",
        ),
        (RefundOption.RETURN_FULL, None, "I will return the item and request a full refund."),
        (
            RefundOption.RETURN_PARTIAL,
            usd(300),
            "I will return the item and request a partial refund of 3.00 USD.",
        ),
        (RefundOption.RETURN_PARTIAL, None, "I will return the item and request a partial refund."),
        (None, None, "I request a refund."),
    ],
)
def test_the_request(option: RefundOption | None, amount: Money | None, sentence: str) -> None:
    d = dispute(Reason.DAMAGED, refund_option=option, refund_amount=amount)
    assert compose_claim(d).text.endswith(sentence)


def test_not_received_asks_for_the_full_refund_and_says_receipt_was_confirmed() -> None:
    d = dispute(Reason.FAKE_TRACKING, receipt_confirmed=True)
    assert compose_claim(d).text == (
        "Order 8123456789012345. I have not received the item, although it is reported as "
        "delivered. I confirmed receipt on AliExpress, but the item has not arrived. "
        "I request a full refund."
    )


# --- within the limit: what goes first ------------------------------------------------------


def _everything_at_once() -> tuple[Dispute, Facts, EvidenceSummary]:
    d = dispute(
        Reason.NOT_AS_DESCRIBED,
        amount_paid=usd(1899),
        refund_option=RefundOption.KEEP_PARTIAL,
        refund_amount=usd(1000),
        receipt_confirmed=True,
        receipt_confirmed_at=datetime(2026, 11, 27, 9, tzinfo=UTC),
        description=" ".join(f"Sentence {i} says something about the seams." for i in range(20)),
    )
    facts = Facts(
        mismatch=Mismatch.SIZE,
        listed="size XL",
        arrived="size M",
        seller_contacted=YesNo.YES,
        seller_contacted_on=date(2026, 11, 20),
        english_title="Men's Oversized Cotton Hoodie",
    )
    return d, facts, EvidenceSummary(photos=5, videos=1, screenshots=2)


def test_the_buyers_description_goes_first_a_sentence_at_a_time() -> None:
    d, facts, evidence = _everything_at_once()
    claim = compose_claim(d, facts, evidence)
    assert len(claim.text) <= CLAIM_MAX_CHARS
    assert claim.dropped == ()
    details = next(s for s in claim.sentences if s.key == "details").text
    assert details == "Details: Sentence 0 says something about the seams."
    assert "Sentence 19" not in details
    keys = [s.key for s in claim.sentences]
    assert keys == [
        "order",
        "title",
        "reason",
        "facts.listed",
        "facts.seller",
        "receipt",
        "details",
        "paid",
        "request",
        "attached",
    ]


def test_what_is_dropped_first_when_everything_is_long() -> None:
    d, facts, evidence = _everything_at_once()
    d.order_id = "9" * 20
    long_listing = "size XL, chest 120 cm, length 75 cm, sleeve 60 cm, as the size chart says"
    long_arrival = "size M, chest 98 cm, length 66 cm, sleeve 52 cm, measured flat with a tape"
    facts = facts.replace(F.LISTED, long_listing).replace(F.ARRIVED, long_arrival)
    claim = compose_claim(d, facts, evidence)
    assert len(claim.text) <= CLAIM_MAX_CHARS
    assert claim.dropped == ("details", "title", "facts.seller")
    keys = [s.key for s in claim.sentences]
    assert keys == ["order", "reason", "facts.listed", "receipt", "paid", "request", "attached"]
    # The Russian rendering says the same sentences.
    ru = compose_claim(d, facts, evidence, translations("ru"), locale="ru")
    assert [s.key for s in ru.sentences] == keys
    assert ru.dropped == claim.dropped


def test_a_long_english_description_keeps_whole_sentences() -> None:
    sentences = [f"Sentence number {i} says something about the seams." for i in range(20)]
    d = dispute(
        Reason.QUALITY, refund_option=RefundOption.KEEP_FULL, description=" ".join(sentences)
    )
    text = compose_claim(d).text
    details = text.split("Details: ", 1)[1].split(" I request", 1)[0]
    kept = details.split(". ")
    assert 1 <= len(kept) < len(sentences)
    assert details == " ".join(sentences[: len(kept)])
    ru = russian(d)
    assert ru.split("Подробности: ", 1)[1].split(" Прошу", 1)[0] == details


# --- the evidence summary -------------------------------------------------------------------


def test_evidence_summary_of_stored_items() -> None:
    def item(
        kind: EvidenceKind,
        mime: str | None = None,
        name: str | None = None,
        caption: str | None = None,
    ) -> Evidence:
        return Evidence(1, "f", "u", kind, mime_type=mime, file_name=name, caption=caption)

    summary = EvidenceSummary.of(
        [
            item(EvidenceKind.PHOTO),
            item(EvidenceKind.PHOTO, caption="скрин переписки"),
            item(EvidenceKind.VIDEO),
            item(EvidenceKind.ANIMATION),
            item(EvidenceKind.DOCUMENT, "image/png", "Screenshot_20261120-101500.png"),
            item(EvidenceKind.DOCUMENT, "image/jpeg", "IMG_0042.jpg"),
            item(EvidenceKind.DOCUMENT, "video/mp4", "unboxing.mp4"),
            item(EvidenceKind.DOCUMENT, "application/pdf", "receipt.pdf"),
        ]
    )
    assert summary == EvidenceSummary(photos=2, videos=3, screenshots=2, files=1)
    assert summary.total == 8
    with pytest.raises(ValueError):
        EvidenceSummary(photos=-1)


def test_no_evidence_no_attached_line() -> None:
    assert "Attached" not in compose_claim(DAMAGED, evidence=EvidenceSummary()).text


# --- the notes the views show ---------------------------------------------------------------


def test_english_is_recommended_not_required() -> None:
    note = language_note()
    assert "recommended" in note and "only" not in note
    assert "Russian" in note
    ru = language_note(translations("ru"))
    assert "Лучше писать по-английски" in ru and "только" not in ru


def test_the_bot_says_it_does_not_translate() -> None:
    assert untranslated_note().startswith("I do not translate what you type.")
    assert untranslated_note(translations("ru")).startswith("Я не перевожу то, что вы пишете.")


def test_not_received_branch_without_a_reason_still_asks_for_a_full_refund() -> None:
    d = Dispute(user_id=1, order_id=ORDER, branch=Branch.NOT_RECEIVED)
    claim = compose_claim(d)
    assert claim.text == "Order 8123456789012345. I request a full refund."
    assert claim.sentences[-1].sources == {"branch"}


def test_an_impossible_order_id_does_not_break_the_fitting() -> None:
    """No parsed order id is this long; the claim still comes out, with what must be said."""
    d = dispute(Reason.QUALITY, order_id="9" * 600, refund_option=RefundOption.KEEP_FULL)
    claim = compose_claim(d, Facts(english_title="Smart Watch"), EvidenceSummary(photos=1))
    assert [s.key for s in claim.sentences] == ["order", "reason", "request"]
    assert claim.dropped == ("title", "attached")
