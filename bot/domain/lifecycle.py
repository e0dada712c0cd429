"""The stage machine: what a buyer may record at each stage and what each record changes.

Pure: the caller passes the instant the buyer pressed the button (``at``) and, when the buyer
said the event happened earlier ("I opened it 2 days ago"), that instant (``when``). Deadlines
are computed from ``when`` because AliExpress's timers started then, not when the buyer told
us. ``apply`` never mutates: it returns a new Dispute plus the event-log entry describing the
change, so the handler can persist both in one transaction.

Deadlines live on the Dispute only while they can still matter (the seller's 5 days only while
the seller has not answered, the escalation timer only during negotiation...), so "the next
deadline" is simply the earliest non-empty one. A value the buyer typed from their order page
(``set_deadline``) is kept by later moves instead of being recomputed from the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from bot.domain import draft
from bot.domain.models import Branch, DeadlineField, Dispute, Event, Outcome, Stage
from bot.domain.rules import Rules


class Action(StrEnum):
    """What a buyer can record. Values go into callback data and the event log: keep short."""

    START_DISPUTE = "start"  # TRACKING -> DRAFT
    STOP_TRACKING = "untrack"  # TRACKING -> CLOSED (cancelled)
    CONFIRM_DRAFT = "confirm"  # DRAFT -> READY (the wizard's summary Confirm)
    EDIT_DRAFT = "edit"  # READY -> DRAFT (change an answer before filing)
    OPENED_ON_ALIEXPRESS = "opened"
    SELLER_ACCEPTED = "s_acc"
    SELLER_COUNTERED = "s_cnt"
    SELLER_REJECTED = "s_rej"
    ESCALATED = "escalated"
    EVIDENCE_REQUESTED = "ev_req"
    EVIDENCE_SENT = "ev_sent"
    RETURN_AGREED = "ret_agreed"
    RETURN_POSTED = "ret_posted"
    CLOSED_WON = "won"
    CLOSED_PARTLY_WON = "partly"
    CLOSED_LOST = "lost"
    CLOSED_CANCELLED = "cancelled"
    CLOSED_ACCEPTED_OFFER = "offer"
    REFUND_RECEIVED = "refunded"


class ActionWarning(StrEnum):
    """Things to check before doing an action (seeds 000, 002, 003). Codes; the UI words them."""

    # Accepting what the seller proposes: sellers quietly edit the terms (seeds/003).
    OFFER_REFUND_LOWERED = "refund_lowered"
    OFFER_RETURN_ADDED = "return_added"
    OFFER_COUPON = "coupon"
    OFFER_OUTSIDE_ALIEXPRESS = "outside_ali"
    # Seller asks to press "Order received" before the item arrived (seeds/002 fake tracking).
    CONFIRM_RECEIPT_EARLY = "confirm_early"
    # Cancelling: reopening needs protection still running (seeds/002, seeds/003).
    CANCEL_REOPEN_LIMITED = "cancel_reopen"
    CANCEL_CANNOT_REOPEN = "cancel_final"
    # Escalating: re-check terms first; an escalated dispute cannot be edited (000, 003).
    ESCALATION_RECHECK_TERMS = "esc_recheck"
    ESCALATION_NO_EDIT = "esc_no_edit"
    # An unanswered evidence request loses the case (seeds/000, seeds/003).
    EVIDENCE_DEADLINE_STRICT = "ev_strict"
    # Returns are posted at the buyer's cost and within a window (seeds/003, PRODUCT.md).
    RETURN_BUYER_PAYS = "ret_cost"
    RETURN_POST_DEADLINE = "ret_deadline"


#: Event.kind of every entry this module produces; ``detail["action"]`` says which move.
EVENT_ACTION: Final = "action"
EVENT_DEADLINE: Final = "deadline"

SELLER_PHASE: Final = frozenset(
    {Stage.OPENED, Stage.SELLER_ACCEPTED, Stage.SELLER_COUNTERED, Stage.SELLER_REJECTED}
)
OPENED_PHASE: Final = SELLER_PHASE | {Stage.ESCALATED, Stage.EVIDENCE_REQUESTED}
#: Outcomes after which money is expected, so a refund follow-up makes sense.
MONEY_OUTCOMES: Final = frozenset({Outcome.WON, Outcome.PARTLY_WON, Outcome.ACCEPTED_OFFER})

_CLOSING: Final[dict[Action, Outcome]] = {
    Action.CLOSED_WON: Outcome.WON,
    Action.CLOSED_PARTLY_WON: Outcome.PARTLY_WON,
    Action.CLOSED_LOST: Outcome.LOST,
    Action.CLOSED_CANCELLED: Outcome.CANCELLED,
    Action.CLOSED_ACCEPTED_OFFER: Outcome.ACCEPTED_OFFER,
}

_SELLER_RESPONSES: Final = (Action.SELLER_ACCEPTED, Action.SELLER_COUNTERED, Action.SELLER_REJECTED)
_OUTCOMES: Final = (
    Action.CLOSED_WON,
    Action.CLOSED_PARTLY_WON,
    Action.CLOSED_LOST,
    Action.CLOSED_ACCEPTED_OFFER,
    Action.CLOSED_CANCELLED,
)


def _seller_stage_actions(stage: Stage) -> tuple[Action, ...]:
    # A counter-offer may follow a counter-offer (new terms), the others are no-op self-loops.
    responses = tuple(
        a
        for a in _SELLER_RESPONSES
        if a is Action.SELLER_COUNTERED or _TARGET_STAGE[a] is not stage
    )
    return (*responses, Action.ESCALATED, Action.RETURN_AGREED, Action.RETURN_POSTED, *_OUTCOMES)


_TARGET_STAGE: Final[dict[Action, Stage]] = {
    Action.SELLER_ACCEPTED: Stage.SELLER_ACCEPTED,
    Action.SELLER_COUNTERED: Stage.SELLER_COUNTERED,
    Action.SELLER_REJECTED: Stage.SELLER_REJECTED,
}

_ALLOWED: Final[dict[Stage, tuple[Action, ...]]] = {
    Stage.TRACKING: (Action.START_DISPUTE, Action.STOP_TRACKING),
    Stage.DRAFT: (Action.CONFIRM_DRAFT, Action.CLOSED_CANCELLED),
    Stage.READY: (Action.OPENED_ON_ALIEXPRESS, Action.EDIT_DRAFT, Action.CLOSED_CANCELLED),
    Stage.OPENED: _seller_stage_actions(Stage.OPENED),
    Stage.SELLER_ACCEPTED: _seller_stage_actions(Stage.SELLER_ACCEPTED),
    Stage.SELLER_COUNTERED: _seller_stage_actions(Stage.SELLER_COUNTERED),
    Stage.SELLER_REJECTED: _seller_stage_actions(Stage.SELLER_REJECTED),
    Stage.ESCALATED: (
        Action.EVIDENCE_REQUESTED,
        Action.RETURN_AGREED,
        Action.RETURN_POSTED,
        Action.CLOSED_WON,
        Action.CLOSED_PARTLY_WON,
        Action.CLOSED_LOST,
        Action.CLOSED_CANCELLED,
    ),
    Stage.EVIDENCE_REQUESTED: (
        Action.EVIDENCE_SENT,
        Action.EVIDENCE_REQUESTED,  # a further request restarts the timer
        Action.CLOSED_WON,
        Action.CLOSED_PARTLY_WON,
        Action.CLOSED_LOST,
        Action.CLOSED_CANCELLED,
    ),
    Stage.CLOSED: (Action.REFUND_RECEIVED, Action.RETURN_POSTED),
}


class InvalidTransition(ValueError):
    """The action makes no sense here (stale button, forged data, or a double press)."""

    def __init__(self, stage: Stage, action: Action) -> None:
        super().__init__(f"action {action.value!r} is not allowed in stage {stage.value!r}")
        self.stage = stage
        self.action = action


class IncompleteDraft(InvalidTransition):
    """Confirming a draft that lacks a required answer (or, for an item received, a photo or
    video): ``missing`` is the step that asks for it."""

    def __init__(self, stage: Stage, missing: draft.StepId) -> None:
        super().__init__(stage, Action.CONFIRM_DRAFT)
        self.missing = missing


class EventTimeError(ValueError):
    """The event date the buyer gave is impossible. ``code`` lets the UI say why."""

    FUTURE: Final = "future"
    BEFORE_OPENED: Final = "before_opened"
    BEFORE_CLOSED: Final = "before_closed"

    def __init__(self, code: str) -> None:
        super().__init__(f"invalid event time: {code}")
        self.code = code


@dataclass(frozen=True, slots=True)
class Transition:
    """The result of a move: the new Dispute and what to write to the event log."""

    dispute: Dispute
    previous_stage: Stage
    kind: str
    detail: dict[str, object] = field(default_factory=dict)

    def event(self, *, actor: str = "buyer") -> Event:
        """The event-log row; the dispute must already have its database id."""
        if self.dispute.id is None:
            raise ValueError("dispute has no id yet; save it before logging events")
        if self.dispute.updated_at is None:  # pragma: no cover - apply always sets it
            raise ValueError("transition without a time")
        return Event(
            dispute_id=self.dispute.id,
            at=self.dispute.updated_at,
            actor=actor,
            kind=self.kind,
            detail=dict(self.detail),
        )


def allowed_actions(stage: Stage) -> tuple[Action, ...]:
    """Every action the stage machine accepts in ``stage``, in button order."""
    return _ALLOWED[stage]


def available_actions(d: Dispute) -> tuple[Action, ...]:
    """``allowed_actions`` narrowed by the case's data: what the card should offer now.

    "Parcel posted" only while a return is pending; "refund arrived" only after an outcome
    that pays and only once; "return agreed" only while no return is pending; nothing to
    cancel for a draft without its order number.
    """
    out: list[Action] = []
    for a in _ALLOWED[d.stage]:
        if a is Action.RETURN_POSTED and d.return_post_by is None:
            continue
        if a is Action.RETURN_AGREED and d.return_post_by is not None:
            continue
        if a is Action.REFUND_RECEIVED and (
            d.outcome not in MONEY_OUTCOMES or d.refund_received_at is not None
        ):
            continue
        if a is Action.CLOSED_CANCELLED and d.order_id is None:
            continue  # a draft still at step 1 is no case to close: leaving the wizard drops it
        out.append(a)
    return tuple(out)


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


_TRACKED_FIELDS: Final = (
    "protection_end",
    "opened_at",
    "seller_deadline",
    "escalation_at",
    "evidence_due",
    "return_post_by",
    "review_due",
    "closed_at",
    "refund_received_at",
)


def _changes(old: Dispute, new: Dispute) -> dict[str, object]:
    changed: dict[str, object] = {}
    for name in _TRACKED_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changed[name] = [_iso(before), _iso(after)]
    if old.outcome != new.outcome:
        changed["outcome"] = [old.outcome, new.outcome]
    return changed


def apply(
    d: Dispute,
    action: Action,
    at: datetime,
    rules: Rules,
    *,
    when: datetime | None = None,
    visual_evidence: int = 0,
) -> Transition:
    """Record ``action``: new stage, outcome and deadlines, plus the event-log entry.

    ``at`` is when the buyer recorded it; ``when`` when it happened, if earlier. Deadlines run
    from ``when`` (AliExpress's timers started then). Raises InvalidTransition for a move the
    stage (or the case's data) does not allow and EventTimeError for an impossible ``when``.
    Confirming a draft needs it complete (bot/domain/draft.py), with ``visual_evidence``
    photos and videos: IncompleteDraft names the step that is missing.
    """
    _require_aware("at", at)
    if when is not None:
        _require_aware("when", when)
        if when > at:
            raise EventTimeError(EventTimeError.FUTURE)
    if action not in available_actions(d):
        raise InvalidTransition(d.stage, action)
    if action is Action.CONFIRM_DRAFT:
        missing = draft.missing_step(d, visual_evidence)
        if missing is not None:
            raise IncompleteDraft(d.stage, missing)
    t = when or at
    if d.opened_at is not None and d.stage in OPENED_PHASE and t < d.opened_at:
        raise EventTimeError(EventTimeError.BEFORE_OPENED)
    if d.closed_at is not None and d.stage is Stage.CLOSED and t < d.closed_at:
        raise EventTimeError(EventTimeError.BEFORE_CLOSED)

    new = _next(d, action, t, rules)
    new.updated_at = at
    new.own_deadlines = _still_own(d, new)
    detail: dict[str, object] = {
        "action": action.value,
        "from": d.stage.value,
        "to": new.stage.value,
        "when": t.isoformat(),
        "changed": _changes(d, new),
    }
    if when is not None:
        detail["recorded_at"] = at.isoformat()
    return Transition(dispute=new, previous_stage=d.stage, kind=EVENT_ACTION, detail=detail)


def _next(d: Dispute, action: Action, t: datetime, rules: Rules) -> Dispute:
    """The new Dispute for an already validated move (a copy; ``d`` is never touched)."""
    if action is Action.START_DISPUTE:
        return replace(d, stage=Stage.DRAFT)
    if action is Action.CONFIRM_DRAFT:
        return replace(d, stage=Stage.READY)
    if action is Action.EDIT_DRAFT:
        return replace(d, stage=Stage.DRAFT)
    if action is Action.OPENED_ON_ALIEXPRESS:
        return replace(
            d,
            stage=Stage.OPENED,
            opened_at=t,
            seller_deadline=t + rules.seller_answer,
            escalation_at=t + rules.negotiation_before_escalation,
        )
    if action in _TARGET_STAGE:
        # The seller answered: the 5-day "silence wins" timer no longer applies; the
        # escalation timer keeps running from the opening.
        return replace(
            d,
            stage=_TARGET_STAGE[action],
            seller_deadline=None,
            escalation_at=_escalation_at(d, rules),
        )
    if action is Action.ESCALATED:
        return replace(d, stage=Stage.ESCALATED, seller_deadline=None, escalation_at=None)
    if action is Action.EVIDENCE_REQUESTED:
        # The page's timer is now the evidence one; the review's is read again afterwards.
        return replace(
            d,
            stage=Stage.EVIDENCE_REQUESTED,
            evidence_due=t + rules.evidence_response,
            review_due=None,
        )
    if action is Action.EVIDENCE_SENT:
        return replace(d, stage=Stage.ESCALATED, evidence_due=None)
    if action is Action.RETURN_AGREED:
        # A seller agreeing to a return has accepted the dispute on return terms; a return
        # ordered by AliExpress's mediators leaves the case escalated.
        if d.stage in SELLER_PHASE:
            return replace(
                d,
                stage=Stage.SELLER_ACCEPTED,
                seller_deadline=None,
                escalation_at=_escalation_at(d, rules),
                return_post_by=t + rules.return_post_window,
            )
        return replace(d, return_post_by=t + rules.return_post_window)
    if action is Action.RETURN_POSTED:
        # The event log keeps the old date; clearing it stops the return reminders.
        return replace(d, return_post_by=None)
    if action is Action.REFUND_RECEIVED:
        return replace(d, refund_received_at=t)
    if action is Action.STOP_TRACKING:
        return _closed(d, Outcome.CANCELLED, t)
    return _closed(d, _CLOSING[action], t)


def _still_own(old: Dispute, new: Dispute) -> frozenset[DeadlineField]:
    """The buyer's own deadlines that a move kept as they were: one the move recomputed from
    the rules table (or cleared) is a default again."""
    return frozenset(
        f
        for f in old.own_deadlines
        if getattr(new, f.value) is not None and getattr(new, f.value) == getattr(old, f.value)
    )


def _escalation_at(d: Dispute, rules: Rules) -> datetime | None:
    """Keep a known (possibly buyer-set) escalation instant; else compute it from opening."""
    if d.escalation_at is not None:
        return d.escalation_at
    if d.opened_at is not None:
        return d.opened_at + rules.negotiation_before_escalation
    return None


def _closed(d: Dispute, outcome: Outcome, t: datetime) -> Dispute:
    # A return may still be owed after a paying outcome ("full refund if you send it back");
    # after a loss or a cancellation nothing is owed any more.
    keep_return = d.return_post_by if outcome in MONEY_OUTCOMES else None
    return replace(
        d,
        stage=Stage.CLOSED,
        outcome=outcome,
        closed_at=t,
        seller_deadline=None,
        escalation_at=None,
        evidence_due=None,
        review_due=None,
        return_post_by=keep_return,
    )


def set_deadline(
    d: Dispute, name: DeadlineField, value: datetime | None, at: datetime
) -> Transition:
    """Replace one deadline with what the buyer read on their order or dispute page (or
    clear it); the case then counts it as the buyer's own (``own_deadlines``).

    The buyer's own timer beats the rules table: AliExpress extends or shortens windows per
    case (e.g. a seller extending protection), and only the page knows.
    """
    _require_aware("at", at)
    if value is not None:
        _require_aware("value", value)
    if not d.stage.is_active:
        raise ValueError("deadlines of a closed case cannot change")
    own = d.own_deadlines | {name} if value is not None else d.own_deadlines - {name}
    new = replace(d, updated_at=at, own_deadlines=own)
    setattr(new, name.value, value)  # name is a closed enum of datetime fields
    return Transition(
        dispute=new,
        previous_stage=d.stage,
        kind=EVENT_DEADLINE,
        detail={"field": name.value, "changed": _changes(d, new)},
    )


def warnings_for(d: Dispute, action: Action, now: datetime) -> list[ActionWarning]:
    """What to double-check before ``action`` (empty if nothing). Order: most important first.

    The bot cannot see AliExpress, so these are checks for the buyer, not verdicts: each
    comes from a way the guides say buyers lose money at that exact moment.
    """
    _require_aware("now", now)
    out: list[ActionWarning] = []
    asked_return = d.refund_option is not None and d.refund_option.needs_return
    not_received = d.branch is Branch.NOT_RECEIVED
    if action in (Action.CLOSED_ACCEPTED_OFFER, Action.SELLER_ACCEPTED, Action.SELLER_COUNTERED):
        # seeds/003: any offer, "accepted" or countered, can swap Refund for Return or lower the
        # amount (even to $0), or come as coupons, discounts or "refund via PayPal".
        out.append(ActionWarning.OFFER_REFUND_LOWERED)
        if not asked_return:
            out.append(ActionWarning.OFFER_RETURN_ADDED)
        out += [ActionWarning.OFFER_COUPON, ActionWarning.OFFER_OUTSIDE_ALIEXPRESS]
    if not_received and action in (
        Action.OPENED_ON_ALIEXPRESS,
        Action.SELLER_COUNTERED,
        Action.SELLER_REJECTED,
        Action.CLOSED_ACCEPTED_OFFER,
    ):
        # seeds/002: "click Order Received and open a dispute" was a fake-tracking scam.
        out.append(ActionWarning.CONFIRM_RECEIPT_EARLY)
    if action is Action.CLOSED_CANCELLED and d.stage in OPENED_PHASE:
        if d.protection_end is not None and d.protection_end <= now:
            out.append(ActionWarning.CANCEL_CANNOT_REOPEN)
        else:
            out.append(ActionWarning.CANCEL_REOPEN_LIMITED)
    if action is Action.ESCALATED:
        out += [ActionWarning.ESCALATION_RECHECK_TERMS, ActionWarning.ESCALATION_NO_EDIT]
    if action is Action.EVIDENCE_REQUESTED:
        out.append(ActionWarning.EVIDENCE_DEADLINE_STRICT)
    if action is Action.RETURN_AGREED:
        out += [ActionWarning.RETURN_BUYER_PAYS, ActionWarning.RETURN_POST_DEADLINE]
    return out
