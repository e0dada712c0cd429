"""The dispute wizard, steps 1 to 12 of PRODUCT.md, as generic code over a step table.

- bot/domain/draft.py: the step table (each question: when it applies, how its answer is
  read, what it changes, what must follow it) and the rules of a draft (its path, the step
  counter, completeness). Pure.
- bot/views/wizard.py, bot/views/summary.py: what the bot says at each step.
- `router`: which updates are the wizard's: the buyer's draft row decides (one indexed query);
  the row's `wizard_step` is the only record of where the buyer is.
- `flow`: showing a step, answering it, Skip, Back, changing an answer from the summary.
- `special`: the steps beside the questions (one case per item, evidence, the summary's
  Confirm, AliExpress's form, "I have opened it", "just watch the timer", Cancel).
- `timer`: a timer read off the buyer's own page (⏱ on a case card), a step of its own.
- `turn`: one update's context, storing a move (before its reply), replying.

The diagram below is `mermaid()`'s output, checked by tests/test_wizard_table.py: the
questions' part is generated from the step table, the rest from `OWN_EDGES`.

```mermaid
stateDiagram-v2
    [*] --> order: /new
    order --> item
    item --> amount
    amount --> protection
    protection --> received
    received --> reason
    reason --> shipped: not received
    reason --> confirmed: received
    shipped --> description
    confirmed --> confirmed_at: receipt confirmed
    confirmed --> refund: otherwise
    confirmed_at --> refund
    refund --> partial: partial refund
    refund --> description: otherwise
    partial --> description
    description --> evidence
    evidence --> summary
    received --> [*]: just watch the timer
    summary --> edit: Edit
    edit --> summary: an answer changed (or Back)
    summary --> opened: Confirm (AliExpress's form)
    opened --> opened_at: another date
    opened --> [*]: today / later
    opened_at --> [*]
    summary --> [*]: Cancel
    [*] --> timer: ⏱ on a case card
    timer --> [*]: the page's timer (or Cancel)
```
"""

from __future__ import annotations

import itertools
from typing import Final

from bot.domain.draft import BY_STEP, STEPS, StepId, applies, path
from bot.domain.models import Branch, Dispute, refund_options_for
from bot.handlers.wizard.router import WizardRouter, current_prompt

S = StepId
START, END = "[*]", "[*]"

#: The moves of the wizard's own steps, which the step table does not describe.
OWN_EDGES: Final[tuple[tuple[str, str, str], ...]] = (
    (START, S.ORDER, "/new"),
    (S.RECEIVED, END, "just watch the timer"),
    (S.SUMMARY, S.EDIT, "Edit"),
    (S.EDIT, S.SUMMARY, "an answer changed (or Back)"),
    (S.SUMMARY, S.OPENED, "Confirm (AliExpress's form)"),
    (S.OPENED, S.OPENED_AT, "another date"),
    (S.OPENED, END, "today / later"),
    (S.OPENED_AT, END, ""),
    (S.SUMMARY, END, "Cancel"),
    (START, S.TIMER, "⏱ on a case card"),
    (S.TIMER, END, "the page's timer (or Cancel)"),
)


def _scenarios() -> list[Dispute]:
    """One draft per way through the questions: each branch, receipt confirmed or not, a full
    or a partial refund."""
    return [
        Dispute(
            user_id=0, order_id="0", branch=b, receipt_confirmed=confirmed, refund_option=option
        )
        for b in Branch
        for confirmed in (True, False)
        for option in refund_options_for(b)
    ]


def question_edges() -> list[tuple[StepId, StepId, str]]:
    """Every move from one step of the table to the next that some case takes. Where a step
    has several next steps, each is labelled with its own condition, or "otherwise" for the
    one that every case passing there would take."""
    scenarios = [(d, path(d)) for d in _scenarios()]
    pairs = {(a, b) for _, steps in scenarios for a, b in itertools.pairwise(steps)}
    order = {s: i for i, s in enumerate(STEPS)}
    edges = []
    for a, b in sorted(pairs, key=lambda e: (order[e[0]], order[e[1]])):
        label = ""
        if sum(1 for x, _ in pairs if x == a) > 1:
            through = [d for d, steps in scenarios if a in steps]
            label = "otherwise" if all(applies(b, d) for d in through) else _condition(b)
        edges.append((a, b, label))
    return edges


def _condition(step: StepId) -> str:
    q = BY_STEP.get(step)
    return q.applies.label if q is not None else ""


def _line(a: str, b: str, label: str) -> str:
    return f"    {a} --> {b}" + (f": {label}" if label else "")


def mermaid() -> str:
    """The wizard's state diagram: the step table's moves, then the wizard's own."""
    first, *own = OWN_EDGES
    lines = ["stateDiagram-v2", _line(*first)]
    lines += [_line(a, b, label) for a, b, label in question_edges()]
    lines += [_line(a, b, label) for a, b, label in own]
    return "\n".join(lines)


__all__ = ["OWN_EDGES", "WizardRouter", "current_prompt", "mermaid"]
