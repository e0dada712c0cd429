"""The claim's sentences for the reason and for each fact the buyer gave about it.

One specific sentence per fact: the reason is stated as one thing, never "X or Y" (a fact such as
"does not turn on" makes it sharper still), and a free-text fact appears only in its English
form (`as_english`); one that is not English is left out here and shown back to the buyer.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.claim_writer import (
    ALWAYS,
    RANK_DETAIL_FACT,
    RANK_FACT,
    RANK_PROMISED,
    RANK_SELLER,
    RANK_SELLER_REPLY,
    Line,
    Writer,
    fact_source,
)
from bot.domain.facts import (
    FactField,
    Facts,
    Failure,
    Mismatch,
    Packaging,
    SellerReply,
    YesNo,
)
from bot.domain.models import NOT_RECEIVED_REASONS, Reason

__all__ = ["fact_lines", "reason_line"]

F = FactField
#: The English form of a free-text fact, or None (not given, or not English).
English = Callable[[FactField], str | None]


def _src(*fields: FactField) -> set[str]:
    return {fact_source(f) for f in fields}


def _reasons(w: Writer) -> dict[Reason, str]:
    _ = w.cat.gettext
    return {
        Reason.IN_TRANSIT: _("I have not received the item. The package is still in transit."),
        Reason.NO_TRACKING: _(
            "I have not received the item. The tracking gives no current information about the "
            "package."
        ),
        Reason.RETURNED_TO_SELLER: _(
            "I have not received the item. The tracking shows that the package was returned to "
            "the seller."
        ),
        Reason.CUSTOMS: _("I have not received the item. The package is held at customs."),
        Reason.WRONG_ADDRESS: _(
            "I have not received the item. The package was delivered, but not to me."
        ),
        Reason.FAKE_TRACKING: _(
            "I have not received the item, although it is reported as delivered."
        ),
        Reason.OTHER_NOT_RECEIVED: _("I have not received the item."),
        Reason.NOT_AS_DESCRIBED: _("The item does not match the description on the product page."),
        Reason.QUALITY: _("The item I received is defective."),
        Reason.DAMAGED: _("The item arrived damaged."),
        Reason.MISSING_PARTS: _("The package I received is incomplete."),
        Reason.WRONG_ITEM: _("I received a different item from the one I ordered."),
        Reason.EMPTY_PARCEL: _("The parcel I received was empty."),
        Reason.COUNTERFEIT: _("The item I received is counterfeit."),
        Reason.CHEAPER_SHIPPING: _(
            "The seller used a cheaper shipping method than the one I paid for."
        ),
        Reason.OTHER_RECEIVED: _("I received the item, but there is a problem with it."),
    }


def _failures(w: Writer) -> dict[Failure, str]:
    _ = w.cat.gettext
    return {
        Failure.NO_POWER: _("The item I received does not turn on."),
        Failure.STOPS: _("The item I received has stopped working."),
        Failure.BROKEN_PART: _("A part of the item I received is broken."),
        Failure.STITCHING: _("The seams of the item I received are poorly stitched."),
    }


def _mismatches(w: Writer) -> dict[Mismatch, str]:
    _ = w.cat.gettext
    return {
        Mismatch.SIZE: _("The size of the item does not match the listing."),
        Mismatch.COLOUR: _("The colour of the item does not match the listing."),
        Mismatch.MATERIAL: _("The material of the item does not match the listing."),
        Mismatch.FUNCTION: _("The item does not work as the listing describes."),
        Mismatch.QUANTITY: _("The quantity I received does not match the listing."),
    }


def reason_line(w: Writer, reason: Reason, facts: Facts) -> Line:
    """The reason, made sharper by what fails or what differs when the buyer said so."""
    sources = {"reason"}
    template = _reasons(w)[reason]
    failure, mismatch = facts.failure, facts.mismatch
    if reason is Reason.QUALITY and failure is not None and failure is not Failure.OTHER:
        template = _failures(w)[failure]
        sources |= _src(F.FAILURE)
    elif reason is Reason.NOT_AS_DESCRIBED and mismatch not in (None, Mismatch.OTHER):
        template = _mismatches(w)[mismatch]
        sources |= _src(F.MISMATCH)
    return w.line("reason", ALWAYS, template, sources)


def _pair(
    w: Writer,
    key: str,
    english: English,
    first: tuple[FactField, str],
    second: tuple[FactField, str],
    templates: tuple[str, str, str],
) -> list[Line]:
    """Two facts in one sentence when both are given in English, else the one that is.

    `first` and `second` pair each field with its placeholder's name; `templates` are the
    sentences for both, the first only and the second only.
    """
    a, b = english(first[0]), english(second[0])
    if a is not None and b is not None:
        values = {first[1]: a, second[1]: b}
        return [w.line(key, RANK_FACT, templates[0], _src(first[0], second[0]), **values)]
    if a is not None:
        return [w.line(key, RANK_FACT, templates[1], _src(first[0]), **{first[1]: a})]
    if b is not None:
        return [w.line(key, RANK_FACT, templates[2], _src(second[0]), **{second[1]: b})]
    return []


def _not_as_described(w: Writer, facts: Facts, english: English) -> list[Line]:
    _ = w.cat.gettext
    templates = (
        _("The listing states %(listed)s, but I received %(arrived)s."),
        _("The listing states %(listed)s."),
        _("What I received: %(arrived)s."),
    )
    return _pair(
        w, "facts.listed", english, (F.LISTED, "listed"), (F.ARRIVED, "arrived"), templates
    )


def _packaging(w: Writer, facts: Facts, rank: int) -> list[Line]:
    _ = w.cat.gettext
    if facts.packaging is None:
        return []
    templates = {
        Packaging.INTACT: _("The packaging arrived intact."),
        Packaging.CRUSHED: _("The packaging arrived crushed."),
        Packaging.TORN: _("The packaging arrived torn."),
        Packaging.WET: _("The packaging arrived wet."),
        Packaging.BARE: _("The item came without any protective packaging."),
    }
    return [w.line("facts.packaging", rank, templates[facts.packaging], _src(F.PACKAGING))]


def _damaged(w: Writer, facts: Facts, english: English) -> list[Line]:
    _ = w.cat.gettext
    lines = []
    part = english(F.DAMAGED_PART)
    if part is not None:
        lines.append(
            w.line(
                "facts.damaged_part",
                RANK_FACT,
                _("Damaged part: %(part)s."),
                _src(F.DAMAGED_PART),
                part=part,
            )
        )
    return lines + _packaging(w, facts, RANK_DETAIL_FACT)


def _missing(w: Writer, facts: Facts, english: English) -> list[Line]:
    cat = w.cat
    ordered, received = facts.ordered_count, facts.received_count
    lines = []
    if ordered is not None and received is not None:
        template = cat.ngettext(
            "%(received)s of the %(n)s item ordered arrived.",
            "%(received)s of the %(n)s items ordered arrived.",
            ordered,
        )
        sources = _src(F.ORDERED_COUNT, F.RECEIVED_COUNT)
        lines.append(
            w.line("facts.counts", RANK_FACT, template, sources, received=received, n=ordered)
        )
    elif ordered is not None:
        template = cat.ngettext("I ordered %(n)s item.", "I ordered %(n)s items.", ordered)
        lines.append(w.line("facts.counts", RANK_FACT, template, _src(F.ORDERED_COUNT), n=ordered))
    elif received is not None:
        template = cat.ngettext("Only %(n)s item arrived.", "Only %(n)s items arrived.", received)
        lines.append(
            w.line("facts.counts", RANK_FACT, template, _src(F.RECEIVED_COUNT), n=received)
        )
    missing = english(F.MISSING_WHAT)
    if missing is not None:
        template = cat.gettext("Missing: %(missing)s.")
        lines.append(
            w.line("facts.missing_what", RANK_FACT, template, _src(F.MISSING_WHAT), missing=missing)
        )
    return lines


def _wrong_item(w: Writer, facts: Facts, english: English) -> list[Line]:
    _ = w.cat.gettext
    templates = (
        _("Instead of %(ordered)s, I received %(received)s."),
        _("What I ordered: %(ordered)s."),
        _("What I received instead: %(received)s."),
    )
    first, second = (F.ORDERED_ITEM, "ordered"), (F.RECEIVED_ITEM, "received")
    return _pair(w, "facts.items", english, first, second, templates)


def _counterfeit(w: Writer, facts: Facts, english: English) -> list[Line]:
    _ = w.cat.gettext
    brand = english(F.BRAND)
    if brand is None:
        return []
    template = _("The listing presents the item as a genuine %(brand)s product.")
    return [w.line("facts.brand", RANK_FACT, template, _src(F.BRAND), brand=brand)]


def _shipping(w: Writer, facts: Facts, english: English) -> list[Line]:
    _ = w.cat.gettext
    templates = (
        _("I paid for shipping by %(paid)s, but the parcel was sent by %(used)s."),
        _("I paid for shipping by %(paid)s."),
        _("The parcel was sent by %(used)s."),
    )
    first, second = (F.PAID_SHIPPING, "paid"), (F.USED_SHIPPING, "used")
    return _pair(w, "facts.shipping", english, first, second, templates)


def _tracking(w: Writer, facts: Facts, english: English) -> list[Line]:
    """The tracking number, its last status and that status's date, in one sentence."""
    _ = w.cat.gettext
    number, status, day = facts.tracking_number, english(F.TRACKING_STATUS), facts.tracking_date
    templates = {
        (True, True, True): _(
            "The tracking number %(number)s last updated on %(date)s: '%(status)s'."
        ),
        (True, False, True): _("The tracking number %(number)s last updated on %(date)s."),
        (True, True, False): _("The last status of tracking number %(number)s: '%(status)s'."),
        (True, False, False): _("Tracking number: %(number)s."),
        (False, True, True): _("The tracking last updated on %(date)s: '%(status)s'."),
        (False, False, True): _("The tracking last updated on %(date)s."),
        (False, True, False): _("The last tracking status: '%(status)s'."),
    }
    shape = (number is not None, status is not None, day is not None)
    if shape not in templates:
        return []
    fields = (F.TRACKING_NUMBER, F.TRACKING_STATUS, F.TRACKING_DATE)
    values = {"number": number, "status": status, "date": day}
    given = {k: v for k, v in values.items() if v is not None}
    sources = _src(*(f for f, present in zip(fields, shape, strict=True) if present))
    lines = [w.line("facts.tracking", RANK_FACT, templates[shape], sources, **given)]
    if facts.promised_by is not None:
        template = _("Delivery was promised by %(date)s.")
        lines.append(
            w.line(
                "facts.promised_by",
                RANK_PROMISED,
                template,
                _src(F.PROMISED_BY),
                date=facts.promised_by,
            )
        )
    return lines


