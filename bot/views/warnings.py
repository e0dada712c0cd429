"""Warnings with their advice: before opening a dispute (eligibility) and before recording a
move on the case card (the seller's tricks, cancelling, escalating...). The domain names the
risk with a code; this module says it, with the numbers of the rules in force."""

from __future__ import annotations

from datetime import tzinfo

from bot.domain.eligibility import EligibilityWarning
from bot.domain.lifecycle import ActionWarning
from bot.domain.models import Dispute
from bot.domain.rules import Rules
from bot.i18n import Translator
from bot.views.labels import Labels, Table

E = EligibilityWarning
A = ActionWarning

_ELIGIBILITY: Labels[EligibilityWarning] = Table(
    lambda _: {
        E.PROTECTION_OVER: _(
            "Buyer protection ended on %(ended)s. A dispute can usually still be opened for about "
            "%(window)s after that, so until about %(until)s: open it now. If the order page "
            "no longer offers to open one, contact AliExpress support from the order page."
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
            "The seller shipped less than %(window)s ago. AliExpress may refuse a non-delivery "
            "dispute this early and ask you to wait until the promised delivery time (the "
            "guides give 5 to 10 days after shipping; I warn before %(window)s)."
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
        A.RETURN_BUYER_PAYS: _(
            "You pay for the return postage (to China often about $20), unless the seller "
            "offers a local return: then you only send it to their warehouse in your country."
        ),
        A.RETURN_POST_DEADLINE: _(
            "Post the parcel and enter its tracking number on AliExpress by the date the "
            "dispute page shows. Until you enter that timer, I count %(window)s (my estimate, "
            "not an AliExpress rule) and remind you before it ends."
        ),
    }
)

# The window each text names, from the rules in force (texts without one ignore it).
_ELIGIBILITY_WINDOW = {
    E.PROTECTION_OVER: "late_dispute_window",
    E.RECEIPT_WINDOW_CLOSED: "receipt_confirmation_window",
    E.RECEIPT_WINDOW_CLOSING: "receipt_confirmation_window",
    E.SHIPPED_TOO_RECENTLY: "shipped_min_age",
}
_ACTION_WINDOW = {
    A.EVIDENCE_DEADLINE_STRICT: "evidence_response",
    A.RETURN_POST_DEADLINE: "return_post_window",
}


def _filled(t: Translator, text: str, rules: Rules, rule: str | None, **more: str) -> str:
    return text % {"window": t.duration(getattr(rules, rule)), **more} if rule else text


def eligibility_text(
    t: Translator, warning: EligibilityWarning, d: Dispute, rules: Rules, tz: tzinfo | str
) -> str:
    """The warning with its advice, with the windows of the rules in force and, when
    protection is over, the dates it ended and until which a dispute can still be opened."""
    dates: dict[str, str] = {}
    if warning is E.PROTECTION_OVER:
        assert d.protection_end is not None  # the warning is only given when it is known
        until = d.protection_end + rules.late_dispute_window
        dates = {"ended": t.date(d.protection_end, tz), "until": t.date(until, tz)}
    return _filled(t, _ELIGIBILITY(t, warning), rules, _ELIGIBILITY_WINDOW.get(warning), **dates)


def warning_text(t: Translator, warning: ActionWarning, rules: Rules) -> str:
    """What to double-check before a move, with the window of the rules in force."""
    return _filled(t, _ACTION(t, warning), rules, _ACTION_WINDOW.get(warning))
