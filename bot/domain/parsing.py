"""Turning what a buyer types into checked values: order ids, money, free text (dates: dates.py).

Pure functions, no Telegram and no I/O, so every rule here is tested on its own. A rejected input
raises `ParseError` carrying a `ParseErrorCode` and the numbers a message needs (`params`); the
Telegram layer picks the localized sentence. No user-facing text lives in this module.

Buyers paste from the AliExpress app, type on phone keyboards in Russian or English, and use their
own locale's number and date habits; the parsers accept those forms and reject anything they
would have to guess at.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum

from babel.numbers import get_currency_precision, list_currencies

from bot.domain.models import Money

__all__ = [
    "DAYS_LEFT_MAX",
    "DESCRIPTION_MAX_CHARS",
    "DESCRIPTION_MIN_CHARS",
    "ITEM_TITLE_MAX_CHARS",
    "MAX_AMOUNT_MAJOR",
    "ORDER_ID_MAX_DIGITS",
    "ORDER_ID_MIN_DIGITS",
    "ParseError",
    "ParseErrorCode",
    "ascii_digits",
    "clean_text",
    "parse_amount",
    "parse_description",
    "parse_item_title",
    "parse_order_id",
    "parse_partial_refund",
]

# Real AliExpress order ids are 15 to 19 digits; a little slack either way costs nothing and
# still catches a tracking number or a phone number pasted by mistake.
ORDER_ID_MIN_DIGITS = 12
ORDER_ID_MAX_DIGITS = 20
# Nobody disputes a ten-million-unit order on AliExpress; past this it is a typo (an extra
# digit group) that would make every later comparison with the refund meaningless.
MAX_AMOUNT_MAJOR = 10_000_000
# Protection is at most about 90 days (seed 000: "usually it is 60-90 days"); a year of slack
# covers sellers' extensions without accepting nonsense.
DAYS_LEFT_MAX = 365
# Dates further than this from today are typos (a wrong year), not real deadlines.
DATE_WINDOW = timedelta(days=366)
# AliExpress's dispute text field is limited; we keep the buyer's record within this cap.
DESCRIPTION_MIN_CHARS = 10
DESCRIPTION_MAX_CHARS = 1000
ITEM_TITLE_MAX_CHARS = 100


class ParseErrorCode(StrEnum):
    """Why an input was rejected. Stable strings: handlers map them to localized messages."""

    EMPTY = "empty"
    # Order id. Params for the length codes: min_length, max_length, length.
    ORDER_ID_INVALID_CHARS = "order_id_invalid_chars"
    ORDER_ID_TOO_SHORT = "order_id_too_short"
    ORDER_ID_TOO_LONG = "order_id_too_long"
    # Amounts.
    NOT_A_NUMBER = "not_a_number"  # no digits at all
    MALFORMED_NUMBER = "malformed_number"  # digits, but grouping or extra text is wrong
    UNKNOWN_CURRENCY = "unknown_currency"  # params: token
    CONFLICTING_CURRENCIES = "conflicting_currencies"  # params: currencies (list of codes)
    NOT_POSITIVE = "not_positive"  # zero or negative
    TOO_MANY_DECIMALS = "too_many_decimals"  # params: currency, decimals
    DECIMALS_NOT_ALLOWED = "decimals_not_allowed"  # params: currency (JPY, KRW: no minor unit)
    TOO_LARGE = "too_large"  # params: max (Money), currency
    # Partial refund. Params: paid (Money); CURRENCY_MISMATCH also currency, expected.
    CURRENCY_MISMATCH = "currency_mismatch"
    EQUALS_PAID = "equals_paid"
    EXCEEDS_PAID = "exceeds_paid"
    # Dates and day counts.
    UNRECOGNISED = "unrecognised"  # neither days left nor a date (buyer protection)
    NOT_A_DATE = "not_a_date"  # no day in the past at all (shipped, confirmed, opened)
    INVALID_DATE = "invalid_date"  # params: day, month, year (e.g. 31.02)
    DATE_TOO_OLD = "date_too_old"  # params: max_days
    DATE_TOO_FAR = "date_too_far"  # params: max_days
    DATE_IN_FUTURE = "date_in_future"
    TIMER_OVER = "timer_over"  # a page timer typed as a moment already past
    DAYS_OUT_OF_RANGE = "days_out_of_range"  # params: min, max, value
    # Free text. Params: min_length / max_length, length.
    TEXT_TOO_SHORT = "text_too_short"
    TEXT_TOO_LONG = "text_too_long"


class ParseError(ValueError):
    """A rejected input: a code and the values its message needs, never a sentence."""

    def __init__(self, code: ParseErrorCode, **params: object) -> None:
        super().__init__(code.value)
        self.code = code
        self.params: dict[str, object] = dict(params)

    def __repr__(self) -> str:
        return f"ParseError({self.code.value!r}, {self.params!r})"


# --- shared text clean-up ------------------------------------------------------------------

# Spaces phones and Babel put into numbers: NBSP, narrow NBSP, thin space, figure space...
_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def clean_text(text: str) -> str:
    """NFKC (full-width digits become ASCII), zero-width marks gone, one ASCII space per run."""
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text))
    return _SPACES.sub(" ", text).strip()


def ascii_digits(text: str) -> str:
    """Any Unicode decimal digit (Arabic-Indic, ...) as its ASCII twin; other chars unchanged."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


