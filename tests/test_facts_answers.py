"""Checking each typed answer, and telling English text from any other (never transliterated)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.facts import (
    COUNT_MAX,
    TITLE_MAX_CHARS,
    AnswerError,
    AnswerErrorCode,
    FactField,
    Facts,
    Failure,
    SellerReply,
    as_english,
    parse_answer,
    parse_choice,
    parse_count,
    parse_english_title,
    parse_short_text,
    parse_tracking_number,
)
from bot.domain.parsing import ParseError, ParseErrorCode

F = FactField
A = AnswerErrorCode
P = ParseErrorCode
TODAY = date(2026, 12, 1)
ORDER = "8123456789012345"


def code_of(call: object) -> AnswerErrorCode | ParseErrorCode:
    assert callable(call)
    with pytest.raises((AnswerError, ParseError)) as caught:
        call()
    error = caught.value
    assert isinstance(error, AnswerError | ParseError)
    return error.code


# --- English or not -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100% cotton", "100% cotton"),
        ("  size   XL. ", "size XL"),
        ("“Arrived at sorting center”", '"Arrived at sorting center"'),
        ("Women’s leggings — 3 pcs", "Women's leggings - 3 pcs"),
        ("Leggings 🔥🔥", "Leggings"),
        ("42", "42"),
        ("XL", "XL"),
        ("25°", "25 degrees"),
        ("Кабель USB", None),  # never transliterated, never half-kept
        ("хлопок", None),
        ("café", None),  # accented Latin is not English either
        ("数据线", None),
        ("100 ₽", None),
        ("🔥", None),
        ("...", None),
        ("", None),
        (None, None),
    ],
)
def test_as_english(text: str | None, expected: str | None) -> None:
    assert as_english(text) == expected


def test_as_english_word_counts() -> None:
    assert as_english("XL", min_words=1) == "XL"
    assert as_english("42", min_words=1) is None
    assert as_english("Very poor quality", min_words=2) == "Very poor quality"
    assert as_english("ok 👍", min_words=2) is None


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
def test_as_english_is_ascii_or_nothing(text: str) -> None:
    english = as_english(text)
    assert english is None or (english.isascii() and english.strip() == english and english)


@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВ", min_size=1), st.text(max_size=20))
def test_cyrillic_never_passes(cyrillic: str, rest: str) -> None:
    assert as_english(rest + cyrillic) is None


# --- the title for the claim ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Women's Seamless Leggings, 3 pcs", "Women's Seamless Leggings, 3 pcs"),
        ("  2024 New  Smart Watch ", "2024 New Smart Watch"),
        ("“Phone case” for iPhone 15", "“Phone case” for iPhone 15"),
    ],
)
def test_english_title_accepted(text: str, expected: str) -> None:
    assert parse_english_title(text, TITLE_MAX_CHARS) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Женские леггинсы", A.NOT_ENGLISH),
        ("Leggings женские", A.NOT_ENGLISH),
        ("Zhenskie legginsy ё", A.NOT_ENGLISH),
        ("12345", A.NOT_ENGLISH),
        ("Crème", A.NOT_ENGLISH),
        ("https://aliexpress.com/item/1005.html", A.LINK_NOT_TITLE),
        ("see www.example.com Leggings", A.LINK_NOT_TITLE),
        ("", P.EMPTY),
        ("🔥🔥", P.EMPTY),
        ("Leggings " * 40, P.TEXT_TOO_LONG),
    ],
)
def test_english_title_refused(text: str, code: object) -> None:
    assert code_of(lambda: parse_english_title(text, TITLE_MAX_CHARS)) is code


# --- counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", 3), (" 3 шт ", 3), ("3 шт.", 3), ("2 pcs", 2), ("5 pieces", 5), ("１２", 12)],
)
def test_counts(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", P.EMPTY),
        ("three", A.NOT_A_COUNT),
        ("2.5", A.NOT_A_COUNT),
        ("-3", A.NOT_A_COUNT),
        ("3 or 4", A.NOT_A_COUNT),
        ("0", P.NOT_POSITIVE),
        (str(COUNT_MAX + 1), A.COUNT_TOO_LARGE),
    ],
)
def test_count_refusals(text: str, code: object) -> None:
    assert code_of(lambda: parse_count(text)) is code


def test_fewer_must_have_come_than_were_ordered() -> None:
    ordered = Facts(ordered_count=3)
    assert parse_answer(F.RECEIVED_COUNT, "2", ordered, today=TODAY) == 2
    with pytest.raises(AnswerError) as caught:
        parse_answer(F.RECEIVED_COUNT, "3", ordered, today=TODAY)
    assert caught.value.code is A.RECEIVED_NOT_FEWER
    assert caught.value.params == {"ordered": 3, "received": 3}
    came = Facts(received_count=2)
    assert code_of(lambda: parse_answer(F.ORDERED_COUNT, "2", came, today=TODAY)) is (
        A.RECEIVED_NOT_FEWER
    )
    assert parse_answer(F.ORDERED_COUNT, "4", came, today=TODAY) == 4


# --- tracking numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LP00123456789", "LP00123456789"),
        ("lp 0012-3456 789", "LP00123456789"),
        ("Tracking number: RB123456785CN", "RB123456785CN"),
        ("Трек-номер: RB123456785CN", "RB123456785CN"),
        ("СN123456789RU", "CN123456789RU"),  # a Cyrillic С from a Russian keyboard layout
        ("9400111899223344556677", "9400111899223344556677"),
    ],
)
def test_tracking_numbers(text: str, expected: str) -> None:
    assert parse_tracking_number(text, ORDER) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", P.EMPTY),
        ("tracking:", P.EMPTY),
        ("LP0012345678Ж", A.TRACKING_MALFORMED),
        ("not yet given", A.TRACKING_MALFORMED),
        ("ABCDEFGHIJ", A.TRACKING_MALFORMED),  # no digits
        ("LP12345", A.TRACKING_LENGTH),
        ("LP" + "1" * 40, A.TRACKING_LENGTH),
        (ORDER, A.TRACKING_IS_ORDER_ID),
        ("8123 4567 8901 2345", A.TRACKING_IS_ORDER_ID),
    ],
)
def test_tracking_refusals(text: str, code: object) -> None:
    assert code_of(lambda: parse_tracking_number(text, ORDER)) is code


def test_tracking_length_params() -> None:
    with pytest.raises(AnswerError) as caught:
        parse_tracking_number("LP12345")
    assert caught.value.params == {"min_length": 8, "max_length": 30, "length": 7}


# --- short text, choices, dates -------------------------------------------------------------


def test_short_text_keeps_any_language() -> None:
    assert parse_short_text("  красный\n кошелёк ", 100) == "красный кошелёк"
    assert parse_short_text('"100% cotton"', 100) == "100% cotton"
    assert parse_short_text("«Arrived at sorting center»", 100) == "Arrived at sorting center"
    assert code_of(lambda: parse_short_text('""', 100)) is P.EMPTY
    assert code_of(lambda: parse_short_text("   ", 100)) is P.EMPTY
    assert code_of(lambda: parse_short_text("x" * 101, 100)) is P.TEXT_TOO_LONG


def test_choices_come_from_their_own_enum() -> None:
    assert parse_choice(F.FAILURE, "stitch") is Failure.STITCHING
    assert parse_choice(F.SELLER_REPLY, "coupon") is SellerReply.COUPON
    assert code_of(lambda: parse_choice(F.FAILURE, "size")) is A.CHOOSE_A_BUTTON
    assert code_of(lambda: parse_answer(F.FAILURE, "it broke", Facts(), today=TODAY)) is (
        A.CHOOSE_A_BUTTON
    )


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        (F.SELLER_CONTACTED_ON, "20.11", date(2026, 11, 20)),
        (F.TRACKING_DATE, "12 ноября", date(2026, 11, 12)),
        (F.PROMISED_BY, "25.12", date(2026, 12, 25)),  # a promise may lie ahead
        (F.LISTED, "100% cotton", "100% cotton"),
        (F.ARRIVED, "65% полиэстер", "65% полиэстер"),  # kept; the claim leaves it out
        (F.TRACKING_NUMBER, "lp00123456789", "LP00123456789"),
        (F.ENGLISH_TITLE, "Smart Watch", "Smart Watch"),
        (F.ORDERED_COUNT, "3 шт", 3),
        (F.PACKAGING, "torn", "torn"),
    ],
)
def test_parse_answer_by_kind(field: FactField, text: str, expected: object) -> None:
    assert parse_answer(field, text, Facts(), today=TODAY, order_id=ORDER) == expected


@pytest.mark.parametrize(
    ("field", "text", "code"),
    [
        (F.SELLER_CONTACTED_ON, "tomorrow", P.DATE_IN_FUTURE),
        (F.TRACKING_DATE, "next week maybe", A.NOT_A_DATE),
        (F.SELLER_CONTACTED_ON, "31.02.2026", P.INVALID_DATE),
        (F.PROMISED_BY, "1.1.2030", P.DATE_TOO_FAR),
        (F.ENGLISH_TITLE, "Смарт-часы", A.NOT_ENGLISH),
        (F.TRACKING_NUMBER, ORDER, A.TRACKING_IS_ORDER_ID),
        (F.BRAND, "", P.EMPTY),
    ],
)
def test_parse_answer_refusals(field: FactField, text: str, code: object) -> None:
    facts = Facts()
    assert code_of(lambda: parse_answer(field, text, facts, today=TODAY, order_id=ORDER)) is code


def test_answer_error_repr() -> None:
    error = AnswerError(A.COUNT_TOO_LARGE, max=COUNT_MAX)
    assert repr(error) == "AnswerError('count_too_large', {'max': 9999})"
    assert str(error) == "count_too_large"
