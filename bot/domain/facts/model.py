"""The facts of a case, per reason: what the claim can say beyond the reason itself.

Every answer is optional (a buyer may skip any question), so every field is optional. Choices are
enums whose values are short stable strings: they go into callback data (64 bytes) and into the
stored JSON, so renaming a value is a migration, not a refactor. The same holds for
`FactField`'s values, the JSON keys.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final, TypeAlias

__all__ = [
    "COUNT_MAX",
    "SHORT_TEXT_MAX_CHARS",
    "TITLE_MAX_CHARS",
    "TRACKING_MAX_CHARS",
    "TRACKING_MIN_CHARS",
    "AnswerKind",
    "ChoiceEnum",
    "FactField",
    "FactValue",
    "Facts",
    "FactsError",
    "Failure",
    "FieldSpec",
    "Mismatch",
    "Packaging",
    "SellerReply",
    "YesNo",
    "field_spec",
]

#: A fact typed in a few words ("100% cotton", "screen", "Arrived at sorting center").
SHORT_TEXT_MAX_CHARS: Final = 100
#: English order-page titles run long; the claim cuts them at a word (claim.py).
TITLE_MAX_CHARS: Final = 300
#: Nobody disputes an order of ten thousand pieces; past this it is a typo.
COUNT_MAX: Final = 9999
#: Postal (S10: 13), Cainiao (LP + 14 digits), courier numbers (up to about 30).
TRACKING_MIN_CHARS: Final = 8
TRACKING_MAX_CHARS: Final = 30


class Mismatch(StrEnum):
    """Not as described: what differs from the listing."""

    SIZE = "size"
    COLOUR = "colour"
    MATERIAL = "material"
    FUNCTION = "function"
    QUANTITY = "qty"
    OTHER = "other"


class Failure(StrEnum):
    """Quality problem or does not work: what fails."""

    NO_POWER = "nopower"
    STOPS = "stops"
    BROKEN_PART = "broken"
    STITCHING = "stitch"
    OTHER = "other"


class Packaging(StrEnum):
    """The state the packaging arrived in (damaged item, empty parcel)."""

    INTACT = "intact"
    CRUSHED = "crushed"
    TORN = "torn"
    WET = "wet"
    BARE = "bare"  # no protective packaging at all


class YesNo(StrEnum):
    YES = "yes"
    NO = "no"


class SellerReply(StrEnum):
    """What the seller answered when the buyer wrote before opening the dispute."""

    NONE = "none"  # no answer
    REFUSED = "refused"
    COUPON = "coupon"  # a coupon or store credit instead of money
    WAIT = "wait"  # asked to wait longer
    TOO_LITTLE = "little"  # offered less than the buyer asks for
    UNRESOLVED = "unres"  # answered, nothing solved


class FactField(StrEnum):
    """One fact; its value is the JSON key and goes into callback data.

    The `Facts` attribute is the member's name in lower case (`FactField.LISTED` ->
    `Facts.listed`).
    """

    MISMATCH = "mis"
    LISTED = "lst"  # what the listing promised
    ARRIVED = "arr"  # what arrived instead
    FAILURE = "fail"
    DAMAGED_PART = "part"
    PACKAGING = "pack"
    ORDERED_COUNT = "nord"
    RECEIVED_COUNT = "nrcv"
    MISSING_WHAT = "miss"
    ORDERED_ITEM = "oitem"
    RECEIVED_ITEM = "ritem"
    BRAND = "brand"
    PAID_SHIPPING = "pship"
    USED_SHIPPING = "uship"
    TRACKING_NUMBER = "trk"
    TRACKING_STATUS = "trks"
    TRACKING_DATE = "trkd"
    PROMISED_BY = "prom"
    SELLER_CONTACTED = "sel"
    SELLER_CONTACTED_ON = "seld"
    SELLER_REPLY = "selr"
    ENGLISH_TITLE = "title"

    @property
    def attr(self) -> str:
        return self.name.lower()


class AnswerKind(StrEnum):
    CHOICE = "choice"  # buttons; the value is one of `FieldSpec.choices`
    NUMBER = "number"  # a positive whole number
    TEXT = "text"  # a few words, one line
    DATE = "date"  # a calendar day


ChoiceEnum: TypeAlias = Mismatch | Failure | Packaging | YesNo | SellerReply
FactValue: TypeAlias = ChoiceEnum | int | str | date


@dataclass(frozen=True, slots=True)
class FieldSpec:
    kind: AnswerKind
    choices: tuple[ChoiceEnum, ...] = ()
    max_chars: int = SHORT_TEXT_MAX_CHARS


def _choice(enum: type[ChoiceEnum]) -> FieldSpec:
    return FieldSpec(AnswerKind.CHOICE, tuple(enum))


_TEXT = FieldSpec(AnswerKind.TEXT)
_DATE = FieldSpec(AnswerKind.DATE)
_NUMBER = FieldSpec(AnswerKind.NUMBER)

_SPECS: Final[dict[FactField, FieldSpec]] = {
    FactField.MISMATCH: _choice(Mismatch),
    FactField.LISTED: _TEXT,
    FactField.ARRIVED: _TEXT,
    FactField.FAILURE: _choice(Failure),
    FactField.DAMAGED_PART: _TEXT,
    FactField.PACKAGING: _choice(Packaging),
    FactField.ORDERED_COUNT: _NUMBER,
    FactField.RECEIVED_COUNT: _NUMBER,
    FactField.MISSING_WHAT: _TEXT,
    FactField.ORDERED_ITEM: _TEXT,
    FactField.RECEIVED_ITEM: _TEXT,
    FactField.BRAND: _TEXT,
    FactField.PAID_SHIPPING: _TEXT,
    FactField.USED_SHIPPING: _TEXT,
    FactField.TRACKING_NUMBER: FieldSpec(AnswerKind.TEXT, max_chars=TRACKING_MAX_CHARS),
    FactField.TRACKING_STATUS: _TEXT,
    FactField.TRACKING_DATE: _DATE,
    FactField.PROMISED_BY: _DATE,
    FactField.SELLER_CONTACTED: _choice(YesNo),
    FactField.SELLER_CONTACTED_ON: _DATE,
    FactField.SELLER_REPLY: _choice(SellerReply),
    FactField.ENGLISH_TITLE: FieldSpec(AnswerKind.TEXT, max_chars=TITLE_MAX_CHARS),
}


def field_spec(field: FactField) -> FieldSpec:
    return _SPECS[field]


class FactsError(ValueError):
    """A `Facts` value that no answer could have produced (bad JSON, wrong type, bad count)."""


_TRACKING = re.compile(rf"[A-Z0-9]{{{TRACKING_MIN_CHARS},{TRACKING_MAX_CHARS}}}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Facts:
    """The answers to the per-reason questions (bot/domain/facts/questions.py); all optional.

    Free text is kept as the buyer typed it, in any language (tidied to one line): the claim
    uses it only when it is English and shows it back otherwise. A `Facts` value is always
    one the parsers could have produced: construction checks every field.
    """

    mismatch: Mismatch | None = None
    listed: str | None = None
    arrived: str | None = None
    failure: Failure | None = None
    damaged_part: str | None = None
    packaging: Packaging | None = None
    ordered_count: int | None = None
    received_count: int | None = None
    missing_what: str | None = None
    ordered_item: str | None = None
    received_item: str | None = None
    brand: str | None = None
    paid_shipping: str | None = None
    used_shipping: str | None = None
    tracking_number: str | None = None
    tracking_status: str | None = None
    tracking_date: date | None = None
    promised_by: date | None = None
    seller_contacted: YesNo | None = None
    seller_contacted_on: date | None = None
    seller_reply: SellerReply | None = None
    english_title: str | None = None

    def __post_init__(self) -> None:
        for field in FactField:
            value = self.get(field)
            if value is not None:
                _check(field, value)
        ordered, received = self.ordered_count, self.received_count
        if ordered is not None and received is not None and received >= ordered:
            raise FactsError(f"received {received} is not fewer than ordered {ordered}")

    def get(self, field: FactField) -> FactValue | None:
        value: FactValue | None = getattr(self, field.attr)
        return value

    def given(self) -> frozenset[FactField]:
        """The fields that hold an answer."""
        return frozenset(f for f in FactField if self.get(f) is not None)

    def replace(self, field: FactField, value: FactValue | None) -> Facts:
        """A copy with one field set (None clears it); checked like any `Facts`."""
        changes: dict[str, Any] = {field.attr: value}  # each value checked in __post_init__
        return dataclasses.replace(self, **changes)

    @classmethod
    def of(cls, values: Mapping[FactField, FactValue | None]) -> Facts:
        """Facts from answers keyed by field; checked like any `Facts`."""
        fields: dict[str, Any] = {field.attr: value for field, value in values.items()}
        return cls(**fields)

    def to_json(self) -> str:
        """Compact JSON keyed by `FactField` values; unanswered fields are left out."""
        data = {field.value: _encode(self.get(field)) for field in sorted(self.given())}
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Facts:
        """The `Facts` that `to_json` wrote; anything else raises `FactsError`."""
        try:
            data = json.loads(text, object_pairs_hook=_unique_keys)
        except (TypeError, ValueError, RecursionError) as error:
            raise FactsError(f"not JSON: {error}") from None
        if not isinstance(data, dict):
            raise FactsError("not a JSON object")
        values: dict[FactField, FactValue] = {}
        for key, raw in data.items():
            try:
                field = FactField(key)
            except ValueError:
                raise FactsError(f"unknown fact {key!r}") from None
            values[field] = _decode(field, raw)
        return cls.of(values)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise FactsError("a fact appears twice")
    return data


def _encode(value: FactValue | None) -> str | int:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, int | str):
        return value
    raise FactsError(f"cannot encode {value!r}")


def _decode(field: FactField, raw: object) -> FactValue:
    spec = field_spec(field)
    if spec.kind is AnswerKind.CHOICE:
        for choice in spec.choices:
            if raw == choice.value:
                return choice
        raise FactsError(f"{field.value}: {raw!r} is not one of its choices")
    if spec.kind is AnswerKind.NUMBER:
        if type(raw) is not int:
            raise FactsError(f"{field.value}: {raw!r} is not a whole number")
        return raw
    if not isinstance(raw, str):
        raise FactsError(f"{field.value}: {raw!r} is not a string")
    if spec.kind is AnswerKind.DATE:
        if not _ISO_DATE.fullmatch(raw):
            raise FactsError(f"{field.value}: {raw!r} is not a YYYY-MM-DD date")
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise FactsError(f"{field.value}: {raw!r} is not a date") from None
    return raw


def _check(field: FactField, value: FactValue) -> None:
    """One field's value as a parser would have produced it."""
    spec = field_spec(field)
    if spec.kind is AnswerKind.CHOICE:
        ok = any(value is choice for choice in spec.choices)
    elif spec.kind is AnswerKind.NUMBER:
        ok = type(value) is int and 1 <= value <= COUNT_MAX
    elif spec.kind is AnswerKind.DATE:
        ok = type(value) is date
    elif not isinstance(value, str):
        ok = False
    elif field is FactField.TRACKING_NUMBER:
        ok = _TRACKING.fullmatch(value) is not None
    else:
        ok = 0 < len(value) <= spec.max_chars and value == " ".join(value.split())
    if not ok:
        raise FactsError(f"{field.value}: {value!r} is not a valid answer")
