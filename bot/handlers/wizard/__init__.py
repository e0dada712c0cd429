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
- `negotiation`: the negotiation assistant's prompts on an opened case (the seller's message,
  the amount of the seller's offer), whose place is the case row's `wizard_step` too.
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
    description --> f_mis: not as described
    description --> f_fail: quality
    description --> f_part: damaged
    description --> f_pack: damaged, empty parcel
    description --> f_nord: missing parts
    description --> f_oitem: wrong item
    description --> f_brand: counterfeit
    description --> f_pship: cheaper shipping
    description --> f_trk: not received
    description --> f_sel: otherwise
    f_mis --> f_lst
    f_lst --> f_arr
    f_arr --> f_sel
    f_fail --> f_sel
    f_part --> f_pack
    f_pack --> f_sel
    f_nord --> f_nrcv
    f_nrcv --> f_miss
    f_miss --> f_sel
    f_oitem --> f_ritem
    f_ritem --> f_sel
    f_brand --> f_sel
    f_pship --> f_uship
    f_uship --> f_sel
    f_trk --> f_trks
    f_trks --> f_trkd: a tracking status
    f_trks --> f_prom: otherwise
    f_trkd --> f_prom
    f_prom --> f_sel
    f_sel --> f_seld: wrote to the seller
    f_sel --> f_title: title not in English
    f_sel --> evidence: otherwise
    f_seld --> f_selr
    f_selr --> f_title: title not in English
    f_selr --> evidence: otherwise
    f_title --> evidence
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
    [*] --> seller_msg: The seller wrote to me (case card)
    seller_msg --> [*]: the message read, or back to the card
    [*] --> offer_kp: a partial offer, keeping the item
    [*] --> offer_rp: a partial offer, with a return
    offer_kp --> [*]: the offer checked
    offer_rp --> [*]: the offer checked
```
"""

from __future__ import annotations

import itertools
from typing import Final

from bot.domain.draft import BY_STEP, STEPS, StepId, applies, path
from bot.domain.facts import Facts, YesNo
from bot.domain.models import Branch, Dispute, reasons_for, refund_options_for
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
    # The negotiation assistant's prompts on an opened case (wizard/negotiation.py).
    (START, S.SELLER_MESSAGE, "The seller wrote to me (case card)"),
    (S.SELLER_MESSAGE, END, "the message read, or back to the card"),
    (START, S.OFFER_KEEP_AMOUNT, "a partial offer, keeping the item"),
    (START, S.OFFER_RETURN_AMOUNT, "a partial offer, with a return"),
    (S.OFFER_KEEP_AMOUNT, END, "the offer checked"),
    (S.OFFER_RETURN_AMOUNT, END, "the offer checked"),
)


def _scenarios() -> list[Dispute]:
    """One draft per way through the questions: each branch and reason, receipt confirmed or
    not, a full or a partial refund, facts given (so the ones depending on them are asked) or
    not, an English item title or none."""
    return [
        Dispute(
            user_id=0,
            order_id="0",
            branch=b,
            reason=reason,
            receipt_confirmed=confirmed,
            refund_option=option,
            item_title=title,
            facts=facts,
        )
        for b in Branch
        for reason in reasons_for(b)
        for confirmed in (True, False)
        for option in refund_options_for(b)
        for facts in (None, _GIVEN)
        for title in (None, "Desk lamp")
    ]


# Facts that make every dependent question apply: the buyer wrote to the seller, a status.
_GIVEN: Final = Facts(seller_contacted=YesNo.YES, tracking_status="Delivered")


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
            label = label or "otherwise"  # the one step no condition of its own leads to
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
