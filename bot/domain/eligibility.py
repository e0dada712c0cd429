"""Warnings about opening a dispute too late or too early. Advice, never a block.

AliExpress itself decides whether a dispute can be opened, and the guides report exceptions
(seed 003: after protection ends "you can have time to open a dispute for another 15 days"), so
the bot only tells the buyer what is at risk and what to do, and lets them go on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.domain.models import Branch, Dispute
from bot.domain.rules import DEFAULT_RULES, Rules

__all__ = ["EligibilityWarning", "eligibility_warnings"]

# The thresholds are deadline rules (bot/domain/rules.py, with their sources in docs/rules.md):
# `protection_ending_warning` (seed 003: "if less than three days remain before the end of the
# buyer's protection period ... you can safely open a dispute"; seed 004: ask the seller to
# extend protection first), `receipt_window_closing_warning` (the same three-day margin for the
# window after confirming receipt) and `shipped_min_age` (seed 003: "not earlier than 10 days
# from the date of shipment").


class EligibilityWarning(StrEnum):
    """Stable codes; the Telegram layer words them (with the advice) in the buyer's language."""

    PROTECTION_OVER = "protection_over"
    PROTECTION_ENDING = "protection_ending"
    RECEIPT_WINDOW_CLOSED = "receipt_closed"
    RECEIPT_WINDOW_CLOSING = "receipt_closing"
    SHIPPED_TOO_RECENTLY = "shipped_recently"


def eligibility_warnings(
    d: Dispute,
    now: datetime,
    *,
    shipped_at: datetime | None = None,
    rules: Rules = DEFAULT_RULES,
) -> list[EligibilityWarning]:
    """What may stop AliExpress from accepting this dispute if opened at `now`, most urgent first.

    Only what the buyer told us counts: no protection date, no warning about it. Once the dispute
    has been opened on AliExpress (`opened_at` set) these opening windows no longer matter, so
    the list is empty. `shipped_at` is when the seller shipped (not when the order was paid),
    passed by callers that know it (the wizard's optional shipping-date question). `rules`: the
    deadline rules in force (the same table the reminders are planned from).
    """
    if d.opened_at is not None:
        return []
    warnings: list[EligibilityWarning] = []
    branch = d.branch or (d.reason.branch if d.reason is not None else None)

    if d.protection_end is not None:
        if d.protection_end <= now:
            warnings.append(EligibilityWarning.PROTECTION_OVER)
        elif d.protection_end - now < rules.protection_ending_warning:
            warnings.append(EligibilityWarning.PROTECTION_ENDING)

    if branch is Branch.RECEIVED and d.receipt_confirmed and d.receipt_confirmed_at is not None:
        closes = d.receipt_confirmed_at + rules.receipt_confirmation_window
        if closes <= now:
            warnings.append(EligibilityWarning.RECEIPT_WINDOW_CLOSED)
        elif closes - now < rules.receipt_window_closing_warning:
            warnings.append(EligibilityWarning.RECEIPT_WINDOW_CLOSING)

    if (
        branch is Branch.NOT_RECEIVED
        and shipped_at is not None
        and now - shipped_at < rules.shipped_min_age
    ):
        warnings.append(EligibilityWarning.SHIPPED_TOO_RECENTLY)

    return warnings
