"""The short, factual English claim text a buyer pastes into AliExpress's dispute form.

The guides agree on what to write (seed 003): in a few words, what was ordered, what went wrong
and what the buyer wants, in English (the form takes English characters only; sellers and
mediators read English). The worked example there reads "I ordered a watch, but they were not
working and very poor quality. ... Please return my money. Photos and videos attached."

Every sentence is a literal `_("...")` call so `pybabel extract` finds it; placeholders are
filled in after translation. Called with an identity `_` the result is the English claim;
called with the Russian gettext it is "what it says in Russian", sentence for sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, tzinfo
from decimal import Decimal
from typing import NamedTuple

from babel.numbers import get_currency_precision

from bot.domain.models import Branch, Dispute, Money, Reason, RefundOption

__all__ = ["CLAIM_ITEM_MAX_CHARS", "CLAIM_MAX_CHARS", "ascii_title", "build_claim"]

# Under 512 so the text fits AliExpress's form and a mediator reads it whole; the margin below
# 512 covers a money formatter that writes longer amounts than the one we measure with.
CLAIM_MAX_CHARS = 500
# A transliterated title can grow (щ -> shch); past this it is cut at a word boundary.
CLAIM_ITEM_MAX_CHARS = 100

Gettext = Callable[[str], str]
MoneyFormatter = Callable[[Money], str]

# Russian, Ukrainian, Belarusian and Kazakh Cyrillic, after the readable passport-style scheme.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u", "ә": "a", "ғ": "g",
    "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
}  # fmt: skip
# Typographic punctuation phones insert, as its plain ASCII twin.
_PUNCTUATION = {
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-",
    "—": "-", "−": "-", "…": "...", "×": "x", "№": "No.",
}  # fmt: skip
_UNICODE_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u200a\u202f]+")


def _transliterate_char(char: str) -> str:
    lower = char.lower()
    if lower in _CYRILLIC:
        latin = _CYRILLIC[lower]
        return latin.capitalize() if char != lower else latin
    if char in _PUNCTUATION:
        return _PUNCTUATION[char]
    # Accented Latin (é, ü, ñ): the base letter without its combining marks.
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def ascii_title(title: str | None) -> str | None:
    """The item title in ASCII for the claim, or None when nothing readable is left.

    Cyrillic is transliterated (a seller can read "Zhenskie leginsy" well enough to find the
    item); accents are dropped; anything else non-ASCII (Chinese, emoji) is removed rather than
    guessed at. A title left without a single letter or digit is dropped: the claim then simply
    does not name the item. Titles longer than `CLAIM_ITEM_MAX_CHARS` are cut at a word boundary.
    """
    if not title:
        return None
    latin = "".join(_transliterate_char(ch) for ch in title)
    latin = "".join(ch for ch in latin if ch.isascii() and (ch.isprintable() or ch.isspace()))
    latin = _UNICODE_SPACES.sub(" ", latin).strip().rstrip(".!?;:, ")
    if not any(ch.isalnum() for ch in latin):
        return None
    if len(latin) > CLAIM_ITEM_MAX_CHARS:
        cut = latin[: CLAIM_ITEM_MAX_CHARS + 1].rsplit(" ", 1)[0]
        latin = cut if len(cut) <= CLAIM_ITEM_MAX_CHARS else latin[:CLAIM_ITEM_MAX_CHARS]
        latin = latin.rstrip(".!?;:,- ")
    return latin


def _plain_money(money: Money) -> str:
    """`1,234.56 EUR`: ASCII whatever the currency, for symbols the form would not take (€, ₽)."""
    digits = int(get_currency_precision(money.currency))
    amount = Decimal(money.minor).scaleb(-digits)
    return f"{amount:,.{digits}f} {money.currency}"


def _ascii_money(text: str, money: Money) -> str:
    text = _UNICODE_SPACES.sub(" ", text).strip()
    return text if text.isascii() else _plain_money(money)


_ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _english_details(description: str | None) -> list[str]:
    """The buyer's description as sentences, if it is already English; else nothing.

    We cannot translate the buyer's words, and machine-guessing a translation would put words in
    their mouth. So only a description that is ASCII and reads like words (two or more Latin
    words) goes into the claim, as "Details: ...". A Russian description stays in the bot as the
    buyer's record and is not part of the claim.
    """
    if not description:
        return []
    text = _UNICODE_SPACES.sub(" ", description).strip()
    if not text.isascii() or len(_ENGLISH_WORD.findall(text)) < 2:
        return []
    if text[-1] not in ".!?":
        text += "."
    return [piece for piece in _SENTENCE_END.split(text) if piece]


class _Spelling(NamedTuple):
    """A value written two ways: ASCII for the English claim, as typed for a translation."""

    ascii: str
    native: str


def _identity(message: str) -> str:
    return message


class _Sentences:
    """The claim being written, one sentence at a time, in `_`'s language."""

    def __init__(self, _: Gettext, format_money: MoneyFormatter) -> None:
        self._ = _
        self.format_money = format_money
        self.said: list[str] = []

    def say(self, translated: str, **values: str | Money | _Spelling) -> None:
        # An untranslated (English) sentence must stay ASCII for AliExpress's form: its values
        # are made ASCII too. A translated sentence keeps the buyer's own spelling.
        english = translated.isascii()
        filled: dict[str, str] = {}
        for name, value in values.items():
            if isinstance(value, Money):
                text = self.format_money(value)
                filled[name] = _ascii_money(text, value) if english else text
            elif isinstance(value, _Spelling):
                filled[name] = value.ascii if english else value.native
            else:
                filled[name] = value
        self.said.append(translated % filled if filled else translated)


