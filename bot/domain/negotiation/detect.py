"""Reading a seller's message: which tricks it plays, or whether it is fair.

Pure and offline: normalise (text.py), tag words with concepts (matcher.py), then run the rule
table (rules.py). Negation is worked out once per message: a negator ("not", "no need", "не",
"без") covers the next few words of its clause, except after "if"/"если"/"otherwise" (a
condition, as in "if you don't cancel the dispute"), and except where the next word turns it
into a polite request or a reminder ("не могли бы вы", "don't forget").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from bot.domain.negotiation.lexicon import Concept
from bot.domain.negotiation.matcher import tag
from bot.domain.negotiation.offer import OfferCheck
from bot.domain.negotiation.rules import FAIR_RULES, RULES, Rule, Slot
from bot.domain.negotiation.text import Token, TokenKind, normalize, tokenize
from bot.domain.negotiation.vocabulary import (
    TRICKS,
    VERDICT,
    FairSignal,
    Trick,
    Verdict,
    worst,
)

__all__ = ["QUOTE_MAX_CHARS", "Finding", "Reading", "read_message"]

#: A quote longer than this is cut at a word boundary and ends with "...".
QUOTE_MAX_CHARS: Final = 120
_NEGATION_SCOPE: Final = 4
# "if the dispute is not cancelled": a condition up to this many words before the negator.
_CONDITION_SPAN: Final = 4


@dataclass(frozen=True, slots=True)
class Finding:
    """One trick found: its verdict and the seller's words that show it."""

    trick: Trick
    verdict: Verdict
    quote: str  # "" when found from the offer's numbers rather than words
    from_offer: bool = False


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything read from one message; findings come costliest first."""

    findings: tuple[Finding, ...]
    fair_signals: tuple[FairSignal, ...]
    truncated: bool = False

    @property
    def tricks(self) -> tuple[Trick, ...]:
        return tuple(f.trick for f in self.findings)

    @property
    def verdict(self) -> Verdict:
        return worst([f.verdict for f in self.findings])

    @property
    def is_fair(self) -> bool:
        return not self.findings

    def detail(self) -> dict[str, object]:
        """A JSON-ready summary for the case's event log (no quotes: the buyer's data)."""
        return {
            "tricks": [t.value for t in self.tricks],
            "verdict": self.verdict.value,
            "fair": [s.value for s in self.fair_signals],
            "from_offer": [f.trick.value for f in self.findings if f.from_offer],
        }


@dataclass(frozen=True, slots=True)
class _Words:
    """A message's words (punctuation dropped) with what the rules need to know of each."""

    tokens: list[Token]
    tags: list[frozenset[Concept]]
    sentence: list[int]
    negated: list[bool]
    positions: dict[Concept, list[int]]
    sentence_concepts: list[frozenset[Concept]]
    sentence_words: list[int]


def _words(tokens: list[Token], tags: list[frozenset[Concept]]) -> _Words:
    words: list[Token] = []
    word_tags: list[frozenset[Concept]] = []
    sentence: list[int] = []
    clause: list[int] = []
    s = c = 0
    for token, concepts in zip(tokens, tags, strict=True):
        if token.kind is TokenKind.END:
            s, c = s + 1, c + 1
        elif token.kind is TokenKind.COMMA:
            c += 1
        else:
            words.append(token)
            word_tags.append(concepts)
            sentence.append(s)
            clause.append(c)
    positions: dict[Concept, list[int]] = defaultdict(list)
    per_sentence: list[set[Concept]] = [set() for _ in range(s + 1)]
    for i, concepts in enumerate(word_tags):
        for concept in concepts:
            positions[concept].append(i)
        per_sentence[sentence[i]] |= concepts
    negated = _negation(word_tags, sentence, clause)
    lengths = [0] * (s + 1)
    for i in sentence:
        lengths[i] += 1
    return _Words(
        words,
        word_tags,
        sentence,
        negated,
        positions,
        [frozenset(x) for x in per_sentence],
        lengths,
    )


def _negation(tags: list[frozenset[Concept]], sentence: list[int], clause: list[int]) -> list[bool]:
    n = len(tags)
    negated = [False] * n
    for i in range(n):
        if Concept.NEG not in tags[i]:
            continue
        if i + 1 < n and clause[i + 1] == clause[i] and Concept.NEG_CANCEL in tags[i + 1]:
            continue
        before = range(max(0, i - _CONDITION_SPAN), i)
        if any(sentence[j] == sentence[i] and Concept.IF in tags[j] for j in before):
            continue
        for j in range(i + 1, min(n, i + 1 + _NEGATION_SCOPE)):
            if clause[j] != clause[i] or Concept.STOP in tags[j]:
                break
            negated[j] = True
    return negated


