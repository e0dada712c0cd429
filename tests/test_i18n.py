"""Catalogs and Babel formatting: complete Russian, right plural forms, locale formats."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.models import Money
from bot.i18n import LOCALES_DIR, Translator, language_for

ROOT = Path(__file__).resolve().parent.parent


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=language)


def test_every_message_has_a_russian_translation() -> None:
    catalog = _catalog("ru")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id)
    assert not missing, f"untranslated or fuzzy in ru: {missing[:10]}"
    assert len(catalog) > 50


def test_catalogs_match_the_code(tmp_path: Path) -> None:
    """Extracting from the code finds no message the catalogs lack (run pybabel update if so)."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    for language in ("en", "ru"):
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(language) if m.id}
        assert not extracted - known, (language, sorted(extracted - known)[:5])


def test_placeholders_survive_translation() -> None:
    import re

    pattern = re.compile(r"%\((\w+)\)[sd]")
    for message in _catalog("ru"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(pattern.findall(ids[0]))
        for translated in strings:
            assert set(pattern.findall(translated)) <= wanted | {"n"}, message.id
            if "%(n)" not in ids[-1]:
                assert wanted <= set(pattern.findall(translated)), message.id


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 день"),
        (2, "2 дня"),
        (5, "5 дней"),
        (11, "11 дней"),
        (21, "21 день"),
        (22, "22 дня"),
        (25, "25 дней"),
    ],
)
def test_russian_day_plurals(n: int, expected: str) -> None:
    assert Translator("ru").days(n) == expected


@pytest.mark.parametrize(
    ("n", "form"),
    [(1, 0), (2, 1), (5, 2), (11, 2), (21, 0), (22, 1), (25, 2), (12, 2), (111, 2), (104, 1)],
)
def test_catalog_plural_forms_follow_russian_rules(n: int, form: int) -> None:
    """ngettext through the catalog picks the right one of Russian's three forms."""
    catalog = _catalog("ru")
    plural = next(  # one whose only placeholder is the count
        m
        for m in catalog
        if isinstance(m.id, tuple) and m.id[0].count("%(") == 1 and "%(n)s" in m.id[0]
    )
    t = Translator("ru")
    assert t.ngettext(plural.id[0], plural.id[1], n) == plural.string[form] % {"n": n}


def test_english_plurals() -> None:
    t = Translator("en")
    assert t.days(1) == "1 day" and t.days(2) == "2 days"


def test_dates_and_amounts_differ_by_locale() -> None:
    moment = datetime(2026, 12, 15, 14, 30, tzinfo=UTC)
    en, ru = Translator("en"), Translator("ru")
    assert en.date(moment, "UTC") == "December 15, 2026"
    assert ru.date(moment, "UTC").replace("\u202f", " ") == "15 декабря 2026 г."
    assert en.money(Money(123456, "USD")) == "$1,234.56"
    assert ru.money(Money(123456, "RUB")).replace("\xa0", " ") == "1 234,56 ₽"
    assert en.money(Money(500, "JPY")) == "¥500"
    assert en.datetime(moment, "Europe/Moscow") != ru.datetime(moment, "Europe/Moscow")
    assert "17:30" in ru.datetime(moment, "Europe/Moscow")


def test_durations_use_babel_units() -> None:
    ru, en = Translator("ru"), Translator("en")
    assert ru.duration(timedelta(days=2, hours=4)) == "2 дня 4 ч"
    assert en.duration(timedelta(days=2, hours=4)) == "2 days 4 hr"
    assert ru.duration(timedelta(days=21)) == "21 день"
    assert ru.duration(timedelta(minutes=35)) == "35 мин"
    assert en.duration(timedelta(seconds=-5)) == "1 min"


def test_durations_round_to_the_nearest_unit_shown() -> None:
    """Issue 14 §3: 6 d 8 h 59 min read "6 days 8 hr"; a countdown now rounds to the nearest
    of its smallest unit, and what is left never reads as nothing."""
    en, ru = Translator("en"), Translator("ru")
    assert en.duration(timedelta(days=6, hours=8, minutes=59)) == "6 days 9 hr"
    assert ru.duration(timedelta(days=6, hours=8, minutes=59)) == "6 дней 9 ч"
    assert en.duration(timedelta(days=6, hours=8, minutes=29)) == "6 days 8 hr"
    assert en.duration(timedelta(days=1, hours=23, minutes=30)) == "2 days"
    assert en.duration(timedelta(hours=23, minutes=59, seconds=40)) == "1 day"
    assert en.duration(timedelta(hours=4, minutes=59, seconds=31)) == "5 hr"
    assert en.duration(timedelta(minutes=59, seconds=30)) == "1 hr"
    assert en.duration(timedelta(seconds=20)) == "1 min"  # still ahead: never "0"


@given(st.integers(1, 400 * 86_400))
def test_a_rounded_countdown_is_within_half_a_unit_of_the_truth(seconds: int) -> None:
    text = Translator("en").duration(timedelta(seconds=seconds))
    shown = 0
    for number, unit in re.findall(r"(\d+) (day|days|hr|min)", text):
        shown += int(number) * {"day": 86_400, "days": 86_400, "hr": 3_600, "min": 60}[unit]
    half = 1_800 if "day" in text else 30
    assert (shown > 0 and abs(shown - seconds) <= half) or (seconds < 30 and shown == 60)


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("ru", "ru"),
        ("uk", "ru"),
        ("be", "ru"),
        ("kk", "ru"),
        ("ru-RU", "ru"),
        ("en", "en"),
        ("de", "en"),
        ("", "en"),
        (None, "en"),
        ("UK", "ru"),
    ],
)
def test_language_for(code: str | None, language: str) -> None:
    assert language_for(code) == language
