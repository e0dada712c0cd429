"""The claim's facts as rows of the wizard's step table: one optional step per fact.

Which facts a case is asked, in which order and on what condition is the facts' own table
(bot/domain/facts/questions.py); this module turns each fact into a `Question` the generic
wizard can show, read, skip and change from the summary. They are asked after the buyer's own
description, as one block: the description says the problem in the buyer's words, these pin it
down in words the English claim can use (what exactly fails, what the listing promised, the
tracking, whether the seller was asked first), and the evidence step that follows can then ask
for the photos that show exactly that. Pure.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final, cast

from bot.domain.facts import (
    AnswerKind,
    FactField,
    Facts,
    FactValue,
    as_english,
    field_spec,
    fields_for,
    parse_answer,
    parse_choice,
    question_for,
    questions_for,
    with_answer,
)
from bot.domain.models import NOT_RECEIVED_REASONS, Dispute, Reason
from bot.domain.steps import Answering, Question, StepId, When, always_answered

__all__ = [
    "COMMON_FACTS",
    "FACT_QUESTIONS",
    "FACT_STEP",
    "facts_for_reason",
    "field_of",
    "first_unanswered",
    "known_facts",
    "new_reason_facts",
]

F = FactField

#: Each fact's step: "f_" + the fact's stable value.
FACT_STEP: Final[dict[FactField, StepId]] = {f: StepId("f_" + f.value) for f in FactField}
_FIELD_OF: Final[dict[StepId, FactField]] = {step: f for f, step in FACT_STEP.items()}
#: Asked whatever the reason: did the buyer write to the seller first, and the English title.
COMMON_FACTS: Final = frozenset.intersection(*(fields_for(reason) for reason in Reason))
# Asked right after the answer they depend on, also when that one is changed from the summary:
# when the buyer wrote and what the seller said; the status's date; what came after the count.
_THEN: Final = {
    F.SELLER_CONTACTED: F.SELLER_CONTACTED_ON,
    F.SELLER_CONTACTED_ON: F.SELLER_REPLY,
    F.TRACKING_STATUS: F.TRACKING_DATE,
    F.ORDERED_COUNT: F.RECEIVED_COUNT,
}
# Changed only through the answer they depend on (which asks them again).
_DEPENDANT: Final = frozenset({F.SELLER_CONTACTED_ON, F.SELLER_REPLY, F.TRACKING_DATE})


def field_of(step: StepId) -> FactField | None:
    """The fact a step asks for, or None for any other step."""
    return _FIELD_OF.get(step)


def known_facts(d: Dispute) -> Facts:
    return d.facts or Facts()


def facts_for_reason(facts: Facts | None, reason: Reason | None) -> Facts | None:
    """The facts that still belong to the case once its reason is `reason` (None: not chosen
    yet, which keeps only those asked for every reason)."""
    if facts is None:
        return None
    keep = fields_for(reason) if reason is not None else COMMON_FACTS
    return Facts.of({f: facts.get(f) for f in keep})


def _asked(field: FactField, d: Dispute) -> bool:
    if d.reason is None or d.branch is not d.reason.branch:
        return False
    question = question_for(d.reason, field)
    if question is None or not question.applies(known_facts(d)):
        return False
    # An English title the buyer typed at the item step is the one the claim uses already.
    return field is not F.ENGLISH_TITLE or as_english(d.item_title, min_words=1) is None


def first_unanswered(d: Dispute, after: FactField | None = None) -> StepId | None:
    """The next of the reason's own facts (not the ones asked for every reason) still without an
    answer, after `after` (from the first when None): what editing the reason asks next."""
    if d.reason is None:
        return None
    fields = [q.field for q in questions_for(d.reason) if q.field not in COMMON_FACTS]
    later = fields[fields.index(after) + 1 :] if after in fields else fields
    facts = known_facts(d)
    return next(
        (FACT_STEP[f] for f in later if facts.get(f) is None and _asked(f, d)),
        None,
    )


def new_reason_facts(before: Dispute, after: Dispute) -> StepId | None:
    """After the reason changed to one with other questions of its own: the first of them."""
    asked = (
        fields_for(d.reason) - COMMON_FACTS if d.reason else frozenset() for d in (before, after)
    )
    return first_unanswered(after) if next(asked) != next(asked) else None


def _label(field: FactField) -> str:
    """When the step is asked, for the state diagram's edges."""
    if field is F.ENGLISH_TITLE:
        return "title not in English"
    if field in (F.SELLER_CONTACTED_ON, F.SELLER_REPLY):
        return "wrote to the seller"
    if field is F.TRACKING_DATE:
        return "a tracking status"
    if field in COMMON_FACTS:
        return ""
    reasons = [r for r in Reason if field in fields_for(r)]
    if set(reasons) <= set(NOT_RECEIVED_REASONS):
        return "not received"
    return ", ".join(r.name.lower().replace("_", " ") for r in reasons)


def _row(field: FactField) -> Question:
    spec = field_spec(field)
    choice = spec.kind is AnswerKind.CHOICE

    def change(d: Dispute, value: object) -> Dispute:
        answer = cast(FactValue | None, value)  # the parser's or the button's, checked there
        return replace(d, facts=with_answer(known_facts(d), field, answer))

    def parse(text: str, d: Dispute, a: Answering) -> object:
        today = a.now.astimezone(a.tz).date()
        return parse_answer(field, text, known_facts(d), today=today, order_id=d.order_id)

    then = _THEN.get(field)
    specific = field not in COMMON_FACTS
    return Question(
        FACT_STEP[field],
        "fact." + field.value,
        change,
        always_answered,
        applies=When(_label(field), lambda d: _asked(field, d)),
        required=False,
        parse=None if choice else parse,
        choices=lambda d: [c.value for c in spec.choices],
        choose=lambda value, d, a: parse_choice(field, value),
        skip="skip",
        then=FACT_STEP[then] if then is not None else None,
        chain=(lambda before, d: first_unanswered(d, field)) if specific else None,
        private=spec.kind is AnswerKind.TEXT,
        editable=field not in _DEPENDANT,
    )


#: One row per fact, in the order every reason asks its own (a test holds the order).
FACT_QUESTIONS: Final[tuple[Question, ...]] = tuple(_row(f) for f in FactField)
