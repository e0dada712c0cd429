"""Localized names for the domain's enums: reasons, refund options, stages, evidence checklists.

One place per concept, so the wizard, the summary, /status and reminders all say the same thing.
"""

from __future__ import annotations

from bot.domain.models import Branch, Outcome, Reason, RefundOption, Stage
from bot.i18n import Translator


def branch_label(t: Translator, branch: Branch) -> str:
    if branch is Branch.RECEIVED:
        return t._("Yes, I received it")
    return t._("No, I did not receive it")


def reason_label(t: Translator, reason: Reason) -> str:
    labels = {
        Reason.IN_TRANSIT: t._("Still in transit, protection is about to end"),
        Reason.NO_TRACKING: t._("No tracking, or tracking is not updating"),
        Reason.RETURNED_TO_SELLER: t._("Package was returned to the seller"),
        Reason.CUSTOMS: t._("Held at customs"),
        Reason.WRONG_ADDRESS: t._("Delivered to a wrong address or someone else"),
        Reason.FAKE_TRACKING: t._("Seller asked me to confirm receipt / fake tracking"),
        Reason.OTHER_NOT_RECEIVED: t._("Other problem with delivery"),
        Reason.NOT_AS_DESCRIBED: t._("Not as described (size, colour, material, function)"),
        Reason.QUALITY: t._("Quality problem / does not work"),
        Reason.DAMAGED: t._("Damaged in shipping"),
        Reason.MISSING_PARTS: t._("Missing parts or fewer items"),
        Reason.WRONG_ITEM: t._("Wrong item"),
        Reason.EMPTY_PARCEL: t._("Empty parcel"),
        Reason.COUNTERFEIT: t._("Counterfeit"),
        Reason.CHEAPER_SHIPPING: t._("Shipped by a cheaper method than I paid for"),
        Reason.OTHER_RECEIVED: t._("Other problem with the item"),
    }
    return labels[reason]


def refund_label(t: Translator, option: RefundOption) -> str:
    labels = {
        RefundOption.KEEP_FULL: t._("Keep the item, full refund"),
        RefundOption.KEEP_PARTIAL: t._("Keep the item, partial refund"),
        RefundOption.RETURN_FULL: t._("Return the item, full refund"),
        RefundOption.RETURN_PARTIAL: t._("Return the item, partial refund"),
    }
    return labels[option]


def stage_label(t: Translator, stage: Stage, outcome: Outcome | None = None) -> str:
    if stage is Stage.CLOSED and outcome is not None:
        return outcome_label(t, outcome)
    labels = {
        Stage.TRACKING: t._("watching the protection timer"),
        Stage.DRAFT: t._("draft, not finished"),
        Stage.READY: t._("ready, not yet opened on AliExpress"),
        Stage.OPENED: t._("opened, waiting for the seller"),
        Stage.SELLER_ACCEPTED: t._("seller accepted"),
        Stage.SELLER_COUNTERED: t._("seller made a counter-offer"),
        Stage.SELLER_REJECTED: t._("seller rejected"),
        Stage.ESCALATED: t._("escalated to AliExpress"),
        Stage.EVIDENCE_REQUESTED: t._("AliExpress asked for evidence"),
        Stage.CLOSED: t._("closed"),
    }
    return labels[stage]


def outcome_label(t: Translator, outcome: Outcome) -> str:
    labels = {
        Outcome.WON: t._("closed: won"),
        Outcome.PARTLY_WON: t._("closed: partly won"),
        Outcome.LOST: t._("closed: lost"),
        Outcome.CANCELLED: t._("closed: cancelled"),
        Outcome.ACCEPTED_OFFER: t._("closed: accepted the seller's offer"),
    }
    return labels[outcome]


def evidence_checklist(t: Translator, reason: Reason | None) -> list[str]:
    """What wins this kind of dispute, from the guides in seeds/ (003, 004, 001)."""
    unboxing = t._("an unboxing video, if you have one")
    label = t._("the parcel label with the tracking number and your address")
    closeups = t._("close-ups of the problem from several angles")
    listing = t._("a screenshot of the listing showing what was promised")
    tracking = t._("a screenshot of the tracking page (AliExpress or a tracking site)")
    protection = t._("a screenshot of the order page with the protection timer")
    by_reason: dict[Reason, list[str]] = {
        Reason.IN_TRANSIT: [tracking, protection],
        Reason.NO_TRACKING: [tracking, t._("your messages asking the seller about it")],
        Reason.RETURNED_TO_SELLER: [tracking],
        Reason.CUSTOMS: [tracking, t._("any notice from customs or the post office")],
        Reason.WRONG_ADDRESS: [
            tracking,
            t._("a map or screenshot showing the delivery city is not yours"),
        ],
        Reason.FAKE_TRACKING: [tracking, t._("the seller's messages asking you to confirm")],
        Reason.OTHER_NOT_RECEIVED: [tracking],
        Reason.NOT_AS_DESCRIBED: [
            listing,
            closeups,
            t._("for a wrong size: the item next to a ruler, and the size label"),
        ],
        Reason.QUALITY: [
            closeups,
            t._(
                "for a device that does not work: a video of it not powering on, next to "
                "another device charging from the same socket"
            ),
        ],
        Reason.DAMAGED: [unboxing, closeups, label],
        Reason.MISSING_PARTS: [unboxing, t._("everything that came, laid out together"), listing],
        Reason.WRONG_ITEM: [unboxing, t._("the item you received"), listing, label],
        Reason.EMPTY_PARCEL: [unboxing, t._("the empty package"), label],
        Reason.COUNTERFEIT: [listing, closeups, t._("logos, labels and serial numbers")],
        Reason.CHEAPER_SHIPPING: [label, t._("the order page showing the shipping you paid for")],
        Reason.OTHER_RECEIVED: [closeups, listing],
    }
    return by_reason.get(reason, [closeups]) if reason else [closeups]
