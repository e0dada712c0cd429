"""The negotiation assistant on one case: when it applies, and what the case's history keeps.

The seller can write at any time after the dispute is opened, until AliExpress decides; offers
are made (and recorded as the seller's answer) while the buyer and the seller negotiate. The
history keeps what was read and checked, never the seller's words: a reading is its tricks,
verdict and fair signs (`Reading.detail()`), an offer its terms and what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from bot.domain.lifecycle import OPENED_PHASE, SELLER_PHASE, Action, ActionWarning
from bot.domain.models import Dispute, Event, Money, RefundOption
from bot.domain.negotiation.detect import Finding, Reading
from bot.domain.negotiation.offer import OfferCheck, OfferError, Terms, check_dispute_offer, terms
from bot.domain.negotiation.vocabulary import TRICKS, VERDICT, FairSignal, Trick

__all__ = [
    "EVENT_MESSAGE",
    "EVENT_OFFER",
    "NUMBERS_ANSWER",
    "OFFER_MOVES",
    "OFFER_WARNINGS",
    "asked_terms",
    "last_offer",
    "message_detail",
    "offer_detail",
    "offer_move",
    "reading_of",
    "reads_messages",
    "signs_of",
    "takes_offers",
    "tricks_seen",
    "with_offer",
]

#: The event-log kinds this assistant writes.
EVENT_MESSAGE: Final = "seller_message"  # a seller's message read, and a reply drafted
EVENT_OFFER: Final = "offer_checked"  # an offer from the dispute page checked

#: The seller's answers that come with an offer: recorded after the offer is checked.
OFFER_MOVES: Final = (Action.SELLER_ACCEPTED, Action.SELLER_COUNTERED)
#: The warnings every offer gets (bot/domain/lifecycle.py): once the buyer has checked the
#: offer, they are not said again when the buyer records having accepted it.
OFFER_WARNINGS: Final = frozenset(
    {
        ActionWarning.OFFER_REFUND_LOWERED,
        ActionWarning.OFFER_RETURN_ADDED,
        ActionWarning.OFFER_COUPON,
        ActionWarning.OFFER_OUTSIDE_ALIEXPRESS,
    }
)
#: The offer warnings the offer's own figures settle: the check says what changed instead.
NUMBERS_ANSWER: Final = frozenset(
    {ActionWarning.OFFER_REFUND_LOWERED, ActionWarning.OFFER_RETURN_ADDED}
)


def reads_messages(d: Dispute) -> bool:
    """From the opening of the dispute until AliExpress decides."""
    return d.stage in OPENED_PHASE


def asked_terms(d: Dispute) -> Terms | None:
    """What the dispute asks for (not received: a full refund), if the case says."""
    option = d.refund_option
    if d.amount_paid is None or option is None:
        return None
    try:
        return terms(option, d.amount_paid, d.refund_amount if option.is_partial else None)
    except OfferError:
        return None


def takes_offers(d: Dispute) -> bool:
    """While the seller may still answer with an offer, for a case whose request is known."""
    return d.stage in SELLER_PHASE and asked_terms(d) is not None


def offer_move(check: OfferCheck) -> Action:
    """How to record the seller's answer: the request itself is "accepted", anything else a
    counter-offer (a seller who "accepts" with changed terms has made one)."""
    return Action.SELLER_ACCEPTED if not check.changes else Action.SELLER_COUNTERED


def message_detail(reading: Reading) -> dict[str, object]:
    return {**reading.detail(), "drafted": "reply"}


def offer_detail(check: OfferCheck) -> dict[str, object]:
    offered = check.offered
    return {
        "option": offered.option.value,
        "minor": offered.amount.minor,
        "currency": offered.amount.currency,
        "changes": [c.value for c in check.changes],
        "verdict": check.verdict.value,
        "drafted": "counter" if check.counter is not None else None,
    }


def last_offer(d: Dispute, events: Sequence[Event]) -> OfferCheck | None:
    """The latest offer the buyer checked for this case, checked again against the request."""
    for ev in reversed(events):
        if ev.kind != EVENT_OFFER:
            continue
        detail = ev.detail
        minor, currency = detail.get("minor"), detail.get("currency")
        try:
            option = RefundOption(str(detail.get("option")))
            if not isinstance(minor, int) or not isinstance(currency, str):
                return None
            return check_dispute_offer(d, option, Money(minor, currency))
        except (ValueError, OfferError):
            return None
    return None


def tricks_seen(events: Iterable[Event]) -> tuple[Trick, ...]:
    """Every trick found in the seller's messages so far, costliest first, once each."""
    seen: set[Trick] = set()
    for ev in events:
        if ev.kind != EVENT_MESSAGE:
            continue
        names = ev.detail.get("tricks")
        for name in names if isinstance(names, list) else []:
            if name in {t.value for t in Trick}:
                seen.add(Trick(name))
    return tuple(t for t in _costliest_first(seen))


def _costliest_first(tricks: Iterable[Trick]) -> list[Trick]:
    return sorted(set(tricks), key=lambda t: (-VERDICT[t].severity, TRICKS.index(t)))


def signs_of(reading: Reading) -> tuple[int, int]:
    """The reading as two small numbers (tricks, fair signs: one bit each), for a button that
    must carry it while the buyer picks the order (callback data has 64 bytes)."""
    tricks = sum(1 << TRICKS.index(t) for t in reading.tricks)
    fair = sum(1 << list(FairSignal).index(s) for s in reading.fair_signals)
    return tricks, fair


def reading_of(tricks: int, fair: int) -> Reading:
    """`signs_of` read back (without the quotes, which only the message itself had)."""
    found = [t for i, t in enumerate(TRICKS) if tricks >> i & 1]
    signals = tuple(s for i, s in enumerate(FairSignal) if fair >> i & 1)
    findings = tuple(Finding(t, VERDICT[t], "") for t in _costliest_first(found))
    return Reading(findings, signals)


def with_offer(reading: Reading, offer: OfferCheck | None) -> Reading:
    """The reading with "terms changed" decided by the checked offer's figures, as
    `read_message(text, offer=...)` decides it."""
    if offer is None:
        return reading
    findings = [f for f in reading.findings if f.trick is not Trick.TERMS_CHANGED]
    if offer.trick is not None:
        findings.append(Finding(offer.trick, offer.verdict, "", from_offer=True))
    findings.sort(key=lambda f: (-f.verdict.severity, TRICKS.index(f.trick)))
    return Reading(tuple(findings), reading.fair_signals, reading.truncated)
