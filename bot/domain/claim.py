"""The claim a buyer pastes into AliExpress's dispute form, written from the case's facts.

The guides agree on what wins: say in a few words what was ordered, what exactly is wrong and
what the buyer wants, back it with matching photos and video, and say that the seller was asked
first. So the claim is one specific sentence per fact the buyer gave (bot/domain/facts/), the
best facts first, then the request and the list of what is attached. English is recommended
(sellers and mediators read it; the Russian form also accepts Russian): the text is English and
ASCII, and amounts are written `11.73 USD`.

Nothing is ever transliterated or translated. A title, a description or a typed fact that is not
English stays out of the English text; the buyer's words are handed back (`Claim.untranslated`)
for the summary, and the structured facts carry the case.

Every sentence is a literal `_()` (or `ngettext`) call, so `pybabel extract` finds it and the same
code with the Russian catalog gives "what it says in Russian", sentence for sentence: which
sentences fit the length limit is decided on the English text, then every language says those.
Each sentence records its template, its values and the fields they came from (claim_writer.py),
so a test can trace every word of the claim back to something the buyer said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Final

from bot.domain.claim_facts import fact_lines, reason_line
from bot.domain.claim_writer import (
    ALWAYS,
    ENGLISH,
    RANK_ATTACHED,
    RANK_DETAILS,
    RANK_PAID,
    RANK_RECEIPT,
    RANK_TITLE,
    Catalog,
    Line,
    MoneyFormatter,
    Sentence,
    Writer,
    fact_source,
    plain_money,
)
from bot.domain.facts import AnswerKind, FactField, Facts, as_english, field_spec, questions_for
from bot.domain.models import Branch, Dispute, EvidenceSummary, Reason, RefundOption

__all__ = [
    "CLAIM_ITEM_MAX_CHARS",
    "CLAIM_MAX_CHARS",
    "ENGLISH",
    "BuyerWords",
    "Catalog",
    "Claim",
    "Sentence",
    "compose_claim",
    "language_note",
    "plain_money",
    "untranslated_note",
]

# Under 512 so the text fits AliExpress's form and a mediator reads it whole.
CLAIM_MAX_CHARS: Final = 500
# Long English order-page titles are cut at a word boundary past this.
CLAIM_ITEM_MAX_CHARS: Final = 100


@dataclass(frozen=True, slots=True)
class BuyerWords:
    """Something the buyer typed that is not in the English text: shown back, never translated.

    `source` is `"description"`, `"item_title"` or a `FactField` value.
    """

    source: str
    text: str


@dataclass(frozen=True, slots=True)
class Claim:
    """The claim's sentences in order, and the buyer's words it could not carry."""

    sentences: tuple[Sentence, ...]
    untranslated: tuple[BuyerWords, ...]
    #: Keys of sentences left out whole to stay within `CLAIM_MAX_CHARS` (in every language).
    dropped: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


def language_note(cat: Catalog = ENGLISH) -> str:
    """What to say beside the text to paste (issue 14: English is advice, not a rule)."""
    return cat.gettext(
        "English is recommended: sellers and AliExpress's mediators read it. The Russian version "
        "of the form also accepts Russian."
    )


def untranslated_note(cat: Catalog = ENGLISH) -> str:
    """Shown above the buyer's own words that are not in the English text."""
    return cat.gettext(
        "I do not translate what you type. Your own words below stay as you wrote them and are "
        "not in the English text; the facts you gave with the buttons carry the case."
    )


# --- the sentences --------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _description_sentences(description: str | None) -> list[str]:
    """The buyer's description as sentences if it is English (two words or more), else none."""
    text = as_english(description, min_words=2)
    if text is None:
        return []
    return [piece for piece in _SENTENCE_END.split(text + ".") if piece]


def _title(d: Dispute, facts: Facts) -> tuple[str, str] | None:
    """The item's English title and its source: the order page's, else the buyer's if English."""
    for source, title in (
        (fact_source(FactField.ENGLISH_TITLE), facts.english_title),
        ("item_title", d.item_title),
    ):
        english = as_english(title, min_words=1)
        if english is None:
            continue
        if len(english) > CLAIM_ITEM_MAX_CHARS:
            cut = english[: CLAIM_ITEM_MAX_CHARS + 1].rsplit(" ", 1)[0]
            english = cut if len(cut) <= CLAIM_ITEM_MAX_CHARS else english[:CLAIM_ITEM_MAX_CHARS]
            english = english.rstrip(".,;:-/ ")
        return english, source
    return None


