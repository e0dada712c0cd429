"""A seller's message as the rules see it: normalised characters, then tokens.

Sellers' messages arrive forwarded or pasted from the AliExpress app: typographic quotes, emoji,
zero-width characters, full-width letters, and words spelt with look-alike letters of the other
alphabet ("РayРal" with a Cyrillic Р, "пoлучение" with a Latin o), a known way of getting past
keyword filters. Normalising undoes all that before any rule runs, and every character keeps the
index it came from, so a finding can quote the seller's own words.

Everything here is linear in the input and the input is capped at `MAX_CHARS` (Telegram's own
limit is 4,096 characters per message), so no text can make detection slow.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = ["MAX_CHARS", "Normalized", "Token", "TokenKind", "normalize", "tokenize"]

#: Longer input is read up to here; `Normalized.truncated` says so.
MAX_CHARS: Final = 20_000

# Look-alike letters, lower case (matching happens after casefolding). Upper-case pairs such as
# В/B or Н/H look alike only before casefolding, so their lower-case forms are paired too.
_LATIN_TO_CYRILLIC: Final = dict(zip("abcehkmoptxy", "авсенкмортху", strict=True))
_CYRILLIC_TO_LATIN: Final = {**{v: k for k, v in _LATIN_TO_CYRILLIC.items()}, "і": "i", "ѕ": "s"}
_APOSTROPHES: Final = frozenset("’‘`´ʼ")
_KEEP_MARK: Final = "\u0306"  # the breve of й: й is a letter of its own, ё is not (ё -> е)
_NEWLINES: Final = frozenset("\n\r\u2028\u2029\u0085\x0b\x0c")
_SPACED_GAP: Final = frozenset(" .-*_")


def _is_latin(ch: str) -> bool:
    return "a" <= ch <= "z"


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


@dataclass(frozen=True, slots=True)
class Normalized:
    """The normalised text and, for each of its characters, the index it came from."""

    text: str
    origin: tuple[int, ...]
    truncated: bool


def _characters(raw: str) -> tuple[list[str], list[int]]:
    """Casefolded characters without marks, controls or invisible ones, each with its origin."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(raw):
        category = unicodedata.category(ch)
        if ch in _NEWLINES:
            pieces = "\n"
        elif category in ("Cs", "Cf", "Co", "Cn"):
            continue  # lone surrogates, zero-width and direction marks, unassigned
        elif category == "Cc" or category.startswith("Z"):
            pieces = " "
        elif ch in _APOSTROPHES:
            pieces = "'"
        else:
            pieces = unicodedata.normalize("NFKD", ch).casefold()
        for piece in pieces:
            if unicodedata.combining(piece):
                if piece == _KEEP_MARK and chars and chars[-1] == "и":
                    chars[-1] = "й"
                continue
            chars.append(piece)
            origin.append(i)
    return chars, origin


def _fix_lookalikes(chars: list[str]) -> None:
    """Rewrite each word that mixes Latin and Cyrillic letters in one alphabet, in place.

    A word is rewritten in the alphabet it can be written in entirely with look-alikes; when
    both work, in the alphabet most of its letters already use (a tie goes to the alphabet of
    most of the message). A zero between two letters is
    read as the letter o ("c0upon").
    """
    n = len(chars)
    prefer_latin = sum(map(_is_latin, chars)) >= sum(map(_is_cyrillic, chars))
    start = 0
    while start < n:
        if not chars[start].isalpha():
            start += 1
            continue
        end = start
        while end < n and (chars[end].isalpha() or chars[end] == "0"):
            end += 1
        _fix_word(chars, start, end, prefer_latin)
        start = end


