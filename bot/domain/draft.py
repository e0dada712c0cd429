"""A dispute draft: the wizard's questions as data, and what makes a draft complete. Pure.

`QUESTIONS` is the step table. Each entry says, for one question of PRODUCT.md's wizard:
which step it is (the value stored in `disputes.wizard_step`), when it applies to a case,
whether a complete draft needs it, how a typed answer is read (a parser from
bot/domain/parsing.py), which buttons answer it, what the answer changes in the draft (and
what it clears that depended on the old answer), the step that must follow it even when the
buyer is editing from the summary, and the eligibility warnings worth saying right after it.
The wizard (bot/handlers/wizard/) is generic code over this table; what it says at each step
lives in bot/views/wizard.py, keyed by the same step.

Adding an optional question: one entry here (with its field on `Dispute`), its texts in the
views, and a test.

The steps after the questions (the evidence, the summary, the instructions for AliExpress's
form, "I have opened it") are the wizard's own, named here so that positions and the step
counter cover them too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Final

from bot.domain import dates, parsing
from bot.domain.eligibility import EligibilityWarning
from bot.domain.fact_steps import FACT_QUESTIONS, facts_for_reason, field_of, new_reason_facts
from bot.domain.models import (
    Branch,
    Dispute,
    Money,
    Reason,
    RefundOption,
    Stage,
    reasons_for,
    refund_options_for,
)
from bot.domain.steps import (
    EDIT_SUFFIX,
    FULL_REFUND,
    Answering,
    FullRefund,
    NotAChoice,
    Position,
    Question,
    StepId,
    When,
    has,
    optional,
    setter,
)

__all__ = [
    "EDIT_SUFFIX",
    "FULL_REFUND",
    "Answering",
    "FullRefund",
    "NotAChoice",
    "Position",
    "Question",
    "StepId",
    "When",
]

S = StepId
E = EligibilityWarning

RECEIVED: Final = When("received", lambda d: d.branch is Branch.RECEIVED)
NOT_RECEIVED: Final = When("not received", lambda d: d.branch is Branch.NOT_RECEIVED)
RECEIPT_CONFIRMED: Final = When(
    "receipt confirmed", lambda d: d.branch is Branch.RECEIVED and bool(d.receipt_confirmed)
)
PARTIAL_OPTION: Final = When(
    "partial refund", lambda d: d.refund_option is not None and d.refund_option.is_partial
)


# --- what each answer changes ----------------------------------------------------------------
def _amount(d: Dispute, paid: object) -> Dispute:
    assert isinstance(paid, Money)
    refund = d.refund_amount
    if refund is not None and (refund.currency != paid.currency or refund.minor >= paid.minor):
        refund = None  # no longer fits what was paid: asked again
    return replace(d, amount_paid=paid, refund_amount=refund)


def _branch(d: Dispute, value: object) -> Dispute:
    branch = Branch(str(value))
    if d.branch is branch:
        return d
    # The branch decides the reason list and refund options: those are asked again. Not
    # received has one option only, "full refund, no return", chosen here.
    return replace(
        d,
        branch=branch,
        reason=None,
        facts=facts_for_reason(d.facts, None),
        receipt_confirmed=None,
        receipt_confirmed_at=None,
        refund_amount=None,
        refund_option=RefundOption.KEEP_FULL if branch is Branch.NOT_RECEIVED else None,
    )


def _reason(d: Dispute, value: object) -> Dispute:
    # The facts of another reason no longer apply: the claim must not state them.
    reason = Reason(str(value))
    return replace(d, reason=reason, facts=facts_for_reason(d.facts, reason))


def _confirmed(d: Dispute, value: object) -> Dispute:
    confirmed = bool(value)
    return replace(
        d,
        receipt_confirmed=confirmed,
        receipt_confirmed_at=d.receipt_confirmed_at if confirmed else None,
    )


def _refund(d: Dispute, value: object) -> Dispute:
    option = RefundOption(str(value))
    return replace(
        d, refund_option=option, refund_amount=d.refund_amount if option.is_partial else None
    )


def _partial(d: Dispute, value: object) -> Dispute:
    if isinstance(value, FullRefund):
        option = d.refund_option.as_full() if d.refund_option else RefundOption.KEEP_FULL
        return replace(d, refund_option=option, refund_amount=None)
    assert isinstance(value, Money)
    return replace(d, refund_amount=value)


def _partial_amount(text: str, d: Dispute, a: Answering) -> Money:
    assert d.amount_paid is not None
    return parsing.parse_partial_refund(text, d.amount_paid)


def _past_date(text: str, d: Dispute, a: Answering) -> datetime:
    return dates.parse_past_date(text, a.now, a.tz)


def _yes_no(value: str, d: Dispute, a: Answering) -> bool:
    return value == "yes"


#: The wizard's questions, in the order a buyer meets them (PRODUCT.md, steps 1 to 9).
QUESTIONS: Final[tuple[Question, ...]] = (
    Question(
        S.ORDER,
        "order",
        setter("order_id"),
        answered=has("order_id"),
        parse=lambda text, d, a: parsing.parse_order_id(text),
    ),
    optional(
        S.ITEM,
        "item_title",
        parse=lambda text, d, a: parsing.parse_item_title(text),
        logged_as="item",
        private=True,
    ),
    Question(
        S.AMOUNT,
        "amount",
        _amount,
        has("amount_paid"),
        parse=lambda text, d, a: parsing.parse_amount(text, a.currency),
    ),
    optional(
        S.PROTECTION,
        "protection_end",
        parse=lambda text, d, a: dates.parse_protection(text, a.now, a.tz),
        skip="unknown",  # "I don't know"
        warns=frozenset({E.PROTECTION_OVER, E.PROTECTION_ENDING}),
    ),
    Question(
        S.RECEIVED,
        "branch",
        _branch,
        has("branch"),
        choices=lambda d: (Branch.RECEIVED, Branch.NOT_RECEIVED),
        choose=lambda value, d, a: Branch(value),
    ),
    Question(
        S.REASON,
        "reason",
        _reason,
        answered=lambda d: d.reason is not None and d.reason.branch is d.branch,
        choices=lambda d: reasons_for(d.branch) if d.branch else (),
        choose=lambda value, d, a: Reason(value),
        chain=new_reason_facts,  # a reason with other questions asks them
    ),
    optional(
        S.SHIPPED,
        "shipped_at",
        parse=_past_date,
        applies=NOT_RECEIVED,
        warns=frozenset({E.SHIPPED_TOO_RECENTLY}),
    ),
    Question(
        S.CONFIRMED,
        "receipt_confirmed",
        _confirmed,
        has("receipt_confirmed"),
        applies=RECEIVED,
        choices=lambda d: ("yes", "no"),
        choose=_yes_no,
        then=S.CONFIRMED_AT,  # always ask when: that date opens the window to open a dispute
    ),
    Question(
        S.CONFIRMED_AT,
        "receipt_confirmed_at",
        setter("receipt_confirmed_at"),
        has("receipt_confirmed_at"),
        applies=RECEIPT_CONFIRMED,
        editable=False,  # changed through the receipt question, which asks it again
        parse=_past_date,
        choices=lambda d: ("today", "yesterday"),
        choose=lambda value, d, a: _past_date(value, d, a),
        warns=frozenset({E.RECEIPT_WINDOW_CLOSED, E.RECEIPT_WINDOW_CLOSING}),
    ),
    Question(
        S.REFUND,
        "refund_option",
        _refund,
        has("refund_option"),
        applies=RECEIVED,
        choices=lambda d: refund_options_for(d.branch) if d.branch else (),
        choose=lambda value, d, a: RefundOption(value),
        then=S.PARTIAL,
    ),
    Question(
        S.PARTIAL,
        "refund_amount",
        _partial,
        has("refund_amount"),
        applies=PARTIAL_OPTION,
        parse=_partial_amount,
        choices=lambda d: ("full",),
        choose=lambda value, d, a: FULL_REFUND,
    ),
    Question(
        S.DESCRIPTION,
        "description",
        setter("description"),
        has("description"),
        parse=lambda text, d, a: parsing.parse_description(text),
        private=True,
    ),
    # Then the facts the English claim is written from (bot/domain/fact_steps.py says why here).
    *FACT_QUESTIONS,
)

BY_STEP: Final[dict[StepId, Question]] = {q.step: q for q in QUESTIONS}
#: The answers the buyer can change from the summary (the evidence too), in the menu's order.
EDITABLE: Final[tuple[StepId, ...]] = (*(q.step for q in QUESTIONS if q.editable), S.EVIDENCE)


def question(step: StepId) -> Question | None:
    return BY_STEP.get(step)


# --- the path through the wizard -------------------------------------------------------------
#: Every step a case may go through, in order: the questions, the evidence, the summary.
STEPS: Final[tuple[StepId, ...]] = (*(q.step for q in QUESTIONS), S.EVIDENCE, S.SUMMARY)


def applies(step: StepId, d: Dispute) -> bool:
    q = BY_STEP.get(step)
    return q.applies(d) if q is not None else step in STEPS


def editable_steps(d: Dispute) -> list[StepId]:
    """What the summary's edit menu offers for this case."""
    return [s for s in EDITABLE if applies(s, d)]


