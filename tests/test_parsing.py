"""Buyer input parsing: the forms people paste and type, and the codes for what we refuse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_currency, get_currency_precision
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.dates import parse_past_date, parse_protection
from bot.domain.models import Money
from bot.domain.parsing import (
    DESCRIPTION_MAX_CHARS,
    ITEM_TITLE_MAX_CHARS,
    MAX_AMOUNT_MAJOR,
    ORDER_ID_MAX_DIGITS,
    ORDER_ID_MIN_DIGITS,
    ParseError,
    ParseErrorCode,
    parse_amount,
    parse_description,
    parse_item_title,
    parse_order_id,
    parse_partial_refund,
)

MOSCOW = ZoneInfo("Europe/Moscow")
LA = ZoneInfo("America/Los_Angeles")
# 18:00 in Moscow on 10 March 2026.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
Code = ParseErrorCode


def code_of(call: object) -> ParseErrorCode:
    assert callable(call)
    with pytest.raises(ParseError) as info:
        call()
    return info.value.code


# --- order id ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "8123456789012345",
        "8123 4567 8901 2345",
        "Order ID: 8123 4567 8901 2345",
        "#8123456789012345",
        "№ 8123456789012345",
        "Заказ №8123456789012345",
        "Номер заказа: 8123-4567-8901-2345",
        "order no. 8123456789012345",
        "ORDER NUMBER:8123456789012345",
        "ID заказа 8123456789012345",
        "\u00a08123\u202f4567\u20098901 2345\n",
        "８１２３４５６７８９０１２３４５",  # full-width digits from a CJK keyboard
    ],
)
def test_order_id_pasted_forms_give_the_digits(text: str) -> None:
    assert parse_order_id(text) == "8123456789012345"


def test_order_id_keeps_leading_zeros_as_text() -> None:
    assert parse_order_id("0012 3456 7890 12") == "00123456789012"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", Code.EMPTY),
        ("   # ", Code.EMPTY),
        ("Order ID:", Code.EMPTY),
        ("8123abc456789012", Code.ORDER_ID_INVALID_CHARS),
        ("LP00123456789012", Code.ORDER_ID_INVALID_CHARS),  # a tracking number
        ("8123.4567.8901.2345", Code.ORDER_ID_INVALID_CHARS),
        ("12345", Code.ORDER_ID_TOO_SHORT),
        ("1" * 21, Code.ORDER_ID_TOO_LONG),
    ],
)
def test_order_id_rejections(text: str, code: ParseErrorCode) -> None:
    assert code_of(lambda: parse_order_id(text)) is code


def test_order_id_length_errors_carry_bounds() -> None:
    with pytest.raises(ParseError) as info:
        parse_order_id("12345")
    assert info.value.params == {"length": 5, "min_length": 12, "max_length": 20}
    assert str(info.value) == "order_id_too_short"  # a code, never a sentence


@given(
    digits=st.text(
        alphabet="0123456789", min_size=ORDER_ID_MIN_DIGITS, max_size=ORDER_ID_MAX_DIGITS
    ),
    seps=st.lists(st.sampled_from([" ", "\u00a0", "\u202f", "-", " - "]), min_size=20, max_size=20),
    breaks=st.lists(st.booleans(), min_size=20, max_size=20),
    label=st.sampled_from(["", "Order ID: ", "#", "№", "Заказ № ", "Order No. ", "  "]),
)
def test_order_id_survives_random_spacing(
    digits: str, seps: list[str], breaks: list[bool], label: str
) -> None:
    spaced = "".join(
        ch + (seps[i] if breaks[i] and i < len(digits) - 1 else "") for i, ch in enumerate(digits)
    )
    assert parse_order_id(label + spaced) == digits


# --- amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", Money(1250, "RUB")),
        ("12,50", Money(1250, "RUB")),
        ("12,5", Money(1250, "RUB")),
        ("1 234,56", Money(123456, "RUB")),
        ("1\u00a0234,56", Money(123456, "RUB")),
        ("1\u202f234,56", Money(123456, "RUB")),
        ("1,234.56", Money(123456, "RUB")),
        ("1.234,56", Money(123456, "RUB")),
        ("1'234.56", Money(123456, "RUB")),
        ("1 234 567,89 ₽", Money(123456789, "RUB")),
        ("$11.73", Money(1173, "USD")),
        ("11.73 USD", Money(1173, "USD")),
        ("usd 11.73", Money(1173, "USD")),
        ("US$ 11.73", Money(1173, "USD")),
        ("$11.73 USD", Money(1173, "USD")),
        ("1234 руб", Money(123400, "RUB")),
        ("1234 руб.", Money(123400, "RUB")),
        ("1234 р.", Money(123400, "RUB")),
        ("1234 рублей", Money(123400, "RUB")),
        ("RUB1,234.50", Money(123450, "RUB")),  # Babel's English format for roubles
        ("€5", Money(500, "EUR")),
        ("5 EUR", Money(500, "EUR")),
        ("5 евро", Money(500, "EUR")),
        ("¥35", Money(3500, "CNY")),
        ("35 CNY", Money(3500, "CNY")),
        ("35 юаней", Money(3500, "CNY")),
        ("250 грн", Money(25000, "UAH")),
        ("₴250", Money(25000, "UAH")),
        ("UAH 250", Money(25000, "UAH")),
        ("5000 тг", Money(500000, "KZT")),
        ("₸5000", Money(500000, "KZT")),
        ("5000 KZT", Money(500000, "KZT")),
        ("12,40 BYN", Money(1240, "BYN")),
        ("12,40 бел. руб.", Money(1240, "BYN")),
        ("£3", Money(300, "GBP")),
        ("1500 JPY", Money(1500, "JPY")),
        ("CHF 20", Money(2000, "CHF")),  # any ISO code Babel knows
        ("+12", Money(1200, "RUB")),
        ("12.", Money(1200, "RUB")),
        (".5", Money(50, "RUB")),
        ("１２,５０", Money(1250, "RUB")),
    ],
)
def test_amount_forms(text: str, expected: Money) -> None:
    assert parse_amount(text, "RUB") == expected


def test_amount_without_currency_takes_the_default() -> None:
    assert parse_amount("11.73", "usd") == Money(1173, "USD")
    assert parse_amount("11.73", "RUB") == Money(1173, "RUB")


@pytest.mark.parametrize(
    ("text", "expected_minor"),
    [
        ("1,234", 123400),  # one separator, three digits: thousands
        ("1.234", 123400),
        ("1,23", 123),  # two digits: decimals
        ("1.2", 120),
        ("12.345,6", 1234560),
        ("1,234,567", 123456700),
        ("1.234.567", 123456700),
    ],
)
def test_amount_separator_ambiguity_rule(text: str, expected_minor: int) -> None:
    assert parse_amount(text, "USD").minor == expected_minor


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", Code.EMPTY),
        ("  ", Code.EMPTY),
        ("abc", Code.NOT_A_NUMBER),
        ("$", Code.NOT_A_NUMBER),
        ("12 50", Code.MALFORMED_NUMBER),  # a space groups thousands: needs three digits
        ("1,23,456", Code.MALFORMED_NUMBER),  # Indian grouping is not ours to guess
        ("1.234.56", Code.MALFORMED_NUMBER),
        ("1,,5", Code.MALFORMED_NUMBER),
        ("1 234.567,89", Code.MALFORMED_NUMBER),
        ("12 or 13", Code.MALFORMED_NUMBER),
        ("12.50 USD for 2", Code.MALFORMED_NUMBER),
        ("5 XYZ", Code.UNKNOWN_CURRENCY),
        ("5 bananas", Code.UNKNOWN_CURRENCY),
        ("$5 EUR", Code.CONFLICTING_CURRENCIES),
        ("0", Code.NOT_POSITIVE),
        ("0,00 ₽", Code.NOT_POSITIVE),
        ("-5", Code.NOT_POSITIVE),
        ("−5 USD", Code.NOT_POSITIVE),
        ("-$5", Code.NOT_POSITIVE),
        ("0,125", Code.TOO_MANY_DECIMALS),
        ("1.2345", Code.TOO_MANY_DECIMALS),
        ("1 234,567", Code.TOO_MANY_DECIMALS),
        ("12,50 JPY", Code.DECIMALS_NOT_ALLOWED),
        ("1.5 KRW", Code.DECIMALS_NOT_ALLOWED),
        ("10 000 001", Code.TOO_LARGE),
        ("99999999999", Code.TOO_LARGE),
    ],
)
def test_amount_rejections(text: str, code: ParseErrorCode) -> None:
    assert code_of(lambda: parse_amount(text, "RUB")) is code


def test_amount_error_params() -> None:
    with pytest.raises(ParseError) as info:
        parse_amount("1.2345 USD", "RUB")
    assert info.value.params == {"currency": "USD", "decimals": 2}
    with pytest.raises(ParseError) as info:
        parse_amount("20 000 000 ₽", "USD")
    assert info.value.params == {"max": Money(MAX_AMOUNT_MAJOR * 100, "RUB"), "currency": "RUB"}
    with pytest.raises(ParseError) as info:
        parse_amount("5 XYZ", "USD")
    assert info.value.params == {"token": "XYZ"}
    with pytest.raises(ParseError) as info:
        parse_amount("12,50 JPY", "USD")
    assert info.value.params == {"currency": "JPY"}
    with pytest.raises(ParseError) as info:
        parse_amount("$5 EUR", "USD")
    assert info.value.params == {"currencies": ["EUR", "USD"]}


def test_amount_zero_decimal_currencies_accept_whole_numbers() -> None:
    assert parse_amount("1,500 JPY", "USD") == Money(1500, "JPY")
    assert parse_amount("1500,00 JPY", "USD") == Money(1500, "JPY")  # .00 says nothing new


def test_amount_at_the_limit_is_accepted() -> None:
    assert parse_amount("10 000 000", "USD") == Money(MAX_AMOUNT_MAJOR * 100, "USD")


_CURRENCIES = ["USD", "RUB", "EUR", "UAH", "KZT", "BYN", "GBP", "JPY"]


def _major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-int(get_currency_precision(currency)))


def _styles(minor: int, currency: str) -> list[str]:
    """The same amount written the ways buyers and Babel write it."""
    digits = int(get_currency_precision(currency))
    value = _major(minor, currency)
    plain = f"{value:.{digits}f}"
    grouped = f"{value:,.{digits}f}"
    styles = [
        plain,
        plain.replace(".", ","),
        grouped,
        grouped.replace(",", " ").replace(".", ","),
        grouped.replace(",", "\u00a0").replace(".", ","),
        grouped.replace(",", "X").replace(".", ",").replace("X", "."),
        f"{grouped} {currency}",
        f"{currency.lower()} {plain}",
    ]
    # Babel's own formats; JPY's "¥" is left out: we read "¥" as the yuan.
    locales = ["fr"] if currency == "JPY" else ["en", "ru", "de", "fr", "de_CH"]
    styles += [str(format_currency(value, currency, locale=loc)) for loc in locales]
    return styles


@given(
    minor=st.integers(min_value=1, max_value=MAX_AMOUNT_MAJOR * 100),
    currency=st.sampled_from(_CURRENCIES),
)
def test_amount_round_trip_through_many_styles(minor: int, currency: str) -> None:
    if get_currency_precision(currency) == 0:
        minor = max(1, minor // 100)
    for text in _styles(minor, currency):
        assert parse_amount(text, currency) == Money(minor, currency), text


@given(minor=st.integers(min_value=1, max_value=999_99))
def test_amount_round_trip_with_symbols(minor: int) -> None:
    value = _major(minor, "USD")
    assert parse_amount(f"${value}", "RUB") == Money(minor, "USD")
    assert parse_amount(f"{value:.2f}".replace(".", ",") + " ₽", "USD") == Money(minor, "RUB")


# --- partial refunds -----------------------------------------------------------------------

PAID = Money(1173, "USD")  # the leggings of seed 003: listed $12.41, paid $11.73


def test_partial_refund_within_paid() -> None:
    assert parse_partial_refund("5", PAID) == Money(500, "USD")
    assert parse_partial_refund("$11.72", PAID) == Money(1172, "USD")
    assert parse_partial_refund("0,01", PAID) == Money(1, "USD")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("11.73", Code.EQUALS_PAID),
        ("$11.73", Code.EQUALS_PAID),
        ("12.41", Code.EXCEEDS_PAID),  # the listed price, not what was paid
        ("100", Code.EXCEEDS_PAID),
        ("5 EUR", Code.CURRENCY_MISMATCH),
        ("0", Code.NOT_POSITIVE),
        ("five", Code.NOT_A_NUMBER),
    ],
)
def test_partial_refund_rejections(text: str, code: ParseErrorCode) -> None:
    assert code_of(lambda: parse_partial_refund(text, PAID)) is code


def test_partial_refund_params_name_the_paid_amount() -> None:
    for text in ("11.73", "12.41"):
        with pytest.raises(ParseError) as info:
            parse_partial_refund(text, PAID)
        assert info.value.params["paid"] == PAID
    with pytest.raises(ParseError) as info:
        parse_partial_refund("5 EUR", PAID)
    assert info.value.params == {"currency": "EUR", "expected": "USD", "paid": PAID}


# --- protection end ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("23", timedelta(days=23)),
        ("23 days", timedelta(days=23)),
        ("23 day", timedelta(days=23)),
        ("23d", timedelta(days=23)),
        ("23 дня", timedelta(days=23)),
        ("23 дн", timedelta(days=23)),
        ("23 дн.", timedelta(days=23)),
        ("21 день", timedelta(days=21)),
        ("25 дней", timedelta(days=25)),
        ("Осталось 23 дня", timedelta(days=23)),
        ("осталось: 23 дня", timedelta(days=23)),
        ("23 days left", timedelta(days=23)),
        ("23 days 4 hours", timedelta(days=23, hours=4)),
        ("23 days, 4 hours", timedelta(days=23, hours=4)),
        ("23 д 4 ч", timedelta(days=23, hours=4)),
        ("23д 4ч 15м", timedelta(days=23, hours=4, minutes=15)),
        ("23 д 04:15:33", timedelta(days=23, hours=4, minutes=15, seconds=33)),
        ("5 hours", timedelta(hours=5)),
        ("5 ч", timedelta(hours=5)),
        ("0", timedelta(0)),
        ("365", timedelta(days=365)),
    ],
)
def test_protection_days_left(text: str, left: timedelta) -> None:
    result = parse_protection(text, NOW, MOSCOW)
    assert result == NOW + left
    assert result.tzinfo is UTC


END_OF_15_DEC_MOSCOW = datetime(2026, 12, 15, 20, 59, 59, tzinfo=UTC)  # 23:59:59 MSK


@pytest.mark.parametrize(
    "text",
    [
        "15.12.2026",
        "15.12.26",
        "15.12",
        "15/12/2026",
        "12/15/2026",  # month first only because 15 cannot be a month
        "2026-12-15",
        "15-12-2026",
        "15 декабря",
        "15 декабря 2026",
        "15 декабря 2026 г.",
        "15 дек",
        "15 дек.",
        "15 December",
        "15th December 2026",
        "15 Dec",
        "Dec 15",
        "Dec. 15",
        "December 15, 2026",
        "december 15 2026",
    ],
)
def test_protection_end_dates_mean_end_of_that_day_in_the_buyers_zone(text: str) -> None:
    assert parse_protection(text, NOW, MOSCOW) == END_OF_15_DEC_MOSCOW


def test_protection_end_date_follows_the_time_zone() -> None:
    # 23:59:59 in Los Angeles (PST, UTC-8) is 07:59:59 UTC the next day.
    expected = datetime(2026, 12, 16, 7, 59, 59, tzinfo=UTC)
    assert parse_protection("15.12.2026", NOW, LA) == expected


@pytest.mark.parametrize(
    ("word", "month"),
    [
        ("января", 1), ("январь", 1), ("январе", 1), ("янв", 1),
        ("февраля", 2), ("фев", 2), ("марта", 3), ("марте", 3), ("апреля", 4),
        ("мая", 5), ("май", 5), ("июня", 6), ("июля", 7), ("августа", 8), ("авг", 8),
        ("сентября", 9), ("сент", 9), ("октября", 10), ("ноября", 11), ("нояб", 11),
        ("декабре", 12), ("January", 1), ("Feb", 2), ("Sept", 9), ("October", 10),
    ],
)  # fmt: skip
def test_protection_month_names_in_any_case(word: str, month: int) -> None:
    end = parse_protection(f"20 {word} 2026", NOW, MOSCOW)
    assert end.astimezone(MOSCOW).date() == date(2026, month, 20)


def test_protection_date_without_year_is_the_next_one() -> None:
    # Today (10 March in Moscow) counts; 1 March has passed, so it is next year's.
    assert parse_protection("10 марта", NOW, MOSCOW).astimezone(MOSCOW).date() == date(2026, 3, 10)
    assert parse_protection("1 марта", NOW, MOSCOW).astimezone(MOSCOW).date() == date(2027, 3, 1)


def test_protection_recent_past_date_is_accepted() -> None:
    # The eligibility module warns; parsing must not lose what the buyer read off the page.
    end = parse_protection("01.03.2026", NOW, MOSCOW)
    assert end < NOW
    assert parse_protection("today", NOW, MOSCOW) == datetime(2026, 3, 10, 20, 59, 59, tzinfo=UTC)
    assert parse_protection("завтра", NOW, MOSCOW).astimezone(MOSCOW).date() == date(2026, 3, 11)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", Code.EMPTY),
        ("soon", Code.UNRECOGNISED),
        ("23 weeks", Code.UNRECOGNISED),
        ("15 smarch", Code.UNRECOGNISED),
        ("23 д 25:00", Code.UNRECOGNISED),
        ("31.02.2026", Code.INVALID_DATE),
        ("32 декабря", Code.INVALID_DATE),
        ("366", Code.DAYS_OUT_OF_RANGE),
        ("400 days", Code.DAYS_OUT_OF_RANGE),
        ("01.01.2025", Code.DATE_TOO_OLD),
        ("15.12.2027", Code.DATE_TOO_FAR),
        ("29 февраля", Code.DATE_TOO_FAR),  # the next 29 February is in 2028
    ],
)
def test_protection_rejections(text: str, code: ParseErrorCode) -> None:
    assert code_of(lambda: parse_protection(text, NOW, MOSCOW)) is code


def test_protection_days_out_of_range_params() -> None:
    with pytest.raises(ParseError) as info:
        parse_protection("400", NOW, MOSCOW)
    assert info.value.params == {"min": 0, "max": 365, "value": 400}


_RU_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                "сентября", "октября", "ноября", "декабря")  # fmt: skip
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip


@given(offset=st.integers(min_value=0, max_value=300))
def test_protection_date_and_days_left_agree(offset: int) -> None:
    """Any date within range parses the same in every form, and N days left is now + N."""
    day = NOW.astimezone(MOSCOW).date() + timedelta(days=offset)
    expected = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=MOSCOW).astimezone(UTC)
    forms = [
        day.strftime("%d.%m.%Y"),
        day.isoformat(),
        f"{day.day} {_RU_GENITIVE[day.month - 1]} {day.year}",
        f"{day.day} {_RU_GENITIVE[day.month - 1]}",
        f"{_EN_MONTHS[day.month - 1]} {day.day}, {day.year}",
        f"{_EN_MONTHS[day.month - 1][:3]} {day.day}",
    ]
    for text in forms:
        assert parse_protection(text, NOW, MOSCOW) == expected, text
    assert parse_protection(f"{offset} дней", NOW, MOSCOW) == NOW + timedelta(days=offset)


# --- past dates ----------------------------------------------------------------------------


def _noon(day: date, tz: ZoneInfo = MOSCOW) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("today", date(2026, 3, 10)),
        ("Сегодня", date(2026, 3, 10)),
        ("yesterday", date(2026, 3, 9)),
        ("вчера", date(2026, 3, 9)),
        ("позавчера", date(2026, 3, 8)),
        ("3 days ago", date(2026, 3, 7)),
        ("1 day ago", date(2026, 3, 9)),
        ("3 дня назад", date(2026, 3, 7)),
        ("5 дней назад", date(2026, 3, 5)),
        ("a week ago", date(2026, 3, 3)),
        ("неделю назад", date(2026, 3, 3)),
        ("2 weeks ago", date(2026, 2, 24)),
        ("2 недели назад", date(2026, 2, 24)),
        ("01.03.2026", date(2026, 3, 1)),
        ("1 марта", date(2026, 3, 1)),
        ("10 марта", date(2026, 3, 10)),  # today counts
        ("15 декабря", date(2025, 12, 15)),  # no year: the most recent one
        ("Dec 15", date(2025, 12, 15)),
        ("2025-04-01", date(2025, 4, 1)),
    ],
)
def test_past_dates_are_noon_local(text: str, day: date) -> None:
    assert parse_past_date(text, NOW, MOSCOW) == _noon(day)


def test_past_date_today_depends_on_the_buyers_zone() -> None:
    # 02:00 UTC on 10 March is still 9 March (18:00) in Los Angeles.
    early = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    assert parse_past_date("today", early, LA) == _noon(date(2026, 3, 9), LA)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", Code.EMPTY),
        ("long ago", Code.NOT_A_DATE),
        ("tomorrow", Code.DATE_IN_FUTURE),
        ("завтра", Code.DATE_IN_FUTURE),
        ("20.03.2026", Code.DATE_IN_FUTURE),
        ("01.01.2025", Code.DATE_TOO_OLD),
        ("400 days ago", Code.DATE_TOO_OLD),
        ("30.02.2026", Code.INVALID_DATE),
    ],
)
def test_past_date_rejections(text: str, code: ParseErrorCode) -> None:
    assert code_of(lambda: parse_past_date(text, NOW, MOSCOW)) is code


@given(days=st.integers(min_value=0, max_value=360))
def test_past_date_forms_agree(days: int) -> None:
    day = NOW.astimezone(MOSCOW).date() - timedelta(days=days)
    for text in (f"{days} days ago", f"{days} дней назад", day.strftime("%d.%m.%Y"),
                 f"{day.day} {_RU_GENITIVE[day.month - 1]}"):  # fmt: skip
        assert parse_past_date(text, NOW, MOSCOW) == _noon(day), text


# --- free text -----------------------------------------------------------------------------


def test_description_is_tidied() -> None:
    text = "  The seams are torn.  \r\n\r\n\r\n\r\nHoles at the seams.   \n"
    assert parse_description(text) == "The seams are torn.\n\nHoles at the seams."


def test_description_limits() -> None:
    assert code_of(lambda: parse_description("   ")) is Code.EMPTY
    assert code_of(lambda: parse_description("broken")) is Code.TEXT_TOO_SHORT
    assert parse_description("x" * DESCRIPTION_MAX_CHARS) == "x" * DESCRIPTION_MAX_CHARS
    with pytest.raises(ParseError) as info:
        parse_description("x" * (DESCRIPTION_MAX_CHARS + 1))
    assert info.value.code is Code.TEXT_TOO_LONG
    assert info.value.params == {"max_length": 1000, "length": 1001}


def test_item_title() -> None:
    assert parse_item_title("  Women's\nleggings  ") == "Women's leggings"
    assert parse_item_title("Часы") == "Часы"
    assert code_of(lambda: parse_item_title(" \n ")) is Code.EMPTY
    assert parse_item_title("x" * ITEM_TITLE_MAX_CHARS) == "x" * ITEM_TITLE_MAX_CHARS
    with pytest.raises(ParseError) as info:
        parse_item_title("x" * (ITEM_TITLE_MAX_CHARS + 1))
    assert info.value.code is Code.TEXT_TOO_LONG
    assert info.value.params == {"max_length": 100, "length": 101}


# --- no input crashes a parser -------------------------------------------------------------

_TRICKY = st.text(
    st.sampled_from(list("0123456789 .,:-/'#№$€₽¥dDhчдн \u00a0\u202fабвгдежзabcdefxyzг.")),
    max_size=30,
) | st.text(max_size=30)


@settings(max_examples=400)
@given(text=_TRICKY, tz=st.sampled_from([MOSCOW, LA, ZoneInfo("Pacific/Kiritimati")]))
def test_every_parser_returns_or_raises_parse_error(text: str, tz: ZoneInfo) -> None:
    """Whatever a buyer types, the handler gets a value or a code, never a traceback."""
    parsers: list[Callable[[], object]] = [
        lambda: parse_order_id(text),
        lambda: parse_amount(text, "RUB"),
        lambda: parse_partial_refund(text, PAID),
        lambda: parse_protection(text, NOW, tz),
        lambda: parse_past_date(text, NOW, tz),
        lambda: parse_description(text),
        lambda: parse_item_title(text),
    ]
    for parse in parsers:
        try:
            result = parse()
        except ParseError as error:
            assert isinstance(error.code, ParseErrorCode)
        else:
            assert result is not None


@pytest.mark.parametrize("tz", [LA, ZoneInfo("Pacific/Kiritimati")])
@pytest.mark.parametrize("text", ["31.12.9999", "01.01.0001", "9999-12-31", "1 января 9999"])
def test_extreme_years_are_codes_not_overflows(text: str, tz: ZoneInfo) -> None:
    far = (Code.DATE_TOO_FAR, Code.DATE_TOO_OLD, Code.INVALID_DATE)
    assert code_of(lambda: parse_protection(text, NOW, tz)) in far
    past = (Code.DATE_TOO_OLD, Code.DATE_IN_FUTURE, Code.INVALID_DATE)
    assert code_of(lambda: parse_past_date(text, NOW, tz)) in past
