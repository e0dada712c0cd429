"""Checking each answer to a fact question, and telling English text from any other.

Pure, like bot/domain/parsing.py, whose `ParseError` codes are reused where they fit (empty, too
long, the date codes). The codes only these answers need are `AnswerErrorCode`: kept apart from
`ParseErrorCode`, whose every member the handlers' error texts are proved (by mypy) to cover.
A view catches both: `except (ParseError, AnswerError)`.

Free text is kept in whatever language it was typed: it is the buyer's record. Whether it can go
into the English claim is `as_english`'s question, asked when the claim is written. Only the
title for the claim is refused outright when it is not English, because it is asked for as the
English order page shows it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from typing import Final

from bot.domain.dates import parse_calendar_date
from bot.domain.facts.model import (
    COUNT_MAX,
    TRACKING_MAX_CHARS,
    TRACKING_MIN_CHARS,
    AnswerKind,
    ChoiceEnum,
    FactField,
    Facts,
    FactValue,
    field_spec,
)
from bot.domain.parsing import ParseError, ParseErrorCode

__all__ = [
    "AnswerError",
    "AnswerErrorCode",
    "as_english",
    "parse_answer",
    "parse_choice",
    "parse_count",
    "parse_english_title",
    "parse_short_text",
    "parse_tracking_number",
]


class AnswerErrorCode(StrEnum):
    """Why an answer to a fact question was refused. Stable strings: views pick the text."""

    CHOOSE_A_BUTTON = "choose_button"  # a typed answer (or a stale value) to a choice
    NOT_A_COUNT = "not_a_count"  # not a whole number of pieces
    COUNT_TOO_LARGE = "count_too_large"  # params: max
    RECEIVED_NOT_FEWER = "received_not_fewer"  # params: ordered, received
    NOT_A_DATE = "not_a_date"
    TRACKING_MALFORMED = "tracking_malformed"  # not letters and digits, or no digits
    TRACKING_LENGTH = "tracking_length"  # params: min_length, max_length, length
    TRACKING_IS_ORDER_ID = "tracking_is_order"
    NOT_ENGLISH = "not_english"  # the claim's title: letters other than English ones
    LINK_NOT_TITLE = "link"  # the claim's title: a link was pasted


class AnswerError(ValueError):
    """A refused answer: a code and the values its message needs, never a sentence."""

    def __init__(self, code: AnswerErrorCode, **params: object) -> None:
        super().__init__(code.value)
        self.code = code
        self.params: dict[str, object] = dict(params)

    def __repr__(self) -> str:
        return f"AnswerError({self.code.value!r}, {self.params!r})"


# --- English or not -------------------------------------------------------------------------

# Typographic punctuation phones and web pages put in, as its plain ASCII twin. Letters are never
# mapped: that would be transliteration.
_PUNCTUATION: Final = {
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "′": "'",
    "″": '"', "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-", "×": "x", "•": "-",
    "·": "-", "°": " degrees",
}  # fmt: skip
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_WORD = re.compile(r"[A-Za-z]{2,}")
_TRAILING = ".,;:!? "


def _tidy(text: str) -> str:
    """NFKC, no zero-width marks, one ASCII space per run of any whitespace."""
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text))
    return " ".join(text.split())


def as_english(text: str | None, *, min_words: int = 0) -> str | None:
    """`text` as it can stand in the English claim, or None when it is not English.

    English here means: every letter is an English (ASCII) letter. Typographic punctuation
    becomes its ASCII twin and emoji and other pictographs are dropped; a letter from any other
    alphabet (Cyrillic, accented Latin, Chinese) means the text is not English, and it is never
    transliterated. At least one letter or digit must remain, and `min_words` words of two or
    more letters (a description needs two, a title one). Trailing punctuation is trimmed, since
    the claim puts the text inside its own sentence.
    """
    if not text:
        return None
    out: list[str] = []
    for ch in _tidy(text):
        if ch.isascii():
            out.append(ch)
        elif ch in _PUNCTUATION:
            out.append(_PUNCTUATION[ch])
        elif unicodedata.category(ch) in ("So", "Sk", "Cf", "Mn", "Me") and not ch.isalnum():
            continue  # emoji, modifiers, stray marks: decoration, not words
        else:
            return None
    english = " ".join("".join(out).split()).rstrip(_TRAILING).strip()
    if not any(ch.isalnum() for ch in english):
        return None
    if len(_WORD.findall(english)) < min_words:
        return None
    return english


# --- the answers ----------------------------------------------------------------------------


_QUOTES: Final = {'"': '"', "'": "'", "«": "»", "“": "”", "„": "“"}


def parse_short_text(text: str, max_chars: int) -> str:
    """A few words on one line, in any language: trimmed, one space between words.

    Quotes around the whole answer (pasted with it) go; quotes inside it stay.
    """
    tidy = _tidy(text)
    if len(tidy) >= 2 and _QUOTES.get(tidy[0]) == tidy[-1]:
        tidy = tidy[1:-1].strip()
    if not any(ch.isalnum() for ch in tidy):
        raise ParseError(ParseErrorCode.EMPTY)
    if len(tidy) > max_chars:
        raise ParseError(ParseErrorCode.TEXT_TOO_LONG, max_length=max_chars, length=len(tidy))
    return tidy


_LINK = re.compile(r"https?://|www\.|\baliexpress\.[a-z]{2,3}/", re.IGNORECASE)


def parse_english_title(text: str, max_chars: int) -> str:
    """The item's title as the English order page shows it; anything else is refused.

    Refused: a link (`LINK_NOT_TITLE`), and a title with letters other than English ones or
    without a word of two English letters (`NOT_ENGLISH`): the wizard then explains where to
    find the English title, or the buyer skips and the claim does not name the item.
    """
    tidy = parse_short_text(text, max_chars)
    if _LINK.search(tidy):
        raise AnswerError(AnswerErrorCode.LINK_NOT_TITLE)
    if as_english(tidy, min_words=1) is None:
        raise AnswerError(AnswerErrorCode.NOT_ENGLISH)
    return tidy


_COUNT = re.compile(
    r"(?P<n>\d{1,6})\s*(?:шт\.?|штук[аи]?|пар[аы]?|pcs?\.?|pieces?|items?|pairs?|x)?",
    re.IGNORECASE,
)


def parse_count(text: str) -> int:
    """A number of pieces: `3`, `3 pcs`, `3 шт`; a positive whole number up to `COUNT_MAX`."""
    tidy = _tidy(text)
    if not tidy:
        raise ParseError(ParseErrorCode.EMPTY)
    match = _COUNT.fullmatch(tidy)
    if match is None:
        raise AnswerError(AnswerErrorCode.NOT_A_COUNT)
    count = int(match["n"])
    if count < 1:
        raise ParseError(ParseErrorCode.NOT_POSITIVE)
    if count > COUNT_MAX:
        raise AnswerError(AnswerErrorCode.COUNT_TOO_LARGE, max=COUNT_MAX)
    return count


# Labels pasted along with the number, and the separators inside it.
_TRACKING_LABEL = re.compile(
    r"^(?:tracking\s*(?:number|no\.?|#)?|track(?:ing)?\s*code|трек[- ]?(?:номер|код)?"
    r"|номер\s+отслеживания)\s*[:.#]?\s*",
    re.IGNORECASE,
)
_TRACKING_SEPARATORS = re.compile(r"[\s\-_.#:/]+")
# Capital Cyrillic letters that look Latin: typed on a Russian keyboard layout, they are meant
# as the Latin letter of a code (these are codes, not words, so this is not transliteration).
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")


def parse_tracking_number(text: str, order_id: str | None = None) -> str:
    """A tracking number: Latin letters and digits, 8 to 30 of them, at least four digits.

    Spaces and dashes are dropped and letters are upper-cased (`lp 0012-3456 789` ->
    `LP00123456789`). The order number pasted by mistake is refused with its own code.
    """
    tidy = _TRACKING_LABEL.sub("", _tidy(text), count=1)
    number = _TRACKING_SEPARATORS.sub("", tidy).upper().translate(_LOOKALIKES)
    if not number:
        raise ParseError(ParseErrorCode.EMPTY)
    if not (number.isascii() and number.isalnum()) or sum(c.isdigit() for c in number) < 4:
        raise AnswerError(AnswerErrorCode.TRACKING_MALFORMED)
    if not TRACKING_MIN_CHARS <= len(number) <= TRACKING_MAX_CHARS:
        raise AnswerError(
            AnswerErrorCode.TRACKING_LENGTH,
            min_length=TRACKING_MIN_CHARS,
            max_length=TRACKING_MAX_CHARS,
            length=len(number),
        )
    if order_id is not None and number == order_id:
        raise AnswerError(AnswerErrorCode.TRACKING_IS_ORDER_ID)
    return number


def parse_choice(field: FactField, value: str) -> ChoiceEnum:
    """A button's value (from callback data) for a choice question."""
    for choice in field_spec(field).choices:
        if choice.value == value:
            return choice
    raise AnswerError(AnswerErrorCode.CHOOSE_A_BUTTON)