def path(d: Dispute) -> list[StepId]:
    """The steps this case goes through, as far as its answers tell: a step whose condition
    is not answered yet (the partial amount before a refund option) is not on it."""
    return [s for s in STEPS if applies(s, d)]


def next_step(step: StepId, d: Dispute) -> StepId:
    """The step after `step` on this case's path (the summary after the last)."""
    if step not in STEPS:
        return S.SUMMARY
    later = STEPS[STEPS.index(step) + 1 :]
    return next((s for s in later if applies(s, d)), S.SUMMARY)


def past_the_facts(step: StepId, d: Dispute) -> StepId:
    """The first step of this case's path after `step` that asks no fact of the claim: where
    "Skip the rest" of the facts' questions leads."""
    later = STEPS[STEPS.index(step) + 1 :] if step in STEPS else ()
    return next((s for s in later if applies(s, d) and field_of(s) is None), S.SUMMARY)


def previous_step(step: StepId, d: Dispute) -> StepId:
    """The step before `step` on this case's path (Back); the first step for the first."""
    index = STEPS.index(step) if step in STEPS else len(STEPS) - 1
    return next((s for s in reversed(STEPS[:index]) if applies(s, d)), S.ORDER)


def step_number(step: StepId, d: Dispute) -> tuple[int, int] | None:
    """("Step N of M"): N counts the steps of this case's path up to `step`, M all of them.

    Before the buyer has said whether the item arrived, M is the shorter branch's count; it
    grows when an answer adds a step (the received branch's questions, a partial amount), so
    no number is ever shown twice or skipped. The edit menu shares the summary's number.
    """
    shown = S.SUMMARY if step is S.EDIT else step
    steps = path(d)
    if shown not in steps:
        return None
    total = min(len(path(replace(d, branch=b))) for b in Branch) if d.branch is None else len(steps)
    return steps.index(shown) + 1, total


