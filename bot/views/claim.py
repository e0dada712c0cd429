"""The claim as the buyer sees it: the English text to paste, what it says in their language,
the buyer's own words that stayed out of the English, and the note on which language to use.

The text itself is written by bot/domain/claim.py from the case's facts and evidence; the
summary, the instructions for AliExpress's form and the case card all show it through here.
"""

from __future__ import annotations

import html
from datetime import tzinfo

from bot.domain.claim import BuyerWords, Claim, compose_claim, language_note, untranslated_note
from bot.domain.facts import FactField, wording
from bot.domain.models import Dispute, EvidenceSummary
from bot.i18n import Translator
from bot.views.facts import catalog

__all__ = ["claim_section", "english_claim", "local_claim"]

QUOTE_MAX_CHARS = 120


def english_claim(d: Dispute, evidence: EvidenceSummary, tz: tzinfo) -> Claim:
    """The English claim: what the buyer pastes into AliExpress's form."""
    return compose_claim(d, d.facts, evidence, tz=tz)


def local_claim(t: Translator, d: Dispute, evidence: EvidenceSummary, tz: tzinfo) -> Claim:
    """What the English claim says, sentence for sentence, in the buyer's language."""
    return compose_claim(d, d.facts, evidence, catalog(t), locale=t.language, money=t.money, tz=tz)


def _source_label(t: Translator, words: BuyerWords) -> str:
    if words.source == "description":
        return t._("Your description")
    if words.source == "item_title":
        return t._("Item")
    return wording.field_label(FactField(words.source), catalog(t))


def _quoted(text: str) -> str:
    """The buyer's words in quotes; a long description (in full on the card above) cut at a
    word, so the message stays within Telegram's length."""
    if len(text) > QUOTE_MAX_CHARS:
        text = text[:QUOTE_MAX_CHARS].rsplit(" ", 1)[0] + "…"
    return "«" + html.escape(text) + "»"


def _untranslated(t: Translator, claim: Claim) -> str:
    """The buyer's words that are not in the English text, with the note that says why."""
    lines = ["<i>" + html.escape(untranslated_note(catalog(t))) + "</i>"]
    lines += [f"• {_source_label(t, w)}: {_quoted(w.text)}" for w in claim.untranslated]
    return "\n".join(lines)


def claim_section(
    t: Translator,
    d: Dispute,
    evidence: EvidenceSummary,
    tz: tzinfo,
    *,
    english: str | None = None,
) -> str:
    """The English text in <code> (a tap copies it), the language note, its meaning for a
    buyer who reads another language, and the words it leaves out.

    `english`: the text the buyer was given to paste (stored at Confirm), if any; its meaning
    is shown only while it is still the text the case's answers give.
    """
    claim = english_claim(d, evidence, tz)
    text = english if english is not None else claim.text
    parts = [
        "<b>"
        + t._("Text for AliExpress (English):")
        + "</b>\n<code>"
        + html.escape(text)
        + "</code>",
        "<i>" + html.escape(language_note(catalog(t))) + "</i>",
    ]
    if t.language != "en" and text == claim.text:
        local = local_claim(t, d, evidence, tz).text
        parts.append("<b>" + t._("What it says:") + "</b>\n" + html.escape(local))
    if claim.untranslated:
        parts.append(_untranslated(t, claim))
    return "\n\n".join(parts)