# --- order id ------------------------------------------------------------------------------

# Labels copied together with the id from the app or a mail, optionally followed by ":" or ".".
_ORDER_LABEL = re.compile(
    r"""^(?:
        order\s*(?:id|no\.?|number|num\.?|nr\.?)?
      | (?:номер|id|№)\s*заказа
      | заказ(?:а)?\s*(?:id|no\.?|номер)?
      | id
    )\s*[:.]?""",
    re.IGNORECASE | re.VERBOSE,
)
# What may separate digit groups in a pasted id.
_ORDER_SEPARATORS = re.compile(r"[\s#№\-\u2010-\u2015\u2212:]+")


def parse_order_id(text: str) -> str:
    """Digits only, from what the buyer pasted (`Order ID: 8123 4567 8901 2345`, `#8123...`).

    The id is stored as a string: leading zeros and 20-digit values must survive untouched.
    """
    # "№" must go before NFKC, which would turn it into the letters "No".
    cleaned = clean_text(text.replace("№", "#"))
    cleaned = _ORDER_LABEL.sub("", cleaned.lstrip("#").strip(), count=1)
    digits = _ORDER_SEPARATORS.sub("", ascii_digits(cleaned))
    if not digits:
        raise ParseError(ParseErrorCode.EMPTY)
    if not digits.isascii() or not digits.isdigit():
        raise ParseError(ParseErrorCode.ORDER_ID_INVALID_CHARS)
    bounds = {"min_length": ORDER_ID_MIN_DIGITS, "max_length": ORDER_ID_MAX_DIGITS}
    if len(digits) < ORDER_ID_MIN_DIGITS:
        raise ParseError(ParseErrorCode.ORDER_ID_TOO_SHORT, length=len(digits), **bounds)
    if len(digits) > ORDER_ID_MAX_DIGITS:
        raise ParseError(ParseErrorCode.ORDER_ID_TOO_LONG, length=len(digits), **bounds)
    return digits


# --- money ---------------------------------------------------------------------------------

