"""Callback data as types: one small frozen dataclass per button namespace.

On the wire a press is `<prefix>:<field>:<field>...`: ASCII, at most 64 bytes (Telegram's
limit), the same strings as before this module existed, so buttons already in buyers' chats
keep working across an upgrade. In code it is a typed object: a view builds a button from one
(`OpenCard(d.id)`), and a handler receives one, parsed once by its `pattern`
(bot/handlers/dispatch.py's `Press`).

Nothing in callback data is trusted. `parse` returns None for anything that is not exactly one
of these shapes (wrong prefix, wrong field count, a non-ASCII digit, an unknown enum value, a
choice the bot never offered), and such a press reaches the one fallback that answers "This
button is out of date" (bot/app.py). A dispute id that parses is still only a number: handlers
look it up scoped by the presser's own user id, so it never reaches another buyer's case.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar, Literal, Self

from bot.domain.lifecycle import Action
from bot.domain.models import DeadlineField, RefundOption
from bot.domain.negotiation.vocabulary import FAIR_SIGNALS, TRICKS
from bot.i18n import LANGUAGES

MAX_CALLBACK_BYTES = 64
SEPARATOR = ":"
MAX_ID = 2**63 - 1  # SQLite's INTEGER range: a larger "id" cannot name any row
FLAG = "y"  # a bool field is this word when true, and absent when false (last field only)

# What the settings buttons may carry. A press with anything else is out of date.
WAKING_CHOICES: tuple[tuple[int, int], ...] = ((7, 22), (8, 22), (9, 21), (10, 23), (0, 24))
COMMON_ZONES: tuple[str, ...] = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Vladivostok",
    "Europe/Kyiv",
    "Europe/Minsk",
    "Asia/Almaty",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)


def parse_int(text: str) -> int | None:
    """A number from callback data, or None. Only ASCII digits in SQLite's range: `str.isdigit`
    also accepts "²" and "٣", which `int()` or SQLite then refuse with an exception."""
    if not text.isascii() or not text.isdecimal() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def _convert(kind: Any, text: str) -> object | None:
    """One field from its wire text, or None when it does not fit the field's type."""
    if kind is int:
        return parse_int(text)
    if kind is str:
        return text if text and text.isascii() else None
    if kind is bool:
        return True if text == FLAG else None
    if typing.get_origin(kind) is Literal:
        return text if text in typing.get_args(kind) else None
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        try:
            return kind(text)
        except ValueError:
            return None
    raise TypeError(f"callback field type {kind!r} is not supported")


def _wire(value: object) -> str:
    if isinstance(value, bool):
        return FLAG
    return str(value)


@dataclass(frozen=True, slots=True)
class CallbackData:
    """Base of every namespace: `pack()` for a button, `parse()` for a press."""

    prefix: ClassVar[str] = ""

    def __init_subclass__(cls, prefix: str | None = None) -> None:
        """`class OpenCard(CaseData, prefix="st")`: the namespace's word on the wire. (No
        `super()` here: a slots dataclass is rebuilt, and its `super()` cell goes stale.)"""
        if prefix is not None:
            cls.prefix = prefix

    def pack(self) -> str:
        """The wire form; refuses what Telegram would reject or `parse` could not read back."""
        parts = [self.prefix]
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) and not value:
                continue  # a false flag is the field's absence
            parts.append(_wire(value))
        for part in parts:
            if SEPARATOR in part or not part.isascii() or not part:
                raise ValueError(f"callback field {part!r} must be non-empty ASCII without ':'")
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data {data!r} is longer than {MAX_CALLBACK_BYTES} bytes")
        return data

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """The press as this type, or None when it is not one of ours or does not fit."""
        if not isinstance(data, str) or len(data.encode()) > MAX_CALLBACK_BYTES:
            return None
        prefix, _, rest = data.partition(SEPARATOR)
        if not cls.prefix or prefix != cls.prefix:  # a base class is no namespace
            return None
        parts = rest.split(SEPARATOR) if rest else []
        shape = _shape(cls)
        required = sum(1 for _, _, optional in shape if not optional)
        if not required <= len(parts) <= len(shape):
            return None
        values: dict[str, object] = {}
        for (name, kind, _), text in zip(shape, parts, strict=False):
            value = _convert(kind, text)
            if value is None:
                return None
            values[name] = value
        parsed = cls(**values)
        return parsed if parsed.valid() else None

    def valid(self) -> bool:
        """Whether the parsed values are among those the bot offers (overridden where it
        offers a fixed set)."""
        return True


_SHAPES: dict[type[CallbackData], tuple[tuple[str, Any, bool], ...]] = {}


def _shape(cls: type[CallbackData]) -> tuple[tuple[str, Any, bool], ...]:
    """Each field's name, type, and whether it may be left out (only a flag may be)."""
    shape = _SHAPES.get(cls)
    if shape is None:
        hints = typing.get_type_hints(cls)
        shape = tuple((f.name, hints[f.name], hints[f.name] is bool) for f in fields(cls))
        _SHAPES[cls] = shape
    return shape


# --- the namespaces ------------------------------------------------------------------------------
# Each names the module whose handler takes it; bot/app.py lists them all in one table.


