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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.domain import dates, parsing
from bot.domain.eligibility import EligibilityWarning
from bot.domain.models import (
    Branch,
    DeadlineField,
    Dispute,
    Money,
    Reason,
    RefundOption,
    Stage,
    reasons_for,
    refund_options_for,
)


class StepId(StrEnum):
    """Where a buyer is in the wizard. Stored in `disputes.wizard_step`: keep values stable."""

    ORDER = "order"
    ITEM = "item"
    AMOUNT = "amount"
    PROTECTION = "protection"
    RECEIVED = "received"
    REASON = "reason"
    SHIPPED = "shipped"
    CONFIRMED = "confirmed"
    CONFIRMED_AT = "confirmed_at"
    REFUND = "refund"
    PARTIAL = "partial"
    DESCRIPTION = "description"
    EVIDENCE = "evidence"
    SUMMARY = "summary"
    EDIT = "edit"  # the summary's "what would you like to change?"
    OPENED = "opened"  # the instructions for AliExpress's form, and "I have opened it"
    OPENED_AT = "opened_at"
    EXISTING = "existing"  # "continue the unfinished one, or start a new one?"
    TIMER = "timer"  # what a timer on the buyer's page shows (a case past its draft)


S = StepId
EDIT_SUFFIX: Final = "+e"
TIMER_MARK: Final = ":"


@dataclass(frozen=True, slots=True)
class Position:
    """Where a buyer is: the step, whether they came from the summary to change it, and on
    the timer step which deadline's timer they are typing."""

    step: StepId
    editing: bool = False
    timer: DeadlineField | None = None

    @classmethod
    def parse(cls, value: str | None) -> Position:
        """The stored form back (`"amount"`, `"amount+e"`, `"timer:seller_deadline"`); an
        unknown step is the summary."""
        if not value:
            return cls(S.ORDER)
        head, _, timer = value.partition(TIMER_MARK)
        step, _, flag = head.partition("+")
        try:
            return cls(S(step), editing=bool(flag), timer=DeadlineField(timer) if timer else None)
        except ValueError:
            return cls(S.SUMMARY)

    def __str__(self) -> str:
        timer = TIMER_MARK + self.timer.value if self.timer is not None else ""
        return self.step.value + (EDIT_SUFFIX if self.editing else "") + timer


@dataclass(frozen=True, slots=True)
class Answering:
    """What reading an answer needs besides its text: the instant, the buyer's zone, and the
    currency an amount without one is in."""

    now: datetime
    tz: ZoneInfo
    currency: str


class NotAChoice(ValueError):
    """A button value this question does not offer (now): the press is out of date."""


class FullRefund:
    """The partial step's "Yes, a full refund" (an amount equal to what was paid)."""


FULL_REFUND: Final = FullRefund()


@dataclass(frozen=True, slots=True)
class When:
    """A condition on the draft, with the words the state diagram labels its edge with."""

    label: str
    holds: Callable[[Dispute], bool]

    def __call__(self, d: Dispute) -> bool:
        return self.holds(d)


ALWAYS: Final = When("", lambda d: True)
RECEIVED: Final = When("received", lambda d: d.branch is Branch.RECEIVED)
NOT_RECEIVED: Final = When("not received", lambda d: d.branch is Branch.NOT_RECEIVED)
RECEIPT_CONFIRMED: Final = When(
    "receipt confirmed", lambda d: d.branch is Branch.RECEIVED and bool(d.receipt_confirmed)
)
PARTIAL_OPTION: Final = When(
    "partial refund", lambda d: d.refund_option is not None and d.refund_option.is_partial
)


def _no_choices(d: Dispute) -> Sequence[str]:
    return ()