# Symbols and words buyers write, casefolded with dots and spaces removed (see _currency_key).
_CURRENCY_WORDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "$",
            "us$",
            "$us",
            "usd",
            "dollar",
            "dollars",
            "доллар",
            "доллара",
            "долларов",
            "долл",
            "дол",
        ],
        "USD",
    ),
    **dict.fromkeys(["€", "eur", "euro", "euros", "евро"], "EUR"),
    **dict.fromkeys(
        [
            "₽",
            "р",
            "руб",
            "рубль",
            "рубля",
            "рублей",
            "rub",
            "rur",
            "rouble",
            "roubles",
            "ruble",
            "rubles",
        ],
        "RUB",
    ),
    **dict.fromkeys(["¥", "cn¥", "cny", "rmb", "yuan", "юань", "юаня", "юаней"], "CNY"),
    **dict.fromkeys(["jp¥", "jpy", "yen", "иена", "иен", "йена", "йен"], "JPY"),
    **dict.fromkeys(["₩", "krw", "won"], "KRW"),
    **dict.fromkeys(["₴", "грн", "гривна", "гривны", "гривен", "uah", "hryvnia"], "UAH"),
    **dict.fromkeys(["₸", "тг", "тенге", "kzt", "tenge"], "KZT"),
    **dict.fromkeys(["br", "byn", "белруб", "бр"], "BYN"),
    **dict.fromkeys(["£", "£gb", "gbp"], "GBP"),
}
_ISO_CODES = frozenset(list_currencies())

# A number: digits with separators inside; an optional leading separator (".5").
_NUMBER = re.compile(r"[.,]?\d(?:[\d ,.'’]*\d)?")


def _currency_key(token: str) -> str:
    return token.casefold().replace(".", "").replace(" ", "")


def _currency_code(token: str) -> str:
    key = _currency_key(token)
    if key in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[key]
    if re.fullmatch(r"[a-z]{3}", key) and key.upper() in _ISO_CODES:
        return key.upper()
    raise ParseError(ParseErrorCode.UNKNOWN_CURRENCY, token=token)


def _split_number(number: str) -> tuple[str, str]:
    """(integer digits, fraction digits) of a localized number, or MALFORMED_NUMBER.

    Rules, in order: a separator used more than once groups thousands; a `.`/`,` after a
    different separator is the decimal point (`1,234.56`, `1.234,56`, `1 234,56`); a lone `.`/`,`
    followed by exactly three digits groups thousands (`1,234`), else it is the decimal point
    (`12,50`). Grouped numbers must have 1-3 digits, then groups of exactly three.
    """
    number = number.replace("’", "'")
    parts = re.split(r"([ ,.'])", number)
    digits, seps = parts[0::2], parts[1::2]
    if not seps:
        return number, ""
    if any(not group for group in digits[1:]):
        raise ParseError(ParseErrorCode.MALFORMED_NUMBER)  # two separators in a row
    last = seps[-1]
    decimal_point = False
    if last in ".,":
        if seps.count(last) > 1:
            decimal_point = False
        elif len(seps) > 1:
            decimal_point = True
        else:
            integer = digits[0]
            decimal_point = len(digits[-1]) != 3 or integer.strip("0") == ""
    if decimal_point:
        fraction = digits[-1]
        digits, seps = digits[:-1], seps[:-1]
    else:
        fraction = ""
    if seps:
        if len(set(seps)) != 1 or not 1 <= len(digits[0]) <= 3:
            raise ParseError(ParseErrorCode.MALFORMED_NUMBER)
        if any(len(group) != 3 for group in digits[1:]):
            raise ParseError(ParseErrorCode.MALFORMED_NUMBER)
    return "".join(digits) or "0", fraction


