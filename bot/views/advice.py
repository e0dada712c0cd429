"""The guides' advice for the stage a case is in: what the buyer needs to know right now, shown
on the case card and right after the dispute is opened.

Each tip is one of the guides' facts in our words (the handbook on reasons and evidence, the
mobile-app guide); the numbers come from the rules in force.
"""

from __future__ import annotations

from bot.domain.lifecycle import SELLER_PHASE
from bot.domain.models import Dispute, Stage
from bot.domain.rules import Rules
from bot.i18n import Translator


def _seller_phase(t: Translator) -> list[str]:
    return [
        t._(
            "Only what the dispute page says counts: a promise in chat (a refund later, or "
            "outside AliExpress) binds nobody, so do not close or change the dispute for one."
        ),
        t._(
            "If the seller demands a video or proof you cannot make, write to them that you "
            "cannot: if AliExpress reviews the dispute, it asks for reasonable evidence itself."
        ),
    ]


def _review(t: Translator, rules: Rules) -> list[str]:
    return [
        t._(
            "AliExpress's review of an escalated dispute takes %(min)s to %(max)s: the longest "
            "is for difficult cases, and many are decided sooner.",
            min=t.duration(rules.escalated_review_min),
            max=t.duration(rules.escalated_review_max),
        )
    ]


def stage_tips(t: Translator, d: Dispute, rules: Rules) -> list[str]:
    """The advice for `d`'s stage (none for stages without any)."""
    if d.stage in SELLER_PHASE:
        return _seller_phase(t)
    if d.stage in (Stage.ESCALATED, Stage.EVIDENCE_REQUESTED):
        return _review(t, rules)
    return []


def tips_block(t: Translator, d: Dispute, rules: Rules) -> str:
    """The stage's advice as lines to show under a card ("" when there is none)."""
    return "\n".join("💡 " + tip for tip in stage_tips(t, d, rules))
