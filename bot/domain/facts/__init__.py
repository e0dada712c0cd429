"""The facts of a case, per reason (issue 13 §1): what the wizard asks, what the claim says.

- model.py: the `Facts` value (frozen, all optional, JSON in and out) and the choice enums.
- questions.py: for each reason, the questions in order (`QUESTIONS`), and `with_answer`.
- answers.py: checking a typed answer (`parse_answer`), and `as_english`, which decides whether
  the buyer's words can stand in the English claim.
- wording.py: the prompts, button labels and error texts, as gettext message ids.

The claim itself is written in bot/domain/claim.py. No Telegram, no storage.
"""

from __future__ import annotations

from bot.domain.facts.answers import (
    AnswerError,
    AnswerErrorCode,
    as_english,
    parse_answer,
    parse_choice,
    parse_count,
    parse_english_title,
    parse_short_text,
    parse_tracking_number,
)
from bot.domain.facts.model import (
    COUNT_MAX,
    SHORT_TEXT_MAX_CHARS,
    TITLE_MAX_CHARS,
    TRACKING_MAX_CHARS,
    TRACKING_MIN_CHARS,
    AnswerKind,
    ChoiceEnum,
    FactField,
    Facts,
    FactsError,
    FactValue,
    Failure,
    FieldSpec,
    Mismatch,
    Packaging,
    SellerReply,
    YesNo,
    field_spec,
)
from bot.domain.facts.questions import (
    QUESTIONS,
    Condition,
    Question,
    fields_for,
    first_question,
    next_question,
    question_for,
    questions_for,
    with_answer,
)

__all__ = [
    "COUNT_MAX",
    "QUESTIONS",
    "SHORT_TEXT_MAX_CHARS",
    "TITLE_MAX_CHARS",
    "TRACKING_MAX_CHARS",
    "TRACKING_MIN_CHARS",
    "AnswerError",
    "AnswerErrorCode",
    "AnswerKind",
    "ChoiceEnum",
    "Condition",
    "FactField",
    "FactValue",
    "Facts",
    "FactsError",
    "Failure",
    "FieldSpec",
    "Mismatch",
    "Packaging",
    "Question",
    "SellerReply",
    "YesNo",
    "as_english",
    "field_spec",
    "fields_for",
    "first_question",
    "next_question",
    "parse_answer",
    "parse_choice",
    "parse_count",
    "parse_english_title",
    "parse_short_text",
    "parse_tracking_number",
    "question_for",
    "questions_for",
    "with_answer",
]