def _check_counts(field: FactField, count: int, facts: Facts) -> None:
    ordered = count if field is FactField.ORDERED_COUNT else facts.ordered_count
    received = count if field is FactField.RECEIVED_COUNT else facts.received_count
    if ordered is not None and received is not None and received >= ordered:
        raise AnswerError(AnswerErrorCode.RECEIVED_NOT_FEWER, ordered=ordered, received=received)


def _parse_date(field: FactField, text: str, today: date) -> date:
    # The promised delivery date may still be ahead; a contact or a tracking update has happened.
    allow_future = field is FactField.PROMISED_BY
    try:
        return parse_calendar_date(text, today, allow_future=allow_future)
    except ParseError as error:
        if error.code is ParseErrorCode.NOT_A_DATE:
            raise AnswerError(AnswerErrorCode.NOT_A_DATE) from None
        raise


def parse_answer(
    field: FactField, text: str, facts: Facts, *, today: date, order_id: str | None = None
) -> FactValue:
    """The checked value of a typed answer (or a button's value) to `field`'s question.

    `facts` are the answers so far (the counts are checked against each other), `today` the
    buyer's own date, `order_id` the case's order (a tracking number must differ from it).
    Raises `ParseError` or `AnswerError`.
    """
    spec = field_spec(field)
    if spec.kind is AnswerKind.CHOICE:
        return parse_choice(field, text.strip())
    if spec.kind is AnswerKind.NUMBER:
        count = parse_count(text)
        _check_counts(field, count, facts)
        return count
    if spec.kind is AnswerKind.DATE:
        return _parse_date(field, text, today)
    if field is FactField.TRACKING_NUMBER:
        return parse_tracking_number(text, order_id)
    if field is FactField.ENGLISH_TITLE:
        return parse_english_title(text, spec.max_chars)
    return parse_short_text(text, spec.max_chars)
