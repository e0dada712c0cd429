"""The reminder plan: which reminders a case needs now, and when each one is sent.

Pure and deterministic: the same case, rules, time zone and ``now`` always give the same plan,
so the caller can re-plan after every move and upsert rows keyed by (dispute, kind, deadline)
without duplicates. All instants in and out are UTC-aware; ``tz`` only decides what "night" is.

Waking hours, precisely. ``waking = (from_hour, to_hour)`` is the local window
``[from_hour:00, to_hour:00)``; ``from_hour > to_hour`` wraps past midnight, ``from == to``
(or ``(0, 24)``) means "any time". A reminder is nominally due at ``deadline - offset``:

1. inside the window: sent then;
2. outside: moved EARLIER to the last waking minute at or before it, i.e. ``to_hour - 1``:59
   local (a night reminder comes the evening before; never later, since later could be after
   the deadline, and a reminder must never be later than its deadline);
3. if that moved (or nominal) time is already before ``now``: sent ``now`` if ``now`` is in
   waking hours; else at the next window start if that is still before the deadline; else
   ``now`` anyway. (We prefer the next window start to the last waking minute before the
   deadline, and ``now`` to the deadline itself: both give the buyer more time to act. A
   reminder at the deadline can no longer help, so a night message beats a useless one.)

Reminders of one deadline that land on the same instant (typically several stale ones clamped
to ``now``) collapse into the one closest to the deadline: one message, the most urgent text.
A deadline already past plans nothing: ``catch_up`` deals with what was missed, and
``catch_up_due`` keeps what it sends in waking hours whenever the deadline allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Final, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.domain.lifecycle import MONEY_OUTCOMES
from bot.domain.models import Dispute, Stage
from bot.domain.rules import Rules

_MINUTE: Final = timedelta(minutes=1)


class ReminderFamily(StrEnum):
    """Which deadline a reminder is about. A reminder kind is ``<family>_<offset label>``."""

    PROTECTION = "protection"  # buyer protection ends and no dispute is open yet
    RECEIPT = "receipt"  # 15-day window after confirming receipt ends (if sooner)
    SELLER = "seller"  # the seller's answer window ends
    ESCALATION = "escalation"  # automatic escalation
    EVIDENCE = "evidence"  # evidence requested by AliExpress is due
    RETURN = "return"  # the return parcel must be posted
    REFUND = "refund"  # refund should have arrived after a win (a follow-up, not a loss)
    LATE = "late"  # the extra time to open a dispute after protection ended runs out
    REVIEW = "review"  # the escalated dispute's page timer, as the buyer read it, runs out

    @property
    def unit(self) -> timedelta:
        """The unit a kind label counts in: hours for the short evidence timer, else days."""
        return timedelta(hours=1) if self is ReminderFamily.EVIDENCE else timedelta(days=1)

    @property
    def unit_suffix(self) -> str:
        return "h" if self is ReminderFamily.EVIDENCE else "d"


#: Families whose "deadline" is a follow-up moment, not something the buyer can miss: a late
#: reminder is still worth sending as is, never worth a "deadline passed" notice.
INFORMATIONAL_FAMILIES: Final = frozenset({ReminderFamily.REFUND, ReminderFamily.REVIEW})


class ReminderKind(StrEnum):
    """The kinds the default rules produce (stable DB keys and message-catalog keys).

    Offsets changed by config produce other labels by the same rule (``kind_for``).
    """

    PROTECTION_7D = "protection_7d"
    PROTECTION_3D = "protection_3d"
    PROTECTION_1D = "protection_1d"
    RECEIPT_7D = "receipt_7d"
    RECEIPT_3D = "receipt_3d"
    RECEIPT_1D = "receipt_1d"
    SELLER_1D = "seller_1d"
    SELLER_END = "seller_end"
    ESCALATION_1D = "escalation_1d"
    EVIDENCE_48H = "evidence_48h"
    EVIDENCE_24H = "evidence_24h"
    EVIDENCE_3H = "evidence_3h"
    RETURN_3D = "return_3d"
    RETURN_1D = "return_1d"
    REFUND_END = "refund_end"
    LATE_7D = "late_7d"
    LATE_3D = "late_3d"
    LATE_1D = "late_1d"
    REVIEW_END = "review_end"


def offset_label(family: ReminderFamily, offset: timedelta) -> str:
    """``end`` for zero; else a whole count of the family's unit (``7d``, ``48h``), falling
    back to hours then minutes for odd config values."""
    if offset == timedelta(0):
        return "end"
    for unit, suffix in ((family.unit, family.unit_suffix), (timedelta(hours=1), "h")):
        if offset % unit == timedelta(0):
            return f"{offset // unit}{suffix}"
    return f"{offset // _MINUTE}m"


def kind_for(family: ReminderFamily, offset: timedelta) -> str:
    return f"{family.value}_{offset_label(family, offset)}"


def family_of(kind: str) -> str:
    """The family part of a kind (``seller_end`` -> ``seller``); kinds are never reparsed
    for offsets, the deadline and due instants are stored beside them."""
    return kind.rpartition("_")[0] or kind


@dataclass(frozen=True, slots=True)
class Deadline:
    family: ReminderFamily
    at: datetime


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    kind: str
    deadline_at: datetime
    due_at: datetime

    @property
    def family(self) -> str:
        return family_of(self.kind)


def _offsets(rules: Rules, family: ReminderFamily) -> tuple[timedelta, ...]:
    return {
        ReminderFamily.PROTECTION: rules.protection_reminders,
        ReminderFamily.RECEIPT: rules.protection_reminders,
        ReminderFamily.SELLER: rules.seller_reminders,
        ReminderFamily.ESCALATION: rules.escalation_reminders,
        ReminderFamily.EVIDENCE: rules.evidence_reminders,
        ReminderFamily.RETURN: rules.return_reminders,
        ReminderFamily.REFUND: rules.refund_followup_reminders,
        ReminderFamily.LATE: rules.late_dispute_reminders,
        ReminderFamily.REVIEW: rules.review_reminders,
    }[family]


_BEFORE_OPENING: Final = frozenset({Stage.TRACKING, Stage.DRAFT, Stage.READY})
_NEGOTIATION: Final = frozenset(
    {Stage.OPENED, Stage.SELLER_ACCEPTED, Stage.SELLER_COUNTERED, Stage.SELLER_REJECTED}
)


def active_deadlines(d: Dispute, rules: Rules) -> list[Deadline]:
    """The deadlines that matter in the case's current stage, earliest first.

    Also what ``/status`` shows as "next deadline" and what a calendar export lists.
    """
    out: list[Deadline] = []
    if d.stage in _BEFORE_OPENING:
        out.extend(_opening_deadlines(d, rules))
    if d.stage is Stage.OPENED and d.seller_deadline is not None:
        out.append(Deadline(ReminderFamily.SELLER, d.seller_deadline))
    if d.stage in _NEGOTIATION and d.escalation_at is not None:
        out.append(Deadline(ReminderFamily.ESCALATION, d.escalation_at))
    if d.stage is Stage.EVIDENCE_REQUESTED and d.evidence_due is not None:
        out.append(Deadline(ReminderFamily.EVIDENCE, d.evidence_due))
    if d.stage is Stage.ESCALATED and d.review_due is not None:
        out.append(Deadline(ReminderFamily.REVIEW, d.review_due))
    if d.return_post_by is not None and (d.stage.is_active or d.outcome in MONEY_OUTCOMES):
        out.append(Deadline(ReminderFamily.RETURN, d.return_post_by))
    if (
        d.stage is Stage.CLOSED
        and d.outcome in MONEY_OUTCOMES
        and d.closed_at is not None
        and d.refund_received_at is None
    ):
        out.append(Deadline(ReminderFamily.REFUND, d.closed_at + rules.refund_followup_after_win))
    out.sort(key=lambda x: (x.at, x.family.value))
    return out


def _opening_deadlines(d: Dispute, rules: Rules) -> list[Deadline]:
    """Before a dispute is opened: protection's end, then (guide B) about 15 more days to
    open one; after confirming receipt, 15 days from the confirmation instead."""
    out: list[Deadline] = []
    if d.protection_end is not None:
        out.append(Deadline(ReminderFamily.PROTECTION, d.protection_end))
        if not d.receipt_confirmed:
            late_end = d.protection_end + rules.late_dispute_window
            out.append(Deadline(ReminderFamily.LATE, late_end))
    if d.receipt_confirmed and d.receipt_confirmed_at is not None:
        # seeds/003: no dispute later than 15 days after confirming receipt. Only worth
        # its own reminders when it closes before protection does.
        window_end = d.receipt_confirmed_at + rules.receipt_confirmation_window
        if d.protection_end is None or window_end < d.protection_end:
            out.append(Deadline(ReminderFamily.RECEIPT, window_end))
    return out


# --- waking hours -------------------------------------------------------------------------


def _check_waking(waking: tuple[int, int]) -> None:
    start, end = waking
    if not (0 <= start <= 23 and 0 <= end <= 24):
        raise ValueError(f"waking hours out of range: {waking}")


def _always_awake(waking: tuple[int, int]) -> bool:
    start, end = waking
    return start == end or (start, end) == (0, 24)


def is_waking(instant: datetime, tz: ZoneInfo, waking: tuple[int, int]) -> bool:
    """Whether ``instant`` falls in ``[from, to)`` local time (wrapping past midnight)."""
    if _always_awake(waking):
        return True
    start, end = waking
    hour = instant.astimezone(tz).hour
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def _wall_to_utc(day: date, offset: timedelta, tz: ZoneInfo) -> datetime:
    """Local wall time ``day 00:00 + offset`` as UTC (a time in a DST gap resolves with the
    pre-transition offset; callers re-check the result, so a gap only costs optimality)."""
    naive = datetime.combine(day, time(0)) + offset
    return naive.replace(tzinfo=tz).astimezone(UTC)


def last_waking_at_or_before(
    instant: datetime, tz: ZoneInfo, waking: tuple[int, int]
) -> datetime | None:
    """The latest waking instant <= ``instant``: itself, or the previous window's last minute."""
    if is_waking(instant, tz, waking):
        return instant
    local_day = instant.astimezone(tz).date()
    end = timedelta(hours=waking[1]) - _MINUTE
    for back in range(3):  # a window ends within ~1 day back; 3 covers DST and wrapping
        cand = _wall_to_utc(local_day - timedelta(days=back), end, tz)
        if cand <= instant and is_waking(cand, tz, waking):
            return cand
    return None  # pragma: no cover - only for degenerate windows


