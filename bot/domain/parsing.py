"""Turning what a buyer types into checked values: order ids, money, dates, free text.

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
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

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
    "parse_amount",
    "parse_calendar_date",
    "parse_description",
    "parse_item_title",
    "parse_order_id",
    "parse_partial_refund",
    "parse_past_date",
    "parse_protection",
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
    UNRECOGNISED = "unrecognised"
    INVALID_DATE = "invalid_date"  # params: day, month, year (e.g. 31.02)
    DATE_TOO_OLD = "date_too_old"  # params: max_days
    DATE_TOO_FAR = "date_too_far"  # params: max_days
    DATE_IN_FUTURE = "date_in_future"
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


def _clean(text: str) -> str:
    """NFKC (full-width digits become ASCII), zero-width marks gone, one ASCII space per run."""
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text))
    return _SPACES.sub(" ", text).strip()


def _ascii_digits(text: str) -> str:
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
    cleaned = _clean(text.replace("№", "#"))
    cleaned = _ORDER_LABEL.sub("", cleaned.lstrip("#").strip(), count=1)
    digits = _ORDER_SEPARATORS.sub("", _ascii_digits(cleaned))
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
    cleaned = _ascii_digits(_clean(text))
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


# --- dates ---------------------------------------------------------------------------------

_EN_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTH_WORDS: dict[str, int] = {}
for _number, _name in enumerate(_EN_MONTHS, start=1):
    _MONTH_WORDS[_name] = _number
    _MONTH_WORDS[_name[:3]] = _number
_MONTH_WORDS["sept"] = 9

# Russian months in every case: soft stems take -ь -я -е -ю -ем -ём, hard stems (март,
# август) take -, -а, -е, -у, -ом; май is irregular. Plus the usual abbreviations.
_RU_SOFT = ("январ", "феврал", "", "апрел", "", "июн", "июл", "", "сентябр", "октябр",
            "ноябр", "декабр")  # fmt: skip
for _number, _stem in enumerate(_RU_SOFT, start=1):
    if _stem:
        for _ending in ("ь", "я", "е", "ю", "ем"):
            _MONTH_WORDS[_stem + _ending] = _number
for _number, _stem in ((3, "март"), (8, "август")):
    for _ending in ("", "а", "е", "у", "ом"):
        _MONTH_WORDS[_stem + _ending] = _number
for _word in ("май", "мая", "мае", "маю", "маем"):
    _MONTH_WORDS[_word] = 5
_RU_ABBREVIATIONS = {
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "сент": 9, "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
}  # fmt: skip
_MONTH_WORDS.update(_RU_ABBREVIATIONS)

_YEAR_TAIL = r"(?:\s*(?:г|года?|year)\.?)?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|-?го|-?е)?"
_MONTH_WORD = r"(?P<month>[a-zа-я]+)\.?"
_YEAR = r"(?P<year>\d{4}|\d{2})"
_DATE_FORMS = (
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"),
    re.compile(r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})(?:\.(?P<year>\d{4}|\d{2}))?\.?"),
    re.compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<year>\d{4}|\d{2}))?"),
    re.compile(r"(?P<day>\d{1,2})-(?P<month>\d{1,2})-(?P<year>\d{4})"),
    re.compile(rf"{_DAY}\s*(?:of\s+)?{_MONTH_WORD}(?:,?\s*{_YEAR}{_YEAR_TAIL})?"),
    re.compile(rf"{_MONTH_WORD}\s*{_DAY}(?:,?\s*{_YEAR}{_YEAR_TAIL})?"),
)


def _month_number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _MONTH_WORDS.get(word.replace("ё", "е"))


def _date_parts(text: str) -> tuple[int, int, int | None] | None:
    """(day, month, year or None) if `text` (clean, casefolded) is one of the date forms."""
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if not match:
            continue
        fields = match.groupdict()
        if "a" in fields:
            # Day first, as in Russia and most of the world; month first only when the first
            # number cannot be a month and the second can (12/15/2026).
            first, second = int(fields["a"]), int(fields["b"])
            day, month = (second, first) if second > 12 >= first else (first, second)
        else:
            month_number = _month_number(fields["month"])
            if month_number is None:
                continue
            day, month = int(fields["day"]), month_number
        year_text = fields.get("year")
        year = None
        if year_text:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return day, month, year
    return None


def _make_date(day: int, month: int, year: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError(ParseErrorCode.INVALID_DATE, day=day, month=month, year=year) from None


def _resolve_date(parts: tuple[int, int, int | None], today: date, *, forward: bool) -> date:
    """The calendar date meant; without a year, the nearest one forward or backward of today."""
    day, month, year = parts
    if year is not None:
        return _make_date(day, month, year)
    step = 1 if forward else -1
    for offset in range(5):  # 29 February may be up to four years away
        try:
            candidate = date(today.year + step * offset, month, day)
        except ValueError:
            continue
        if (candidate >= today) if forward else (candidate <= today):
            return candidate
    raise ParseError(ParseErrorCode.INVALID_DATE, day=day, month=month, year=today.year)


def _normalize_date_text(text: str) -> str:
    return _ascii_digits(_clean(text)).casefold().replace("ё", "е").rstrip(" .")


_DAY_UNIT = r"(?:days?|d|дней|дня|день|дн|д)\.?"
_HOUR_UNIT = r"(?:hours?|hrs?|h|часов|часа|час|ч)\.?"
_MINUTE_UNIT = r"(?:minutes?|mins?|m|минуты|минут|мин|м)\.?"
_LEFT = r"(?:осталось|остается|left|remaining|ещ[её])"
_DAYS_LEFT = re.compile(
    rf"""(?:{_LEFT}\s*:?\s*)?
    (?:
        (?P<days>\d{{1,4}})\s*(?:{_DAY_UNIT})?
        (?:\s*,?\s*(?P<hours>\d{{1,2}})\s*{_HOUR_UNIT}
            (?:\s*,?\s*(?P<minutes>\d{{1,2}})\s*{_MINUTE_UNIT})?
        )?
        (?:\s*,?\s*(?P<clock>\d{{1,2}}:\d{{2}}(?::\d{{2}})?))?
      | (?P<only_hours>\d{{1,2}})\s*{_HOUR_UNIT}
    )
    (?:\s*{_LEFT})?""",
    re.VERBOSE,
)


def _days_left(text: str) -> timedelta | None:
    """The countdown the order page shows (`23 days 4 hours`, `23 д 04:15:33`), or None."""
    match = _DAYS_LEFT.fullmatch(text)
    if not match:
        return None
    if match["only_hours"] is not None:
        hours = int(match["only_hours"])
        if hours > 23:
            return None
        return timedelta(hours=hours)
    days = int(match["days"])
    if not 0 <= days <= DAYS_LEFT_MAX:
        raise ParseError(ParseErrorCode.DAYS_OUT_OF_RANGE, min=0, max=DAYS_LEFT_MAX, value=days)
    hours = int(match["hours"] or 0)
    minutes = int(match["minutes"] or 0)
    seconds = 0
    if match["clock"]:
        clock = [int(piece) for piece in match["clock"].split(":")]
        hours, minutes = clock[0], clock[1]
        seconds = clock[2] if len(clock) > 2 else 0
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


_RELATIVE_DAYS: dict[str, int] = {
    "today": 0, "сегодня": 0, "tomorrow": 1, "завтра": 1, "послезавтра": 2,
    "yesterday": -1, "вчера": -1, "позавчера": -2, "day before yesterday": -2,
}  # fmt: skip


def _check_window(moment: datetime, now: datetime) -> None:
    max_days = DATE_WINDOW.days - 1
    if moment < now - DATE_WINDOW:
        raise ParseError(ParseErrorCode.DATE_TOO_OLD, max_days=max_days)
    if moment > now + DATE_WINDOW:
        raise ParseError(ParseErrorCode.DATE_TOO_FAR, max_days=max_days)


def _local_instant(day: date, at: time, tz: ZoneInfo, now: datetime) -> datetime:
    """`at` on `day` in `tz`, as UTC, checked to lie within a year of `now`."""
    # Far dates (year 9999) are refused before arithmetic that would overflow on them.
    today = now.astimezone(tz).date()
    if day < today - 2 * DATE_WINDOW:
        raise ParseError(ParseErrorCode.DATE_TOO_OLD, max_days=DATE_WINDOW.days - 1)
    if day > today + 2 * DATE_WINDOW:
        raise ParseError(ParseErrorCode.DATE_TOO_FAR, max_days=DATE_WINDOW.days - 1)
    moment = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
    _check_window(moment, now)
    return moment


def parse_protection(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """When buyer protection ends, as a UTC instant, from the order page's countdown or date.

    Days left (`23`, `23 дня`, `осталось 23 дня`, `23 days 4 hours`, `23 д 04:15:33`) count
    from `now`. An end date (`15.12.2026`, `2026-12-15`, `15 декабря`, `Dec 15`) means the end
    of that day, 23:59:59 in the buyer's zone `tz`: the buyer loses nothing by us assuming the
    whole day. A date without a year is the next such date on or after today. A recent past date
    is accepted (seed 003: after protection ends "you can have time to open a dispute for another
    15 days"): eligibility warns about it instead.
    """
    cleaned = _normalize_date_text(text)
    if not cleaned:
        raise ParseError(ParseErrorCode.EMPTY)
    left = _days_left(cleaned)
    if left is not None:
        return (now + left).astimezone(UTC)
    today = now.astimezone(tz).date()
    if cleaned in _RELATIVE_DAYS:
        day = today + timedelta(days=_RELATIVE_DAYS[cleaned])
    else:
        parts = _date_parts(cleaned)
        if parts is None:
            raise ParseError(ParseErrorCode.UNRECOGNISED)
        day = _resolve_date(parts, today, forward=True)
    return _local_instant(day, time(23, 59, 59), tz, now)


_DAYS_AGO = re.compile(
    rf"(?P<count>\d{{1,4}})\s*(?P<unit>{_DAY_UNIT}|weeks?|w|недел[юиь]|нед\.?)\s*(?:ago|назад)"
    rf"|(?P<one>a|one|одну)?\s*(?P<week>week|неделю)\s*(?:ago|назад)",
)


def parse_past_date(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A day in the past (receipt confirmed, dispute opened), as noon of that day in `tz`, in UTC.

    Accepts `today`/`сегодня`, `yesterday`/`вчера`, `N days ago`/`N дней назад`, `a week ago`,
    and the date forms of `parse_protection`; a date without a year is the most recent such date
    on or before today. Only the day is known, so the instant is noon: it is the same calendar
    day in every zone within twelve hours of the buyer's, and the 15-day windows counted from it
    are off by at most half a day (in the buyer's favour half the time, no worse the rest).
    """
    cleaned = _normalize_date_text(text)
    if not cleaned:
        raise ParseError(ParseErrorCode.EMPTY)
    today = now.astimezone(tz).date()
    ago = _DAYS_AGO.fullmatch(cleaned)
    if cleaned in _RELATIVE_DAYS:
        day = today + timedelta(days=_RELATIVE_DAYS[cleaned])
    elif ago:
        day = today - timedelta(days=_days_ago(ago))
    else:
        parts = _date_parts(cleaned)
        if parts is None:
            raise ParseError(ParseErrorCode.UNRECOGNISED)
        day = _resolve_date(parts, today, forward=False)
    if day > today:
        raise ParseError(ParseErrorCode.DATE_IN_FUTURE)
    return _local_instant(day, time(12), tz, now)


def _days_ago(ago: re.Match[str]) -> int:
    """The days a `_DAYS_AGO` match counts back ("3 days ago", "a week ago")."""
    if ago["week"]:
        days = 7
    else:
        count = int(ago["count"])
        days = count * 7 if ago["unit"][0] in "wн" else count
    if days > DATE_WINDOW.days - 1:
        raise ParseError(ParseErrorCode.DATE_TOO_OLD, max_days=DATE_WINDOW.days - 1)
    return days


def _nearest_date(parts: tuple[int, int, int | None], today: date) -> date:
    """The date meant; without a year, whichever occurrence lies nearer today (past on a tie)."""
    if parts[2] is not None:
        return _make_date(*parts[:2], parts[2])
    back = _resolve_date(parts, today, forward=False)
    ahead = _resolve_date(parts, today, forward=True)
    return ahead if ahead - today < today - back else back


def parse_calendar_date(text: str, today: date, *, allow_future: bool = True) -> date:
    """A calendar day with no time of day: when the buyer wrote to the seller, a tracking date.

    Accepts what `parse_past_date` accepts (and `tomorrow` when `allow_future`), counted from
    `today`, the buyer's own date. A date without a year is the nearer of its occurrences before
    and after today (`25.12` on 1 December is this month, not last year), or the most recent one
    when the future is not allowed. Within a year of today either way.
    """
    cleaned = _normalize_date_text(text)
    if not cleaned:
        raise ParseError(ParseErrorCode.EMPTY)
    ago = _DAYS_AGO.fullmatch(cleaned)
    if cleaned in _RELATIVE_DAYS:
        day = today + timedelta(days=_RELATIVE_DAYS[cleaned])
    elif ago:
        day = today - timedelta(days=_days_ago(ago))
    else:
        parts = _date_parts(cleaned)
        if parts is None:
            raise ParseError(ParseErrorCode.UNRECOGNISED)
        if allow_future:
            day = _nearest_date(parts, today)
        else:
            day = _resolve_date(parts, today, forward=False)
    max_days = DATE_WINDOW.days - 1
    if not allow_future and day > today:
        raise ParseError(ParseErrorCode.DATE_IN_FUTURE)
    if day < today - DATE_WINDOW:
        raise ParseError(ParseErrorCode.DATE_TOO_OLD, max_days=max_days)
    if day > today + DATE_WINDOW:
        raise ParseError(ParseErrorCode.DATE_TOO_FAR, max_days=max_days)
    return day


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
    return _check_length(_clean(text), 1, ITEM_TITLE_MAX_CHARS)
