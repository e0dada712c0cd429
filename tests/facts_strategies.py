"""Hypothesis strategies for `Facts`: any value the parsers could produce, in any language."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from bot.domain.facts import (
    COUNT_MAX,
    TRACKING_MAX_CHARS,
    TRACKING_MIN_CHARS,
    AnswerKind,
    FactField,
    Facts,
    FactValue,
    field_spec,
)

# English words, Russian words, and the characters phones put in between.
_WORDS = st.sampled_from(
    [
        "cotton", "100%", "size", "XL", "M", "red", "blue", "screen", "charger", "Xiaomi",
        "DHL", "China", "Post", "Arrived", "at", "sorting", "center", "polyester", "65%",
        "Women's", "leggings", "3", "pcs", "хлопок", "красный", "экран", "зарядка", "шт",
        "“quoted”", "—", "🔥", "café", "42", "x", "'s", "No.", "Wi-Fi",
    ]
)  # fmt: skip


@st.composite
def short_texts(draw: st.DrawFn, max_chars: int = 100) -> str:
    words = draw(st.lists(_WORDS, min_size=1, max_size=12))
    text = " ".join(words)[:max_chars].strip()
    return text if any(ch.isalnum() for ch in text) else "cotton"


def tracking_numbers() -> st.SearchStrategy[str]:
    return st.from_regex(
        rf"[A-Z]{{2}}[0-9]{{{TRACKING_MIN_CHARS - 2},{TRACKING_MAX_CHARS - 4}}}[A-Z]{{0,2}}",
        fullmatch=True,
    )


def _value(field: FactField) -> st.SearchStrategy[FactValue]:
    spec = field_spec(field)
    if spec.kind is AnswerKind.CHOICE:
        return st.sampled_from(spec.choices)
    if spec.kind is AnswerKind.NUMBER:
        return st.integers(min_value=1, max_value=COUNT_MAX)
    if spec.kind is AnswerKind.DATE:
        return st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 12, 1))
    if field is FactField.TRACKING_NUMBER:
        return tracking_numbers()
    return short_texts(spec.max_chars)


@st.composite
def facts_values(draw: st.DrawFn) -> Facts:
    """Any subset of the fields answered; the counts kept consistent (fewer came)."""
    values: dict[FactField, FactValue | None] = {}
    for field in FactField:
        values[field] = draw(st.none() | _value(field))
    ordered, received = values[FactField.ORDERED_COUNT], values[FactField.RECEIVED_COUNT]
    if isinstance(ordered, int) and isinstance(received, int) and received >= ordered:
        values[FactField.RECEIVED_COUNT] = ordered - 1 or None
    return Facts.of(values)