def next_waking_at_or_after(
    instant: datetime, tz: ZoneInfo, waking: tuple[int, int]
) -> datetime | None:
    """The earliest waking instant >= ``instant``: itself, or the next window's start."""
    if is_waking(instant, tz, waking):
        return instant
    local_day = instant.astimezone(tz).date()
    start = timedelta(hours=waking[0])
    for fwd in range(3):
        cand = _wall_to_utc(local_day + timedelta(days=fwd), start, tz)
        if cand >= instant and is_waking(cand, tz, waking):
            return cand
    return None  # pragma: no cover - only for degenerate windows


def place(
    nominal: datetime,
    deadline: datetime,
    tz: ZoneInfo,
    *,
    now: datetime,
    waking: tuple[int, int],
) -> datetime:
    """When to send a reminder nominally due at ``nominal`` (rules in the module docstring).

    Requires ``nominal <= deadline`` and ``now <= deadline``; the result is in
    ``[now, deadline]`` and in waking hours whenever any instant of ``[now, deadline]`` is.
    """
    due = last_waking_at_or_before(nominal, tz, waking)
    if due is not None and due >= now:
        return due
    if is_waking(now, tz, waking):
        return now
    nxt = next_waking_at_or_after(now, tz, waking)
    if nxt is not None and nxt <= deadline:
        return nxt
    return now


