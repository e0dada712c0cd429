"""The one table of dispute timings: every deadline and reminder offset the bot uses.

Why one table: "where is the 5-day seller rule?" must have one answer, every number must say
which guide it came from (``SOURCES``, whose labels docs/rules.md explains, with every rule's
default and meaning), and an operator must be able to change a number (some guides say 15 days
of negotiation, not 7) without touching code, through ``rules_from_overrides``. What a buyer
reads off their own order page beats this table: those values are stored on the dispute itself
and this table only fills the gaps.

Fields marked "information" are never used to schedule anything: AliExpress does not publish
them as hard timers, so the bot only shows them as expectations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import Final

DAY: Final = timedelta(days=1)
HOUR: Final = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Rules:
    """Default timings. Durations are ``timedelta``; counts of business days are ``int``.

    Reminder offsets are "how long before the deadline"; ``timedelta(0)`` means "when the
    deadline ends". They are tuples so an operator can add or drop a reminder by config.
    """

    # Seller must answer an opened dispute, else it closes in the buyer's favour.
    seller_answer: timedelta = timedelta(days=5)
    # Negotiation before AliExpress escalates automatically (counted from opening).
    negotiation_before_escalation: timedelta = timedelta(days=7)
    # Time to answer an evidence request from AliExpress's mediators.
    evidence_response: timedelta = timedelta(days=3)
    # Escalated review (information).
    escalated_review_min: timedelta = timedelta(days=15)
    escalated_review_max: timedelta = timedelta(days=60)
    # Refund arrival after a decision, business days (information).
    refund_arrival_min_business_days: int = 3
    refund_arrival_max_business_days: int = 20
    # A dispute can be opened at most this long after receipt was confirmed.
    receipt_confirmation_window: timedelta = timedelta(days=15)
    # A return parcel must be posted within this after the return was agreed.
    return_post_window: timedelta = timedelta(days=10)
    # Ask "has the refund arrived?" this long after a win.
    refund_followup_after_win: timedelta = timedelta(days=15)
    # Protection length when the buyer knows nothing better (information only: never used to
    # invent a deadline, the buyer's order page is the truth).
    protection_default_days: int = 60

    # Eligibility warnings (advice, never a block: bot/domain/eligibility.py). Less than this
    # left of buyer protection: open the dispute now, or ask the seller to extend it.
    protection_ending_warning: timedelta = timedelta(days=3)
    # Less than this left of the window after confirming receipt: open the dispute now.
    receipt_window_closing_warning: timedelta = timedelta(days=3)
    # A non-delivery dispute sooner than this after shipment may be refused until the
    # promised delivery time.
    shipped_min_age: timedelta = timedelta(days=10)

    # Reminder offsets before each deadline.
    protection_reminders: tuple[timedelta, ...] = (7 * DAY, 3 * DAY, DAY)
    seller_reminders: tuple[timedelta, ...] = (DAY, timedelta(0))
    escalation_reminders: tuple[timedelta, ...] = (DAY,)
    evidence_reminders: tuple[timedelta, ...] = (48 * HOUR, 24 * HOUR, 3 * HOUR)
    return_reminders: tuple[timedelta, ...] = (3 * DAY, DAY)
    refund_followup_reminders: tuple[timedelta, ...] = (timedelta(0),)

    def __post_init__(self) -> None:
        # Validation lives here so a hand-built Rules is as safe as a parsed one.
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, timedelta) and value <= timedelta(0):
                raise ValueError(f"rule {f.name!r} must be positive, got {value}")
            if isinstance(value, int) and value <= 0:
                raise ValueError(f"rule {f.name!r} must be positive, got {value}")
            if isinstance(value, tuple):
                if not value:
                    raise ValueError(f"rule {f.name!r} needs at least one offset")
                if any(o < timedelta(0) for o in value):
                    raise ValueError(f"rule {f.name!r} has a negative offset")
                if len(set(value)) != len(value):
                    raise ValueError(f"rule {f.name!r} repeats an offset")
        if self.escalated_review_min > self.escalated_review_max:
            raise ValueError("rule 'escalated_review_min' exceeds 'escalated_review_max'")
        if self.refund_arrival_min_business_days > self.refund_arrival_max_business_days:
            raise ValueError(
                "rule 'refund_arrival_min_business_days' exceeds 'refund_arrival_max_business_days'"
            )


DEFAULT_RULES: Final = Rules()

#: Where each number comes from: "guide A", "guide B" and "ours" are described in docs/rules.md.
SOURCES: Final[dict[str, str]] = {
    "seller_answer": "guide A (seller reviews within 5 days), guide B (5 days of silence)",
    "negotiation_before_escalation": (
        "guide A (escalates after 7 days), guide B (7 days to agree; elsewhere 15 days)"
    ),
    "evidence_response": "guide B (time frame for evidence, usually 3 days)",
    "escalated_review_min": "guide B (15-60 days; elsewhere 14 to 60)",
    "escalated_review_max": "guide B (15-60 days)",
    "refund_arrival_min_business_days": "guide A (within three days of approval)",
    "refund_arrival_max_business_days": "guide B (5-15 days); the generous bound is ours",
    "receipt_confirmation_window": "guide B (no later than 15 days after confirming receipt)",
    "return_post_window": "ours (guides: about 10 days after agreement, no firm rule)",
    "refund_followup_after_win": "ours (ask 15 days after a win, from guide B's refund times)",
    "protection_default_days": "guide A (protection usually 60-90 days)",
    "protection_ending_warning": "guide B (less than three days of protection left: open now)",
    "receipt_window_closing_warning": "ours (guide B's three-day margin, applied to this window)",
    "shipped_min_age": "guide B (not earlier than 10 days from the date of shipment)",
    "protection_reminders": "ours (7 days, 3 days, 1 day before)",
    "seller_reminders": "ours (1 day before and when it ends)",
    "escalation_reminders": "ours (1 day before); guide A: re-check the terms first",
    "evidence_reminders": "ours (48 h, 24 h, 3 h before)",
    "return_reminders": "ours (3 and 1 days before)",
    "refund_followup_reminders": "ours (when the follow-up is due)",
}


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """What AliExpress's dispute form takes as evidence, and how much the bot keeps per case.

    Not timings, so not in ``Rules`` and not overridable by DISPUTE_RULES: these are
    AliExpress's own limits (the bot only warns where its form would refuse a file) and one
    safety bound of ours. docs/rules.md lists them beside the timings.
    """

    # Photos: jpg/jpeg/bmp/gif/png up to 2 MB each.
    photo_max_bytes: int = 2 * 1024 * 1024
    photo_types: frozenset[str] = frozenset(
        {"image/jpeg", "image/png", "image/bmp", "image/gif", "image/x-ms-bmp"}
    )
    photo_extensions: frozenset[str] = frozenset({"jpg", "jpeg", "png", "bmp", "gif"})
    # Videos: up to 500 MB in 3GP, MP4, MPV, MOV, RM, RMVB, AVI, MPEG, WMV, DAT, VOB, FLV.
    video_max_bytes: int = 500 * 1024 * 1024
    video_extensions: frozenset[str] = frozenset(
        {"3gp", "mp4", "mpv", "mov", "rm", "rmvb", "avi", "mpeg", "mpg", "wmv", "dat", "vob", "flv"}
    )
    # Files kept per case: AliExpress's form takes a handful; 30 covers any real case.
    max_evidence: int = 30


UPLOAD_LIMITS: Final = UploadLimits()

#: Where each upload limit comes from (the labels of ``SOURCES``).
UPLOAD_SOURCES: Final[dict[str, str]] = {
    "photo_max_bytes": "guide B (photos up to 2 MB each)",
    "photo_types": "guide B (jpg, jpeg, bmp, gif, png)",
    "photo_extensions": "guide B (jpg, jpeg, bmp, gif, png)",
    "video_max_bytes": "guide B (video up to 500 MB)",
    "video_extensions": "guide B (3GP, MP4, MPV, MOV, RM, RMVB, AVI, MPEG, WMV, DAT, VOB, FLV)",
    "max_evidence": "ours (room for any real case; more is refused politely)",
}

_DURATION_RE: Final = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")


def parse_duration(text: str) -> timedelta:
    """Parse ``5d``, ``72h``, ``30m`` or a combination such as ``1d12h``; ``0`` is zero.

    Deliberately tiny: config values are written by an operator, so anything unusual is an
    error rather than a guess.
    """
    s = text.strip().lower().replace(" ", "")
    if s == "0":
        return timedelta(0)
    m = _DURATION_RE.fullmatch(s)
    if not s or m is None or not any(m.groups()):
        raise ValueError(f"not a duration: {text!r} (use e.g. 5d, 72h, 30m, 1d12h)")
    d, h, mi = (int(g) if g else 0 for g in m.groups())
    return timedelta(days=d, hours=h, minutes=mi)


def _parse_int_days(key: str, text: str) -> int:
    s = text.strip().lower()
    if s.endswith("d"):
        s = s[:-1]
    if not s.isdigit():
        raise ValueError(f"rule {key!r}: expected a whole number of days, got {text!r}")
    return int(s)


def rules_from_overrides(overrides: Mapping[str, str], *, base: Rules = DEFAULT_RULES) -> Rules:
    """Build Rules from config strings such as ``{"negotiation_before_escalation": "15d"}``.

    Duration fields take ``d``/``h``/``m`` durations, offset tuples a comma-separated list
    (``"7d,3d,1d"``), day counts a plain integer. Every error names the key, so a typo in a
    deployment's settings is a one-line fix, not a hunt.
    """
    by_name = {f.name: f for f in fields(Rules)}
    changes: dict[str, object] = {}
    for key, raw in overrides.items():
        if key not in by_name:
            known = ", ".join(sorted(by_name))
            raise ValueError(f"unknown rule {key!r} (known: {known})")
        current = getattr(base, key)
        try:
            if isinstance(current, tuple):
                parts = [p for p in raw.split(",") if p.strip()]
                changes[key] = tuple(parse_duration(p) for p in parts)
            elif isinstance(current, timedelta):
                changes[key] = parse_duration(raw)
            else:
                changes[key] = _parse_int_days(key, raw)
        except ValueError as exc:
            if str(exc).startswith(f"rule {key!r}"):
                raise
            raise ValueError(f"rule {key!r}: {exc}") from exc
    try:
        return replace(base, **changes)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"invalid rule overrides: {exc}") from exc


def format_duration(value: timedelta) -> str:
    """The inverse of ``parse_duration``: ``5d``, ``72h``, ``1d12h``, ``30m``, ``0``."""
    minutes = int(value.total_seconds() // 60)
    if minutes == 0:
        return "0"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return "".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (mins, "m")) if n)


def rule_settings(rules: Rules = DEFAULT_RULES) -> list[tuple[str, str]]:
    """Every rule as ``(name, value)`` in DISPUTE_RULES' own syntax, in the table's order."""
    out: list[tuple[str, str]] = []
    for f in fields(rules):
        value = getattr(rules, f.name)
        if isinstance(value, tuple):
            text = ",".join(format_duration(v) for v in value)
        elif isinstance(value, timedelta):
            text = format_duration(value)
        else:
            text = str(value)
        out.append((f.name, text))
    return out
