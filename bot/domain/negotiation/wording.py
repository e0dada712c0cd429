"""What the bot tells the buyer about a trick, a verdict or an offer: gettext message ids.

The shape of bot/views/labels.py, one table per enum, but taking a `Catalog` instead of a
Translator so the domain stays free of the i18n module: the views pass
`bot.i18n.translations(language)`; `ENGLISH` gives the ids themselves. Every sentence is a
literal `_("...")` call so `pybabel extract` finds it.

The facts are the guides' (seeds 000-004), in our own words: the money stays with AliExpress
until the dispute closes or receipt is confirmed; a chat promise is not part of the dispute;
returns are posted at the buyer's cost (to China often about $20); Accept is final, while a
cancelled dispute can be opened again while protection lasts; the seller does not set the
evidence rules.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.models import Money
from bot.domain.negotiation.offer import OfferChange, OfferCheck, Reopen
from bot.domain.negotiation.vocabulary import Catalog, FairSignal, Trick, Verdict

__all__ = [
    "accept_note",
    "cancel_note",
    "change_text",
    "fair_note",
    "no_trick_note",
    "offer_lines",
    "trick_name",
    "trick_why",
    "verdict_label",
]

MoneyFormatter = Callable[[Money], str]


def trick_name(cat: Catalog, trick: Trick) -> str:
    """A short name for the trick, for a heading or a button."""
    _ = cat.gettext
    names = {
        Trick.CLOSE_FOR_PROMISE: _("Asks you to close the dispute for a promise"),
        Trick.OUTSIDE_PAYMENT: _("Offers a refund outside AliExpress"),
        Trick.COUPON: _("Offers a coupon or store credit instead of money"),
        Trick.WAIT_LONGER: _("Asks you to wait longer"),
        Trick.CONFIRM_RECEIPT: _("Asks you to confirm receipt"),
        Trick.TERMS_CHANGED: _("Changes the terms"),
        Trick.REVIEW_FOR_REFUND: _("Ties the refund to a good review"),
        Trick.CHANGE_REASON: _("Asks you to change the reason of the dispute"),
        Trick.REPAIR: _("Offers a repair instead of a refund"),
        Trick.TRACKING_DELIVERED: _("Says the tracking shows the parcel delivered"),
        Trick.IMPOSSIBLE_EVIDENCE: _("Demands evidence you cannot produce"),
        Trick.PRESSURE: _("Pressure or threats"),
    }
    return names[trick]


def trick_why(cat: Catalog, trick: Trick) -> str:
    """One sentence on why going along costs the buyer money."""
    _ = cat.gettext
    reasons = {
        Trick.CLOSE_FOR_PROMISE: _(
            "Until the dispute is closed the seller does not get your money; close it for a "
            "promise and nothing makes them keep it, because AliExpress does not judge by the "
            "chat."
        ),
        Trick.OUTSIDE_PAYMENT: _(
            "Money sent outside AliExpress is not covered by buyer protection: once the dispute "
            "is closed, nobody can make the seller pay."
        ),
        Trick.COUPON: _(
            "A coupon or store credit is not your money back: it is only worth something if you "
            "buy from the same seller again."
        ),
        Trick.WAIT_LONGER: _(
            "Buyer protection keeps running while you wait; if it ends without an open dispute, "
            "you can lose both the item and the money."
        ),
        Trick.CONFIRM_RECEIPT: _(
            "Confirming receipt releases your payment to the seller and leaves only about 15 "
            "days for a dispute; it is how fake-tracking sellers get paid for parcels never sent."
        ),
        Trick.TERMS_CHANGED: _(
            "Pressing Accept on edited terms closes the dispute on them for good: a lower "
            "refund, none at all, or a return posted at your cost (to China often about $20)."
        ),
        Trick.REVIEW_FOR_REFUND: _(
            "The review is given at once and for good, while the refund stays a promise unless "
            "it is made in the dispute."
        ),
        Trick.CHANGE_REASON: _(
            "AliExpress decides on the reason in the dispute; a weaker one, such as no longer "
            "needing the item, can lose you a refund you are owed."
        ),
        Trick.REPAIR: _(
            "A repair means more waiting and perhaps posting the item or fixing it yourself, "
            "instead of the money you asked for."
        ),
        Trick.TRACKING_DELIVERED: _(
            'A "delivered" status is not proof that you got the parcel, but left unanswered '
            "it can make AliExpress side with the seller."
        ),
        Trick.IMPOSSIBLE_EVIDENCE: _(
            "The seller does not set the evidence rules: giving up over a demand you cannot "
            "meet hands them the case, while AliExpress asks for reasonable evidence itself."
        ),
        Trick.PRESSURE: _(
            "Threats and pleas are meant to make you give up; AliExpress decides on the "
            "evidence, and a dispute cancelled late in buyer protection may not open again."
        ),
    }
    return reasons[trick]


def verdict_label(cat: Catalog, verdict: Verdict) -> str:
    _ = cat.gettext
    labels = {
        Verdict.DO_NOT: _("Do not do it"),
        Verdict.COUNTER: _("Counter it, keep the dispute open"),
        Verdict.FINE: _("Fine to accept"),
    }
    return labels[verdict]


def fair_note(cat: Catalog, signal: FairSignal) -> str:
    """What a fair message means for the buyer."""
    _ = cat.gettext
    notes = {
        FairSignal.REFUND_AGREED: _(
            "The seller agrees to a refund. Before you accept, check the option and the amount "
            "on the dispute page."
        ),
        FairSignal.EVIDENCE_REQUEST: _(
            "The seller asks for photos or a video of the problem: a fair request, and the same "
            "evidence helps if AliExpress reviews the dispute."
        ),
        FairSignal.APOLOGY: _(
            "An apology is not a refund yet: keep the dispute open until the refund is agreed in "
            "it."
        ),
    }
    return notes[signal]


def no_trick_note(cat: Catalog) -> str:
    return cat.gettext(
        "No known trick found. Before you accept anything, check the terms on the dispute page."
    )


def change_text(cat: Catalog, change: OfferChange) -> str:
    """One sentence per way the offer differs from the request."""
    _ = cat.gettext
    texts = {
        OfferChange.RETURN_ADDED: _(
            "A return was added: you would post the item back at your own cost before any refund."
        ),
        OfferChange.AMOUNT_ZERO: _(
            "The refund is zero: accepting closes the dispute with nothing."
        ),
        OfferChange.AMOUNT_LOWERED: _("The refund is lower than you asked for."),
        OfferChange.OPTION_CHANGED: _("The refund option is not the one you asked for."),
        OfferChange.RETURN_DROPPED: _("You may keep the item: no return is needed."),
        OfferChange.AMOUNT_RAISED: _("The refund is higher than you asked for."),
    }
    return texts[change]


def offer_lines(cat: Catalog, check: OfferCheck, money: MoneyFormatter) -> list[str]:
    """The offer check for the buyer: each change (with the amounts), then the verdict."""
    _ = cat.gettext
    lines: list[str] = []
    for change in check.changes:
        if change is OfferChange.AMOUNT_LOWERED:
            lines.append(
                _("The refund is %(offered)s instead of the %(asked)s you asked for.")
                % {"offered": money(check.offered.amount), "asked": money(check.asked.amount)}
            )
        else:
            lines.append(change_text(cat, change))
    if not check.changes:
        lines.append(_("The offer is what you asked for."))
    return lines


def accept_note(cat: Catalog) -> str:
    return cat.gettext(
        "Accept is final: the dispute closes on these terms and cannot be opened again."
    )


def cancel_note(cat: Catalog, reopen: Reopen) -> str:
    """Cancelling versus accepting (seeds 002, 003)."""
    _ = cat.gettext
    notes = {
        Reopen.POSSIBLE: _(
            "Cancelling is not final: while buyer protection lasts, you can open the dispute again."
        ),
        # The same words as the stage buttons' warnings (bot/views/warnings.py).
        Reopen.UNKNOWN: _(
            "A cancelled dispute can be opened again only while buyer protection is running."
        ),
        Reopen.NOT_POSSIBLE: _(
            "Buyer protection is over: after cancelling you will not be able to open a dispute "
            "for this order again."
        ),
    }
    return notes[reopen]
