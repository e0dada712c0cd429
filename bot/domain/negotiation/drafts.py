"""English texts the buyer pastes: a reply to the seller, a counter-offer, a statement for
AliExpress. With `ENGLISH` they are the text to paste (ASCII only, within a length bound);
with the Russian catalog they are "what it says in Russian", sentence for sentence, as
claim.py's local text is.

Polite and firm, in the guides' spirit: state the facts, keep the dispute open, let AliExpress
decide when the seller will not agree, never be rude (seed 002). Amounts in English are
written `11.73 USD` (issue 13): ASCII whatever the currency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, tzinfo
from decimal import Decimal
from typing import Final

from babel.numbers import get_currency_precision

from bot.domain.claim import compose_claim
from bot.domain.models import Dispute, Money, RefundOption, Stage
from bot.domain.negotiation.detect import Reading
from bot.domain.negotiation.offer import OfferChange, OfferCheck, Terms
from bot.domain.negotiation.vocabulary import ENGLISH, Catalog, FairSignal, Trick

__all__ = [
    "REPLY_MAX_CHARS",
    "STATEMENT_MAX_CHARS",
    "counter_offer",
    "plain_money",
    "reply_to_seller",
    "statement_for_aliexpress",
]

#: A chat reply a seller reads whole; sentences for the least costly tricks go first.
REPLY_MAX_CHARS: Final = 700
#: The escalation or evidence reply: the claim (at most 500) plus the offer and the tricks.
STATEMENT_MAX_CHARS: Final = 1000

MoneyFormatter = Callable[[Money], str]


def plain_money(money: Money) -> str:
    """`1,234.56 EUR`: ASCII for any currency, as the English texts need."""
    digits = int(get_currency_precision(money.currency))
    amount = Decimal(money.minor).scaleb(-digits)
    return f"{amount:,.{digits}f} {money.currency}"


class _Writer:
    """Collects sentences; an English (ASCII) sentence gets ASCII amounts."""

    def __init__(self, money: MoneyFormatter) -> None:
        self.money = money

    def fill(self, translated: str, **values: Money | str) -> str:
        if not values:
            return translated
        english = translated.isascii()
        filled = {
            k: (plain_money(v) if english else self.money(v)) if isinstance(v, Money) else v
            for k, v in values.items()
        }
        return translated % filled


def _fit(head: list[str], body: list[str], tail: list[str], limit: int) -> str:
    """Head and tail always; as many body sentences as fit, in order."""
    kept = list(body)
    while kept and len(" ".join(head + kept + tail)) > limit:
        kept.pop()
    return " ".join(head + kept + tail)


def _request(cat: Catalog, w: _Writer, asked: Terms) -> str:
    _ = cat.gettext
    texts = {
        RefundOption.KEEP_FULL: _(
            "I ask for a full refund of %(amount)s without returning the item, as stated in the "
            "dispute."
        ),
        RefundOption.KEEP_PARTIAL: _(
            "I ask for a partial refund of %(amount)s without returning the item, as stated in "
            "the dispute."
        ),
        RefundOption.RETURN_FULL: _(
            "I ask for a full refund of %(amount)s after I return the item, as stated in the "
            "dispute."
        ),
        RefundOption.RETURN_PARTIAL: _(
            "I ask for a partial refund of %(amount)s after I return the item, as stated in the "
            "dispute."
        ),
    }
    return w.fill(texts[asked.option], amount=asked.amount)


def _decline(cat: Catalog, w: _Writer, trick: Trick, asked: Terms | None) -> str:
    _ = cat.gettext
    if trick is Trick.TERMS_CHANGED:
        if asked is None:
            return _("I do not agree to changed terms; please restore the solution I asked for.")
        return _("I do not agree to changed terms.") + " " + _request(cat, w, asked)
    sentences = {
        Trick.CLOSE_FOR_PROMISE: _(
            "I will not close or cancel the dispute before the refund is issued through AliExpress."
        ),
        Trick.OUTSIDE_PAYMENT: _(
            "I do not accept payments outside AliExpress; please make the refund in the dispute."
        ),
        Trick.COUPON: _("A coupon or store credit is not a refund, so I must decline it."),
        Trick.WAIT_LONGER: _(
            "The dispute will stay open while we wait; if the parcel arrives, I will tell you."
        ),
        Trick.CONFIRM_RECEIPT: _("I will not confirm receipt while the dispute is open."),
        Trick.REVIEW_FOR_REFUND: _(
            "My feedback is not part of this dispute; please make the refund in the dispute."
        ),
        Trick.CHANGE_REASON: _("The reason in the dispute is correct, and I will not change it."),
        Trick.REPAIR: _(
            "I do not want a repair or spare parts; I ask for the refund in the dispute."
        ),
        Trick.TRACKING_DELIVERED: _(
            "The parcel has not reached me, whatever the tracking says; please check with the "
            "carrier."
        ),
        Trick.IMPOSSIBLE_EVIDENCE: _(
            "I cannot provide that, but I can send more photos or a short video of the problem."
        ),
        Trick.PRESSURE: _(
            "I am following AliExpress's dispute rules; if we cannot agree, AliExpress will decide."
        ),
    }
    return sentences[trick]


def reply_to_seller(
    reading: Reading,
    cat: Catalog = ENGLISH,
    *,
    asked: Terms | None = None,
    money: MoneyFormatter = plain_money,
) -> str:
    """A short, polite, firm reply to what the seller wrote.

    One sentence per trick found (costliest first; the last ones are dropped if the reply would
    pass `REPLY_MAX_CHARS`), then the dispute stays open until the refund is made through
    AliExpress. A fair message gets a thank-you that keeps the refund in the dispute. `asked`
    (what the dispute asks for) lets the reply restate it against changed terms.
    """
    _ = cat.gettext
    w = _Writer(money)
    head = [_("Hello, thank you for your message.")]
    if reading.findings:
        body = [_decline(cat, w, f.trick, asked) for f in reading.findings]
        tail = (
            []
            if Trick.CLOSE_FOR_PROMISE in reading.tricks
            else [_("I will keep the dispute open until the refund is issued through AliExpress.")]
        )
    elif FairSignal.EVIDENCE_REQUEST in reading.fair_signals:
        body, tail = (
            [_("Of course: I will add photos and a video of the problem to the dispute.")],
            [],
        )
    elif FairSignal.REFUND_AGREED in reading.fair_signals:
        body, tail = (
            [_("Please make the refund in the dispute on AliExpress, and I will accept it there.")],
            [],
        )
    else:
        body, tail = [_("I am waiting for the refund in the dispute, as requested.")], []
    return _fit(head, body, [*tail, _("Best regards.")], REPLY_MAX_CHARS)


def counter_offer(
    check: OfferCheck, cat: Catalog = ENGLISH, *, money: MoneyFormatter = plain_money
) -> str | None:
    """The counter-offer to paste when the offer is not fine to accept; None when it is."""
    if check.counter is None:
        return None
    _ = cat.gettext
    w = _Writer(money)
    sentences = [_("Thank you for your offer, but I cannot accept it.")]
    if OfferChange.RETURN_ADDED in check.changes:
        sentences.append(
            _("I did not agree to return the item: return shipping would be at my cost.")
        )
    if OfferChange.AMOUNT_ZERO in check.changes:
        sentences.append(_("A refund of zero does not solve the problem."))
    if OfferChange.AMOUNT_LOWERED in check.changes:
        sentences.append(
            w.fill(
                _("%(offered)s is less than the %(asked)s I asked for."),
                offered=check.offered.amount,
                asked=check.asked.amount,
            )
        )
    sentences.append(_request(cat, w, check.counter))
    sentences.append(
        _("Please change the solution in the dispute; until then the dispute stays open.")
    )
    return " ".join(sentences)


def _offer_facts(cat: Catalog, w: _Writer, offer: OfferCheck) -> list[str]:
    _ = cat.gettext
    facts: list[str] = []
    if OfferChange.RETURN_ADDED in offer.changes:
        facts.append(
            _(
                "The seller's offer requires me to return the item at my own cost, which I do not "
                "accept."
            )
        )
    if OfferChange.AMOUNT_ZERO in offer.changes:
        facts.append(_("The seller offered no refund, which does not resolve the problem."))
    if OfferChange.AMOUNT_LOWERED in offer.changes:
        facts.append(
            w.fill(
                _(
                    "The seller offered %(offered)s, less than the %(asked)s I asked for, which I "
                    "do not accept."
                ),
                offered=offer.offered.amount,
                asked=offer.asked.amount,
            )
        )
    return facts


def _trick_facts(cat: Catalog, tricks: Iterable[Trick], offer: OfferCheck | None) -> list[str]:
    _ = cat.gettext
    facts = {
        Trick.CLOSE_FOR_PROMISE: _(
            "The seller asked me to close the dispute in exchange for a promise."
        ),
        Trick.OUTSIDE_PAYMENT: _("The seller offered to pay me outside AliExpress."),
        Trick.COUPON: _("The seller offered a coupon instead of a refund."),
        Trick.WAIT_LONGER: _(
            "The seller asked me to wait longer instead of resolving the dispute."
        ),
        Trick.CONFIRM_RECEIPT: _(
            "The seller asked me to confirm receipt before the problem was resolved."
        ),
        Trick.TERMS_CHANGED: _("The seller changed the terms of the dispute without my agreement."),
        Trick.REVIEW_FOR_REFUND: _("The seller offered money in exchange for a positive review."),
        Trick.CHANGE_REASON: _("The seller asked me to change the reason of the dispute."),
        Trick.REPAIR: _("The seller offered a repair instead of a refund."),
        Trick.TRACKING_DELIVERED: _(
            "The seller says the tracking shows the parcel delivered, but I have not received it."
        ),
        Trick.IMPOSSIBLE_EVIDENCE: _(
            "The seller demanded evidence that I cannot reasonably provide."
        ),
        Trick.PRESSURE: _("The seller pressured me to cancel the dispute."),
    }
    out: list[str] = []
    for trick in dict.fromkeys(tricks):
        if trick is Trick.TERMS_CHANGED and offer is not None and offer.costly:
            continue  # the offer's own sentence says it with the numbers
        out.append(facts[trick])
    return out


def statement_for_aliexpress(
    d: Dispute,
    cat: Catalog = ENGLISH,
    *,
    evidence_count: int = 0,
    offer: OfferCheck | None = None,
    tricks: Iterable[Trick] = (),
    money: MoneyFormatter = plain_money,
    locale: str = "en",
    tz: tzinfo = UTC,
) -> str:
    """The text for AliExpress at escalation or when it asks for evidence.

    The case's facts (the claim from `d.facts`: order, item, reason, what was paid, what is
    asked), the evidence provided, why the seller's last offer is not acceptable, and the
    seller's moves found in the chat. Within `STATEMENT_MAX_CHARS`: the seller's moves go first
    when it is too long, never the facts or the request. `locale` and `tz`: the language of
    `cat` and the buyer's zone, for the claim's dates.
    """
    _ = cat.gettext
    w = _Writer(money)
    if d.stage is Stage.EVIDENCE_REQUESTED:
        head = [_("In reply to your request, here is the evidence for this dispute.")]
    else:
        head = [_("I ask AliExpress to review this dispute.")]
    # The claim without its own "Attached:" line: the next sentence says what is attached.
    head.append(compose_claim(d, d.facts, None, cat, locale=locale, money=money, tz=tz).text)
    if evidence_count > 0:
        head.append(
            w.fill(
                cat.ngettext(
                    "I have attached %(n)s photo or video that shows the problem.",
                    "I have attached %(n)s photos or videos that show the problem.",
                    evidence_count,
                ),
                n=str(evidence_count),
            )
        )
    if offer is not None:
        head += _offer_facts(cat, w, offer)
    body = _trick_facts(cat, tricks, offer)
    tail = [_("I ask you to decide the dispute as requested above.")]
    return _fit(head, body, tail, STATEMENT_MAX_CHARS)
