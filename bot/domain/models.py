"""The dispute's vocabulary: plain enums and dataclasses, no Telegram, no storage.

Every enum value is a short stable string: it is stored in the database and embedded in
callback data, so renaming a value is a migration, not a refactor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for the annotation: bot.domain.facts reads the reasons from this module.
    from bot.domain.facts.model import Facts


class Branch(StrEnum):
    """AliExpress's first question: was the item received?"""

    NOT_RECEIVED = "nr"
    RECEIVED = "rc"


class Reason(StrEnum):
    """The reasons AliExpress offers, per branch (PRODUCT.md step 6)."""

    # Not received
    IN_TRANSIT = "transit"
    NO_TRACKING = "notrack"
    RETURNED_TO_SELLER = "returned"
    CUSTOMS = "customs"
    WRONG_ADDRESS = "wrongaddr"
    FAKE_TRACKING = "faketrack"
    OTHER_NOT_RECEIVED = "other_nr"
    # Received
    NOT_AS_DESCRIBED = "nad"
    QUALITY = "quality"
    DAMAGED = "damaged"
    MISSING_PARTS = "missing"
    WRONG_ITEM = "wrongitem"
    EMPTY_PARCEL = "empty"
    COUNTERFEIT = "fake"
    CHEAPER_SHIPPING = "shipping"
    OTHER_RECEIVED = "other_rc"

    @property
    def branch(self) -> Branch:
        return Branch.NOT_RECEIVED if self in NOT_RECEIVED_REASONS else Branch.RECEIVED


NOT_RECEIVED_REASONS: tuple[Reason, ...] = (
    Reason.IN_TRANSIT,
    Reason.NO_TRACKING,
    Reason.RETURNED_TO_SELLER,
    Reason.CUSTOMS,
    Reason.WRONG_ADDRESS,
    Reason.FAKE_TRACKING,
    Reason.OTHER_NOT_RECEIVED,
)
RECEIVED_REASONS: tuple[Reason, ...] = (
    Reason.NOT_AS_DESCRIBED,
    Reason.QUALITY,
    Reason.DAMAGED,
    Reason.MISSING_PARTS,
    Reason.WRONG_ITEM,
    Reason.EMPTY_PARCEL,
    Reason.COUNTERFEIT,
    Reason.CHEAPER_SHIPPING,
    Reason.OTHER_RECEIVED,
)


def reasons_for(branch: Branch) -> tuple[Reason, ...]:
    return NOT_RECEIVED_REASONS if branch is Branch.NOT_RECEIVED else RECEIVED_REASONS


class RefundOption(StrEnum):
    """What the buyer asks for. Not received: only KEEP_FULL ("full refund, no return")."""

    KEEP_FULL = "keep_full"
    KEEP_PARTIAL = "keep_part"
    RETURN_FULL = "ret_full"
    RETURN_PARTIAL = "ret_part"

    @property
    def is_partial(self) -> bool:
        return self in (RefundOption.KEEP_PARTIAL, RefundOption.RETURN_PARTIAL)

    @property
    def needs_return(self) -> bool:
        return self in (RefundOption.RETURN_FULL, RefundOption.RETURN_PARTIAL)

    def as_full(self) -> RefundOption:
        """The full-refund twin of a partial option (a partial equal to the price is full)."""
        return {
            RefundOption.KEEP_PARTIAL: RefundOption.KEEP_FULL,
            RefundOption.RETURN_PARTIAL: RefundOption.RETURN_FULL,
        }.get(self, self)


def refund_options_for(branch: Branch) -> tuple[RefundOption, ...]:
    if branch is Branch.NOT_RECEIVED:
        return (RefundOption.KEEP_FULL,)
    return (
        RefundOption.KEEP_FULL,
        RefundOption.KEEP_PARTIAL,
        RefundOption.RETURN_FULL,
        RefundOption.RETURN_PARTIAL,
    )


class Stage(StrEnum):
    """Where a case is. TRACKING: watched for its protection end, no dispute yet."""

    TRACKING = "tracking"
    DRAFT = "draft"
    READY = "ready"
    OPENED = "opened"
    SELLER_ACCEPTED = "accepted"
    SELLER_COUNTERED = "countered"
    SELLER_REJECTED = "rejected"
    ESCALATED = "escalated"
    EVIDENCE_REQUESTED = "evidence"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        return self is not Stage.CLOSED


class Outcome(StrEnum):
    WON = "won"
    PARTLY_WON = "partly"
    LOST = "lost"
    CANCELLED = "cancelled"
    ACCEPTED_OFFER = "offer"


class EvidenceKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    DOCUMENT = "document"  # an image or video sent as a file
    ANIMATION = "animation"


class DeadlineField(StrEnum):
    """The dispute's deadlines a buyer may set from the timer their order or dispute page
    shows. Values are `Dispute` field names, stored in `Dispute.own_deadlines`: keep them."""

    PROTECTION_END = "protection_end"
    SELLER_DEADLINE = "seller_deadline"
    ESCALATION_AT = "escalation_at"
    EVIDENCE_DUE = "evidence_due"
    RETURN_POST_BY = "return_post_by"
    REVIEW_DUE = "review_due"