def _seller(w: Writer, facts: Facts) -> list[Line]:
    """Writing to the seller first, as the guides advise, and what the seller answered."""
    _ = w.cat.gettext
    if facts.seller_contacted is not YesNo.YES:
        return []
    if facts.seller_contacted_on is not None:
        template = _("I contacted the seller on %(date)s, before opening this dispute.")
        sources = _src(F.SELLER_CONTACTED, F.SELLER_CONTACTED_ON)
        lines = [
            w.line("facts.seller", RANK_SELLER, template, sources, date=facts.seller_contacted_on)
        ]
    else:
        template = _("I contacted the seller before opening this dispute.")
        lines = [w.line("facts.seller", RANK_SELLER, template, _src(F.SELLER_CONTACTED))]
    replies = {
        SellerReply.NONE: _("The seller did not answer."),
        SellerReply.REFUSED: _("The seller refused to solve the problem."),
        SellerReply.COUPON: _("The seller offered only a coupon instead of a refund."),
        SellerReply.WAIT: _("The seller only asked me to wait longer."),
        SellerReply.TOO_LITTLE: _("The seller offered less than the refund I ask for."),
        SellerReply.UNRESOLVED: _("The seller answered, but the problem was not solved."),
    }
    if facts.seller_reply is not None:
        template = replies[facts.seller_reply]
        sources = _src(F.SELLER_CONTACTED, F.SELLER_REPLY)
        lines.append(w.line("facts.seller_reply", RANK_SELLER_REPLY, template, sources))
    return lines


_PER_REASON: dict[Reason, Callable[[Writer, Facts, English], list[Line]]] = {
    **dict.fromkeys(NOT_RECEIVED_REASONS, _tracking),
    Reason.NOT_AS_DESCRIBED: _not_as_described,
    Reason.DAMAGED: _damaged,
    Reason.MISSING_PARTS: _missing,
    Reason.WRONG_ITEM: _wrong_item,
    Reason.EMPTY_PARCEL: lambda w, facts, english: _packaging(w, facts, RANK_FACT),
    Reason.COUNTERFEIT: _counterfeit,
    Reason.CHEAPER_SHIPPING: _shipping,
}


def fact_lines(w: Writer, reason: Reason, facts: Facts, english: English) -> list[Line]:
    """The reason's own facts (best first), then the contact with the seller.

    `facts` holds only the fields that belong to `reason`; `english` gives a free-text fact's
    English form. The failure (quality) and the mismatch (not as described) are in the reason's
    own sentence (`reason_line`).
    """
    own = _PER_REASON.get(reason)
    lines = own(w, facts, english) if own is not None else []
    return lines + _seller(w, facts)
