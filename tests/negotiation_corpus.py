"""The negotiation corpus (negotiation_corpus.toml) and how detection is scored on it.

Shared by tests/test_negotiation_corpus.py (which asserts the goals) and bench/negotiation.py
(which prints the tables). Scoring is per trick over messages: a true positive is a message
labelled with the trick and detected with it; a fair message is one labelled with none.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bot.domain.negotiation import TRICKS, Reading, Trick, Verdict, read_message

CORPUS_PATH: Final = Path(__file__).with_name("negotiation_corpus.toml")
#: Splits the rules were adjusted on (fresh1 and fresh2 after their blind first runs).
TUNED: Final = ("tune", "fresh1", "fresh2")
#: Read while the rules were first designed, never tuned on message by message.
HELD_OUT: Final = ("held_out",)
#: Written against the final rules, never tuned on: the honest estimate.
BLIND: Final = ("fresh3",)
SPLITS: Final = TUNED + HELD_OUT + BLIND


@dataclass(frozen=True, slots=True)
class Sample:
    id: str
    lang: str
    split: str
    tricks: frozenset[Trick]
    text: str

    @property
    def fair(self) -> bool:
        return not self.tricks


def load(path: Path = CORPUS_PATH) -> list[Sample]:
    with path.open("rb") as f:
        raw = tomllib.load(f)["message"]
    return [
        Sample(
            m["id"],
            m["lang"],
            m["split"],
            frozenset(Trick(t) for t in m["tricks"]),
            m["text"].strip(),
        )
        for m in raw
    ]


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


@dataclass(slots=True)
class Score:
    per_trick: dict[Trick, Counts] = field(default_factory=lambda: {t: Counts() for t in TRICKS})
    messages: int = 0
    exact: int = 0  # messages whose detected set equals the labels
    fair: int = 0
    fair_do_not: list[str] = field(default_factory=list)  # fair messages told "do not do it"
    errors: list[tuple[Sample, frozenset[Trick]]] = field(default_factory=list)

    @property
    def overall(self) -> Counts:
        total = Counts()
        for c in self.per_trick.values():
            total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        return total


def score(samples: Iterable[Sample], readings: dict[str, Reading] | None = None) -> Score:
    result = Score()
    for sample in samples:
        reading = readings[sample.id] if readings else read_message(sample.text)
        found = frozenset(reading.tricks)
        result.messages += 1
        result.exact += found == sample.tricks
        if found != sample.tricks:
            result.errors.append((sample, found))
        if sample.fair:
            result.fair += 1
            if reading.verdict is Verdict.DO_NOT:
                result.fair_do_not.append(sample.id)
        for trick in TRICKS:
            c = result.per_trick[trick]
            if trick in found and trick in sample.tricks:
                c.tp += 1
            elif trick in found:
                c.fp += 1
            elif trick in sample.tricks:
                c.fn += 1
    return result
