"""The golden cases: one realistic case per reason, and the guides' leggings.

Shared by the golden tests (tests/test_claim_golden.py) and the Russian rendering tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.domain.facts import FactField, Facts, Failure, Mismatch, Packaging, SellerReply, YesNo
from bot.domain.models import Branch, Dispute, EvidenceSummary, Money, Reason, RefundOption

ORDER = "8123456789012345"


def usd(cents: int) -> Money:
    return Money(cents, "USD")


def dispute(reason: Reason, **fields: object) -> Dispute:
    d = Dispute(user_id=1, order_id=ORDER, branch=reason.branch, reason=reason)
    if reason.branch is Branch.NOT_RECEIVED:
        d.refund_option = RefundOption.KEEP_FULL
    for name, value in fields.items():
        setattr(d, name, value)
    return d


@dataclass(frozen=True)
class Case:
    d: Dispute
    facts: Facts
    evidence: EvidenceSummary


WROTE_ON_20_NOV = {"seller_contacted": YesNo.YES, "seller_contacted_on": date(2026, 11, 20)}

CASES: dict[str, Case] = {
    # The guides' example: 3 pairs of leggings, $11.73 paid, one pair with holes at the seams;
    # the buyer keeps them and settles for $5. Russian buyer: title and words in Russian.
    "leggings": Case(
        dispute(
            Reason.QUALITY,
            item_title="Леггинсы, 3 шт",
            amount_paid=usd(1173),
            refund_option=RefundOption.KEEP_PARTIAL,
            refund_amount=usd(500),
            description="Одни из трёх леггинсов пришли с дырками на швах, швы расходятся.",
        ),
        Facts(
            failure=Failure.STITCHING,
            seller_reply=SellerReply.COUPON,
            english_title="Women's Seamless Leggings, 3 pcs",
            **WROTE_ON_20_NOV,
        ),
        EvidenceSummary(photos=2),
    ),
    "quality": Case(
        dispute(
            Reason.QUALITY,
            item_title="TWS Bluetooth Earbuds",
            amount_paid=usd(840),
            refund_option=RefundOption.KEEP_FULL,
            description="The left earbud does not charge. The case light never comes on",
        ),
        Facts(
            failure=Failure.NO_POWER,
            seller_contacted=YesNo.YES,
            seller_reply=SellerReply.REFUSED,
        ),
        EvidenceSummary(photos=2, videos=1),
    ),
    "not-as-described": Case(
        dispute(
            Reason.NOT_AS_DESCRIBED,
            amount_paid=usd(1899),
            refund_option=RefundOption.KEEP_PARTIAL,
            refund_amount=usd(1000),
        ),
        Facts(
            mismatch=Mismatch.MATERIAL,
            listed="100% cotton",
            arrived="65% polyester",
            seller_contacted=YesNo.YES,
            seller_reply=SellerReply.NONE,
            english_title="Men's Cotton T-Shirt",
        ),
        EvidenceSummary(photos=3, screenshots=1),
    ),
    "damaged": Case(
        dispute(
            Reason.DAMAGED,
            amount_paid=usd(450),
            refund_option=RefundOption.KEEP_FULL,
            receipt_confirmed=True,
            receipt_confirmed_at=datetime(2026, 11, 27, 9, tzinfo=UTC),
        ),
        Facts(
            damaged_part="handle",
            packaging=Packaging.CRUSHED,
            english_title="Ceramic Coffee Mug 350ml",
        ),
        EvidenceSummary(photos=3, videos=1),
    ),
    "missing": Case(
        dispute(
            Reason.MISSING_PARTS,
            amount_paid=usd(900),
            refund_option=RefundOption.KEEP_PARTIAL,
            refund_amount=usd(300),
        ),
        Facts(ordered_count=3, received_count=2, english_title="Cotton Socks, 3 pairs"),
        EvidenceSummary(photos=2, videos=1),
    ),
    "wrong-item": Case(
        dispute(Reason.WRONG_ITEM, amount_paid=usd(2599), refund_option=RefundOption.RETURN_FULL),
        Facts(
            ordered_item="a black phone case",
            received_item="a red wallet",
            english_title="Silicone Case for iPhone 15",
        ),
        EvidenceSummary(photos=2),
    ),
    "empty-parcel": Case(
        dispute(
            Reason.EMPTY_PARCEL,
            amount_paid=Money(1500, "EUR"),
            refund_option=RefundOption.KEEP_FULL,
            receipt_confirmed=True,
        ),
        Facts(packaging=Packaging.INTACT, **WROTE_ON_20_NOV),
        EvidenceSummary(photos=1, videos=1),
    ),
    "counterfeit": Case(
        dispute(
            Reason.COUNTERFEIT,
            amount_paid=usd(3250),
            refund_option=RefundOption.KEEP_FULL,
        ),
        Facts(
            brand="Xiaomi",
            seller_reply=SellerReply.UNRESOLVED,
            english_title="Xiaomi Redmi Buds 4",
            **WROTE_ON_20_NOV,
        ),
        EvidenceSummary(photos=4, screenshots=1),
    ),
    "cheaper-shipping": Case(
        dispute(
            Reason.CHEAPER_SHIPPING,
            amount_paid=usd(1499),
            refund_option=RefundOption.KEEP_PARTIAL,
            refund_amount=usd(600),
        ),
        Facts(paid_shipping="DHL", used_shipping="China Post Ordinary Small Packet"),
        EvidenceSummary(screenshots=2),
    ),
    "other-received": Case(
        dispute(
            Reason.OTHER_RECEIVED,
            item_title="Yoga Mat",
            amount_paid=usd(1250),
            refund_option=RefundOption.RETURN_PARTIAL,
            refund_amount=usd(300),
            description="The mat has a strong chemical smell that does not go away after a week.",
        ),
        Facts(seller_contacted=YesNo.NO),
        EvidenceSummary(photos=1),
    ),
    "in-transit": Case(
        dispute(Reason.IN_TRANSIT, amount_paid=Money(249000, "RUB")),
        Facts(
            tracking_number="LP00123456789",
            tracking_status="Arrived at sorting center",
            tracking_date=date(2026, 11, 12),
            promised_by=date(2026, 11, 25),
            seller_contacted=YesNo.YES,
            seller_contacted_on=date(2026, 11, 26),
            seller_reply=SellerReply.WAIT,
        ),
        EvidenceSummary(screenshots=2),
    ),
    "no-tracking": Case(
        dispute(Reason.NO_TRACKING, amount_paid=usd(1099)),
        Facts(
            tracking_number="RB123456785CN",
            promised_by=date(2026, 11, 20),
            seller_contacted=YesNo.YES,
            seller_reply=SellerReply.NONE,
        ),
        EvidenceSummary(screenshots=1),
    ),
    "returned-to-seller": Case(
        dispute(Reason.RETURNED_TO_SELLER, amount_paid=Money(117300, "RUB")),
        Facts(
            tracking_number="LP00123456789012",
            tracking_status="Returned to sender",
            tracking_date=date(2026, 11, 18),
        ),
        EvidenceSummary(screenshots=1),
    ),
    # The status typed in Russian stays out of the English; its date and the number stay in.
    "customs": Case(
        dispute(Reason.CUSTOMS, amount_paid=usd(4500)),
        Facts(
            tracking_number="UB123456789CN",
            tracking_status="Задержано таможней",
            tracking_date=date(2026, 11, 15),
        ),
        EvidenceSummary(),
    ),
    "wrong-address": Case(
        dispute(Reason.WRONG_ADDRESS, amount_paid=usd(2000)),
        Facts(
            tracking_number="YT2412345678901234",
            tracking_status="Delivered",
            tracking_date=date(2026, 11, 21),
            seller_contacted=YesNo.NO,
        ),
        EvidenceSummary(screenshots=2),
    ),
    "fake-tracking": Case(
        dispute(Reason.FAKE_TRACKING, amount_paid=usd(3999), receipt_confirmed=True),
        Facts(
            tracking_status="Delivered",
            tracking_date=date(2026, 11, 10),
            seller_reply=SellerReply.NONE,
            **WROTE_ON_20_NOV,
        ),
        EvidenceSummary(screenshots=1),
    ),
    "other-not-received": Case(
        dispute(Reason.OTHER_NOT_RECEIVED),
        Facts(seller_contacted=YesNo.YES, seller_reply=SellerReply.WAIT),
        EvidenceSummary(),
    ),
}


# What each choice must make the claim say: the sentence states the answer given, no other.
CHOICE_TEMPLATES: dict[FactField, dict[object, str | None]] = {
    FactField.FAILURE: {
        Failure.NO_POWER: "The item I received does not turn on.",
        Failure.STOPS: "The item I received has stopped working.",
        Failure.BROKEN_PART: "A part of the item I received is broken.",
        Failure.STITCHING: "The seams of the item I received are poorly stitched.",
        Failure.OTHER: None,
    },
    FactField.MISMATCH: {
        Mismatch.SIZE: "The size of the item does not match the listing.",
        Mismatch.COLOUR: "The colour of the item does not match the listing.",
        Mismatch.MATERIAL: "The material of the item does not match the listing.",
        Mismatch.FUNCTION: "The item does not work as the listing describes.",
        Mismatch.QUANTITY: "The quantity I received does not match the listing.",
        Mismatch.OTHER: None,
    },
    FactField.PACKAGING: {
        Packaging.INTACT: "The packaging arrived intact.",
        Packaging.CRUSHED: "The packaging arrived crushed.",
        Packaging.TORN: "The packaging arrived torn.",
        Packaging.WET: "The packaging arrived wet.",
        Packaging.BARE: "The item came without any protective packaging.",
    },
    FactField.SELLER_REPLY: {
        SellerReply.NONE: "The seller did not answer.",
        SellerReply.REFUSED: "The seller refused to solve the problem.",
        SellerReply.COUPON: "The seller offered only a coupon instead of a refund.",
        SellerReply.WAIT: "The seller only asked me to wait longer.",
        SellerReply.TOO_LITTLE: "The seller offered less than the refund I ask for.",
        SellerReply.UNRESOLVED: "The seller answered, but the problem was not solved.",
    },
}

# The sentences that state a choice: the reason (sharpened by what fails or what differs), the
# packaging, the seller's answer.
CHOICE_SENTENCES = {
    "reason": (FactField.FAILURE, FactField.MISMATCH),
    "facts.packaging": (FactField.PACKAGING,),
    "facts.seller_reply": (FactField.SELLER_REPLY,),
}
