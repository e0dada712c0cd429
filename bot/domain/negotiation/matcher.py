"""From tokens to concepts: the lexicon's notation, spelling tolerance, and context tags.

A word matches a form exactly, by stem and ending, or within one typo (a letter missing, extra,
wrong, or two letters swapped: Damerau distance 1). Typos are looked up through an index of
one-letter deletions, so the cost per word is a few hundred dictionary look-ups however large
the lexicon grows, and each distinct word is looked up once (an LRU cache).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from bot.domain.negotiation.lexicon import COMPOUNDS, LEXICON, NOT_TYPOS, Concept
from bot.domain.negotiation.text import Token, TokenKind

__all__ = ["concepts_of", "loose", "tag"]

_FUZZY_WORD_MIN: Final = 6
_FUZZY_STEM_MIN: Final = 5
# Russian verb forms differ from each other by one letter ("закроет" is AliExpress closing,
# "закрыть" the buyer asked to): typos are forgiven only in longer Russian stems.
_FUZZY_RUSSIAN_MIN: Final = 6
# Longer "words" are noise (URLs, base64, keyboard mashing): looked up exactly only.
_FUZZY_MAX_LEN: Final = 24
# Russian spelling fold: vowels misspelt when unstressed, й/и, soft and hard signs dropped.
# (Doubled letters are not folded: that would blur where a stem ends and its ending begins.)
_LOOSE: Final = str.maketrans(
    {"о": "а", "е": "и", "э": "и", "ы": "и", "й": "и", "ь": None, "ъ": None}
)


def _has_cyrillic(word: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


def loose(word: str) -> str:
    """The spelling fold for Russian words (others are returned as they are).

    Character by character, so the fold of stem + ending is the fold of the stem + the fold of
    the ending, and a form's endings still line up with a folded word.
    """
    return word.translate(_LOOSE) if _has_cyrillic(word) else word


@dataclass(frozen=True, slots=True)
class _Form:
    stem: str
    endings: frozenset[str] | None  # None: any ending
    fuzzy: bool
    concept: Concept


def _parse(spec: str, concept: Concept) -> _Form:
    no_typos = spec.startswith("=")
    spec = spec.removeprefix("=")
    if spec.endswith("*"):
        stem, endings = spec[:-1], None
    elif "+" in spec:
        stem, rest = spec.split("+", 1)
        endings = frozenset(rest.split("|"))
    else:
        stem, endings = spec, frozenset({""})
    stem = loose(stem)
    if endings is not None and _has_cyrillic(spec):
        endings = frozenset(loose(e) for e in endings)
    minimum = _FUZZY_WORD_MIN if endings == frozenset({""}) else _FUZZY_STEM_MIN
    if _has_cyrillic(stem):
        minimum = max(minimum, _FUZZY_RUSSIAN_MIN)
    return _Form(stem, endings, not no_typos and len(stem) >= minimum, concept)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _within_one(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance of at most 1 (a swap of neighbours counts as one)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


class _Index:
    def __init__(self, forms: Iterable[_Form]) -> None:
        self.exact: dict[str, set[Concept]] = defaultdict(set)
        self.stems: dict[str, list[_Form]] = defaultdict(list)
        self.typos: dict[str, list[_Form]] = defaultdict(list)
        self.typo_lengths: set[int] = set()
        for form in forms:
            if form.endings == frozenset({""}):
                self.exact[form.stem].add(form.concept)
            else:
                self.stems[form.stem].append(form)
            if form.fuzzy:
                self.typo_lengths.add(len(form.stem))
                for key in {form.stem} | _deletions(form.stem):
                    self.typos[key].append(form)

    def lookup(self, word: str) -> frozenset[Concept]:
        key = loose(word)
        found: set[Concept] = set(self.exact.get(key, ()))
        for k in range(1, len(key) + 1):
            for form in self.stems.get(key[:k], ()):
                if form.endings is None or key[k:] in form.endings:
                    found.add(form.concept)
        if not found and len(key) <= _FUZZY_MAX_LEN and key not in NOT_TYPOS:
            found = self._typos(key)
        return frozenset(found)

    def _typos(self, key: str) -> set[Concept]:
        found: set[Concept] = set()
        lengths = {n + d for n in self.typo_lengths for d in (-1, 0, 1)}
        for k in sorted(n for n in lengths if 0 < n <= len(key)):
            prefix, rest = key[:k], key[k:]
            for variant in {prefix} | _deletions(prefix):
                for form in self.typos.get(variant, ()):
                    if form.concept in found:
                        continue
                    ending_ok = form.endings is None or rest in form.endings
                    if ending_ok and _within_one(prefix, form.stem):
                        found.add(form.concept)
        return found


_INDEX: Final = _Index(_parse(spec, c) for c, specs in LEXICON.items() for spec in specs)


@lru_cache(maxsize=65_536)
def concepts_of(word: str) -> frozenset[Concept]:
    """The concepts a normalised word stands for (empty if none)."""
    return _INDEX.lookup(word)


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:  # "1.234.56": several separators
        return None


def _number_tags(value: float | None) -> frozenset[Concept]:
    tags = {Concept.NUMBER}
    if value == 0:
        tags.add(Concept.ZERO)
    elif value == 5:
        tags.add(Concept.FIVE)
    return frozenset(tags)


def _merge_compounds(tokens: Sequence[Token]) -> list[Token]:
    """ "pay pal", "e-mail", "can not" as one word; only for the words listed in COMPOUNDS."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        a = tokens[i]
        if i + 1 < len(tokens) and a.kind is TokenKind.WORD:
            b = tokens[i + 1]
            joined = a.text + b.text
            if b.kind is TokenKind.WORD and b.start - a.end <= 1 and joined in COMPOUNDS:
                out.append(Token(joined, TokenKind.WORD, a.start, b.end))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def tag(tokens: Sequence[Token]) -> tuple[list[Token], list[frozenset[Concept]]]:
    """The tokens (compounds merged) and each one's concepts, context tags included."""
    merged = _merge_compounds(tokens)
    tags: list[frozenset[Concept]] = []
    for i, token in enumerate(merged):
        if token.kind is TokenKind.WORD:
            found = set(concepts_of(token.text))
            if token.text in ("five", "пять", "пяти"):
                found.add(Concept.FIVE)
            tags.append(frozenset(found))
        elif token.kind is TokenKind.NUMBER:
            tags.append(_number_tags(_number(token.text)))
        elif token.kind is TokenKind.CURRENCY:
            tags.append(frozenset({Concept.MONEY}))
        elif token.kind is TokenKind.PERCENT:
            previous = (
                _number(merged[i - 1].text)
                if i and merged[i - 1].kind is TokenKind.NUMBER
                else None
            )
            partial = previous is not None and 0 < previous < 100
            tags.append(frozenset({Concept.PART_PERCENT} if partial else {Concept.PERCENT}))
        else:
            tags.append(frozenset())
    _via_platform(merged, tags)
    _same_path(tags)
    _on_arrival(tags)
    _own_expense(merged, tags)
    return merged, tags


