"""The negotiation assistant's vocabulary: the sellers' tricks, the verdicts, the fair signs.

Enum values are short stable strings: they go into the event log and into callback data, so
renaming one is a migration, not a refactor.
"""

from __future__ import annotations

import gettext
from enum import StrEnum
from typing import Final, Protocol

__all__ = [
    "ENGLISH",
    "FAIR_SIGNALS",
    "TRICKS",
    "VERDICT",
    "Catalog",
    "FairSignal",
    "Trick",
    "Verdict",
    "worst",
]


class Trick(StrEnum):
    """The seller's moves that cost buyers money, as the guides list them (PRODUCT.md)."""

    CLOSE_FOR_PROMISE = "close"  # close/cancel the dispute for a resend or a later refund
    OUTSIDE_PAYMENT = "outside"  # refund by PayPal, card, bank transfer, Western Union...
    COUPON = "coupon"  # coupon, store credit, a discount instead of money
    WAIT_LONGER = "wait"  # "wait a bit longer"
    CONFIRM_RECEIPT = "confirm"  # confirm receipt before the item arrived or the refund came
    TERMS_CHANGED = "terms"  # refund lowered, to zero, a return added
    REVIEW_FOR_REFUND = "review"  # money for good feedback or a changed review
    CHANGE_REASON = "reason"  # change the dispute's reason
    REPAIR = "repair"  # a repair or spare parts instead of the refund
    TRACKING_DELIVERED = "delivered"  # "tracking shows delivered"
    IMPOSSIBLE_EVIDENCE = "evidence"  # evidence the buyer cannot produce
    PRESSURE = "pressure"  # threats, ultimatums, pleas


#: Every trick in the order the bot lists them: the costliest moves first.
TRICKS: Final = tuple(Trick)


class Verdict(StrEnum):
    """What to do with what the seller asks or offers."""

    DO_NOT = "do_not"  # refuse: doing it loses the protection AliExpress gives
    COUNTER = "counter"  # answer with your terms or your evidence, keep the dispute open
    FINE = "fine"  # fine to accept (after checking the dispute page)

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY: Final = {Verdict.DO_NOT: 2, Verdict.COUNTER: 1, Verdict.FINE: 0}

#: The verdict for each trick. DO_NOT where going along ends the buyer's protection (closing,
#: paying outside, confirming receipt, giving up the reason or the review) or replaces money
#: with something else; COUNTER where the move can be answered inside the dispute (with the
#: original terms, with evidence, or with what the buyer can provide).
VERDICT: Final[dict[Trick, Verdict]] = {
    Trick.CLOSE_FOR_PROMISE: Verdict.DO_NOT,
    Trick.OUTSIDE_PAYMENT: Verdict.DO_NOT,
    Trick.COUPON: Verdict.DO_NOT,
    Trick.WAIT_LONGER: Verdict.DO_NOT,
    Trick.CONFIRM_RECEIPT: Verdict.DO_NOT,
    Trick.TERMS_CHANGED: Verdict.COUNTER,
    Trick.REVIEW_FOR_REFUND: Verdict.DO_NOT,
    Trick.CHANGE_REASON: Verdict.DO_NOT,
    Trick.REPAIR: Verdict.COUNTER,
    Trick.TRACKING_DELIVERED: Verdict.COUNTER,
    Trick.IMPOSSIBLE_EVIDENCE: Verdict.COUNTER,
    Trick.PRESSURE: Verdict.DO_NOT,
}


def worst(verdicts: tuple[Verdict, ...] | list[Verdict]) -> Verdict:
    """The most cautious of several verdicts; FINE when there are none."""
    return max(verdicts, key=lambda v: v.severity, default=Verdict.FINE)


class FairSignal(StrEnum):
    """What a fair message does; shown when no trick was found."""

    REFUND_AGREED = "refund"  # agrees to a refund inside the dispute
    EVIDENCE_REQUEST = "photo"  # asks for photos or a video of the problem
    APOLOGY = "apology"


FAIR_SIGNALS: Final = tuple(FairSignal)


class Catalog(Protocol):
    """A gettext catalog: `gettext.NullTranslations` (English) or Babel's `Translations`.

    The views pass `bot.i18n.translations(language)`; `ENGLISH` gives the English text that
    is pasted into AliExpress or sent to the seller.
    """

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


#: The identity catalog: message ids are the English text.
ENGLISH: Final[Catalog] = gettext.NullTranslations()
