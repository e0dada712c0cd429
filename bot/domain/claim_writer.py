"""The claim's building blocks: a sentence with its sources, and a writer per language.

claim.py decides what the claim says; this module only knows how one sentence is written in one
language (its catalog, its money format, its date format) and what it records about itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, tzinfo
from decimal import Decimal
from typing import Final

from babel.dates import format_date
from babel.numbers import format_currency, get_currency_precision

from bot.domain.catalog import ENGLISH, Catalog
from bot.domain.facts import FactField
from bot.domain.models import Money

__all__ = [
    "ALWAYS",
    "ENGLISH",
    "Catalog",
    "Line",
    "MoneyFormatter",
    "Sentence",
    "Writer",
    "fact_source",
    "plain_money",
]

MoneyFormatter = Callable[[Money], str]


# How useful a sentence is: when the text is too long, the least useful goes first (the later
# of two equals first). The order number, the reason and the request are never dropped.
ALWAYS: Final = 1000
RANK_FACT: Final = 90  # the reason's own facts: what differs, what fails, how many, the tracking
RANK_ATTACHED: Final = 80
RANK_PAID: Final = 75
RANK_DETAIL_FACT: Final = 70  # the packaging's state
RANK_RECEIPT: Final = 65
RANK_PROMISED: Final = 60
RANK_SELLER: Final = 50
RANK_SELLER_REPLY: Final = 45
RANK_TITLE: Final = 40
RANK_DETAILS: Final = 10  # the buyer's own English description, sentence by sentence

# Babel date patterns per language: "12 November 2026"; in Russian the day, the month in the
# genitive and the year followed by the word for "of the year", as a date inside a sentence reads.
_DATE_PATTERNS: Final = {"ru": "d MMMM y 'года'"}


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of the claim and where it came from.

    `sources` names what it states: a `Dispute` attribute (`"amount_paid"`), a fact
    (`"facts.<attribute>"`) or an evidence count (`"evidence.photos"`). `template` is the
    catalog text (the plural form chosen, for a count) and `values` what filled its
    placeholders.
    """

    key: str
    text: str
    template: str
    values: tuple[tuple[str, str], ...]
    sources: frozenset[str]


@dataclass(frozen=True, slots=True)
class Line:
    """A candidate sentence and how useful it is (see claim.py's ranks)."""

    sentence: Sentence
    rank: int


def plain_money(money: Money) -> str:
    """`1,234.56 EUR`: ASCII for any currency, as the English text needs."""
    digits = int(get_currency_precision(money.currency))
    amount = Decimal(money.minor).scaleb(-digits)
    return f"{amount:,.{digits}f} {money.currency}"


def fact_source(field: FactField) -> str:
    return f"facts.{field.attr}"


Value = str | int | Money | date


class Writer:
    """Writes sentences in one language: its catalog, its money and its dates.

    In English (`locale="en"`) amounts are always `plain_money` (never `$` or `RUB1,173.00`)
    and dates read "12 November 2026"; in another language, amounts use `money` (the buyer's
    own format) or Babel's for the locale, and dates Babel's long form.
    """

    def __init__(self, cat: Catalog, locale: str, money: MoneyFormatter | None, tz: tzinfo) -> None:
        self.cat = cat
        self.locale = locale
        self.tz = tz
        self._money: MoneyFormatter = plain_money
        if locale != "en":
            self._money = money or self._babel_money

    def _babel_money(self, money: Money) -> str:
        amount = Decimal(money.minor).scaleb(-int(get_currency_precision(money.currency)))
        return str(format_currency(amount, money.currency, locale=self.locale))

    def date(self, day: date) -> str:
        pattern = _DATE_PATTERNS.get(self.locale, "d MMMM y")
        return str(format_date(day, pattern, locale=self.locale))

    def _text(self, value: Value) -> str:
        if isinstance(value, Money):
            return self._money(value)
        if isinstance(value, date):
            return self.date(value)
        return str(value)

    def line(self, key: str, rank: int, template: str, sources: set[str], **values: Value) -> Line:
        filled = {name: self._text(value) for name, value in values.items()}
        text = template % filled if filled else template
        sentence = Sentence(key, text, template, tuple(filled.items()), frozenset(sources))
        return Line(sentence, rank)
