"""The claim's facts in the wizard and on the cards: each fact's question, its buttons, what a
wrong answer gets, and the facts as rows of the summary and the case card.

The words themselves are the facts' own message ids (bot/domain/facts/wording.py), said in the
buyer's language through their catalog.
"""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import cast

from bot.domain import draft
from bot.domain.catalog import Catalog
from bot.domain.fact_steps import FACT_STEP, facts_for_reason, field_of
from bot.domain.facts import (
    AnswerError,
    AnswerKind,
    ChoiceEnum,
    FactField,
    FactValue,
    field_spec,
    parse_choice,
    wording,
)
from bot.domain.models import Dispute
from bot.domain.steps import StepId
from bot.i18n import Translator, translations

__all__ = [
    "catalog",
    "choice_label",
    "error_text",
    "expects",
    "fact_rows",
    "field_label",
    "prompt",
]


def catalog(t: Translator) -> Catalog:
    """The buyer's gettext catalog, for the domain's texts that take one."""
    return translations(t.language)


def _is_first(step: StepId, d: Dispute) -> bool:
    facts = [s for s in draft.path(d) if field_of(s) is not None]
    return bool(facts) and facts[0] is step


def prompt(t: Translator, d: Dispute, step: StepId) -> str:
    """The fact's question; the first of the case's facts says what they are for."""
    field = field_of(step)
    assert field is not None
    text = wording.prompt(field, catalog(t))
    if not _is_first(step, d):
        return text
    intro = t._(
        "A few short questions to write the text for AliExpress: your answers become "
        "specific English sentences. Answer with the buttons or a few words, and skip any "
        "you don't know."
    )
    return intro + "\n\n" + text


def choice_label(t: Translator, field: FactField, value: str) -> str:
    """A fact button's label; the value must be one of the fact's choices."""
    return wording.choice_label(parse_choice(field, value), catalog(t))


def field_label(t: Translator, step: StepId) -> str | None:
    """The fact's short name (the summary's edit menu), or None for another step."""
    field = field_of(step)
    return None if field is None else wording.field_label(field, catalog(t))


def error_text(t: Translator, error: AnswerError) -> str:
    return wording.answer_error_text(error, catalog(t))


def expects(t: Translator, step: StepId) -> str | None:
    """What a fact question takes as text, for an answer of the wrong kind."""
    field = field_of(step)
    if field is None:
        return None
    kind = field_spec(field).kind
    if kind is AnswerKind.NUMBER:
        return t._("Please send the number of pieces, e.g. <code>3</code>.")
    if kind is AnswerKind.DATE:
        return t._("Please send the date, e.g. <code>20.11.2026</code>.")
    return t._("Please answer in a few words.")


def _value(t: Translator, value: FactValue) -> str:
    if isinstance(value, date):
        return t.date(datetime(value.year, value.month, value.day, 12, tzinfo=UTC), UTC)
    if isinstance(value, StrEnum):  # a choice (plain strings are typed text)
        return wording.choice_label(cast(ChoiceEnum, value), catalog(t))
    if isinstance(value, int):
        return t.number(value)
    return html.escape(value)


def fact_rows(t: Translator, d: Dispute) -> list[tuple[str, str]]:
    """The facts the buyer gave for the case's reason, as (label, value) in the asking order."""
    facts = facts_for_reason(d.facts, d.reason)
    if facts is None:
        return []
    cat = catalog(t)
    return [
        (wording.field_label(field, cat), _value(t, value))
        for field in FACT_STEP
        if (value := facts.get(field)) is not None
    ]