def _near_any(w: _Words, concepts: frozenset[Concept], lo: int, hi: int, sentence: int) -> bool:
    """Whether a word tagged with one of `concepts` lies in [lo, hi] in `sentence`."""
    for concept in concepts:
        found = w.positions.get(concept, [])
        for p in found[bisect_left(found, lo) : bisect_right(found, hi)]:
            if w.sentence[p] == sentence:
                return True
    return False


def _find(w: _Words, slot: Slot, anchor: int, after: int | None, cross: bool) -> int | None:
    """The slot's word nearest the anchor (or, ordered, the first after `after`)."""
    lo = anchor - slot.within if after is None else after + 1
    hi = anchor + slot.within
    best: int | None = None
    for concept in slot.concepts:
        found = w.positions.get(concept, [])
        for p in found[bisect_left(found, lo) : bisect_right(found, hi)]:
            if p == anchor or not (cross or w.sentence[p] == w.sentence[anchor]):
                continue
            key = p if after is not None else abs(p - anchor)
            if best is None or key < (best if after is not None else abs(best - anchor)):
                best = p
    return best


def _guarded(w: _Words, rule: Rule, a: int) -> bool:
    """Whether something around the anchor gives the words another meaning."""
    s = w.sentence[a]
    if rule.affirmative and w.negated[a]:
        return True
    if any(_near_any(w, g.concepts, a - g.within, a - 1, s) for g in rule.not_before):
        return True
    if rule.max_words is not None and w.sentence_words[s] > rule.max_words:
        return True
    here = w.sentence_concepts[s]
    return bool(rule.not_in_sentence & here) and not (rule.unless & here)


def _match(w: _Words, rule: Rule) -> list[int] | None:
    """The words of the rule's first match, anchor first; None if it does not fire."""
    anchors = sorted({p for c in rule.anchor for p in w.positions.get(c, [])})
    for a in anchors:
        if _guarded(w, rule, a):
            continue
        picks = [a]
        for slot in rule.slots:
            p = _find(w, slot, a, picks[-1] if rule.ordered else None, rule.cross)
            if p is None:
                break
            picks.append(p)
        else:
            last = max(picks)
            s = w.sentence[last]
            if not any(
                _near_any(w, g.concepts, last + 1, last + g.within, s) for g in rule.not_after
            ):
                return picks
    return None


def _quote(text: str, w: _Words, picks: list[int]) -> str:
    start = min(w.tokens[p].start for p in picks)
    end = max(w.tokens[p].end for p in picks)
    quote = " ".join(text[start:end].split())
    if len(quote) > QUOTE_MAX_CHARS:
        quote = quote[:QUOTE_MAX_CHARS].rsplit(" ", 1)[0] + "..."
    return quote


def read_message(text: str, *, offer: OfferCheck | None = None) -> Reading:
    """The tricks in a seller's message (Russian, English or both), costliest first.

    With `offer` (what the dispute page shows), "terms changed" is decided by its numbers,
    not by the message's words. Never raises on any str; the work is bounded by
    `text.MAX_CHARS` (a longer message is read up to there and `truncated` is set).
    """
    normalized = normalize(text)
    tokens, tags = tag(tokenize(normalized))
    w = _words(tokens, tags)
    found: dict[Trick, Finding] = {}
    for rule in RULES:
        trick = rule.target
        if not isinstance(trick, Trick) or trick in found:
            continue
        if offer is not None and trick is Trick.TERMS_CHANGED:
            continue
        picks = _match(w, rule)
        if picks is not None:
            found[trick] = Finding(trick, VERDICT[trick], _quote(text, w, picks))
    if offer is not None and offer.trick is not None:
        found[offer.trick] = Finding(offer.trick, offer.verdict, "", from_offer=True)
    signals = {r.target for r in FAIR_RULES if isinstance(r.target, FairSignal) and _match(w, r)}
    findings = sorted(found.values(), key=lambda f: (-f.verdict.severity, TRICKS.index(f.trick)))
    return Reading(
        tuple(findings),
        tuple(s for s in FairSignal if s in signals),
        normalized.truncated,
    )
