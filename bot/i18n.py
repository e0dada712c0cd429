"""Translations and locale-aware formatting, all through gettext catalogs and Babel.

Catalogs live in `locales/<lang>/LC_MESSAGES/messages.po` at the top of the repository; the
package build maps that directory into the package as `bot/locales` (pyproject.toml), so an
installed bot finds them inside itself and a checkout beside `bot/`. They are compiled in
memory when first needed (Babel's own reader and writer), so a fresh clone works without a
compile step and no compiled file can go stale. `pybabel extract/update` keeps them in step
with the code; see the README.

Message ids are the English text. Call `t._("Text with %(name)s", name=value)`: the string is
looked up first and then formatted, so translators see the placeholder names.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, get_currency_precision
from babel.support import Translations
from babel.units import format_unit

from bot.domain.models import Money

UnitLength = Literal["short", "long", "narrow"]


def _locales_dir() -> Path:
    """`bot/locales` in an installed package (wheel, `pip install .`), else the checkout's."""
    package = Path(__file__).resolve().parent
    installed = package / "locales"
    return installed if installed.is_dir() else package.parent / "locales"


LOCALES_DIR = _locales_dir()
DOMAIN = "messages"
LANGUAGES: tuple[str, ...] = ("en", "ru")
DEFAULT_LANGUAGE = "en"
# Telegram's language_code values that get Russian: most buyers from these countries read it.
_RUSSIAN_SPEAKING = frozenset({"ru", "uk", "be", "kk"})
_DEFAULT_CURRENCY = {"ru": "RUB", "en": "USD"}
_DEFAULT_TZ = {"ru": "Europe/Moscow", "en": "UTC"}
# CLDR's "medium" adds seconds, which no deadline needs; these read naturally in each language.
_DATETIME_PATTERNS = {"en": "MMM d, y, h:mm a", "ru": "d MMMM y, HH:mm"}


def language_for(language_code: str | None) -> str:
    """Map Telegram's IETF tag (`ru`, `uk`, `en-US`, None) to a language we speak."""
    if not language_code:
        return DEFAULT_LANGUAGE
    primary = language_code.replace("_", "-").split("-", 1)[0].lower()
    return "ru" if primary in _RUSSIAN_SPEAKING else DEFAULT_LANGUAGE


def default_currency(language: str) -> str:
    return _DEFAULT_CURRENCY.get(language, "USD")


def default_timezone(language: str, configured: str | None = None) -> str:
    """The operator's DEFAULT_TIMEZONE if set; else Moscow for Russian speakers, UTC for others."""
    return configured or _DEFAULT_TZ.get(language, "UTC")


def _compile(po_path: Path, locale: str) -> Translations:
    with po_path.open("rb") as f:
        catalog = read_po(f, locale=locale, domain=DOMAIN)
    buf = io.BytesIO()
    # Fuzzy entries are not trusted translations: leave them out, as msgfmt does.
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


@cache
def translations(language: str, locales_dir: Path = LOCALES_DIR) -> Translations:
    po_path = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    return _compile(po_path, language)


class Translator:
    """Everything a handler needs to speak one buyer's language: text, plurals, formats."""

    __slots__ = ("_t", "language", "locale")

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            language = DEFAULT_LANGUAGE
        self.language = language
        self.locale = Locale.parse(language)
        self._t = translations(language)

    # --- text -------------------------------------------------------------------------------
    def _(self, message: str, **params: Any) -> str:
        text: str = self._t.gettext(message)
        return text % params if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        """Plural-aware lookup; `n` is also available to the text as `%(n)s`."""
        text: str = self._t.ngettext(singular, plural, n)
        return text % {"n": n, **params}

    def gettext_func(self) -> Any:
        """A plain `gettext` callable for code (the claim builder) that takes one."""
        return self._t.gettext

    # --- numbers and money ------------------------------------------------------------------
    def number(self, value: int | Decimal) -> str:
        return str(format_decimal(value, locale=self.locale))

    def money(self, money: Money) -> str:
        digits = get_currency_precision(money.currency)
        amount = Decimal(money.minor).scaleb(-digits)
        return str(format_currency(amount, money.currency, locale=self.locale))

    # --- dates and durations ----------------------------------------------------------------
    def date(self, moment: datetime, tz: tzinfo | str) -> str:
        """A long date in the buyer's time zone: "December 15, 2026" / "15 декабря 2026 г."."""
        return str(format_date(moment.astimezone(_zone(tz)).date(), "long", locale=self.locale))

    def datetime(self, moment: datetime, tz: tzinfo | str) -> str:
        """Date and time in the buyer's zone, with the zone's name so nobody has to guess."""
        zone = _zone(tz)
        pattern = _DATETIME_PATTERNS.get(self.language, "medium")
        text = format_datetime(moment.astimezone(zone), pattern, tzinfo=zone, locale=self.locale)
        return f"{text} ({_zone_label(zone)})"

    def duration(self, delta: timedelta) -> str:
        """A countdown with at most two units: "2 days 4 hr" / "2 дня 4 ч", "35 min" / "35 мин".

        Rounded to the nearest of the smallest unit shown (6 d 8 h 59 min is "6 days 9 hr",
        not "6 days 8 hr"), half up; anything left, however little, is at least "1 min", so a
        deadline still ahead never reads as over.
        """
        seconds = max(0, int(delta.total_seconds()))
        minutes = (seconds + 30) // 60
        if minutes >= 1_440:  # a day or more: days and hours
            days, hours = divmod((seconds + 1_800) // 3_600, 24)
            parts = [self.unit(days, "duration-day", "long")]
            if hours:
                parts.append(self.unit(hours, "duration-hour", "short"))
            return " ".join(parts)
        if minutes >= 60:
            hours, minutes = divmod(minutes, 60)
            parts = [self.unit(hours, "duration-hour", "short")]
            if minutes:
                parts.append(self.unit(minutes, "duration-minute", "short"))
            return " ".join(parts)
        return self.unit(max(minutes, 1), "duration-minute", "short")

    def unit(self, value: int, unit: str, length: UnitLength = "long") -> str:
        """Babel's CLDR unit patterns give the right plural form: 1 день, 2 дня, 5 дней."""
        return str(format_unit(value, unit, length=length, locale=self.locale))

    def days(self, n: int) -> str:
        return self.unit(n, "duration-day", "long")


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _zone_label(zone: tzinfo) -> str:
    key = getattr(zone, "key", None)
    return key if isinstance(key, str) else str(zone)


@cache
def translator(language: str) -> Translator:
    """Translators are immutable and cheap to share: one per language."""
    return Translator(language)


def all_translators() -> Mapping[str, Translator]:
    return {lang: translator(lang) for lang in LANGUAGES}
