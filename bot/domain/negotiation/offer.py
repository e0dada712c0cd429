"""Checking the seller's offer before the buyer presses Accept.

The buyer reads the offer off the dispute page (a refund option and an amount) and we compare
it with what they asked for and what they paid. The guides' warnings: a seller can "accept"
while swapping Refund for Return, or lower the amount, and pressing Accept closes the dispute on
those terms for good, while a cancelled dispute can be opened again as long as buyer protection
lasts (seeds 002, 003). Amounts are integer minor units (models.Money), never floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from bot.domain.models import Branch, Dispute, Money, RefundOption
from bot.domain.negotiation.vocabulary import Trick, Verdict

__all__ = [
    "OfferChange",
    "OfferCheck",
    "OfferError",
    "Reopen",
    "Terms",
    "check_dispute_offer",
    "check_offer",
    "reopen_after_cancel",
    "terms",
]


class OfferChange(StrEnum):
    """How the offer differs from the request, most costly first."""

    RETURN_ADDED = "return_added"  # the buyer would have to send the item back, at their cost
    AMOUNT_ZERO = "zero"  # nothing would be refunded
    AMOUNT_LOWERED = "lowered"  # less than asked
    OPTION_CHANGED = "option"  # another refund option than the one asked for
    RETURN_DROPPED = "return_dropped"  # the buyer may keep the item after all
    AMOUNT_RAISED = "raised"  # more than asked (up to what was paid)


#: Changes that take money from the buyer: the "terms quietly changed" trick.
COSTLY: Final = frozenset(
    {OfferChange.RETURN_ADDED, OfferChange.AMOUNT_ZERO, OfferChange.AMOUNT_LOWERED}
)


class OfferError(ValueError):
    """Figures that cannot describe a dispute; `code` lets the view say which."""

    CURRENCY: Final = "currency"  # the amount is not in the currency paid
    NEGATIVE: Final = "negative"
    ABOVE_PAID: Final = "above_paid"  # a refund can never exceed what was paid
    NO_AMOUNT: Final = "no_amount"  # a partial option needs its amount
    NOTHING_PAID: Final = "nothing_paid"
    INCOMPLETE: Final = "incomplete"  # the dispute lacks its amount paid or refund option

    def __init__(self, code: str) -> None:
        super().__init__(f"invalid offer figures: {code}")
        self.code = code


@dataclass(frozen=True, slots=True)
class Terms:
    """Refund terms: an option and the amount it pays (the price, for a full refund)."""

    option: RefundOption
    amount: Money


def _partial_twin(option: RefundOption) -> RefundOption:
    return RefundOption.RETURN_PARTIAL if option.needs_return else RefundOption.KEEP_PARTIAL


def terms(option: RefundOption, paid: Money, amount: Money | None = None) -> Terms:
    """Terms as the dispute page shows them, made consistent.

    A full option pays what was paid (an amount below it makes it partial); a partial option
    needs its amount, and a partial amount equal to the price is a full refund.
    """
    if paid.minor <= 0:
        raise OfferError(OfferError.NOTHING_PAID)
    if amount is None:
        if option.is_partial:
            raise OfferError(OfferError.NO_AMOUNT)
        return Terms(option, paid)
    if amount.currency != paid.currency:
        raise OfferError(OfferError.CURRENCY)
    if amount.minor < 0:
        raise OfferError(OfferError.NEGATIVE)
    if amount.minor > paid.minor:
        raise OfferError(OfferError.ABOVE_PAID)
    if amount.minor == paid.minor:
        return Terms(option.as_full(), paid)
    return Terms(_partial_twin(option), amount)


@dataclass(frozen=True, slots=True)
class OfferCheck:
    """What the offer changes, the verdict on accepting it, and what to counter with."""

    paid: Money
    asked: Terms
    offered: Terms
    changes: tuple[OfferChange, ...]
    verdict: Verdict
    counter: Terms | None  # None when the offer is fine to accept

    @property
    def costly(self) -> tuple[OfferChange, ...]:
        return tuple(c for c in self.changes if c in COSTLY)

    @property
    def trick(self) -> Trick | None:
        """TERMS_CHANGED when the numbers show it, found without reading a word."""
        return Trick.TERMS_CHANGED if self.costly else None

    @property
    def shortfall(self) -> Money:
        """How much less than asked the offer pays (zero if not less)."""
        gap = max(0, self.asked.amount.minor - self.offered.amount.minor)
        return Money(gap, self.paid.currency)


def check_offer(paid: Money, asked: Terms, offered: Terms) -> OfferCheck:
    """Compare the offer with the request. Both must come from `terms(...)` with `paid`."""
    for t in (asked, offered):
        if t.amount.currency != paid.currency:
            raise OfferError(OfferError.CURRENCY)
        if not 0 <= t.amount.minor <= paid.minor:
            raise OfferError(OfferError.ABOVE_PAID if t.amount.minor > 0 else OfferError.NEGATIVE)
    changes: list[OfferChange] = []
    if offered.option.needs_return and not asked.option.needs_return:
        changes.append(OfferChange.RETURN_ADDED)
    if offered.amount.minor == 0:
        changes.append(OfferChange.AMOUNT_ZERO)
    elif offered.amount.minor < asked.amount.minor:
        changes.append(OfferChange.AMOUNT_LOWERED)
    if offered.option is not asked.option:
        changes.append(OfferChange.OPTION_CHANGED)
    if asked.option.needs_return and not offered.option.needs_return:
        changes.append(OfferChange.RETURN_DROPPED)
    if offered.amount.minor > asked.amount.minor:
        changes.append(OfferChange.AMOUNT_RAISED)
    if OfferChange.AMOUNT_ZERO in changes:
        verdict = Verdict.DO_NOT  # Accept would close the dispute with nothing
    elif any(c in COSTLY for c in changes):
        verdict = Verdict.COUNTER
    else:
        verdict = Verdict.FINE
    counter = None if verdict is Verdict.FINE else asked
    return OfferCheck(paid, asked, offered, tuple(changes), verdict, counter)


def check_dispute_offer(
    d: Dispute, option: RefundOption, amount: Money | None = None
) -> OfferCheck:
    """`check_offer` against what the case asked for (not received: a full refund)."""
    paid = d.amount_paid
    asked_option = d.refund_option
    if asked_option is None and d.branch is Branch.NOT_RECEIVED:
        asked_option = RefundOption.KEEP_FULL
    if paid is None or asked_option is None:
        raise OfferError(OfferError.INCOMPLETE)
    asked_amount = d.refund_amount if asked_option.is_partial else None
    asked = terms(asked_option, paid, asked_amount)
    return check_offer(paid, asked, terms(option, paid, amount))


class Reopen(StrEnum):
    """Whether a cancelled dispute could be opened again (seeds 002, 003)."""

    POSSIBLE = "possible"  # buyer protection still runs
    UNKNOWN = "unknown"  # we do not know when protection ends
    NOT_POSSIBLE = "not_possible"  # protection is over: cancelling would be final too


def reopen_after_cancel(protection_end: datetime | None, now: datetime) -> Reopen:
    """Accepting an offer is always final; cancelling is final only once protection ended."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if protection_end is None:
        return Reopen.UNKNOWN
    return Reopen.POSSIBLE if protection_end > now else Reopen.NOT_POSSIBLE
