"""What the bot says around the fact questions: prompts, button labels, field names, errors.

Message ids for the views (the wizard shows them with the buyer's catalog); the English claim's
own sentences live in bot/domain/claim_facts.py. HTML as the rest of the bot's texts: `<code>`
marks an example the buyer may copy.
"""

from __future__ import annotations

from typing import assert_never

from bot.domain.catalog import ENGLISH, Catalog
from bot.domain.facts.answers import AnswerError, AnswerErrorCode
from bot.domain.facts.model import (
    ChoiceEnum,
    FactField,
    Failure,
    Mismatch,
    Packaging,
    SellerReply,
    YesNo,
)

__all__ = ["answer_error_text", "choice_label", "field_label", "prompt"]

F = FactField


def prompt(field: FactField, cat: Catalog = ENGLISH) -> str:
    """The question for `field`, with an example of a good answer."""
    _ = cat.gettext
    prompts = {
        F.MISMATCH: _("What does not match the listing?"),
        F.LISTED: _(
            "What does the listing promise? Copy its words from the English product page if "
            "you can, e.g. <code>100% cotton</code> or <code>size XL</code>."
        ),
        F.ARRIVED: _(
            "And what did you receive? A few words in English, e.g. <code>65% polyester</code> "
            "or <code>size M</code>."
        ),
        F.FAILURE: _("What is wrong with the item?"),
        F.DAMAGED_PART: _(
            "Which part is damaged? A few words in English, e.g. <code>screen</code>."
        ),
        F.PACKAGING: _("What state was the packaging in when it arrived?"),
        F.ORDERED_COUNT: _("How many pieces did you order? E.g. <code>3</code>."),
        F.RECEIVED_COUNT: _("How many pieces came?"),
        F.MISSING_WHAT: _("What is missing? A few words in English, e.g. <code>charger</code>."),
        F.ORDERED_ITEM: _(
            "What did you order? A few words in English, e.g. <code>a black phone case</code>."
        ),
        F.RECEIVED_ITEM: _(
            "What came instead? A few words in English, e.g. <code>a red wallet</code>."
        ),
        F.BRAND: _("Which brand does the listing claim? E.g. <code>Xiaomi</code>."),
        F.PAID_SHIPPING: _(
            "Which shipping method did you pay for, as the order page names it? E.g. "
            "<code>AliExpress Standard Shipping</code>."
        ),
        F.USED_SHIPPING: _("Which shipping method was actually used (the tracking page names it)?"),
        F.TRACKING_NUMBER: _(
            "What is the parcel's tracking number? It is on the order page, e.g. "
            "<code>LP00123456789</code>."
        ),
        F.TRACKING_STATUS: _(
            "What is the last tracking status? Copy it from the English tracking page, e.g. "
            "<code>Arrived at sorting center</code>."
        ),
        F.TRACKING_DATE: _("When was that status? E.g. <code>12.11.2026</code>."),
        F.PROMISED_BY: _("By what date was delivery promised? E.g. <code>20.11.2026</code>."),
        F.SELLER_CONTACTED: _(
            "Did you write to the seller before opening the dispute? It is worth doing, and "
            "the text for AliExpress will say so."
        ),
        F.SELLER_CONTACTED_ON: _(
            "When did you write to the seller? E.g. <code>20.11.2026</code> or "
            "<code>3 days ago</code>."
        ),
        F.SELLER_REPLY: _("What did the seller answer?"),
        F.ENGLISH_TITLE: _(
            "What is the item's title on the English order page? Switch the app to English "
            "and copy it. I never transliterate: without an English title the text for "
            "AliExpress simply does not name the item."
        ),
    }
    return prompts[field]


def field_label(field: FactField, cat: Catalog = ENGLISH) -> str:
    """A short name for a fact, for the summary card and for the buyer's own words."""
    _ = cat.gettext
    labels = {
        F.MISMATCH: _("What does not match"),
        F.LISTED: _("The listing promises"),
        F.ARRIVED: _("What came"),
        F.FAILURE: _("What is wrong"),
        F.DAMAGED_PART: _("Damaged part"),
        F.PACKAGING: _("Packaging"),
        F.ORDERED_COUNT: _("Pieces ordered"),
        F.RECEIVED_COUNT: _("Pieces received"),
        F.MISSING_WHAT: _("Missing"),
        F.ORDERED_ITEM: _("Ordered"),
        F.RECEIVED_ITEM: _("Received instead"),
        F.BRAND: _("Brand in the listing"),
        F.PAID_SHIPPING: _("Shipping paid for"),
        F.USED_SHIPPING: _("Shipping used"),
        F.TRACKING_NUMBER: _("Tracking number"),
        F.TRACKING_STATUS: _("Last tracking status"),
        F.TRACKING_DATE: _("Date of that status"),
        F.PROMISED_BY: _("Delivery promised by"),
        F.SELLER_CONTACTED: _("Wrote to the seller"),
        F.SELLER_CONTACTED_ON: _("Wrote to the seller on"),
        F.SELLER_REPLY: _("Seller's answer"),
        F.ENGLISH_TITLE: _("English title"),
    }
    return labels[field]


