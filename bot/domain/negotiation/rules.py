"""Which concepts, found close together, mean which trick: a declarative table.

A rule fires on an anchor token (its first slot) when every other slot has a token within its
distance of the anchor, counted in words (punctuation does not count). Unless a rule says
`cross=True`, everything must be in the anchor's sentence. By default the anchor must not be
negated ("no need to cancel the dispute" is fair; "if you don't cancel the dispute" is not
negation but a condition, see detect.py).

The guards say what would make the same words mean something else:
- `not_before`: none of these in the two words before the anchor ("AliExpress will close
  the dispute" is not the seller asking the buyer to close it);
- `not_after`: none of these in the four words after the match ("wait for the system to
  process the refund" is not "wait a bit longer");
- `not_in_sentence` / `unless`: none of the first anywhere in the sentence, unless one of the
  second is there too ("paid with PayPal ... through AliExpress" is how the money comes back,
  "faster than through AliExpress" is a payment outside it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.domain.negotiation.lexicon import Concept
from bot.domain.negotiation.vocabulary import FairSignal, Trick

__all__ = ["AFTER_SPAN", "BEFORE_SPAN", "FAIR_RULES", "RULES", "Rule", "Slot", "near", "rule"]

#: How many words before the anchor and after the match the guards look at by default.
BEFORE_SPAN: Final = 2
AFTER_SPAN: Final = 4

Concepts = Concept | tuple[Concept, ...]


@dataclass(frozen=True, slots=True)
class Slot:
    concepts: frozenset[Concept]
    within: int  # words from the anchor


@dataclass(frozen=True, slots=True)
class Rule:
    target: Trick | FairSignal
    anchor: frozenset[Concept]
    slots: tuple[Slot, ...]
    ordered: bool
    cross: bool
    affirmative: bool
    not_before: tuple[Slot, ...]
    not_after: tuple[Slot, ...]
    not_in_sentence: frozenset[Concept]
    unless: frozenset[Concept]
    max_words: int | None  # fires only in a sentence this short ("paypal?")


def _set(concepts: Concepts) -> frozenset[Concept]:
    return frozenset(concepts if isinstance(concepts, tuple) else (concepts,))


def _guards(value: Concepts | Slot | tuple[Slot, ...], span: int) -> tuple[Slot, ...]:
    """Guards as slots: given as slots (each with its span), or as concepts (`span` words)."""
    if isinstance(value, Slot):
        return (value,)
    slots = tuple(v for v in value if isinstance(v, Slot)) if isinstance(value, tuple) else ()
    if slots:
        return slots
    concepts = _set(value)  # type: ignore[arg-type]
    return (Slot(concepts, span),) if concepts else ()


def near(concepts: Concepts, within: int) -> Slot:
    """A slot with its own distance from the anchor."""
    return Slot(_set(concepts), within)


def rule(
    target: Trick | FairSignal,
    anchor: Concepts,
    *others: Concepts | Slot,
    within: int = 4,
    ordered: bool = False,
    cross: bool = False,
    affirmative: bool = True,
    not_before: Concepts | Slot | tuple[Slot, ...] = (),
    not_after: Concepts | Slot | tuple[Slot, ...] = (),
    not_in_sentence: Concepts = (),
    unless: Concepts = (),
    max_words: int | None = None,
) -> Rule:
    """A rule: `others` within `within` words of the anchor unless given as `near(...)`."""
    slots = tuple(o if isinstance(o, Slot) else Slot(_set(o), within) for o in others)
    return Rule(
        target,
        _set(anchor),
        slots,
        ordered,
        cross,
        affirmative,
        _guards(not_before, BEFORE_SPAN),
        _guards(not_after, AFTER_SPAN),
        _set(not_in_sentence),
        _set(unless),
        max_words,
    )


C = Concept
T = Trick
_MONEY = (C.PAY, C.PAY_1P, C.MONEY, C.REFUND, C.GIFT)
# How the money normally comes back (the fair PayPal message) and what says otherwise.
_FAIR_PATH = (C.PAID, C.AUTO, C.SAME_PATH, C.VIA_PLATFORM)
_OFF_PATH = (C.DIRECT, C.FASTER, C.SLOW)

RULES: Final[tuple[Rule, ...]] = (
    # --- close the dispute for a promise --------------------------------------------------------
    rule(T.CLOSE_FOR_PROMISE, (C.CLOSE, C.REMOVE), (C.DISPUTE, C.REQUEST, C.REFUND),
         not_before=(C.AUTHORITY, C.WILL)),
    rule(T.CLOSE_FOR_PROMISE, C.CEASE, C.DISPUTE, within=3, not_before=(C.AUTHORITY, C.WILL)),
    rule(T.CLOSE_FOR_PROMISE, C.IF, C.NEG, (C.CLOSE, C.CLOSED), within=6, ordered=True,
         affirmative=False),
    rule(T.CLOSE_FOR_PROMISE, C.CLOSE, near(C.IT, 1), near(C.DISPUTE, 12), cross=True),
    rule(T.CLOSE_FOR_PROMISE, C.CLOSE, near(C.IT, 1), ordered=True,
         not_before=(C.AUTHORITY, C.WILL, C.SELLER)),
    rule(T.CLOSE_FOR_PROMISE, C.RESEND),
    rule(T.CLOSE_FOR_PROMISE, C.SEND, C.NEW, within=3, ordered=True,
         not_after=(C.PART, C.SPARE, C.SOURCE), not_in_sentence=(C.REPAIR, C.YOURSELF)),
    rule(T.CLOSE_FOR_PROMISE, C.SEND, C.AGAIN, within=3),
    rule(T.CLOSE_FOR_PROMISE, C.NEG, C.ESCALATE, within=3, ordered=True, affirmative=False),
    rule(T.CLOSE_FOR_PROMISE, C.NEG, near(C.OPEN, 1), near(C.DISPUTE, 3), ordered=True,
         affirmative=False),
    rule(T.CLOSE_FOR_PROMISE, C.BETWEEN, C.US, within=1, ordered=True),
    rule(T.CLOSE_FOR_PROMISE, C.SOLVE, C.DIRECT),
    rule(T.CLOSE_FOR_PROMISE, C.SOLVE, near(C.NEG, 4), near(C.DISPUTE, 5)),
    # --- a refund outside AliExpress ------------------------------------------------------------
    rule(T.OUTSIDE_PAYMENT, C.CHANNEL, C.PAY_1P, within=6,
         not_in_sentence=_FAIR_PATH, unless=_OFF_PATH),
    rule(T.OUTSIDE_PAYMENT, C.CHANNEL, C.SELLER, (C.PAY, C.MONEY), within=8,
         not_in_sentence=_FAIR_PATH, unless=_OFF_PATH),
    rule(T.OUTSIDE_PAYMENT, C.CHANNEL, C.DETAILS, within=3,
         not_in_sentence=_FAIR_PATH, unless=_OFF_PATH),
    rule(T.OUTSIDE_PAYMENT, C.DIRECT, (C.PAY, C.PAY_1P, C.MONEY, C.CHANNEL), within=5),
    rule(T.OUTSIDE_PAYMENT, C.CHANNEL, max_words=2),
    rule(T.OUTSIDE_PAYMENT, C.PAY, C.THROUGH, C.CHANNEL, within=3, ordered=True,
         not_before=(C.YOUR, C.PAID), not_in_sentence=_FAIR_PATH, unless=_OFF_PATH),
    # --- coupon or store credit instead of money ------------------------------------------------
    rule(T.COUPON, C.COUPON),
    rule(T.COUPON, C.STORE, C.CREDIT, within=1, ordered=True),
    rule(T.COUPON, C.DISCOUNT, (C.NEXT, C.CODE, C.ORDER, C.STORE, C.PERCENT, C.PART_PERCENT)),
    rule(T.COUPON, C.GIFT, (C.NEXT, C.ORDER, C.SEND, C.PAY_1P), within=5),
    rule(T.COUPON, C.FREE, C.NEXT, within=4),
    rule(T.COUPON, C.GIFT, (C.CHANNEL, C.CERTIFICATE), within=1, ordered=True),
    rule(T.COUPON, C.NEXT, near(C.ORDER, 2), near((C.PAY, C.PAY_1P, C.MONEY), 8)),
    # --- wait a bit longer ----------------------------------------------------------------------
    rule(T.WAIT_LONGER, C.WAIT, not_after=(C.PROCESS, C.REFUND, C.AUTHORITY, C.MONEY)),
    rule(T.WAIT_LONGER, C.PATIENCE, not_before=near(C.THANKS, 4)),
    rule(T.WAIT_LONGER, C.MORE, C.TIME, within=3, ordered=True,
         not_in_sentence=(C.REFUND, C.PROCESS, C.MONEY, C.PAY)),
    rule(T.WAIT_LONGER, C.HOLD, C.ON, within=1, ordered=True),
    rule(T.WAIT_LONGER, C.MORE, C.DAYS, within=3, not_after=C.AGO,
         not_in_sentence=(C.REFUND, C.PROCESS, C.MONEY, C.PAY)),
    rule(T.WAIT_LONGER, C.REOPEN),
    rule(T.WAIT_LONGER, C.OPEN, (C.AGAIN, C.NEW, C.LATER), within=3),
    # --- confirm receipt early ------------------------------------------------------------------
    rule(T.CONFIRM_RECEIPT, C.CONFIRM, (C.RECEIPT, C.RECEIVED, C.DELIVERED), ordered=True,
         not_before=C.SOURCE, not_after=C.ON_ARRIVAL),
    rule(T.CONFIRM_RECEIPT, C.CONFIRM, C.ORDER, within=2, ordered=True, not_before=C.SOURCE,
         not_after=(C.ON_ARRIVAL, C.DETAILS)),
    rule(T.CONFIRM_RECEIPT, C.MARK, (C.RECEIVED, C.DELIVERED, C.CONFIRM), ordered=True),
    rule(T.CONFIRM_RECEIPT, C.COMPLETE, C.ORDER, within=3, ordered=True),
    # --- terms quietly changed ------------------------------------------------------------------
    rule(T.TERMS_CHANGED, C.CHANGE, (C.SOLUTION, C.REFUND),
         not_in_sentence=(C.REASON, C.FEEDBACK)),
    rule(T.TERMS_CHANGED, C.ONLY, (C.PAY, C.PAY_1P, C.REFUND, C.PART_PERCENT, C.HALF, C.MONEY)),
    rule(T.TERMS_CHANGED, C.RETURN, (C.ITEM, C.IT), within=2, ordered=True),
    rule(T.TERMS_CHANGED, C.SEND_BACK, (C.ITEM, C.IT), C.BACK, not_before=C.AUTHORITY),
    rule(T.TERMS_CHANGED, C.EXPENSE, near(C.YOUR, 2),
         near((C.RETURN, C.SEND_BACK, C.BACK, C.ITEM), 10)),
    rule(T.TERMS_CHANGED, C.ZERO, (C.REFUND, C.PAY, C.MONEY), within=3),
    rule(T.TERMS_CHANGED, C.EXCLUDING, C.SHIPPING, within=3),
    rule(T.TERMS_CHANGED, (C.PART_PERCENT, C.HALF),
         (C.PAY, C.PAY_1P, C.REFUND, C.MONEY, C.PRICE, C.SOLUTION),
         not_in_sentence=(C.DISCOUNT, C.COUPON)),
    rule(T.TERMS_CHANGED, C.PORTION, (C.MONEY, C.PAY, C.REFUND, C.PRICE), within=3),
    rule(T.TERMS_CHANGED, C.SELLER, near(C.NEG, 2), near((C.PAY, C.PAY_1P, C.REFUND), 3),
         ordered=True, not_after=(C.CHANNEL, C.DIRECT, C.THROUGH)),
    rule(T.TERMS_CHANGED, C.NEG, (C.PAY, C.PAY_1P, C.REFUND), C.FULL, within=5,
         affirmative=False),
    # --- a refund for a good review -------------------------------------------------------------
    rule(T.REVIEW_FOR_REFUND, (C.POSITIVE, C.FIVE), near((C.FEEDBACK, C.STARS), 3),
         near(_MONEY, 15), cross=True),
    rule(T.REVIEW_FOR_REFUND, (C.REMOVE, C.CHANGE), near(C.FEEDBACK, 4), near(_MONEY, 15),
         cross=True),
    # --- change the reason ----------------------------------------------------------------------
    rule(T.CHANGE_REASON, (C.CHANGE, C.CHOOSE), C.REASON, within=6),
    rule(T.CHANGE_REASON, (C.CHANGE, C.CHOOSE), near(C.IT, 1), near(C.REASON, 10), cross=True),
    # --- repair instead of refund ---------------------------------------------------------------
    rule(T.REPAIR, C.REPAIR),
    rule(T.REPAIR, C.SPARE),
    rule(T.REPAIR, C.SEND, C.SELLER, C.PART, within=5),
    rule(T.REPAIR, (C.REPLACE, C.CHANGE, C.FIX), C.YOURSELF),
    rule(T.REPAIR, C.FIX, (C.EASY, C.HOME, C.IT)),
    rule(T.REPAIR, C.ENGINEER, C.HELP),
    rule(T.REPAIR, C.BRING, near(C.SERVICE, 4), near(C.CENTER, 5), ordered=True),
    rule(T.REPAIR, C.BRING, C.SERVICE_RU, within=3, ordered=True),
    # --- "tracking shows delivered" -------------------------------------------------------------
    rule(T.TRACKING_DELIVERED, C.DELIVERED, C.SOURCE, within=8,
         not_before=(near(C.WILL, 2), near((C.IF, C.WHEN), 6))),
    rule(T.TRACKING_DELIVERED, C.YOU, near(C.RECEIVED, 2), near(C.SOURCE, 8)),
    # --- evidence the buyer cannot produce ------------------------------------------------------
    rule(T.IMPOSSIBLE_EVIDENCE, C.VIDEO, C.UNBOXING, within=3),
    rule(T.IMPOSSIBLE_EVIDENCE, C.NEG, C.UNCUT, within=3, ordered=True, affirmative=False),
    rule(T.IMPOSSIBLE_EVIDENCE, C.ONE, C.SHOT, within=1, ordered=True),
    rule(T.IMPOSSIBLE_EVIDENCE, C.CERTIFICATE, not_before=near(C.GIFT, 1)),
    rule(T.IMPOSSIBLE_EVIDENCE, C.WRITTEN, C.PAPER, within=3),
    rule(T.IMPOSSIBLE_EVIDENCE, C.VIDEO, C.OPEN, within=6),
    rule(T.IMPOSSIBLE_EVIDENCE, C.VIDEO, (C.CONTINUOUS, C.WEIGH), within=6),
    rule(T.IMPOSSIBLE_EVIDENCE, C.WITNESS),
    rule(T.IMPOSSIBLE_EVIDENCE, C.FRONT, (C.STAFF, C.AGENCY)),
    rule(T.IMPOSSIBLE_EVIDENCE, C.OFFICIAL, C.DOCUMENT, within=3),
    rule(T.IMPOSSIBLE_EVIDENCE, C.DOCUMENT, C.AGENCY),
    rule(T.IMPOSSIBLE_EVIDENCE, C.AGENCY, C.REPORT, within=1, ordered=True),
    # --- pressure or threats --------------------------------------------------------------------
    rule(T.PRESSURE, C.REPORT, (C.YOU, C.ACCOUNT, C.AUTHORITY), within=6),
    rule(T.PRESSURE, C.BLOCK, (C.ACCOUNT, C.YOU), within=5),
    rule(T.PRESSURE, C.FRAUD),
    rule(T.PRESSURE, C.LEGAL, (C.SELLER, C.WILL), within=5,
         not_after=near((C.DOCUMENT, C.CERTIFICATE, C.REPORT), 1)),
    rule(T.PRESSURE, C.INFORM, C.AUTHORITY, within=6, ordered=True),
    rule(T.PRESSURE, C.YOU, near(C.REGRET, 3), ordered=True),
    rule(T.PRESSURE, C.REGRET_2P),
    rule(T.PRESSURE, C.LAST, C.WARNING, within=2, ordered=True),
    rule(T.PRESSURE, C.NOTHING, C.GET, within=2),
    rule(T.PRESSURE, C.LOSE, (C.MONEY, C.EVERYTHING, C.STORE), within=3),
    rule(T.PRESSURE, C.OUR, C.FAVOUR, within=1, ordered=True),
    rule(T.PRESSURE, C.BEG),
    rule(T.PRESSURE, C.FIRE, C.ME, within=2),
    rule(T.PRESSURE, C.PUNISH, (C.OUR, C.US, C.STORE, C.SELLER)),
    rule(T.PRESSURE, (C.CLOSE, C.SHUT), near(C.OUR, 1), near(C.STORE, 3), ordered=True),
    rule(T.PRESSURE, C.SHUT, (C.STORE, C.US), within=2),
)  # fmt: skip

F = FairSignal
FAIR_RULES: Final[tuple[Rule, ...]] = (
    rule(F.REFUND_AGREED, C.AGREE, (C.REFUND, C.PAY, C.DISPUTE, C.REQUEST, C.SOLUTION), within=5),
    rule(F.REFUND_AGREED, C.SELLER, C.PAY, within=2, ordered=True),
    rule(F.REFUND_AGREED, C.PAY_1P, (C.MONEY, C.FULL), within=3),
    rule(F.EVIDENCE_REQUEST, C.ASK_FOR, (C.PHOTO, C.VIDEO), within=6),
    rule(F.APOLOGY, C.SORRY),
)  # fmt: skip