def _receipt(w: Writer, d: Dispute, branch: Branch | None) -> list[Line]:
    _ = w.cat.gettext
    if not d.receipt_confirmed:
        return []
    if branch is Branch.NOT_RECEIVED:
        # A buyer talked into confirming early (the guides' fake-tracking story) must say so.
        template = _("I confirmed receipt on AliExpress, but the item has not arrived.")
        sources = {"receipt_confirmed", "branch" if d.branch is not None else "reason"}
        return [w.line("receipt", RANK_RECEIPT, template, sources)]
    if d.receipt_confirmed_at is not None:
        day = d.receipt_confirmed_at.astimezone(w.tz).date()
        sources = {"receipt_confirmed", "receipt_confirmed_at"}
        return [
            w.line(
                "receipt", RANK_RECEIPT, _("I confirmed receipt on %(date)s."), sources, date=day
            )
        ]
    return [
        w.line(
            "receipt",
            RANK_RECEIPT,
            _("I have confirmed receipt on AliExpress."),
            {"receipt_confirmed"},
        )
    ]


def _request(w: Writer, d: Dispute, branch: Branch | None) -> Line:
    """What the buyer asks for; always said (without an option yet: a refund)."""
    _ = w.cat.gettext
    option, amount = d.refund_option, d.refund_amount
    if branch is Branch.NOT_RECEIVED:
        # The only option AliExpress offers when nothing arrived: nothing to return.
        source = "branch" if d.branch is not None else "reason"
        return w.line("request", ALWAYS, _("I request a full refund."), {source})
    if option is None:
        return w.line("request", ALWAYS, _("I request a refund."), set())
    # Each option's sentence, and for a partial one its sentence with the amount.
    sentences: dict[RefundOption, tuple[str, str | None]] = {
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
    plain, with_amount = sentences[option]
    if with_amount is not None and amount is not None:
        sources = {"refund_option", "refund_amount"}
        return w.line("request", ALWAYS, with_amount, sources, amount=amount)
    return w.line("request", ALWAYS, plain, {"refund_option"})


def _attached(w: Writer, evidence: EvidenceSummary) -> list[Line]:
    """ "Attached: 3 photos, 1 video, 2 screenshots." by kind and count."""
    cat = w.cat
    pieces: list[str] = []
    sources: set[str] = set()
    counts = (
        ("photos", evidence.photos, cat.ngettext("%(n)s photo", "%(n)s photos", evidence.photos)),
        ("videos", evidence.videos, cat.ngettext("%(n)s video", "%(n)s videos", evidence.videos)),
        (
            "screenshots",
            evidence.screenshots,
            cat.ngettext("%(n)s screenshot", "%(n)s screenshots", evidence.screenshots),
        ),
        ("files", evidence.files, cat.ngettext("%(n)s file", "%(n)s files", evidence.files)),
    )
    for name, n, piece in counts:
        if n > 0:
            pieces.append(piece % {"n": n})
            sources.add(f"evidence.{name}")
    if not pieces:
        return []
    template = cat.gettext("Attached: %(items)s.")
    return [w.line("attached", RANK_ATTACHED, template, sources, items=", ".join(pieces))]


def _lines(
    w: Writer, d: Dispute, facts: Facts, evidence: EvidenceSummary, details: list[str]
) -> list[Line]:
    """Every sentence the claim could say, in the order it says them."""
    _ = w.cat.gettext
    branch = d.branch or (d.reason.branch if d.reason is not None else None)
    lines = [w.line("order", ALWAYS, _("Order %(order)s."), {"order_id"}, order=d.order_id or "")]
    title = _title(d, facts)
    if title is not None:
        lines.append(
            w.line("title", RANK_TITLE, _("I ordered %(item)s."), {title[1]}, item=title[0])
        )
    if d.reason is not None:
        lines.append(reason_line(w, d.reason, facts))
        lines += fact_lines(w, d.reason, facts, lambda f: _english_fact(facts, f))
    lines += _receipt(w, d, branch)
    if details:
        template = _("Details: %(details)s")
        lines.append(
            w.line("details", RANK_DETAILS, template, {"description"}, details=" ".join(details))
        )
    if d.amount_paid is not None:
        template = _("I paid %(paid)s for this item, shipping included.")
        lines.append(w.line("paid", RANK_PAID, template, {"amount_paid"}, paid=d.amount_paid))
    lines.append(_request(w, d, branch))
    return lines + _attached(w, evidence)


def _english_fact(facts: Facts, field: FactField) -> str | None:
    value = facts.get(field)
    return as_english(value) if isinstance(value, str) else None


# --- fitting and the public calls -----------------------------------------------------------


def _length(lines: list[Line]) -> int:
    return len(" ".join(line.sentence.text for line in lines))


def _fit(
    w: Writer, d: Dispute, facts: Facts, evidence: EvidenceSummary, details: list[str]
) -> tuple[int, tuple[str, ...]]:
    """How many description sentences, and which sentences to leave out, to fit the limit.

    The least useful sentence goes first (the later of two equally useful ones); the buyer's
    own description loses a sentence at a time. Order, reason and request are never dropped,
    and together they always fit.
    """
    kept, dropped = len(details), list[str]()
    while True:
        lines = [
            line
            for line in _lines(w, d, facts, evidence, details[:kept])
            if line.sentence.key not in dropped
        ]
        if _length(lines) <= CLAIM_MAX_CHARS:
            return kept, tuple(dropped)
        candidates = [(line.rank, -i, line) for i, line in enumerate(lines) if line.rank < ALWAYS]
        if not candidates:  # only an order id longer than any parse_order_id gives gets here
            return kept, tuple(dropped)
        victim = min(candidates, key=lambda c: (c[0], c[1]))[2]
        if victim.sentence.key == "details" and kept > 1:
            kept -= 1
        else:
            dropped.append(victim.sentence.key)


def _for_reason(reason: Reason | None, facts: Facts) -> Facts:
    """Only the facts that belong to the case's reason (a changed reason leaves others)."""
    if reason is None:
        return Facts()
    return Facts.of({q.field: facts.get(q.field) for q in questions_for(reason)})


def _untranslated(d: Dispute, facts: Facts) -> tuple[BuyerWords, ...]:
    words: list[BuyerWords] = []
    if d.item_title and as_english(d.item_title, min_words=1) is None:
        words.append(BuyerWords("item_title", d.item_title))
    if d.description and as_english(d.description, min_words=2) is None:
        words.append(BuyerWords("description", d.description))
    for question in questions_for(d.reason) if d.reason is not None else ():
        value = facts.get(question.field)
        is_text = field_spec(question.field).kind is AnswerKind.TEXT
        if is_text and isinstance(value, str) and as_english(value) is None:
            words.append(BuyerWords(question.field.value, value))
    return tuple(words)


def compose_claim(
    d: Dispute,
    facts: Facts | None = None,
    evidence: EvidenceSummary | None = None,
    cat: Catalog = ENGLISH,
    *,
    locale: str = "en",
    money: MoneyFormatter | None = None,
    tz: tzinfo = UTC,
) -> Claim:
    """The claim for `d` from its `facts` and `evidence`: English by default.

    With another catalog and `locale` (`translations("ru")`, `"ru"`) it is "what it says" in
    that language, sentence for sentence with the English: the sentences that fit are chosen on
    the English text. `money` formats amounts outside English (the buyer's own format); `tz`
    is the buyer's zone, for the receipt date. The English text is ASCII and at most
    `CLAIM_MAX_CHARS` long.
    """
    facts = _for_reason(d.reason, facts or Facts())
    evidence = evidence or EvidenceSummary()
    details = _description_sentences(d.description)
    english = Writer(ENGLISH, "en", None, tz)
    kept, dropped = _fit(english, d, facts, evidence, details)
    writer = english if cat is ENGLISH and locale == "en" else Writer(cat, locale, money, tz)
    lines = _lines(writer, d, facts, evidence, details[:kept])
    sentences = tuple(line.sentence for line in lines if line.sentence.key not in dropped)
    return Claim(sentences, _untranslated(d, facts), dropped)