# --- completeness ----------------------------------------------------------------------------
def needs_visual_evidence(d: Dispute) -> bool:
    """For an item received, AliExpress decides on photos and videos: at least one is needed
    (PRODUCT.md step 10); a parcel that never came may have none."""
    return d.branch is Branch.RECEIVED


def missing_step(d: Dispute, visual_evidence: int) -> StepId | None:
    """The first step of this case's path whose required answer is missing, or None.

    `visual_evidence`: how many photos and videos the case has.
    """
    for q in QUESTIONS:
        if q.required and q.applies(d) and not q.answered(d):
            return q.step
    if needs_visual_evidence(d) and visual_evidence < 1:
        return S.EVIDENCE
    return None


def is_complete(d: Dispute, visual_evidence: int) -> bool:
    return missing_step(d, visual_evidence) is None


def after_answer(
    step: StepId,
    d: Dispute,
    *,
    editing: bool,
    visual_evidence: int,
    before: Dispute | None = None,
) -> Position:
    """Where an accepted answer leads: on along the path, or, when editing, to what the
    answer made necessary (`then`, the question's `chain` given the draft `before` the
    answer, then any required answer now missing), else the summary."""
    q = BY_STEP.get(step)
    follow = q.then if q is not None else None
    if follow is not None and applies(follow, d):
        return Position(follow, editing=editing)
    if not editing:
        return Position(next_step(step, d))
    chain = q.chain if q is not None else None
    chained = chain(before or d, d) if chain is not None else None
    if chained is not None:
        return Position(chained, editing=True)
    missing = missing_step(d, visual_evidence)
    return Position(missing, editing=True) if missing is not None else Position(S.SUMMARY)


def resumable(d: Dispute) -> bool:
    """A case the wizard can take up again: not yet opened on AliExpress."""
    return d.stage in (Stage.DRAFT, Stage.READY)


def resume_position(d: Dispute, visual_evidence: int) -> Position:
    """Where to pick a case up: its saved step, or, for a parked one, the first gap."""
    if d.wizard_step is not None:
        return Position.parse(d.wizard_step)
    if d.stage is Stage.READY:
        return Position(S.OPENED)
    return Position(missing_step(d, visual_evidence) or S.SUMMARY)
