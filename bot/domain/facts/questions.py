"""Which facts to ask for, per reason, in order: a table the wizard walks.

Each reason asks its own questions first (the facts that carry the case: what differs from the
listing, what fails, how many came, the tracking), then, for every reason, whether the buyer
wrote to the seller first (the guides advise writing first and saying so in the dispute), and
last the item's title as the English order page shows it. Every question can be skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.domain.facts.model import (
    AnswerKind,
    ChoiceEnum,
    FactField,
    Facts,
    FactValue,
    YesNo,
    field_spec,
)
from bot.domain.models import NOT_RECEIVED_REASONS, Reason

__all__ = [
    "QUESTIONS",
    "Condition",
    "Question",
    "fields_for",
    "first_question",
    "next_question",
    "question_for",
    "questions_for",
    "with_answer",
]

F = FactField


@dataclass(frozen=True, slots=True)
class Condition:
    """Ask only if `field` holds one of `values` (any answer at all when `values` is empty)."""

    field: FactField
    values: tuple[ChoiceEnum, ...] = ()

    def holds(self, facts: Facts) -> bool:
        value = facts.get(self.field)
        if value is None:
            return False
        return not self.values or any(value is v for v in self.values)


@dataclass(frozen=True, slots=True)
class Question:
    """One question: the fact it fills, how it is answered, and when it is asked."""

    field: FactField
    kind: AnswerKind
    choices: tuple[ChoiceEnum, ...] = ()
    skippable: bool = True
    when: Condition | None = None

    def applies(self, facts: Facts) -> bool:
        return self.when is None or self.when.holds(facts)


# A question depends on an earlier answer: the date and the reply only once the buyer says they
# wrote to the seller; the status's date only once there is a status.
_WHEN: Final[dict[FactField, Condition]] = {
    F.SELLER_CONTACTED_ON: Condition(F.SELLER_CONTACTED, (YesNo.YES,)),
    F.SELLER_REPLY: Condition(F.SELLER_CONTACTED, (YesNo.YES,)),
    F.TRACKING_DATE: Condition(F.TRACKING_STATUS),
}


def _ask(*fields: FactField) -> tuple[Question, ...]:
    return tuple(
        Question(f, field_spec(f).kind, field_spec(f).choices, when=_WHEN.get(f)) for f in fields
    )


_SELLER_AND_TITLE = _ask(F.SELLER_CONTACTED, F.SELLER_CONTACTED_ON, F.SELLER_REPLY) + _ask(
    F.ENGLISH_TITLE
)
_NOT_RECEIVED = _ask(F.TRACKING_NUMBER, F.TRACKING_STATUS, F.TRACKING_DATE, F.PROMISED_BY)

QUESTIONS: Final[dict[Reason, tuple[Question, ...]]] = {
    **{reason: _NOT_RECEIVED + _SELLER_AND_TITLE for reason in NOT_RECEIVED_REASONS},
    Reason.NOT_AS_DESCRIBED: _ask(F.MISMATCH, F.LISTED, F.ARRIVED) + _SELLER_AND_TITLE,
    Reason.QUALITY: _ask(F.FAILURE) + _SELLER_AND_TITLE,
    Reason.DAMAGED: _ask(F.DAMAGED_PART, F.PACKAGING) + _SELLER_AND_TITLE,
    Reason.MISSING_PARTS: _ask(F.ORDERED_COUNT, F.RECEIVED_COUNT, F.MISSING_WHAT)
    + _SELLER_AND_TITLE,
    Reason.WRONG_ITEM: _ask(F.ORDERED_ITEM, F.RECEIVED_ITEM) + _SELLER_AND_TITLE,
    Reason.EMPTY_PARCEL: _ask(F.PACKAGING) + _SELLER_AND_TITLE,
    Reason.COUNTERFEIT: _ask(F.BRAND) + _SELLER_AND_TITLE,
    Reason.CHEAPER_SHIPPING: _ask(F.PAID_SHIPPING, F.USED_SHIPPING) + _SELLER_AND_TITLE,
    Reason.OTHER_RECEIVED: _SELLER_AND_TITLE,
}


def questions_for(reason: Reason) -> tuple[Question, ...]:
    return QUESTIONS[reason]


def fields_for(reason: Reason) -> frozenset[FactField]:
    """The facts that belong to `reason`: the claim ignores any other (a changed reason)."""
    return frozenset(q.field for q in QUESTIONS[reason])


def question_for(reason: Reason, field: FactField) -> Question | None:
    return next((q for q in QUESTIONS[reason] if q.field is field), None)


def first_question(reason: Reason, facts: Facts) -> Question | None:
    return next((q for q in QUESTIONS[reason] if q.applies(facts)), None)


def next_question(reason: Reason, facts: Facts, after: FactField) -> Question | None:
    """The question after `after` (answered or skipped) that applies; None at the end."""
    questions = QUESTIONS[reason]
    fields = [q.field for q in questions]
    if after not in fields:
        return first_question(reason, facts)
    return next((q for q in questions[fields.index(after) + 1 :] if q.applies(facts)), None)


def with_answer(facts: Facts, field: FactField, value: FactValue | None) -> Facts:
    """`facts` with one answer set (None: skipped or cleared), dependent answers dropped.

    "No, I did not write to the seller" after "yes, on 20 November" clears the date and the
    reply: the claim must never state a contact the buyer has taken back. Counts that no longer
    fit together (ordered lowered below what came) clear the other count.
    """
    counts = (F.ORDERED_COUNT, F.RECEIVED_COUNT)
    if field in counts and isinstance(value, int):
        ordered = value if field is F.ORDERED_COUNT else facts.ordered_count
        received = value if field is F.RECEIVED_COUNT else facts.received_count
        if ordered is not None and received is not None and received >= ordered:
            other = counts[1] if field is F.ORDERED_COUNT else counts[0]
            facts = facts.replace(other, None)
    facts = facts.replace(field, value)
    for dependent, condition in _WHEN.items():
        if facts.get(dependent) is not None and not condition.holds(facts):
            facts = facts.replace(dependent, None)
    return facts
