"""The timers a buyer can read off their own order or dispute page. Pure.

Every deadline the bot tracks is first the rules table's default (bot/domain/rules.py),
counted from the moment the buyer pressed a button. AliExpress's page shows the real timer, so
whenever a stage starts one, the buyer may type what the page shows (bot/domain/dates.py's
``parse_timer``); the value is kept on the case as the buyer's own (``own_deadlines``) and
later moves keep it until they start that timer again.

The page shows one countdown at a time, and which deadline it counts follows from the stage:
before a dispute the order page's buyer protection; while the seller may answer, their time to
answer; after they answer, the time left to agree before AliExpress steps in; during the
escalation, AliExpress's review; during an evidence request, the time to send it. A return
agreed on has its own timer (the time to post the parcel) beside the stage's.
"""

from __future__ import annotations

from typing import Final

from bot.domain.lifecycle import Action
from bot.domain.models import DeadlineField, Dispute, Stage
from bot.domain.schedule import ReminderFamily

F = DeadlineField

#: The deadline the page's countdown shows in each stage.
PAGE_TIMER: Final[dict[Stage, DeadlineField]] = {
    Stage.TRACKING: F.PROTECTION_END,
    Stage.DRAFT: F.PROTECTION_END,
    Stage.READY: F.PROTECTION_END,
    Stage.OPENED: F.SELLER_DEADLINE,
    Stage.SELLER_ACCEPTED: F.ESCALATION_AT,
    Stage.SELLER_COUNTERED: F.ESCALATION_AT,
    Stage.SELLER_REJECTED: F.ESCALATION_AT,
    Stage.ESCALATED: F.REVIEW_DUE,
    Stage.EVIDENCE_REQUESTED: F.EVIDENCE_DUE,
}

#: The timer a move starts (the page then shows it): worth reading off the page right away.
STARTED_BY: Final[dict[Action, DeadlineField]] = {
    Action.OPENED_ON_ALIEXPRESS: F.SELLER_DEADLINE,
    Action.SELLER_ACCEPTED: F.ESCALATION_AT,
    Action.SELLER_COUNTERED: F.ESCALATION_AT,
    Action.SELLER_REJECTED: F.ESCALATION_AT,
    Action.ESCALATED: F.REVIEW_DUE,
    Action.EVIDENCE_REQUESTED: F.EVIDENCE_DUE,
    Action.EVIDENCE_SENT: F.REVIEW_DUE,
    Action.RETURN_AGREED: F.RETURN_POST_BY,
}

#: Which deadline field each reminder family counts down; families absent here are always
#: computed by the rules (the receipt window, the late window) or are our own follow-ups.
FIELD_OF: Final[dict[ReminderFamily, DeadlineField]] = {
    ReminderFamily.PROTECTION: F.PROTECTION_END,
    ReminderFamily.SELLER: F.SELLER_DEADLINE,
    ReminderFamily.ESCALATION: F.ESCALATION_AT,
    ReminderFamily.EVIDENCE: F.EVIDENCE_DUE,
    ReminderFamily.RETURN: F.RETURN_POST_BY,
    ReminderFamily.REVIEW: F.REVIEW_DUE,
}

#: Deadlines that only ever come from the buyer's page: the rules have no default for them.
ALWAYS_OWN: Final = frozenset({F.PROTECTION_END, F.REVIEW_DUE})


def settable(d: Dispute) -> tuple[DeadlineField, ...]:
    """The page timers the buyer may enter for this case now: its stage's, and a pending
    return's. None for a closed case (nothing can change any more) or a draft (the wizard
    asks its protection timer itself)."""
    if not d.stage.is_active or d.stage is Stage.DRAFT:
        return ()
    out = [PAGE_TIMER[d.stage]]
    if d.return_post_by is not None:
        out.append(F.RETURN_POST_BY)
    return tuple(out)


def started_by(action: Action) -> DeadlineField | None:
    return STARTED_BY.get(action)


def is_own(d: Dispute, family: ReminderFamily) -> bool | None:
    """Whether the deadline of ``family`` is the buyer's own (read off their page: True) or
    our default from the rules table (False); None for deadlines no page shows (the windows
    the rules compute, the refund follow-up)."""
    field = FIELD_OF.get(family)
    return None if field is None else is_own_field(d, field)


def is_own_field(d: Dispute, field: DeadlineField) -> bool:
    """Whether the deadline in ``field`` is the buyer's own (read off their page) rather than
    our default: the timers no rule can default, or one the buyer entered."""
    return field in ALWAYS_OWN or field in d.own_deadlines
