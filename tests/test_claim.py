"""The English claim text: golden outputs, what it must never say, and its Russian rendering."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from babel.numbers import format_currency, get_currency_precision
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.claim import CLAIM_ITEM_MAX_CHARS, CLAIM_MAX_CHARS, ascii_title, build_claim
from bot.domain.models import (
    Branch,
    Dispute,
    Money,
    Reason,
    RefundOption,
    reasons_for,
    refund_options_for,
)

ROOT = Path(__file__).resolve().parent.parent
CLAIM_PY = ROOT / "bot" / "domain" / "claim.py"
RU_PO = ROOT / "locales" / "ru" / "LC_MESSAGES" / "messages.po"
ORDER = "8123456789012345"
MOSCOW = ZoneInfo("Europe/Moscow")


def english(message: str) -> str:
    return message


def money_in(locale: str) -> Callable[[Money], str]:
    """The bot's money format (Babel, the buyer's locale), as bot.i18n.Translator.money does."""

    def fmt(money: Money) -> str:
        amount = Decimal(money.minor).scaleb(-int(get_currency_precision(money.currency)))
        return str(format_currency(amount, money.currency, locale=locale))

    return fmt


EN_MONEY = money_in("en")


def claim(d: Dispute, evidence: int = 0) -> str:
    return build_claim(d, english, EN_MONEY, evidence_count=evidence, tz=MOSCOW)


def dispute(**fields: object) -> Dispute:
    d = Dispute(user_id=1, order_id=ORDER)
    for name, value in fields.items():
        setattr(d, name, value)
    return d


def vars_of(d: Dispute) -> dict[str, object]:
    """A dispute's fields, to build a variant with `dispute(**{**vars_of(d), ...})`."""
    return {name: getattr(d, name) for name in Dispute.__slots__ if name not in ("user_id",)}


# --- golden texts --------------------------------------------------------------------------

NR_TRANSIT = dispute(
    item_title="Smart watch",
    amount_paid=Money(108, "USD"),  # the $1.08 watch of seed 003
    branch=Branch.NOT_RECEIVED,
    reason=Reason.IN_TRANSIT,
    refund_option=RefundOption.KEEP_FULL,
)
NR_CUSTOMS = dispute(
    amount_paid=Money(549000, "RUB"),
    branch=Branch.NOT_RECEIVED,
    reason=Reason.CUSTOMS,
    refund_option=RefundOption.KEEP_FULL,
)
RC_DAMAGED = dispute(
    item_title="Ceramic mug",
    amount_paid=Money(450, "USD"),
    branch=Branch.RECEIVED,
    reason=Reason.DAMAGED,
    refund_option=RefundOption.KEEP_FULL,
)
RC_LEGGINGS = dispute(  # seed 003: listed $12.41, paid $11.73, settled for $5
    item_title="Leggings",
    amount_paid=Money(1173, "USD"),
    branch=Branch.RECEIVED,
    reason=Reason.QUALITY,
    receipt_confirmed=True,
    receipt_confirmed_at=datetime(2026, 3, 2, 9, tzinfo=UTC),  # noon in Moscow
    refund_option=RefundOption.KEEP_PARTIAL,
    refund_amount=Money(500, "USD"),
)
RC_WRONG_ITEM = dispute(
    amount_paid=Money(2599, "USD"),
    branch=Branch.RECEIVED,
    reason=Reason.WRONG_ITEM,
    refund_option=RefundOption.RETURN_FULL,
)


