"""The negotiation assistant measured on its corpus of seller messages (issue 13 §2).

Goals: recall >= 90% and precision >= 90%, and no fair message ever told "do not do it".

- On the splits the rules were tuned on (tune, fresh1, fresh2): every trick and overall.
- On the held-out split (read while the rules were designed, never tuned on message by
  message): overall; its per-trick counts are too small for per-trick goals.
- On the blind split (fresh3, written against the final rules): only the fair-message goal is
  asserted. Its recall and precision are reported (bench/negotiation.py), not asserted: a
  threshold on it would invite tuning to it, and then it would no longer be blind.

`.venv/bin/python -m bench.negotiation` prints the per-trick tables.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.domain.negotiation import TRICKS, Verdict, read_message
from tests.negotiation_corpus import BLIND, HELD_OUT, SPLITS, TUNED, Sample, load, score

SAMPLES = load()
GOAL = 0.90


def split(names: tuple[str, ...]) -> list[Sample]:
    return [s for s in SAMPLES if s.split in names]


def test_the_corpus_is_what_the_issue_asks_for() -> None:
    assert len(SAMPLES) >= 80
    assert {s.split for s in SAMPLES} == set(SPLITS)
    assert len({s.id for s in SAMPLES}) == len(SAMPLES)
    languages = Counter(s.lang for s in SAMPLES)
    assert languages["en"] >= 40 and languages["ru"] >= 40 and languages["mixed"] >= 3
    assert sum(s.fair for s in SAMPLES) >= 30
    assert sum(len(s.tricks) >= 2 for s in SAMPLES) >= 20  # combined tricks
    assert any(len(s.text) <= 12 for s in SAMPLES) and any(len(s.text) >= 700 for s in SAMPLES)
    paypal_fair = [s for s in SAMPLES if s.fair and "paypal" in s.text.casefold()]
    assert {s.lang for s in paypal_fair} >= {"en", "ru"}
    tuned = Counter(t for s in split(TUNED) for t in s.tricks)
    assert all(tuned[t] >= 8 for t in TRICKS), tuned


def test_goals_per_trick_on_the_tuned_splits() -> None:
    result = score(split(TUNED))
    for trick, counts in result.per_trick.items():
        assert counts.recall >= GOAL and counts.precision >= GOAL, (trick, counts)
    assert result.overall.recall >= GOAL and result.overall.precision >= GOAL


def test_goals_overall_on_the_held_out_split() -> None:
    result = score(split(HELD_OUT))
    assert result.overall.recall >= GOAL, result.overall
    assert result.overall.precision >= GOAL, result.overall


@pytest.mark.parametrize("names", [TUNED, HELD_OUT, BLIND], ids=["tuned", "held-out", "blind"])
def test_no_fair_message_is_told_do_not_do_it(names: tuple[str, ...]) -> None:
    samples = split(names)
    assert samples
    result = score(samples)
    assert result.fair > 0 and result.fair_do_not == []


def test_every_fair_message_reads_as_fair_or_at_most_counter() -> None:
    for sample in SAMPLES:
        if sample.fair:
            assert read_message(sample.text).verdict is not Verdict.DO_NOT, sample.id