def _what_went_wrong(_: Gettext) -> dict[Reason, str]:
    """One sentence per reason (a table)."""
    return {
        Reason.IN_TRANSIT: _("I have not received the item. The package is still in transit."),
        Reason.NO_TRACKING: _(
            "I have not received the item. The tracking shows no information or has stopped "
            "updating."
        ),
        Reason.RETURNED_TO_SELLER: _(
            "I have not received the item. The tracking shows that the package was returned to "
            "the seller."
        ),
        Reason.CUSTOMS: _("I have not received the item. The package is held at customs."),
        Reason.WRONG_ADDRESS: _(
            "I have not received the item. The package was delivered to a wrong address or to "
            "another person."
        ),
        Reason.FAKE_TRACKING: _(
            "I have not received the item, although the tracking or the seller says it was "
            "delivered."
        ),
        Reason.OTHER_NOT_RECEIVED: _("I have not received the item."),
        Reason.NOT_AS_DESCRIBED: _("The item does not match the description on the product page."),
        Reason.QUALITY: _("The item has a quality problem or does not work properly."),
        Reason.DAMAGED: _("The item arrived damaged."),
        Reason.MISSING_PARTS: _("Some parts or items are missing from the package."),
        Reason.WRONG_ITEM: _("I received a different item from the one I ordered."),
        Reason.EMPTY_PARCEL: _("The parcel I received was empty."),
        Reason.COUNTERFEIT: _("The item I received is counterfeit."),
        Reason.CHEAPER_SHIPPING: _(
            "The seller used a cheaper shipping method than the one I paid for."
        ),
        Reason.OTHER_RECEIVED: _("I received the item, but there is a problem with it."),
    }


def _receipt(c: _Sentences, d: Dispute, branch: Branch | None, tz: tzinfo) -> None:
    _ = c._
    if not d.receipt_confirmed:
        return
    if branch is Branch.NOT_RECEIVED:
        # A buyer talked into confirming early (seed 002's fake-tracking story) must say so.
        c.say(_("I confirmed receipt on AliExpress, but the item has not arrived."))
    elif d.receipt_confirmed_at is not None:
        confirmed = d.receipt_confirmed_at.astimezone(tz).date().isoformat()
        c.say(_("I confirmed receipt on %(date)s."), date=confirmed)
    else:
        c.say(_("I have confirmed receipt on AliExpress."))