@pytest.mark.parametrize(
    ("d", "evidence", "expected"),
    [
        (
            NR_TRANSIT,
            0,
            "Order 8123456789012345. I ordered Smart watch. I have not received the item. "
            "The package is still in transit. I paid $1.08 for this item, shipping included. "
            "I request a full refund.",
        ),
        (
            NR_CUSTOMS,
            1,
            "Order 8123456789012345. I have not received the item. The package is held at "
            "customs. I paid RUB5,490.00 for this item, shipping included. "
            "I request a full refund. Photos/videos attached.",
        ),
        (
            RC_DAMAGED,
            3,
            "Order 8123456789012345. I ordered Ceramic mug. The item arrived damaged. "
            "I paid $4.50 for this item, shipping included. "
            "I request a full refund without returning the item. Photos/videos attached.",
        ),
        (
            RC_DAMAGED,
            0,
            "Order 8123456789012345. I ordered Ceramic mug. The item arrived damaged. "
            "I paid $4.50 for this item, shipping included. "
            "I request a full refund without returning the item.",
        ),
        (
            RC_LEGGINGS,
            2,
            "Order 8123456789012345. I ordered Leggings. The item has a quality problem or does "
            "not work properly. I confirmed receipt on 2026-03-02. I paid $11.73 for this item, "
            "shipping included. I request a partial refund of $5.00 without returning the item. "
            "Photos/videos attached.",
        ),
        (
            RC_WRONG_ITEM,
            0,
            "Order 8123456789012345. I received a different item from the one I ordered. "
            "I paid $25.99 for this item, shipping included. "
            "I will return the item and request a full refund.",
        ),
    ],
    ids=["nr-transit", "nr-customs", "damaged-photos", "damaged-no-photos", "leggings", "wrong"],
)
def test_golden(d: Dispute, evidence: int, expected: str) -> None:
    assert claim(d, evidence) == expected


def test_without_an_item_title_the_item_is_not_named() -> None:
    d = dispute(**{**vars_of(RC_DAMAGED), "item_title": None})
    text = claim(d, 3)
    assert text == (
        "Order 8123456789012345. The item arrived damaged. I paid $4.50 for this item, shipping "
        "included. I request a full refund without returning the item. Photos/videos attached."
    )
    assert "ordered" not in text


def test_cyrillic_title_is_transliterated() -> None:
    d = dispute(**{**vars_of(RC_LEGGINGS), "item_title": "Женские леггинсы «Щука» №2"})
    assert 'I ordered Zhenskie legginsy "Shchuka" No.2.' in claim(d)


def test_title_that_cannot_be_made_ascii_is_dropped() -> None:
    d = dispute(**{**vars_of(RC_DAMAGED), "item_title": "智能手表 🔥"})
    text = claim(d)
    assert text.isascii()
    assert "ordered" not in text


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Smart watch", "Smart watch"),
        ("  Часы наручные.  ", "Chasy naruchnye"),
        ("Café crème", "Cafe creme"),
        ("Кабель USB 数据线 2m", "Kabel USB 2m"),
        ("Їжак і ґава", "Yizhak i gava"),
        ("🔥🔥", None),
        ("", None),
        (None, None),
    ],
)
def test_ascii_title(title: str | None, expected: str | None) -> None:
    assert ascii_title(title) == expected


def test_long_transliterated_title_is_cut_at_a_word() -> None:
    title = ascii_title("Щётка " * 16)  # 96 Cyrillic chars, ~130 once transliterated
    assert title is not None
    assert len(title) <= CLAIM_ITEM_MAX_CHARS
    assert title.endswith("Shchetka")


def test_english_description_goes_in_as_details() -> None:
    d = dispute(**{**vars_of(RC_LEGGINGS), "description": "Very poor quality,\npoorly stitched"})
    assert (
        "does not work properly. I confirmed receipt on 2026-03-02. "
        "Details: Very poor quality, poorly stitched. I paid $11.73"
    ) in claim(d)


def test_non_english_description_is_left_out() -> None:
    d = dispute(**{**vars_of(RC_LEGGINGS), "description": "Швы разошлись, дырки на швах"})
    assert claim(d) == claim(RC_LEGGINGS)
    assert "Details" not in claim(d)


def test_long_description_keeps_only_whole_sentences_that_fit() -> None:
    sentences = [f"Sentence number {i} says something about the seams." for i in range(20)]
    d = dispute(**{**vars_of(RC_LEGGINGS), "description": " ".join(sentences)})
    text = claim(d, 2)
    assert len(text) <= CLAIM_MAX_CHARS
    details = text.split("Details: ", 1)[1].split(" I paid ", 1)[0]
    kept = details.split(". ")
    assert 1 <= len(kept) < len(sentences)
    assert details == " ".join(sentences[: len(kept)])


