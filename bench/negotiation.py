"""The negotiation assistant on its corpus: recall and precision per trick, per split group.

    .venv/bin/python -m bench.negotiation            # the tables, a few seconds
    .venv/bin/python -m bench.negotiation --errors   # also the misread messages (tuned splits)

Groups (tests/negotiation_corpus.py): "tuned" = the splits the rules were adjusted on; "held
out" = read while the rules were designed, never tuned on message by message; "blind" = written
against the final rules, never tuned on. `--errors` lists misreadings of the tuned splits only,
so that looking at them cannot turn the other two into tuning data.

Also measured: messages read per second, cold (empty word cache) and warm. Writes JSON to
bench/results/negotiation-<time>.json like the other benchmarks.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

from bench.common import fmt, table, write_results
from bot.domain.negotiation import TRICKS, read_message
from bot.domain.negotiation.matcher import concepts_of
from tests.negotiation_corpus import BLIND, HELD_OUT, TUNED, Counts, Sample, Score, load, score

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tuned", TUNED),
    ("held out", HELD_OUT),
    ("blind", BLIND),
)


def _pct(value: float) -> str:
    return f"{value:.0%}"


def _cells(c: Counts) -> list[str]:
    return [str(c.support), _pct(c.recall), _pct(c.precision)]


def trick_table(scores: Sequence[tuple[str, Score]]) -> str:
    headers = ["trick"]
    for name, _ in scores:
        headers += [f"{name} n", "recall", "precision"]
    rows: list[list[str]] = []
    for trick in TRICKS:
        rows.append([trick.value, *[c for _, s in scores for c in _cells(s.per_trick[trick])]])
    rows.append(["all", *[c for _, s in scores for c in _cells(s.overall)]])
    return table(headers, rows)


def summary_table(scores: Sequence[tuple[str, Score]]) -> str:
    rows = [[name, s.messages, s.exact, s.fair, len(s.fair_do_not)] for name, s in scores]
    headers = ["group", "messages", "read exactly", "fair", "fair told do-not"]
    return table(headers, rows)


def speed(samples: Sequence[Sample], rounds: int) -> dict[str, float]:
    concepts_of.cache_clear()
    start = time.perf_counter()
    for sample in samples:
        read_message(sample.text)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(rounds):
        for sample in samples:
            read_message(sample.text)
    warm = (time.perf_counter() - start) / rounds
    return {"cold_per_s": len(samples) / cold, "warm_per_s": len(samples) / warm}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--errors", action="store_true", help="list misread tuned messages")
    parser.add_argument("--rounds", type=int, default=5, help="warm passes for the speed")
    args = parser.parse_args(argv)

    samples = load()
    scores = [(name, score([s for s in samples if s.split in splits])) for name, splits in GROUPS]
    scores.append(("all", score(samples)))
    print("## Tricks per group\n")
    print(trick_table(scores))
    print("\n## Messages\n")
    print(summary_table(scores))
    per_split = [(name, score([s for s in samples if s.split == name])) for name in TUNED]
    print("\n## Tuned splits one by one\n")
    print(summary_table(per_split))
    rates = speed(samples, args.rounds)
    print(
        f"\nSpeed: {fmt(rates['cold_per_s'], 0)} messages/s cold, "
        f"{fmt(rates['warm_per_s'], 0)} warm ({len(samples)} messages)."
    )
    if args.errors:
        print("\n## Misread (tuned splits only)\n")
        for sample, found in score([s for s in samples if s.split in TUNED]).errors:
            want = ", ".join(sorted(t.value for t in sample.tricks)) or "fair"
            got = ", ".join(sorted(t.value for t in found)) or "fair"
            print(f"- {sample.id}: labelled {want}; read {got}: {sample.text[:160]!r}")

    payload: dict[str, Any] = {
        "groups": {
            name: {
                "messages": s.messages,
                "exact": s.exact,
                "fair": s.fair,
                "fair_do_not": s.fair_do_not,
                "per_trick": {
                    t.value: {"tp": c.tp, "fp": c.fp, "fn": c.fn} for t, c in s.per_trick.items()
                },
            }
            for name, s in scores
        },
        "speed": rates,
    }
    path = write_results("negotiation", payload)
    print(f"\nWrote {path}")


if __name__ == "__main__":
    main()