def catch_up_due(
    now: datetime, deadline: datetime, tz: ZoneInfo, waking: tuple[int, int]
) -> datetime:
    """When to send a reminder found missed after downtime (``catch_up``'s ``send_now`` or a
    "deadline passed" notice): ``now`` in the buyer's waking hours; otherwise the next waking
    start if the deadline is still ahead then, or already behind (nothing is gained by a
    message at night); ``now`` only when waiting would take it past its deadline."""
    if is_waking(now, tz, waking):
        return now
    nxt = next_waking_at_or_after(now, tz, waking)
    if nxt is not None and (nxt <= deadline or deadline < now):
        return nxt
    return now


def _require_utc_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def plan_reminders(
    d: Dispute,
    rules: Rules,
    tz: ZoneInfo,
    *,
    now: datetime,
    waking: tuple[int, int] = (9, 21),
) -> list[PlannedReminder]:
    """Every reminder the case needs from ``now`` on, sorted by due time.

    Muted cases plan nothing (the buyer asked for silence; deadlines still show in /status).
    Past deadlines plan nothing. See the module docstring for waking hours and collapsing.
    """
    _require_utc_aware("now", now)
    _check_waking(waking)
    now = now.astimezone(UTC)
    if d.muted:
        return []
    out: list[PlannedReminder] = []
    for deadline in active_deadlines(d, rules):
        out.extend(_plan_one(deadline, _offsets(rules, deadline.family), tz, now, waking))
    out.sort(key=lambda r: (r.due_at, r.deadline_at, r.kind))
    return out