def test_currency_symbols_outside_ascii_fall_back_to_the_code() -> None:
    d = dispute(
        **{
            **vars_of(RC_LEGGINGS),
            "amount_paid": Money(123456, "EUR"),
            "refund_amount": Money(500, "EUR"),
        }
    )
    text = claim(d)
    assert "I paid 1,234.56 EUR for this item" in text
    assert "partial refund of 5.00 EUR without" in text
    # Babel's narrow no-break spaces are normalised, not dropped into the form.
    assert "1 234,56 RUB" in build_claim(
        dispute(**{**vars_of(NR_CUSTOMS), "amount_paid": Money(123456, "RUB")}),
        english,
        money_in("fr"),
    )


def test_not_received_with_receipt_confirmed_says_so() -> None:
    d = dispute(
        **{**vars_of(NR_CUSTOMS), "receipt_confirmed": True, "reason": Reason.FAKE_TRACKING}
    )
    assert (
        "I have not received the item, although the tracking or the seller says it was delivered. "
        "I confirmed receipt on AliExpress, but the item has not arrived."
    ) in claim(d)


@pytest.mark.parametrize(
    ("option", "amount", "sentence"),
    [
        (RefundOption.KEEP_PARTIAL, None, "I request a partial refund without returning the item."),
        (
            RefundOption.RETURN_PARTIAL,
            Money(300, "USD"),
            "I will return the item and request a partial refund of $3.00.",
        ),
        (RefundOption.RETURN_PARTIAL, None, "I will return the item and request a partial refund."),
    ],
)
def test_other_refund_sentences(option: RefundOption, amount: Money | None, sentence: str) -> None:
    d = dispute(**{**vars_of(RC_DAMAGED), "refund_option": option, "refund_amount": amount})
    assert claim(d).endswith(sentence)


# --- properties over every branch, reason and option ---------------------------------------


# Free text without "P", "p", "d": it cannot fake the sentences the property test looks for.
_NO_MARKERS = st.characters(blacklist_characters="Ppd", blacklist_categories=["Cs"])


@st.composite
def disputes(draw: st.DrawFn) -> tuple[Dispute, int]:
    branch = draw(st.sampled_from(list(Branch)))
    option = draw(st.sampled_from(refund_options_for(branch)))
    paid = draw(st.integers(min_value=2, max_value=10**9))
    currency = draw(st.sampled_from(["USD", "RUB", "EUR", "CNY", "KZT", "UAH", "BYN"]))
    d = dispute(
        order_id=draw(st.text("0123456789", min_size=12, max_size=20)),
        item_title=draw(st.none() | st.text(_NO_MARKERS, min_size=1, max_size=100)),
        amount_paid=draw(st.none() | st.just(Money(paid, currency))),
        branch=branch,
        reason=draw(st.sampled_from(reasons_for(branch))),
        receipt_confirmed=draw(st.none() | st.booleans()),
        receipt_confirmed_at=draw(
            st.none()
            | st.datetimes(
                min_value=datetime(2025, 1, 1),
                max_value=datetime(2027, 1, 1),
                timezones=st.just(UTC),
            )
        ),
        refund_option=option,
        refund_amount=Money(paid - 1, currency) if option.is_partial else None,
        description=draw(st.none() | st.text(_NO_MARKERS, min_size=10, max_size=1000)),
    )
    return d, draw(st.integers(min_value=0, max_value=5))


@settings(max_examples=300)
@given(case=disputes())
def test_english_claim_is_ascii_short_and_says_only_what_it_was_told(
    case: tuple[Dispute, int],
) -> None:
    d, evidence = case
    text = claim(d, evidence)
    assert text.isascii()
    assert len(text) <= CLAIM_MAX_CHARS
    assert ("Photos/videos attached." in text) == (evidence > 0)
    assert ("I ordered " in text) == (ascii_title(d.item_title) is not None)
    assert ("for this item, shipping included." in text) == (d.amount_paid is not None)
    assert text.startswith(f"Order {d.order_id}.")


