"""What the bot says when an answer cannot be read: one sentence per parse error code.

Each sentence says what is expected, with an example; the table is checked exhaustive by
tests/test_views.py (every `ParseErrorCode` has its sentence).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Final

from bot.domain.models import Money
from bot.domain.parsing import ParseError, ParseErrorCode
from bot.i18n import Translator

Params = Mapping[str, object]
C = ParseErrorCode


def _money(t: Translator, value: object) -> object:
    return t.money(value) if isinstance(value, Money) else value


_TEXTS: Final[dict[ParseErrorCode, Callable[[Translator, Params], str]]] = {
    C.EMPTY: lambda t, p: t._("That message is empty. Please send the answer as text."),
    C.ORDER_ID_INVALID_CHARS: lambda t, p: t._(
        "An order number has digits only, e.g. <code>8123456789012345</code>. "
        "Please copy it from the order page."
    ),
    C.ORDER_ID_TOO_SHORT: lambda t, p: t._(
        "That number is too short for an AliExpress order (they have %(min)s to "
        "%(max)s digits). Please check it on the order page.",
        min=p.get("min_length"),
        max=p.get("max_length"),
    ),
    C.ORDER_ID_TOO_LONG: lambda t, p: t._(
        "That number is too long for an AliExpress order (they have %(min)s to "
        "%(max)s digits). Is it a tracking number? Please send the order number.",
        min=p.get("min_length"),
        max=p.get("max_length"),
    ),
    C.NOT_A_NUMBER: lambda t, p: _not_an_amount(t),
    C.MALFORMED_NUMBER: lambda t, p: _not_an_amount(t),
    C.UNKNOWN_CURRENCY: lambda t, p: t._(
        'I don\'t know the currency "%(token)s". Use a code such as USD, EUR or '
        "RUB, e.g. <code>11.73 USD</code>.",
        token=html.escape(str(p.get("token"))),
    ),
    C.CONFLICTING_CURRENCIES: lambda t, p: t._(
        "That has two different currencies. Please send one amount in one currency."
    ),
    C.NOT_POSITIVE: lambda t, p: t._("The amount must be more than zero."),
    C.TOO_MANY_DECIMALS: lambda t, p: t.ngettext(
        "%(currency)s has at most %(n)s digit after the decimal point.",
        "%(currency)s has at most %(n)s digits after the decimal point.",
        _count(p, "decimals"),
        currency=p.get("currency"),
    ),
    C.DECIMALS_NOT_ALLOWED: lambda t, p: t._(
        "%(currency)s has no fractional units: please send a whole number.",
        currency=p.get("currency"),
    ),
    C.TOO_LARGE: lambda t, p: t._(
        "That amount is too large (the limit is %(max)s). Please check for an extra digit.",
        max=_money(t, p.get("max")),
    ),
    C.CURRENCY_MISMATCH: lambda t, p: t._(
        "You paid in %(expected)s; please give the refund in %(expected)s too.",
        expected=p.get("expected"),
    ),
    C.EQUALS_PAID: lambda t, p: t._(
        "That is everything you paid (%(paid)s): a full refund.", paid=_money(t, p.get("paid"))
    ),
    C.EXCEEDS_PAID: lambda t, p: t._(
        "A refund can't be more than you paid (%(paid)s). Please send a smaller amount.",
        paid=_money(t, p.get("paid")),
    ),
    C.UNRECOGNISED: lambda t, p: t._(
        "I couldn't read that. Send a number of days, e.g. <code>23</code>, or a "
        "date, e.g. <code>15.12.2026</code> or <code>15 December</code>."
    ),
    # A day that has passed (the seller shipped, receipt confirmed, the dispute opened): not
    # "a number of days", which only buyer protection takes (issue 14 §4: say what is expected).
    C.NOT_A_DATE: lambda t, p: t._(
        "I couldn't read a date there. Send it like <code>12.11.2026</code>, "
        "<code>12 November</code> or <code>3 days ago</code>."
    ),
    C.INVALID_DATE: lambda t, p: t._("There is no such date. Please check the day and month."),
    C.DATE_TOO_OLD: lambda t, p: t._("That date is more than a year ago. Please check the year."),
    C.DATE_TOO_FAR: lambda t, p: t._("That date is more than a year ahead. Please check the year."),
    C.DATE_IN_FUTURE: lambda t, p: t._(
        "That date is in the future. Please send a date that has already passed, "
        "or <code>today</code>."
    ),
    C.TIMER_OVER: lambda t, p: t._(
        "That moment has already passed. Send what the timer shows now, e.g. "
        "<code>4 d 23 h</code>, or the date and time it ends."
    ),
    C.DAYS_OUT_OF_RANGE: lambda t, p: t._(
        "The number of days must be between %(min)s and %(max)s.",
        min=p.get("min"),
        max=p.get("max"),
    ),
    C.TEXT_TOO_SHORT: lambda t, p: t.ngettext(
        "That's a bit short: please write at least %(n)s character.",
        "That's a bit short: please write at least %(n)s characters.",
        _count(p, "min_length"),
    ),
    C.TEXT_TOO_LONG: lambda t, p: t.ngettext(
        "That's too long: at most %(n)s character, please (you sent %(length)s).",
        "That's too long: at most %(n)s characters, please (you sent %(length)s).",
        _count(p, "max_length"),
        length=p.get("length"),
    ),
}


def _count(params: Mapping[str, object], key: str) -> int:
    """A count among an error's values, for ngettext (0 if it is missing)."""
    value = params.get(key)
    return value if isinstance(value, int) else 0


def _not_an_amount(t: Translator) -> str:
    return t._(
        "I couldn't read an amount there. Send a number, e.g. <code>12.50</code> or "
        "<code>11.73 USD</code>."
    )


def parse_error_text(t: Translator, error: ParseError) -> str:
    """A clear sentence for each way an answer can be wrong, saying what is expected."""
    return _TEXTS[error.code](t, error.params)


__all__ = ["parse_error_text"]
