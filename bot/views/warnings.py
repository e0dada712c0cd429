"""Warnings with their advice: before opening a dispute (eligibility) and before recording a
move on the case card (the seller's tricks, cancelling, escalating...). The domain names the
risk with a code; this module says it, with the numbers of the rules in force."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from bot.domain.eligibility import EligibilityWarning
from bot.domain.lifecycle import ActionWarning
from bot.domain.rules import Rules
from bot.i18n import Translator

E = EligibilityWarning
A = ActionWarning

_ELIGIBILITY: Final[dict[EligibilityWarning, Callable[[Translator, Rules], str]]] = {
    E.PROTECTION_OVER: lambda t, r: t._(
        "Buyer protection seems to be over. AliExpress may not let you open a dispute now; "
        "try anyway, and if the button is gone, contact AliExpress support from the order "
        "page."
    ),
    E.PROTECTION_ENDING: lambda t, r: t._(
        "Only a few days of protection are left. Open the dispute now, or ask the seller to "
        "extend protection first (a screenshot of that request helps later)."
    ),
    E.RECEIPT_WINDOW_CLOSED: lambda t, r: t._(
        "You confirmed receipt more than %(window)s ago, and AliExpress usually allows a "
        "dispute for %(window)s after confirmation. Try anyway, or contact AliExpress "
        "support.",
        window=t.duration(r.receipt_confirmation_window),
    ),
    E.RECEIPT_WINDOW_CLOSING: lambda t, r: t._(
        "The time to open a dispute after confirming receipt (%(window)s) ends in a few "
        "days: open the dispute now.",
        window=t.duration(r.receipt_confirmation_window),
    ),
    E.SHIPPED_TOO_RECENTLY: lambda t, r: t._(
        "The order was shipped recently; AliExpress may ask you to wait until the promised "
        "delivery time before a non-delivery dispute."
    ),
}

_ACTION: Final[dict[ActionWarning, Callable[[Translator, Rules], str]]] = {
    A.OFFER_REFUND_LOWERED: lambda t, r: t._(
        "Check the amount in the seller's proposal: sellers often lower the refund (even "
        'to $0) while "accepting".'
    ),
    A.OFFER_RETURN_ADDED: lambda t, r: t._(
        'Check the seller did not switch "Refund only" to "Return and refund": then '
        "you would have to ship the item back at your own cost."
    ),
    A.OFFER_COUPON: lambda t, r: t._(
        "A coupon or a discount on a next order is not your money back. You can refuse it."
    ),
    A.OFFER_OUTSIDE_ALIEXPRESS: lambda t, r: t._(
        'Never close the dispute for a refund "via PayPal" or any other way outside '
        "AliExpress: once it is closed, AliExpress cannot help you."
    ),
    A.CONFIRM_RECEIPT_EARLY: lambda t, r: t._(
        "Never confirm receipt of an item you have not received, whatever the seller "
        "asks: it is a known trick with fake tracking."
    ),
    A.CANCEL_REOPEN_LIMITED: lambda t, r: t._(
        "A cancelled dispute can be opened again only while buyer protection is running."
    ),
    A.CANCEL_CANNOT_REOPEN: lambda t, r: t._(
        "Buyer protection is over: after cancelling you will not be able to open a "
        "dispute for this order again."
    ),
    A.ESCALATION_RECHECK_TERMS: lambda t, r: t._(
        "Before escalating, check that the seller did not edit the dispute's terms; if "
        "they did, change them back first."
    ),
    A.ESCALATION_NO_EDIT: lambda t, r: t._("An escalated dispute can no longer be edited."),
    A.EVIDENCE_DEADLINE_STRICT: lambda t, r: t._(
        "AliExpress usually gives about %(window)s: an unanswered request means you lose "
        "the case. I'll remind you.",
        window=t.duration(r.evidence_response),
    ),
    A.RETURN_BUYER_PAYS: lambda t, r: t._(
        "You pay for the return shipping (to China often about $20)."
    ),
    A.RETURN_POST_DEADLINE: lambda t, r: t._(
        "The parcel must be posted, and its tracking number entered on AliExpress, within "
        "about %(window)s. I'll remind you.",
        window=t.duration(r.return_post_window),
    ),
}


def eligibility_text(t: Translator, warning: EligibilityWarning, rules: Rules) -> str:
    """The warning with its advice; the receipt window is the one in `rules`."""
    return _ELIGIBILITY[warning](t, rules)


def warning_text(t: Translator, warning: ActionWarning, rules: Rules) -> str:
    """What to double-check before a move, with the window of the rules in force."""
    return _ACTION[warning](t, rules)