@settings(max_examples=100)
@given(words=st.lists(st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True), min_size=150, max_size=200))
def test_worst_case_length_stays_under_the_limit(words: list[str]) -> None:
    d = dispute(
        order_id="9" * 20,
        item_title="Щ" * 100,
        amount_paid=Money(10**9, "BYN"),
        branch=Branch.RECEIVED,
        reason=Reason.CHEAPER_SHIPPING,
        receipt_confirmed=True,
        receipt_confirmed_at=datetime(2026, 3, 1, tzinfo=UTC),
        refund_option=RefundOption.RETURN_PARTIAL,
        refund_amount=Money(10**9 - 1, "BYN"),
        description=". ".join(words),
    )
    assert len(claim(d, 9)) <= CLAIM_MAX_CHARS


# --- the Russian rendering -----------------------------------------------------------------


def russian_catalog() -> Catalog:
    with RU_PO.open("rb") as f:
        return read_po(f, locale="ru")


def russian(catalog: Catalog) -> Callable[[str], str]:
    def gettext(message: str) -> str:
        entry = catalog.get(message)
        translated = entry.string if entry is not None else None
        return translated if isinstance(translated, str) and translated else message

    return gettext


def claim_msgids() -> set[str]:
    return {message for _, message, _, _ in extract_from_file("python", str(CLAIM_PY))}


def test_ru_catalog_covers_every_msgid_in_claim_py() -> None:
    used = claim_msgids()
    listed = {message.id for message in russian_catalog() if message.id}
    assert used <= listed
    assert len(used) == 31


def test_ru_translations_keep_every_placeholder() -> None:
    used = claim_msgids()
    for message in russian_catalog():
        if message.id not in used:
            continue
        assert isinstance(message.id, str)  # no plural forms in the claim
        assert isinstance(message.string, str) and message.string, message.id
        assert sorted(re.findall(r"%\(\w+\)s", message.id)) == sorted(
            re.findall(r"%\(\w+\)s", message.string)
        ), message.id
        assert re.search(r"[а-яё]", message.string), message.id  # really translated


RU_MONEY = money_in("ru")


@pytest.mark.parametrize(
    "d",
    [NR_TRANSIT, NR_CUSTOMS, RC_DAMAGED, RC_LEGGINGS, RC_WRONG_ITEM],
    ids=["nr-transit", "nr-customs", "damaged", "leggings", "wrong"],
)
def test_russian_rendering_has_no_english_sentence(d: Dispute) -> None:
    text = build_claim(d, russian(russian_catalog()), RU_MONEY, evidence_count=2, tz=MOSCOW)
    title_words = set(re.findall(r"[A-Za-z]{2,}", d.item_title or ""))
    leftovers = set(re.findall(r"[A-Za-z]{2,}", text)) - title_words - {"AliExpress", "CN"}
    assert leftovers == set(), text
    assert "Фото/видео приложены." in text


def test_russian_rendering_of_the_leggings() -> None:
    d = dispute(**{**vars_of(RC_LEGGINGS), "item_title": "Женские леггинсы"})
    text = build_claim(d, russian(russian_catalog()), RU_MONEY, evidence_count=2, tz=MOSCOW)
    assert text == (
        "Заказ 8123456789012345. Заказанный товар: Женские леггинсы. "
        "Товар плохого качества или не работает как следует. "
        "Получение подтверждено 2026-03-02. "
        "За этот товар оплачено 11,73\u00a0$ с учётом доставки. "
        "Прошу частичный возврат денег в размере 5,00\u00a0$ без возврата товара. "
        "Фото/видео приложены."
    )
    # The English twin names the item in Latin letters; the Russian one as the buyer typed it.
    assert "I ordered Zhenskie legginsy." in claim(d, 2)


def test_russian_rendering_says_the_same_details_as_the_english() -> None:
    sentences = " ".join(f"Sentence {i} about the seams." for i in range(30))
    d = dispute(**{**vars_of(RC_LEGGINGS), "description": sentences})
    en_details = claim(d).split("Details: ", 1)[1].split(" I paid", 1)[0]
    ru_text = build_claim(d, russian(russian_catalog()), RU_MONEY, tz=MOSCOW)
    ru_details = ru_text.split("Подробности: ", 1)[1].split(" За этот товар", 1)[0]
    assert en_details == ru_details