def choice_label(choice: ChoiceEnum, cat: Catalog = ENGLISH) -> str:
    """A button's label."""
    _ = cat.gettext
    # One table per enum: members of different enums with the same value ("other") are equal
    # strings, so a single dict would mix them up.
    labels: dict[type[ChoiceEnum], dict[str, str]] = {
        Mismatch: {
            Mismatch.SIZE: _("Size"),
            Mismatch.COLOUR: _("Colour"),
            Mismatch.MATERIAL: _("Material"),
            Mismatch.FUNCTION: _("Function"),
            Mismatch.QUANTITY: _("Quantity"),
            Mismatch.OTHER: _("Something else"),
        },
        Failure: {
            Failure.NO_POWER: _("Does not turn on"),
            Failure.STOPS: _("Stopped working"),
            Failure.BROKEN_PART: _("A part is broken"),
            Failure.STITCHING: _("Poor stitching"),
            Failure.OTHER: _("Something else"),
        },
        Packaging: {
            Packaging.INTACT: _("Intact"),
            Packaging.CRUSHED: _("Crushed"),
            Packaging.TORN: _("Torn"),
            Packaging.WET: _("Wet"),
            Packaging.BARE: _("No protective packaging"),
        },
        YesNo: {YesNo.YES: _("Yes"), YesNo.NO: _("No")},
        SellerReply: {
            SellerReply.NONE: _("No answer"),
            SellerReply.REFUSED: _("Refused"),
            SellerReply.COUPON: _("Offered a coupon"),
            SellerReply.WAIT: _("Asked me to wait"),
            SellerReply.TOO_LITTLE: _("Offered too little"),
            SellerReply.UNRESOLVED: _("Answered, nothing solved"),
        },
    }
    return labels[type(choice)][choice]


def answer_error_text(error: AnswerError, cat: Catalog = ENGLISH) -> str:
    """A clear sentence for each way an answer to a fact question can be refused."""
    _ = cat.gettext
    p = error.params
    code = error.code
    if code is AnswerErrorCode.CHOOSE_A_BUTTON:
        return _("Please choose one of the buttons, or skip the question.")
    if code is AnswerErrorCode.NOT_A_COUNT:
        return _("Please send the number of pieces as digits, e.g. <code>3</code>.")
    if code is AnswerErrorCode.COUNT_TOO_LARGE:
        return _("That is more than %(max)s pieces. Please check the number.") % {
            "max": p.get("max")
        }
    if code is AnswerErrorCode.RECEIVED_NOT_FEWER:
        return _(
            "Ordered: %(ordered)s, received: %(received)s. For this reason fewer pieces must "
            "have come than were ordered; if everything came, choose another reason."
        ) % {"ordered": p.get("ordered"), "received": p.get("received")}
    if code is AnswerErrorCode.NOT_A_DATE:
        return _(
            "I couldn't read a date there. Send it like <code>12.11.2026</code>, "
            "<code>12 November</code> or <code>3 days ago</code>."
        )
    if code is AnswerErrorCode.TRACKING_MALFORMED:
        return _(
            "A tracking number is Latin letters and digits, e.g. <code>LP00123456789</code>. "
            "Please copy it from the order page."
        )
    if code is AnswerErrorCode.TRACKING_LENGTH:
        return _(
            "A tracking number has %(min)s to %(max)s characters; that one has %(length)s. "
            "Please check it."
        ) % {"min": p.get("min_length"), "max": p.get("max_length"), "length": p.get("length")}
    if code is AnswerErrorCode.TRACKING_IS_ORDER_ID:
        return _("That is the order number. The tracking number is on the order's tracking page.")
    if code is AnswerErrorCode.NOT_ENGLISH:
        return _(
            "That title is not in English, and I never transliterate. Switch the AliExpress "
            "app to English, open the order and copy the title from there, or skip this "
            "question: the text for AliExpress then does not name the item."
        )
    if code is AnswerErrorCode.LINK_NOT_TITLE:
        return _("That is a link. Please copy the item's title itself, or skip this question.")
    assert_never(code)
