"""The names of things, in the buyer's language: one table per concept, one shape for all.

A `Labels` table maps a domain value (a reason, a refund option, a stage, a deadline...) to
the words the wizard, the summary, /status and reminders all use, so they say the same thing.
The table is written as a function of `_`, so pybabel extracts every label from this file,
and it is built once per language.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Generic, TypeAlias, TypeVar

from bot.domain.lifecycle import Action
from bot.domain.models import Branch, Dispute, Outcome, Reason, RefundOption, Stage
from bot.domain.schedule import ReminderFamily
from bot.i18n import Translator

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Gettext = Callable[[str], str]


class Table(Generic[K, V]):
    """`table(t, key)`: what `key` is called (or shown as) in `t`'s language."""

    def __init__(self, build: Callable[[Gettext], Mapping[K, V]]) -> None:
        self._build = build
        self._built: dict[str, Mapping[K, V]] = {}

    def table(self, t: Translator) -> Mapping[K, V]:
        built = self._built.get(t.language)
        if built is None:
            built = self._built[t.language] = self._build(t._)
        return built

    def __call__(self, t: Translator, key: K) -> V:
        return self.table(t)[key]

    def get(self, t: Translator, key: K, default: V) -> V:
        return self.table(t).get(key, default)


Labels: TypeAlias = Table[K, str]


branch_label: Labels[Branch] = Table(
    lambda _: {
        Branch.RECEIVED: _("Yes, I received it"),
        Branch.NOT_RECEIVED: _("No, I did not receive it"),
    }
)

reason_label: Labels[Reason] = Table(
    lambda _: {
        Reason.IN_TRANSIT: _("Still in transit, protection is about to end"),
        Reason.NO_TRACKING: _("No tracking, or tracking is not updating"),
        Reason.RETURNED_TO_SELLER: _("Package was returned to the seller"),
        Reason.CUSTOMS: _("Held at customs"),
        Reason.WRONG_ADDRESS: _("Delivered to a wrong address or someone else"),
        Reason.FAKE_TRACKING: _("Seller asked me to confirm receipt / fake tracking"),
        Reason.OTHER_NOT_RECEIVED: _("Other problem with delivery"),
        Reason.NOT_AS_DESCRIBED: _("Not as described (size, colour, material, function)"),
        Reason.QUALITY: _("Quality problem / does not work"),
        Reason.DAMAGED: _("Damaged in shipping"),
        Reason.MISSING_PARTS: _("Missing parts or fewer items"),
        Reason.WRONG_ITEM: _("Wrong item"),
        Reason.EMPTY_PARCEL: _("Empty parcel"),
        Reason.COUNTERFEIT: _("Counterfeit"),
        Reason.CHEAPER_SHIPPING: _("Shipped by a cheaper method than I paid for"),
        Reason.OTHER_RECEIVED: _("Other problem with the item"),
    }
)

refund_label: Labels[RefundOption] = Table(
    lambda _: {
        RefundOption.KEEP_FULL: _("Keep the item, full refund"),
        RefundOption.KEEP_PARTIAL: _("Keep the item, partial refund"),
        RefundOption.RETURN_FULL: _("Return the item, full refund"),
        RefundOption.RETURN_PARTIAL: _("Return the item, partial refund"),
    }
)

_stage_label: Labels[Stage] = Table(
    lambda _: {
        Stage.TRACKING: _("watching the protection timer"),
        Stage.DRAFT: _("draft, not finished"),
        Stage.READY: _("ready, not yet opened on AliExpress"),
        Stage.OPENED: _("opened, waiting for the seller"),
        Stage.SELLER_ACCEPTED: _("seller accepted"),
        Stage.SELLER_COUNTERED: _("seller made a counter-offer"),
        Stage.SELLER_REJECTED: _("seller rejected"),
        Stage.ESCALATED: _("escalated to AliExpress"),
        Stage.EVIDENCE_REQUESTED: _("AliExpress asked for evidence"),
        Stage.CLOSED: _("closed"),
    }
)

outcome_label: Labels[Outcome] = Table(
    lambda _: {
        Outcome.WON: _("closed: won"),
        Outcome.PARTLY_WON: _("closed: partly won"),
        Outcome.LOST: _("closed: lost"),
        Outcome.CANCELLED: _("closed: cancelled"),
        Outcome.ACCEPTED_OFFER: _("closed: accepted the seller's offer"),
    }
)


def stage_label(t: Translator, stage: Stage, outcome: Outcome | None = None) -> str:
    """A closed case is named by its outcome ("closed: won"), any other by its stage."""
    if stage is Stage.CLOSED and outcome is not None:
        return outcome_label(t, outcome)
    return _stage_label(t, stage)


def stage_text(t: Translator, d: Dispute) -> str:
    return stage_label(t, d.stage, d.outcome)


action_label: Labels[Action] = Table(
    lambda _: {
        Action.START_DISPUTE: _("Open a dispute for it"),
        Action.STOP_TRACKING: _("Stop tracking"),
        Action.CONFIRM_DRAFT: _("Confirm the answers"),
        Action.EDIT_DRAFT: _("Change my answers"),
        Action.OPENED_ON_ALIEXPRESS: _("I have opened it on AliExpress"),
        Action.SELLER_ACCEPTED: _("Seller accepted"),
        Action.SELLER_COUNTERED: _("Seller made a counter-offer"),
        Action.SELLER_REJECTED: _("Seller rejected"),
        Action.ESCALATED: _("Escalated to AliExpress"),
        Action.EVIDENCE_REQUESTED: _("AliExpress asked for evidence"),
        Action.EVIDENCE_SENT: _("I sent the evidence"),
        Action.RETURN_AGREED: _("A return was agreed"),
        Action.RETURN_POSTED: _("I posted the return parcel"),
        Action.CLOSED_WON: _("Closed: I won"),
        Action.CLOSED_PARTLY_WON: _("Closed: partly won"),
        Action.CLOSED_LOST: _("Closed: I lost"),
        Action.CLOSED_CANCELLED: _("I cancelled the dispute"),
        Action.CLOSED_ACCEPTED_OFFER: _("I accepted the seller's offer"),
        Action.REFUND_RECEIVED: _("The refund arrived"),
    }
)

#: Reads after "… in 2 days": "buyer protection ends in 2 days".
deadline_label: Labels[ReminderFamily] = Table(
    lambda _: {
        ReminderFamily.PROTECTION: _("buyer protection ends"),
        ReminderFamily.RECEIPT: _("the time to open a dispute after confirming receipt ends"),
        ReminderFamily.SELLER: _("seller's time to answer ends"),
        ReminderFamily.ESCALATION: _("escalation to AliExpress"),
        ReminderFamily.EVIDENCE: _("evidence is due"),
        ReminderFamily.RETURN: _("return parcel must be posted"),
        # A noun, not "time to check the refund arrived in 5 days" (arrived within 5 days?).
        ReminderFamily.REFUND: _("refund check"),
        ReminderFamily.LATE: _("the extra time to open a dispute after protection ends"),
        ReminderFamily.REVIEW: _("the timer on the escalated dispute's page ends"),
    }
)