@dataclass(frozen=True, slots=True)
class CaseData(CallbackData, prefix=""):
    """A press about one case, named by its id (handled by `CasePress`, which looks it up
    scoped by the presser). Its namespaces differ only in their prefix."""

    dispute_id: int


@dataclass(frozen=True, slots=True)
class WizardPress(CallbackData, prefix="w"):
    """A button of the wizard's current prompt: answered only when `dispute_id` is the
    presser's draft and `step` the step it is on (bot/handlers/wizard/)."""

    dispute_id: int
    step: str
    value: str


@dataclass(frozen=True, slots=True)
class ResumeCase(CaseData, prefix="wx"):
    """ "Continue it" on a case card or the duplicate-order offer (bot/handlers/wizard/)."""

    action: Literal["continue"] = "continue"


@dataclass(frozen=True, slots=True)
class EnterTimer(CaseData, prefix="tmr"):
    """ "Enter the timer from the page" on a case card: the buyer types what their order or
    dispute page shows for `field` (bot/handlers/wizard/timer.py)."""

    field: DeadlineField


class OpenCard(CaseData, prefix="st"):
    """Show one case's card (bot/handlers/status.py)."""

    __slots__ = ()


class SendEvidence(CaseData, prefix="sf"):
    """Send a case's evidence back as albums (bot/handlers/status.py)."""

    __slots__ = ()


class CalendarFile(CaseData, prefix="ics"):
    """A case's deadlines as an .ics file (bot/handlers/status.py)."""

    __slots__ = ()


class StageMenu(CaseData, prefix="stg"):
    """A reminder's "Update the stage": only the moves to record, not the whole card
    (bot/handlers/case_actions.py)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class CaseAction(CaseData, prefix="lc"):
    """Record a lifecycle move; `confirmed` once the buyer read its warnings
    (bot/handlers/case_actions.py)."""

    action: Action
    confirmed: bool = False


class SellerWrote(CaseData, prefix="sw"):
    """ "The seller wrote to me": read the seller's message for this case
    (bot/handlers/negotiation.py)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class ReadFor(CaseData, prefix="rf"):
    """The order a forwarded seller's message is about, picked from several; the reading
    travels with the press, one bit per trick and per fair sign (bot/handlers/negotiation.py)."""

    tricks: int
    fair: int

    def valid(self) -> bool:
        return self.tricks < 1 << len(TRICKS) and self.fair < 1 << len(FAIR_SIGNALS)


class OfferStart(CaseData, prefix="of"):
    """ "The seller made an offer": enter what the dispute page shows
    (bot/handlers/negotiation.py)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class OfferOption(CaseData, prefix="oo"):
    """The refund option the seller's offer shows (bot/handlers/negotiation.py)."""

    option: RefundOption


class Mute(CaseData, prefix="mute"):
    """Silence one case's reminders (bot/handlers/reminder_buttons.py)."""

    __slots__ = ()


class Unmute(CaseData, prefix="unmute"):
    """Bring one case's reminders back (bot/handlers/reminder_buttons.py)."""

    __slots__ = ()


MenuItem = Literal["new", "status", "lang", "help"]


@dataclass(frozen=True, slots=True)
class Menu(CallbackData, prefix="menu"):
    """The main menu under /start (new: the wizard; status; lang, help: bot/handlers/common.py)."""

    item: MenuItem


@dataclass(frozen=True, slots=True)
class ChooseLanguage(CallbackData, prefix="lang"):
    """A language picked in /language (bot/handlers/common.py)."""

    language: str

    def valid(self) -> bool:
        return self.language in LANGUAGES


@dataclass(frozen=True, slots=True)
class ChooseZone(CallbackData, prefix="tz"):
    """A time zone picked in /timezone; "/" travels as "." (bot/handlers/settings.py)."""

    zone: str

    @classmethod
    def of(cls, name: str) -> ChooseZone:
        return cls(name.replace("/", "."))

    @property
    def name(self) -> str:
        return self.zone.replace(".", "/")

    def valid(self) -> bool:
        return self.name in COMMON_ZONES


@dataclass(frozen=True, slots=True)
class ChooseHours(CallbackData, prefix="hrs"):
    """Waking hours picked in /timezone (bot/handlers/settings.py)."""

    start: int
    end: int

    def valid(self) -> bool:
        return (self.start, self.end) in WAKING_CHOICES


@dataclass(frozen=True, slots=True)
class DeleteData(CallbackData, prefix="del"):
    """The answer to /deletedata's question (bot/handlers/settings.py)."""

    answer: Literal["yes", "no"]


#: Every namespace, for tests and for the registration table's completeness check.
NAMESPACES: tuple[type[CallbackData], ...] = (
    WizardPress,
    ResumeCase,
    EnterTimer,
    OpenCard,
    SendEvidence,
    CalendarFile,
    StageMenu,
    CaseAction,
    SellerWrote,
    ReadFor,
    OfferStart,
    OfferOption,
    Mute,
    Unmute,
    Menu,
    ChooseLanguage,
    ChooseZone,
    ChooseHours,
    DeleteData,
)