@dataclass(frozen=True, slots=True)
class Question:
    """One row of the step table (see the module's docstring)."""

    step: StepId
    logged_as: str  # what the event log names the answer
    change: Callable[[Dispute, object], Dispute]  # the draft with this answer
    answered: Callable[[Dispute], bool]
    applies: When = ALWAYS
    required: bool = True
    parse: Callable[[str, Dispute, Answering], object] | None = None  # a typed answer
    choices: Callable[[Dispute], Sequence[str]] = _no_choices  # button values answering it
    choose: Callable[[str, Dispute, Answering], object] | None = None  # a value, read
    skip: str | None = None  # the button value that leaves an optional answer empty
    then: StepId | None = None  # asked next even when editing, if it applies
    warns: frozenset[EligibilityWarning] = field(default_factory=frozenset)
    private: bool = False  # free text: the event log says it was answered, not what
    editable: bool = True  # offered in the summary's edit menu

    def read_choice(self, value: str, d: Dispute, answering: Answering) -> object:
        """The answer a button carries; NotAChoice when this question does not offer it."""
        if value not in self.choices(d):
            raise NotAChoice(value)
        return self.choose(value, d, answering) if self.choose else value


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
        receipt_confirmed=None,
        receipt_confirmed_at=None,
        refund_amount=None,
        refund_option=RefundOption.KEEP_FULL if branch is Branch.NOT_RECEIVED else None,
    )


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


def _setter(name: str) -> Callable[[Dispute, object], Dispute]:
    def change(d: Dispute, value: object) -> Dispute:
        changed = replace(d)
        setattr(changed, name, value)  # `name` is one of the fields this table names
        return changed

    return change


def _has(name: str) -> Callable[[Dispute], bool]:
    return lambda d: getattr(d, name) is not None


def _yes_no(value: str, d: Dispute, a: Answering) -> bool:
    return value == "yes"


def optional(step: StepId, field_name: str, *, logged_as: str = "", **row: Any) -> Question:
    """A question a case may leave unanswered: a typed answer sets `field_name` on the draft,
    the Skip button (`skip`, default "skip") leaves it empty. `row`: the rest of its row."""
    row.setdefault("skip", "skip")
    change, answered = _setter(field_name), _always_answered
    return Question(step, logged_as or field_name, change, answered, required=False, **row)


def _always_answered(d: Dispute) -> bool:
    return True


E = EligibilityWarning

#: The wizard's questions, in the order a buyer meets them (PRODUCT.md, steps 1 to 9).
QUESTIONS: Final[tuple[Question, ...]] = (
    Question(
        S.ORDER,
        "order",
        _setter("order_id"),
        answered=_has("order_id"),
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
        _has("amount_paid"),
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
        _has("branch"),
        choices=lambda d: (Branch.RECEIVED, Branch.NOT_RECEIVED),
        choose=lambda value, d, a: Branch(value),
    ),
    Question(
        S.REASON,
        "reason",
        _setter("reason"),
        answered=lambda d: d.reason is not None and d.reason.branch is d.branch,
        choices=lambda d: reasons_for(d.branch) if d.branch else (),
        choose=lambda value, d, a: Reason(value),
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
        _has("receipt_confirmed"),
        applies=RECEIVED,
        choices=lambda d: ("yes", "no"),
        choose=_yes_no,
        then=S.CONFIRMED_AT,  # always ask when: that date opens the window to open a dispute
    ),
    Question(
        S.CONFIRMED_AT,
        "receipt_confirmed_at",
        _setter("receipt_confirmed_at"),
        _has("receipt_confirmed_at"),
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
        _has("refund_option"),
        applies=RECEIVED,
        choices=lambda d: refund_options_for(d.branch) if d.branch else (),
        choose=lambda value, d, a: RefundOption(value),
        then=S.PARTIAL,
    ),
    Question(
        S.PARTIAL,
        "refund_amount",
        _partial,
        _has("refund_amount"),
        applies=PARTIAL_OPTION,
        parse=_partial_amount,
        choices=lambda d: ("full",),
        choose=lambda value, d, a: FULL_REFUND,
    ),
    Question(
        S.DESCRIPTION,
        "description",
        _setter("description"),
        _has("description"),
        parse=lambda text, d, a: parsing.parse_description(text),
        private=True,
    ),
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


def after_answer(step: StepId, d: Dispute, *, editing: bool, visual_evidence: int) -> Position:
    """Where an accepted answer leads: on along the path, or, when editing, to what the
    answer made necessary (`then`, then any required answer now missing), else the summary."""
    q = BY_STEP.get(step)
    follow = q.then if q is not None else None
    if follow is not None and applies(follow, d):
        return Position(follow, editing=editing)
    if not editing:
        return Position(next_step(step, d))
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