def _fix_word(chars: list[str], start: int, end: int, prefer_latin: bool) -> None:
    word = chars[start:end]
    latin = sum(1 for c in word if _is_latin(c))
    cyrillic = sum(1 for c in word if _is_cyrillic(c))
    for i, c in enumerate(word):
        if c == "0" and 0 < i < len(word) - 1 and word[i + 1].isalpha():
            word[i] = "о" if cyrillic > latin else "o"
    if latin and cyrillic:
        to_latin = all(not _is_cyrillic(c) or c in _CYRILLIC_TO_LATIN for c in word)
        to_cyrillic = all(not _is_latin(c) or c in _LATIN_TO_CYRILLIC for c in word)
        majority_latin = latin > cyrillic or (latin == cyrillic and prefer_latin)
        if to_latin and (not to_cyrillic or majority_latin):
            word = [_CYRILLIC_TO_LATIN.get(c, c) for c in word]
        elif to_cyrillic:
            word = [_LATIN_TO_CYRILLIC.get(c, c) for c in word]
    chars[start:end] = word


def normalize(raw: str) -> Normalized:
    """Casefolded, ё as е, marks and invisible characters dropped, look-alikes fixed.

    Runs of three or more identical letters shrink to one ("pleeease", "ждииите").
    """
    truncated = len(raw) > MAX_CHARS
    chars, origin = _characters(raw[:MAX_CHARS])
    _fix_lookalikes(chars)
    out: list[str] = []
    out_origin: list[int] = []
    i, n = 0, len(chars)
    while i < n:
        j = i + 1
        while j < n and chars[j] == chars[i]:
            j += 1
        keep = 1 if chars[i].isalpha() and j - i >= 3 else j - i
        out.extend(chars[i : i + keep])
        out_origin.extend(origin[i : i + keep])
        i = j
    joined, joined_origin = _join_spaced_letters(out, out_origin)
    return Normalized("".join(joined), tuple(joined_origin), truncated)


def _single_letter(chars: list[str], i: int) -> bool:
    """A Latin letter standing alone (Russian has one-letter words: "я", "в", "и", "к")."""
    n = len(chars)
    return (
        _is_latin(chars[i])
        and (i == 0 or not chars[i - 1].isalpha())
        and (i + 1 >= n or not chars[i + 1].isalpha())
    )


def _join_spaced_letters(chars: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    """Join four or more letters written one by one ("p a y p a l", "P.a.y.P.a.l").

    Each attempt looks ahead only while the pattern holds and either joins what it saw or moves
    on by one character after at most three letters, so the scan stays linear.
    """
    out: list[str] = []
    out_origin: list[int] = []
    i, n = 0, len(chars)
    while i < n:
        letters = [i]
        if _single_letter(chars, i):
            k = i
            while k + 2 < n and chars[k + 1] in _SPACED_GAP and _single_letter(chars, k + 2):
                k += 2
                letters.append(k)
        if len(letters) >= 4:
            out.extend(chars[k] for k in letters)
            out_origin.extend(origin[k] for k in letters)
            i = letters[-1] + 1
        else:
            out.append(chars[i])
            out_origin.append(origin[i])
            i += 1
    return out, out_origin


class TokenKind(StrEnum):
    WORD = "word"
    NUMBER = "number"
    PERCENT = "percent"
    CURRENCY = "currency"
    COMMA = "comma"  # ends a clause: negation does not reach past it
    END = "end"  # ends a sentence


# Linear by construction: every repetition is of a single character class or of a separator
# followed by a class, with nothing that can match the same text two ways.
_TOKEN: Final = re.compile(
    r"(?P<number>\d+(?:[.,]\d+)*)"
    r"|(?P<word>[^\W\d_]+(?:'[^\W\d_]+)*)"
    r"|(?P<percent>%)"
    r"|(?P<currency>[$€£¥₽])"
    r"|(?P<comma>[,:—–]|\s-\s)"
    r"|(?P<end>[.!?;\n…]+)"
)


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its normalised text, kind, and the span of the original text it came from."""

    text: str
    kind: TokenKind
    start: int
    end: int


def tokenize(normalized: Normalized) -> list[Token]:
    """Tokens with spans in the original text (end exclusive)."""
    text, origin = normalized.text, normalized.origin
    return [
        Token(m.group(), TokenKind(m.lastgroup or ""), origin[m.start()], origin[m.end() - 1] + 1)
        for m in _TOKEN.finditer(text)
    ]