def parse_amount(text: str, default_currency: str) -> Money:
    """A positive amount of money, as the buyer writes it in their locale.

    Accepts `12.50`, `12,50`, `1 234,56 ₽`, `1,234.56`, `1.234,56`, `$11.73`, `11.73 USD`,
    `usd 11.73`, `1234 руб`, `€5`, `5 EUR`, ... A currency symbol or word before or after the
    number maps to its ISO 4217 code; without one, `default_currency` applies. Decimal arithmetic
    only: a float would turn 11.73 into 11.729999... and lose a kopeck.
    """
    cleaned = ascii_digits(clean_text(text))
    if not cleaned:
        raise ParseError(ParseErrorCode.EMPTY)
    found = list(_NUMBER.finditer(cleaned))
    if not found:
        raise ParseError(ParseErrorCode.NOT_A_NUMBER)
    if len(found) > 1:
        raise ParseError(ParseErrorCode.MALFORMED_NUMBER)
    match = found[0]
    prefix, suffix = cleaned[: match.start()].strip(), cleaned[match.end() :].strip()
    negative = False
    if prefix[-1:] in ("-", "−", "–") or prefix[:1] in ("-", "−", "–"):
        negative = True
        prefix = prefix.strip("-−– ")
    prefix = prefix.removeprefix("+").strip(" .")
    suffix = suffix.strip(" .")
    codes = {_currency_code(token) for token in (prefix, suffix) if token}
    if len(codes) > 1:
        raise ParseError(ParseErrorCode.CONFLICTING_CURRENCIES, currencies=sorted(codes))
    currency = codes.pop() if codes else default_currency.upper()

    integer, fraction = _split_number(match.group())
    value = Decimal(f"{integer}.{fraction or '0'}")
    if negative or value <= 0:
        raise ParseError(ParseErrorCode.NOT_POSITIVE)
    precision = int(get_currency_precision(currency))
    if len(fraction.rstrip("0")) > precision or len(fraction) > max(precision, 2):
        if precision == 0:
            raise ParseError(ParseErrorCode.DECIMALS_NOT_ALLOWED, currency=currency)
        raise ParseError(ParseErrorCode.TOO_MANY_DECIMALS, currency=currency, decimals=precision)
    if value > MAX_AMOUNT_MAJOR:
        limit = Money(MAX_AMOUNT_MAJOR * 10**precision, currency)
        raise ParseError(ParseErrorCode.TOO_LARGE, max=limit, currency=currency)
    return Money(int(value.scaleb(precision)), currency)


def parse_partial_refund(text: str, paid: Money) -> Money:
    """A partial refund: strictly between zero and what was paid, in the same currency.

    Equal to the price is not an error of the buyer's but a full refund: `EQUALS_PAID` lets the
    handler offer that switch. AliExpress refuses more than was paid (seed 003), so we do too.
    """
    amount = parse_amount(text, paid.currency)
    if amount.currency != paid.currency:
        raise ParseError(
            ParseErrorCode.CURRENCY_MISMATCH,
            currency=amount.currency,
            expected=paid.currency,
            paid=paid,
        )
    if amount.minor == paid.minor:
        raise ParseError(ParseErrorCode.EQUALS_PAID, paid=paid)
    if amount.minor > paid.minor:
        raise ParseError(ParseErrorCode.EXCEEDS_PAID, paid=paid)
    return amount


# --- free text -----------------------------------------------------------------------------


def _check_length(text: str, minimum: int, maximum: int) -> str:
    if not text:
        raise ParseError(ParseErrorCode.EMPTY)
    if len(text) < minimum:
        raise ParseError(ParseErrorCode.TEXT_TOO_SHORT, min_length=minimum, length=len(text))
    if len(text) > maximum:
        raise ParseError(ParseErrorCode.TEXT_TOO_LONG, max_length=maximum, length=len(text))
    return text


def parse_description(text: str) -> str:
    """The buyer's own words, tidied: trimmed lines, at most one blank line in a row.

    Kept in whatever language it was written: it is the buyer's record, not the claim text.
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    tidy = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return _check_length(tidy, DESCRIPTION_MIN_CHARS, DESCRIPTION_MAX_CHARS)


def parse_item_title(text: str) -> str:
    """A short item title on one line (it goes into one sentence of the claim)."""
    return _check_length(clean_text(text), 1, ITEM_TITLE_MAX_CHARS)
