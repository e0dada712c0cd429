"""Calendar dates for the facts (when the buyer wrote to the seller, a tracking update, the
promised delivery): `parse_calendar_date`, and `parse_past_date` unchanged by its refactor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.dates import parse_calendar_date, parse_past_date
from bot.domain.parsing import ParseError, ParseErrorCode

TODAY = date(2026, 12, 1)
Code = ParseErrorCode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.11.2026", date(2026, 11, 12)),
        ("2026-11-12", date(2026, 11, 12)),
        ("12 ноября", date(2026, 11, 12)),
        ("12 November", date(2026, 11, 12)),
        ("Nov 12", date(2026, 11, 12)),
        ("сегодня", TODAY),
        ("yesterday", date(2026, 11, 30)),
        ("3 дня назад", date(2026, 11, 28)),
        ("a week ago", date(2026, 11, 24)),
        # No year: the nearer occurrence. 25 December is 24 days ahead, not 341 days back.
        ("25.12", date(2026, 12, 25)),
        ("25 декабря", date(2026, 12, 25)),
        # ... and 20 November is 11 days back, not 354 ahead.
        ("20.11", date(2026, 11, 20)),
        ("tomorrow", date(2026, 12, 2)),
    ],
)
def test_dates_the_future_allowed(text: str, expected: date) -> None:
    assert parse_calendar_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25.12", date(2025, 12, 25)),  # the most recent 25 December
        ("20.11", date(2026, 11, 20)),
        ("1.12", TODAY),
        ("2 дня назад", date(2026, 11, 29)),
    ],
)
def test_past_dates(text: str, expected: date) -> None:
    assert parse_calendar_date(text, TODAY, allow_future=False) == expected


@pytest.mark.parametrize(
    ("text", "allow_future", "code"),
    [
        ("", True, Code.EMPTY),
        ("   ", False, Code.EMPTY),
        ("soon", True, Code.NOT_A_DATE),
        ("23", True, Code.NOT_A_DATE),  # a bare number is not a date here
        ("31.02.2026", True, Code.INVALID_DATE),
        ("tomorrow", False, Code.DATE_IN_FUTURE),
        ("2.12.2026", False, Code.DATE_IN_FUTURE),
        ("1.12.2024", True, Code.DATE_TOO_OLD),
        ("1.1.1900", False, Code.DATE_TOO_OLD),
        ("1.12.2028", True, Code.DATE_TOO_FAR),
        ("31.12.9999", True, Code.DATE_TOO_FAR),
        ("400 days ago", False, Code.DATE_TOO_OLD),
    ],
)
def test_refusals(text: str, allow_future: bool, code: ParseErrorCode) -> None:
    with pytest.raises(ParseError) as caught:
        parse_calendar_date(text, TODAY, allow_future=allow_future)
    assert caught.value.code is code


@given(
    today=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    offset=st.integers(min_value=-180, max_value=180),
)
def test_a_day_written_without_its_year_comes_back(today: date, offset: int) -> None:
    """Within half a year either way, day and month alone name the right day."""
    day = today + timedelta(days=offset)
    assert parse_calendar_date(f"{day.day}.{day.month}", today) == day
    if offset <= 0:
        assert parse_calendar_date(f"{day.day}.{day.month}", today, allow_future=False) == day


def test_parse_past_date_is_unchanged() -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    moscow = ZoneInfo("Europe/Moscow")
    assert parse_past_date("3 дня назад", now, moscow) == datetime(2026, 11, 28, 9, tzinfo=UTC)
    assert parse_past_date("a week ago", now, moscow) == datetime(2026, 11, 24, 9, tzinfo=UTC)
    with pytest.raises(ParseError) as caught:
        parse_past_date("400 days ago", now, moscow)
    assert caught.value.code is Code.DATE_TOO_OLD
