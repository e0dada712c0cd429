"""Dates and durations a buyer types: protection left ("23", "4 d 23 h", "15.12.2026",
"15 декабря"), days in the past ("3 days ago", "вчера", "10.11.2026"), and what a dispute
page's timer shows ("4 d 23 h", "4д 23ч", "23:59:10", "05.12.2026 14:30").

Pure, like the rest of bot/domain/parsing.py, whose `ParseError` codes these raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.parsing import (
    DATE_WINDOW,
    DAYS_LEFT_MAX,
    ParseError,
    ParseErrorCode,
    ascii_digits,
    clean_text,
)

__all__ = ["parse_calendar_date", "parse_past_date", "parse_protection", "parse_timer"]


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
    return ascii_digits(clean_text(text)).casefold().replace("ё", "е").rstrip(" .")


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
    today = now.astimezone(tz).date()
    day = _typed_day(text, today, lambda parts: _resolve_date(parts, today, forward=False))
    if day > today:
        raise ParseError(ParseErrorCode.DATE_IN_FUTURE)
    return _local_instant(day, time(12), tz, now)


def _typed_day(
    text: str, today: date, resolve: Callable[[tuple[int, int, int | None]], date]
) -> date:
    """The day `text` names: a relative word (`today`, `вчера`), `N days ago`, or a date form
    whose (day, month, year or None) `resolve` turns into a date."""
    cleaned = _normalize_date_text(text)
    if not cleaned:
        raise ParseError(ParseErrorCode.EMPTY)
    ago = _DAYS_AGO.fullmatch(cleaned)
    if cleaned in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[cleaned])
    if ago:
        return today - timedelta(days=_days_ago(ago))
    parts = _date_parts(cleaned)
    if parts is None:
        raise ParseError(ParseErrorCode.NOT_A_DATE)
    return resolve(parts)


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
    day = _typed_day(
        text,
        today,
        lambda parts: (
            _nearest_date(parts, today)
            if allow_future
            else _resolve_date(parts, today, forward=False)
        ),
    )
    max_days = DATE_WINDOW.days - 1
    if not allow_future and day > today:
        raise ParseError(ParseErrorCode.DATE_IN_FUTURE)
    if day < today - DATE_WINDOW:
        raise ParseError(ParseErrorCode.DATE_TOO_OLD, max_days=max_days)
    if day > today + DATE_WINDOW:
        raise ParseError(ParseErrorCode.DATE_TOO_FAR, max_days=max_days)
    return day


# --- a page's timer --------------------------------------------------------------------------

_TIMER_UNITS = (
    ("days", r"days?|d|дней|дня|день|дн|д|сут(?:ок|ки)?"),
    ("hours", r"hours?|hrs?|h|часов|часа|час|ч"),
    ("minutes", r"minutes?|mins?|m|минуты|минут|минута|мин|м"),
    ("seconds", r"seconds?|secs?|s|секунды|секунд|секунда|сек|с"),
)
_TIMER_PART = re.compile(
    r"(?P<n>\d{1,4})\s*(?:"
    + "|".join(f"(?P<{name}>{words})" for name, words in _TIMER_UNITS)
    + r")\.?(?![a-zа-я])"
)
_CLOCK = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?")
_TIMER_NOISE = re.compile(rf"{_LEFT}|,|\band\b|\bи\b")
_AT_TIME = re.compile(
    r"(?P<date>.+?)(?:,?\s*(?:at|в)?\s*)(?P<h>\d{1,2}):(?P<m>\d{2})(?::\d{2})?"
    r"\s*(?P<ampm>am|pm)?"
)


def _countdown(text: str) -> timedelta | None:
    """A countdown as a page shows it: number-and-unit parts, largest unit first, each unit
    once ("4 d 23 h", "4д 23ч 10мин", "4 дня 23 часа"), optionally ending in a clock
    ("4 д 23:59:10"), or a clock alone ("23:59:10": hours, minutes, seconds). None if not."""
    rest, total, last = text, timedelta(0), -1
    while True:
        rest = rest.strip(" ,:")
        match = _TIMER_PART.match(rest)
        if match is None:
            break
        unit = next(i for i, (name, _) in enumerate(_TIMER_UNITS) if match[name] is not None)
        if unit <= last:
            return None  # "23 h 4 d", or a unit twice
        total += timedelta(**{_TIMER_UNITS[unit][0]: int(match["n"])})
        last, rest = unit, rest[match.end() :]
    clock = _CLOCK.fullmatch(rest) if rest and last < 1 else None
    if clock is not None:
        hours, minutes, seconds = int(clock["h"]), int(clock["m"]), int(clock["s"] or 0)
        if hours > 23 or minutes > 59 or seconds > 59:
            return None
        total += timedelta(hours=hours, minutes=minutes, seconds=seconds)
        rest = ""
    return total if not rest and (last >= 0 or clock is not None) else None


def _moment(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """A date with an optional time of day ("05.12.2026 14:30", "5 декабря в 14:30",
    "Dec 5, 2:30 pm"); a date alone is the end of that day. None if it is neither."""
    at = time(23, 59, 59)
    day_text = text
    match = _AT_TIME.fullmatch(text)
    if match is not None and _date_parts(match["date"].strip(" ,")) is not None:
        hour, minute = int(match["h"]), int(match["m"])
        if match["ampm"]:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if match["ampm"] == "pm" else 0)
        if hour > 23 or minute > 59:
            return None
        at, day_text = time(hour, minute), match["date"].strip(" ,")
    parts = _date_parts(day_text)
    if parts is None:
        return None
    day = _resolve_date(parts, now.astimezone(tz).date(), forward=True)
    return _local_instant(day, at, tz, now)


def parse_timer(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """When a timer on the buyer's order or dispute page runs out, as a UTC instant: what is
    left as the page counts it down (``4 d 23 h``, ``4д 23ч``, ``осталось 4 дня 23 часа``,
    ``23:59:10``, a bare number of days), or the date and time it ends (``05.12.2026 14:30``,
    ``5 декабря 14:30``; a date alone is the end of that day) in the buyer's zone ``tz``.

    A moment already past is refused (TIMER_OVER): a running timer ends in the future.
    """
    cleaned = _normalize_date_text(text)
    if not cleaned:
        raise ParseError(ParseErrorCode.EMPTY)
    words = " ".join(_TIMER_NOISE.sub(" ", cleaned).split())
    left = _countdown(words) if words else None
    if left is None and cleaned.isdecimal():  # a bare number of days ("²" is no number)
        days = int(cleaned)
        if days > DAYS_LEFT_MAX:  # before timedelta, which cannot hold a billion days
            raise ParseError(ParseErrorCode.DAYS_OUT_OF_RANGE, min=0, max=DAYS_LEFT_MAX, value=days)
        left = timedelta(days=days)
    if left is not None:
        if left > timedelta(days=DAYS_LEFT_MAX):
            raise ParseError(
                ParseErrorCode.DAYS_OUT_OF_RANGE, min=0, max=DAYS_LEFT_MAX, value=left.days
            )
        if left <= timedelta(0):
            raise ParseError(ParseErrorCode.TIMER_OVER)
        return (now + left).astimezone(UTC)
    moment = _moment(cleaned, now, tz)
    if moment is None:
        raise ParseError(ParseErrorCode.UNRECOGNISED)
    if moment <= now:
        raise ParseError(ParseErrorCode.TIMER_OVER)
    return moment