def _plan_one(
    deadline: Deadline,
    offsets: Iterable[timedelta],
    tz: ZoneInfo,
    now: datetime,
    waking: tuple[int, int],
) -> Iterator[PlannedReminder]:
    at = deadline.at.astimezone(UTC)
    if at < now:
        return
    # Smallest offset first, so the most urgent reminder wins a shared due instant.
    by_due: dict[datetime, PlannedReminder] = {}
    for offset in sorted(set(offsets)):
        due = place(at - offset, at, tz, now=now, waking=waking)
        if due not in by_due:
            by_due[due] = PlannedReminder(kind_for(deadline.family, offset), at, due)
    yield from by_due.values()


# --- catch-up after downtime --------------------------------------------------------------


class ReminderLike(Protocol):
    """A stored reminder row or a PlannedReminder: anything with these three fields."""

    @property
    def kind(self) -> str: ...
    @property
    def deadline_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime: ...


R = TypeVar("R", bound=ReminderLike)


@dataclass(frozen=True, slots=True)
class PassedDeadline(Generic[R]):
    """One "deadline passed" notice standing for every missed reminder of that deadline."""

    family: str
    deadline_at: datetime
    reminders: tuple[R, ...]

    @property
    def kind(self) -> str:
        return f"{self.family}_passed"


@dataclass(frozen=True, slots=True)
class CatchUp(Generic[R]):
    """What to do with reminders found unsent after downtime.

    ``send_now``: send at once (one per deadline: the most recent missed one).
    ``superseded``: older missed reminders of a deadline whose newer one is sent now; mark
    them done without sending. ``passed``: one notice per deadline already over.
    ``not_due``: not missed after all; leave them to the normal schedule.
    """

    send_now: tuple[R, ...]
    superseded: tuple[R, ...]
    passed: tuple[PassedDeadline[R], ...]
    not_due: tuple[R, ...]


def catch_up(pending: Iterable[R], now: datetime) -> CatchUp[R]:
    """Decide what to send for reminders that were due while the bot was down.

    Deadline still ahead (or exactly now): the missed reminder is sent at once, but only the
    latest one per deadline: after five days down, "ends in 7 days" and "ends in 3 days" are
    both stale and one message is enough. Deadline passed: one "passed" notice per deadline,
    however many reminders it had. Follow-ups (INFORMATIONAL_FAMILIES) are always just sent.
    """
    _require_utc_aware("now", now)
    groups: dict[tuple[str, datetime], list[R]] = {}
    not_due: list[R] = []
    for r in pending:
        if r.due_at > now:
            not_due.append(r)
        else:
            groups.setdefault((family_of(r.kind), r.deadline_at), []).append(r)
    send: list[R] = []
    superseded: list[R] = []
    passed: list[PassedDeadline[R]] = []
    informational = {f.value for f in INFORMATIONAL_FAMILIES}
    for (family, deadline_at), rows in sorted(groups.items(), key=lambda kv: kv[0][1]):
        rows.sort(key=lambda r: (r.due_at, r.kind))
        if deadline_at >= now or family in informational:
            send.append(rows[-1])
            superseded.extend(rows[:-1])
        else:
            passed.append(PassedDeadline(family, deadline_at, tuple(rows)))
    return CatchUp(tuple(send), tuple(superseded), tuple(passed), tuple(not_due))