def _own_expense(tokens: Sequence[Token], tags: list[frozenset[Concept]]) -> None:
    """Tag "за свой счёт" ("at your own expense"): that счёт is a cost, not a bank account."""
    for i in range(1, len(tags)):
        own = Concept.YOUR in tags[i - 1] and tokens[i].text.startswith("сч")
        if own and Concept.CHANNEL in tags[i]:
            tags[i] = (tags[i] - {Concept.CHANNEL}) | {Concept.EXPENSE}


def _same_path(tags: list[frozenset[Concept]]) -> None:
    """Tag "the same card", "тем же способом", "original payment method": how the buyer paid."""
    for i, concepts in enumerate(tags):
        if Concept.SAME in concepts and any(
            Concept.CHANNEL in t or Concept.METHOD in t for t in tags[i + 1 : i + 4]
        ):
            tags[i] = concepts | {Concept.SAME_PATH}


def _on_arrival(tags: list[frozenset[Concept]]) -> None:
    """ "when you get it", "когда получите": something to do once the item has arrived."""
    for i, concepts in enumerate(tags):
        if Concept.WHEN in concepts and any(Concept.GET in t for t in tags[i + 1 : i + 3]):
            tags[i] = concepts | {Concept.ON_ARRIVAL}


def _via_platform(tokens: Sequence[Token], tags: list[frozenset[Concept]]) -> None:
    """ "through AliExpress", "через спор": the money's path is the platform's own.

    Not after "than"/"чем": "faster than through AliExpress" says the opposite.
    """
    for i, concepts in enumerate(tags):
        if Concept.THROUGH not in concepts:
            continue
        ahead = tags[i + 1 : i + 3]
        behind = tags[max(0, i - 2) : i]
        platform = any(Concept.AUTHORITY in t or Concept.DISPUTE in t for t in ahead)
        if platform and not any(Concept.THAN in t for t in behind):
            tags[i] = concepts | {Concept.VIA_PLATFORM}
