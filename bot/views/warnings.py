"""Warnings with their advice: before opening a dispute (eligibility) and before recording a
move on the case card (the seller's tricks, cancelling, escalating...). The domain names the
risk with a code; this module says it, with the numbers of the rules in force."""

from __future__ import annotations

from bot.domain.eligibility import EligibilityWarning
from bot.domain.lifecycle import ActionWarning
from bot.domain.rules import Rules
from bot.i18n import Translator
from bot.views.labels import Labels, Table

E = EligibilityWarning
A = ActionWarning

_ELIGIBILITY: Labels[EligibilityWarning] = Table(
    lambda _: {
        E.PROTECTION_OVER: _(
            "Buyer protection seems to be over. AliExpress may not let you open a dispute "
            "now; try anyway, and if the button is gone, contact AliExpress support from the "
            "order page."
        ),
        E.PROTECTION_ENDING: _(
            "Only a few days of protection are left. Open the dispute now, or ask the seller "
            "to extend protection first (a screenshot of that request helps later)."
        ),
        E.RECEIPT_WINDOW_CLOSED: _(
            "You confirmed receipt more than %(window)s ago, and AliExpress usually allows a "
            "dispute for %(window)s after confirmation. Try anyway, or contact AliExpress "
            "support."
        ),
        E.RECEIPT_WINDOW_CLOSING: _(
            "The time to open a dispute after confirming receipt (%(window)s) ends in a few "
            "days: open the dispute now."
        ),
        E.SHIPPED_TOO_RECENTLY: _(
            "The order was shipped recently; AliExpress may ask you to wait until the promised "
            "delivery time before a non-delivery dispute."
        ),
    }
)

_ACTION: Labels[ActionWarning] = Table(
    lambda _: {
        A.OFFER_REFUND_LOWERED: _(
            "Check the amount in the seller's proposal: sellers often lower the refund (even "
            'to $0) while "accepting".'
        ),
        A.OFFER_RETURN_ADDED: _(
            'Check the seller did not switch "Refund only" to "Return and refund": then '
            "you would have to ship the item back at your own cost."
        ),
        A.OFFER_COUPON: _(
            "A coupon or a discount on a next order is not your money back. You can refuse it."
        ),
        A.OFFER_OUTSIDE_ALIEXPRESS: _(
            'Never close the dispute for a refund "via PayPal" or any other way outside '
            "AliExpress: once it is closed, AliExpress cannot help you."
        ),
        A.CONFIRM_RECEIPT_EARLY: _(
            "Never confirm receipt of an item you have not received, whatever the seller "
            "asks: it is a known trick with fake tracking."
        ),
        A.CANCEL_REOPEN_LIMITED: _(
            "A cancelled dispute can be opened again only while buyer protection is running."
        ),
        A.CANCEL_CANNOT_REOPEN: _(
            "Buyer protection is over: after cancelling you will not be able to open a "
            "dispute for this order again."
        ),
        A.ESCALATION_RECHECK_TERMS: _(
            "Before escalating, check that the seller did not edit the dispute's terms; if "
            "they did, change them back first."
        ),
        A.ESCALATION_NO_EDIT: _("An escalated dispute can no longer be edited."),
        A.EVIDENCE_DEADLINE_STRICT: _(
            "AliExpress usually gives about %(window)s: an unanswered request means you lose "
            "the case. I'll remind you."
        ),
        A.RETURN_BUYER_PAYS: _("You pay for the return shipping (to China often about $20)."),
        A.RETURN_POST_DEADLINE: _(
            "The parcel must be posted, and its tracking number entered on AliExpress, within "
            "about %(window)s. I'll remind you."
        ),
    }
)

# The window each text names, from the rules in force (texts without one ignore it).
_ELIGIBILITY_WINDOW = {
    E.RECEIPT_WINDOW_CLOSED: "receipt_confirmation_window",
    E.RECEIPT_WINDOW_CLOSING: "receipt_confirmation_window",
}
_ACTION_WINDOW = {
    A.EVIDENCE_DEADLINE_STRICT: "evidence_response",
    A.RETURN_POST_DEADLINE: "return_post_window",
}


def _filled(t: Translator, text: str, rules: Rules, rule: str | None) -> str:
    return text % {"window": t.duration(getattr(rules, rule))} if rule else text


def eligibility_text(t: Translator, warning: EligibilityWarning, rules: Rules) -> str:
    """The warning with its advice; the receipt window is the one in `rules`."""
    return _filled(t, _ELIGIBILITY(t, warning), rules, _ELIGIBILITY_WINDOW.get(warning))


def warning_text(t: Translator, warning: ActionWarning, rules: Rules) -> str:
    """What to double-check before a move, with the window of the rules in force."""
    return _filled(t, _ACTION(t, warning), rules, _ACTION_WINDOW.get(warning))