def item_key(title: str | None) -> str | None:
    """What tells two items of one order apart: the buyer's title, case and spacing ignored
    ("Blue  Mug" and "blue mug" are one item). None for a case without a title."""
    if title is None:
        return None
    key = " ".join(title.split()).casefold()
    return key or None


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units (cents, kopecks) and its ISO 4217 code. Never a float."""

    minor: int
    currency: str


@dataclass(slots=True)
class Dispute:
    """One buyer's case for one item of an order: the wizard's answers and the instants that
    matter. An order with several items may hold several cases, told apart by `item_title`
    (the guides: a separate dispute per item).

    All datetimes are timezone-aware UTC.
    """

    user_id: int
    order_id: str | None  # None: a draft whose order number is not answered yet
    id: int | None = None
    stage: Stage = Stage.DRAFT
    wizard_step: str | None = None
    item_title: str | None = None
    amount_paid: Money | None = None
    protection_end: datetime | None = None
    branch: Branch | None = None
    reason: Reason | None = None
    receipt_confirmed: bool | None = None
    receipt_confirmed_at: datetime | None = None
    refund_option: RefundOption | None = None
    refund_amount: Money | None = None
    description: str | None = None
    claim_text: str | None = None
    opened_at: datetime | None = None
    seller_deadline: datetime | None = None
    escalation_at: datetime | None = None
    evidence_due: datetime | None = None
    closed_at: datetime | None = None
    outcome: Outcome | None = None
    muted: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # Lifecycle (bot/domain/lifecycle.py): the return parcel must be posted by this instant
    # (None: no return agreed, or already posted); when the buyer said the refund arrived.
    return_post_by: datetime | None = None
    refund_received_at: datetime | None = None
    # When the seller shipped (not-received branch, optional): too recent a shipment may make
    # AliExpress refuse a non-delivery dispute (bot/domain/eligibility.py).
    shipped_at: datetime | None = None
    # An escalated dispute's page timer, as the buyer read it (AliExpress's review); only ever
    # the buyer's own value: the rules table has no default for it.
    review_due: datetime | None = None
    # The deadlines the buyer read off their own page (the rest are defaults from the rules
    # table): a deadline recomputed from the rules drops out of this set.
    own_deadlines: frozenset[DeadlineField] = frozenset()

    # The answers to the per-reason questions the claim is written from (bot/domain/facts/);
    # None when none was given (the same as an empty `Facts()`).
    facts: Facts | None = None

    @property
    def item_key(self) -> str | None:
        return item_key(self.item_title)


def clashing(d: Dispute, others: Iterable[Dispute]) -> Dispute | None:
    """The active case among `others` that is for the same item of the same order as `d`
    (one case per item): same buyer, same order number, same item by title (two untitled
    cases count as one item). None when `d` may stand beside all of them."""
    if d.order_id is None:
        return None
    return next(
        (
            o
            for o in others
            if o.id != d.id
            and o.stage.is_active
            and (o.user_id, o.order_id, o.item_key) == (d.user_id, d.order_id, d.item_key)
        ),
        None,
    )


@dataclass(frozen=True, slots=True)
class Evidence:
    dispute_id: int
    file_id: str
    file_unique_id: str
    kind: EvidenceKind
    mime_type: str | None = None
    file_size: int | None = None
    file_name: str | None = None
    caption: str | None = None
    media_group_id: str | None = None
    position: int = 0
    id: int | None = None


# What marks an attachment as a screenshot: phones name screenshot files this way, and buyers
# caption them so. A screenshot sent as a compressed photo is otherwise a photo to us.
_SCREENSHOT = re.compile(r"screen\s*_?shot|скрин|снимок\s+экрана", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EvidenceSummary:
    """How many attachments of each kind a case holds: the claim's "Attached:" line.

    `files` counts what is neither a photo, a video nor a screenshot (a document of another
    type), and any count whose kind is not known (`EvidenceSummary(files=n)`).
    """

    photos: int = 0
    videos: int = 0
    screenshots: int = 0
    files: int = 0

    def __post_init__(self) -> None:
        for name in ("photos", "videos", "screenshots", "files"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise ValueError(f"EvidenceSummary.{name} must be a count, not {value!r}")

    @property
    def total(self) -> int:
        return self.photos + self.videos + self.screenshots + self.files

    @classmethod
    def of(cls, items: Iterable[Evidence]) -> EvidenceSummary:
        """Counts per kind: animations are videos; a document counts by its MIME type."""
        counts = {"photos": 0, "videos": 0, "screenshots": 0, "files": 0}
        for item in items:
            counts[_evidence_bucket(item)] += 1
        return cls(**counts)


def _evidence_bucket(item: Evidence) -> str:
    labels = " ".join(filter(None, (item.file_name, item.caption)))
    mime = item.mime_type or ""
    if item.kind in (EvidenceKind.VIDEO, EvidenceKind.ANIMATION) or mime.startswith("video/"):
        return "videos"
    is_image = item.kind is EvidenceKind.PHOTO or mime.startswith("image/")
    if is_image:
        return "screenshots" if _SCREENSHOT.search(labels) else "photos"
    return "files"


class ReminderState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(slots=True)
class Reminder:
    user_id: int
    dispute_id: int
    kind: str
    deadline_at: datetime
    due_at: datetime
    state: ReminderState = ReminderState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_message_id: int | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Event:
    dispute_id: int
    at: datetime
    actor: str
    kind: str
    detail: dict[str, object] = field(default_factory=dict)
    id: int | None = None


@dataclass(slots=True)
class UserSettings:
    user_id: int
    language: str | None = None  # None: not chosen yet, follow Telegram's language_code
    timezone: str | None = None  # None: the default for the language
    # The buyer's own reminder hours, local time; None: the operator's default (REMINDER_HOURS).
    remind_from_hour: int | None = None
    remind_to_hour: int | None = None
    blocked: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def waking(self, default: tuple[int, int]) -> tuple[int, int]:
        """The hours reminders may arrive in: the buyer's own, else the operator's default."""
        if self.remind_from_hour is None or self.remind_to_hour is None:
            return default
        return self.remind_from_hour, self.remind_to_hour
