"""The negotiation assistant's pure core (issue 13 §2): reading the seller, checking offers.

- `read_message(text)` names each known trick in a seller's message, Russian or English, with
  a verdict per trick (vocabulary.py); a message with none is fair.
- `check_offer(...)` / `check_dispute_offer(...)` compare the offer on the dispute page with
  what the buyer asked for and paid (offer.py).
- wording.py holds the user-facing explanations as gettext message ids; drafts.py writes the
  English texts to paste (for the seller, for AliExpress), whose Russian meaning comes from
  the same message ids through the Russian catalog.

No Telegram, no storage, no network: rules and patterns only (rules.py, lexicon.py).
"""

from __future__ import annotations

from bot.domain.negotiation.detect import QUOTE_MAX_CHARS, Finding, Reading, read_message
from bot.domain.negotiation.drafts import (
    REPLY_MAX_CHARS,
    STATEMENT_MAX_CHARS,
    counter_offer,
    plain_money,
    reply_to_seller,
    statement_for_aliexpress,
)
from bot.domain.negotiation.offer import (
    OfferChange,
    OfferCheck,
    OfferError,
    Reopen,
    Terms,
    check_dispute_offer,
    check_offer,
    reopen_after_cancel,
    terms,
)
from bot.domain.negotiation.text import MAX_CHARS
from bot.domain.negotiation.vocabulary import (
    ENGLISH,
    FAIR_SIGNALS,
    TRICKS,
    VERDICT,
    Catalog,
    FairSignal,
    Trick,
    Verdict,
)
from bot.domain.negotiation.wording import (
    accept_note,
    cancel_note,
    change_text,
    fair_note,
    no_trick_note,
    offer_lines,
    trick_name,
    trick_why,
    verdict_label,
)

__all__ = [
    "ENGLISH",
    "FAIR_SIGNALS",
    "MAX_CHARS",
    "QUOTE_MAX_CHARS",
    "REPLY_MAX_CHARS",
    "STATEMENT_MAX_CHARS",
    "TRICKS",
    "VERDICT",
    "Catalog",
    "FairSignal",
    "Finding",
    "OfferChange",
    "OfferCheck",
    "OfferError",
    "Reading",
    "Reopen",
    "Terms",
    "Trick",
    "Verdict",
    "accept_note",
    "cancel_note",
    "change_text",
    "check_dispute_offer",
    "check_offer",
    "counter_offer",
    "fair_note",
    "no_trick_note",
    "offer_lines",
    "plain_money",
    "read_message",
    "reopen_after_cancel",
    "reply_to_seller",
    "statement_for_aliexpress",
    "terms",
    "trick_name",
    "trick_why",
    "verdict_label",
]
