"""The step table's vocabulary: the steps, a buyer's position, and what one row of the table is.

bot/domain/draft.py writes the wizard's table with these; bot/domain/fact_steps.py writes the
rows of the claim's facts. Both are read by the generic wizard (bot/handlers/wizard/). Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.domain.eligibility import EligibilityWarning
from bot.domain.models import DeadlineField, Dispute, RefundOption


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
    # The facts of the claim (bot/domain/facts/), one step per fact: "f_" + its FactField value.
    # Which of them a case is asked is the facts' own table (bot/domain/fact_steps.py).
    F_MISMATCH = "f_mis"
    F_LISTED = "f_lst"
    F_ARRIVED = "f_arr"
    F_FAILURE = "f_fail"
    F_DAMAGED_PART = "f_part"
    F_PACKAGING = "f_pack"
    F_ORDERED_COUNT = "f_nord"
    F_RECEIVED_COUNT = "f_nrcv"
    F_MISSING_WHAT = "f_miss"
    F_ORDERED_ITEM = "f_oitem"
    F_RECEIVED_ITEM = "f_ritem"
    F_BRAND = "f_brand"
    F_PAID_SHIPPING = "f_pship"
    F_USED_SHIPPING = "f_uship"
    F_TRACKING_NUMBER = "f_trk"
    F_TRACKING_STATUS = "f_trks"
    F_TRACKING_DATE = "f_trkd"
    F_PROMISED_BY = "f_prom"
    F_SELLER_CONTACTED = "f_sel"
    F_SELLER_CONTACTED_ON = "f_seld"
    F_SELLER_REPLY = "f_selr"
    F_ENGLISH_TITLE = "f_title"
    EVIDENCE = "evidence"
    SUMMARY = "summary"
    EDIT = "edit"  # the summary's "what would you like to change?"
    OPENED = "opened"  # the instructions for AliExpress's form, and "I have opened it"
    OPENED_AT = "opened_at"
    EXISTING = "existing"  # "continue the unfinished one, or start a new one?"
    # The negotiation assistant's prompts on an opened case (bot/handlers/negotiation.py): the
    # seller's message to read, the amount of a partial offer (keeping / returning the item).
    SELLER_MESSAGE = "seller_msg"
    OFFER_KEEP_AMOUNT = "offer_kp"
    OFFER_RETURN_AMOUNT = "offer_rp"
    TIMER = "timer"  # what a timer on the buyer's page shows (a case past its draft)


S = StepId
EDIT_SUFFIX: Final = "+e"
TIMER_MARK: Final = ":"
#: The negotiation assistant's prompts, which wait for a typed answer on an opened case.
NEGOTIATION_PROMPTS: Final = frozenset(
    {S.SELLER_MESSAGE, S.OFFER_KEEP_AMOUNT, S.OFFER_RETURN_AMOUNT}
)
#: Where a partial offer asks its amount, by the option the dispute page shows.
OFFER_AMOUNT_STEP: Final = {
    RefundOption.KEEP_PARTIAL: S.OFFER_KEEP_AMOUNT,
    RefundOption.RETURN_PARTIAL: S.OFFER_RETURN_AMOUNT,
}


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


def _no_choices(d: Dispute) -> Sequence[str]:
    return ()


@dataclass(frozen=True, slots=True)
class Question:
    """One row of the step table (see bot/domain/draft.py's docstring)."""

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
    # While editing from the summary: the step to ask after this one, given the draft before
    # and after the answer (the new reason's facts after the reason changed); None: none.
    chain: Callable[[Dispute, Dispute], StepId | None] | None = None
    warns: frozenset[EligibilityWarning] = field(default_factory=frozenset)
    private: bool = False  # free text: the event log says it was answered, not what
    editable: bool = True  # offered in the summary's edit menu

    def read_choice(self, value: str, d: Dispute, answering: Answering) -> object:
        """The answer a button carries; NotAChoice when this question does not offer it."""
        if value not in self.choices(d):
            raise NotAChoice(value)
        return self.choose(value, d, answering) if self.choose else value


def setter(name: str) -> Callable[[Dispute, object], Dispute]:
    """The change that sets the draft's field `name` to the answer."""

    def change(d: Dispute, value: object) -> Dispute:
        changed = replace(d)
        setattr(changed, name, value)  # `name` is one of the fields the table names
        return changed

    return change


def has(name: str) -> Callable[[Dispute], bool]:
    return lambda d: getattr(d, name) is not None


def always_answered(d: Dispute) -> bool:
    return True


def optional(step: StepId, field_name: str, *, logged_as: str = "", **row: Any) -> Question:
    """A question a case may leave unanswered: a typed answer sets `field_name` on the draft,
    the Skip button (`skip`, default "skip") leaves it empty. `row`: the rest of its row."""
    row.setdefault("skip", "skip")
    change, answered = setter(field_name), always_answered
    return Question(step, logged_as or field_name, change, answered, required=False, **row)