def _request(c: _Sentences, d: Dispute, branch: Branch | None) -> None:
    """What the buyer asks for: the refund option, with its amount when partial."""
    _ = c._
    if branch is Branch.NOT_RECEIVED or d.refund_option is None:
        # The only option AliExpress offers when nothing arrived (seed 000): nothing to return.
        if branch is Branch.NOT_RECEIVED:
            c.say(_("I request a full refund."))
        return
    sentences = {
        RefundOption.KEEP_FULL: (_("I request a full refund without returning the item."), None),
        RefundOption.KEEP_PARTIAL: (
            _("I request a partial refund without returning the item."),
            _("I request a partial refund of %(amount)s without returning the item."),
        ),
        RefundOption.RETURN_FULL: (_("I will return the item and request a full refund."), None),
        RefundOption.RETURN_PARTIAL: (
            _("I will return the item and request a partial refund."),
            _("I will return the item and request a partial refund of %(amount)s."),
        ),
    }
    plain, with_amount = sentences[d.refund_option]
    if with_amount is not None and d.refund_amount is not None:
        c.say(with_amount, amount=d.refund_amount)
    else:
        c.say(plain)


def _render(
    d: Dispute,
    _: Gettext,
    format_money: MoneyFormatter,
    evidence_count: int,
    tz: tzinfo,
    details: str | None,
) -> str:
    """The claim's sentences in order: who, what, what went wrong, what was paid, the request."""
    c = _Sentences(_, format_money)
    c.say(_("Order %(order)s."), order=d.order_id or "")
    item = ascii_title(d.item_title)
    if item is not None and d.item_title is not None:
        c.say(
            _("I ordered %(item)s."), item=_Spelling(item, d.item_title.strip().rstrip(".!?;:, "))
        )
    branch = d.branch or (d.reason.branch if d.reason is not None else None)
    if d.reason is not None:
        c.say(_what_went_wrong(_)[d.reason])
    _receipt(c, d, branch, tz)
    if details:
        c.say(_("Details: %(details)s"), details=details)
    if d.amount_paid is not None:
        c.say(_("I paid %(paid)s for this item, shipping included."), paid=d.amount_paid)
    _request(c, d, branch)
    if evidence_count > 0:
        c.say(_("Photos/videos attached."))
    return " ".join(c.said)


def build_claim(
    d: Dispute,
    _: Gettext,
    format_money: MoneyFormatter,
    *,
    evidence_count: int = 0,
    tz: tzinfo = UTC,
) -> str:
    """The claim text for `d`, in English with an identity `_`, else in `_`'s language.

    It states only what the buyer told us: the item only if a title was given, photos only if
    `evidence_count` > 0, the reason, receipt confirmation (a receipt date is shown in `tz`, the
    buyer's zone), the amount paid, and the refund asked for. The buyer's own description is not
    translated (we cannot); if it is already English (ASCII words), as many of its whole
    sentences as fit go in as "Details: ...", otherwise it is left out. English output is ASCII
    only and at most `CLAIM_MAX_CHARS` long. Which details fit is measured on the English text,
    so the translated rendering says the same things as the English one.
    """
    sentences = _english_details(d.description)

    def english(details: str | None) -> str:
        return _render(d, _identity, _plain_money, evidence_count, tz, details)

    kept = len(sentences)
    while kept and len(english(" ".join(sentences[:kept]))) > CLAIM_MAX_CHARS:
        kept -= 1
    details = " ".join(sentences[:kept]) or None
    text = _render(d, _, format_money, evidence_count, tz, details)
    if details is not None and text.isascii() and len(text) > CLAIM_MAX_CHARS:
        # A formatter that writes longer amounts than `_plain_money`: drop the details.
        text = _render(d, _, format_money, evidence_count, tz, None)
    return text
