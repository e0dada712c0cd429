"""What the wizard tells a buyer right after an answer, before the next question: an
eligibility warning the answer raised, or a note about the answer itself. Pure: a code each,
worded by bot/views/wizard.py."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.domain.draft import BY_STEP, StepId
from bot.domain.eligibility import EligibilityWarning, eligibility_warnings
from bot.domain.models import Dispute, Reason
from bot.domain.rules import Rules

S = StepId


class Notice(StrEnum):
    """Said before the next question, besides eligibility warnings."""

    PROTECTION_NOTED = "protection_noted"  # "Noted: protection ends ..."
    PROTECTION_UNKNOWN = "protection_unknown"  # no date: no reminders before it ends
    PARTIAL_RESET = "partial_reset"  # the new price no longer fits the partial amount
    RETURNED_UNCOLLECTED = "returned"  # a parcel back at the seller may be the buyer's fault


def notices(
    step: StepId, before: Dispute, after: Dispute, now: datetime, rules: Rules
) -> list[Notice | EligibilityWarning]:
    """What to tell the buyer about the answer they just gave (at most one thing)."""
    q = BY_STEP.get(step)
    if q is None:
        return []
    found: list[Notice | EligibilityWarning] = [
        w
        for w in eligibility_warnings(after, now, shipped_at=after.shipped_at, rules=rules)
        if w in q.warns
    ]
    if found:
        return found[:1]
    if step is S.PROTECTION:
        return [Notice.PROTECTION_NOTED if after.protection_end else Notice.PROTECTION_UNKNOWN]
    if step is S.AMOUNT and before.refund_amount is not None and after.refund_amount is None:
        return [Notice.PARTIAL_RESET]
    if step is S.REASON and after.reason is Reason.RETURNED_TO_SELLER:
        # The not-received guide: parcels usually go back for the buyer's reasons (not
        # collected, a wrong address), and then the seller may win.
        return [Notice.RETURNED_UNCOLLECTED]
    return []
