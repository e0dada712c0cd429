"""The wizard as data: the step table (bot/domain/draft.py) and the code over it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain import draft
from bot.domain.draft import QUESTIONS, Answering, NotAChoice, Position, StepId
from bot.domain.models import Branch, Dispute, Money, Reason, RefundOption
from bot.domain.rules import DEFAULT_RULES
from bot.handlers import wizard
from bot.i18n import translator
from bot.views import wizard as views

S = StepId
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ANSWERING = Answering(NOW, ZoneInfo("UTC"), "USD")


def dispute(**fields: object) -> Dispute:
    d = Dispute(user_id=1, order_id="8123456789012345", id=7)
    for name, value in fields.items():
        setattr(d, name, value)
    return d


def test_the_state_diagram_in_the_docs_is_generated_from_the_table() -> None:
    """The Mermaid diagram beside the code is `mermaid()`'s output: change the table and the
    diagram must change with it."""
    assert wizard.__doc__ is not None
    documented = wizard.__doc__.split("```mermaid\n", 1)[1].split("```", 1)[0].rstrip("\n")
    assert documented == wizard.mermaid()


def test_the_diagram_covers_every_step() -> None:
    diagram = wizard.mermaid()
    for step in StepId:
        if step is not S.EXISTING:  # the "continue or start anew?" offer is no place on a path
            assert f" {step.value} " in diagram + " ", step


def test_every_step_has_its_words() -> None:
    """Each question has a prompt in both languages, and each button value a label."""
    for language in ("en", "ru"):
        t = translator(language)
        for q in QUESTIONS:
            d = dispute(branch=Branch.RECEIVED, amount_paid=Money(1000, "USD"))
            text, keyboard = views.prompt(t, d, Position(q.step), DEFAULT_RULES)
            assert text and keyboard.inline_keyboard, q.step
            for value in [*q.choices(d), *([q.skip] if q.skip else [])]:
                assert views.choice_label(t, q.step, str(value)), (q.step, value)


@pytest.mark.parametrize("branch", list(Branch))
def test_the_path_follows_the_answers(branch: Branch) -> None:
    d = dispute(branch=branch)
    path = draft.path(d)
    assert path[:6] == [S.ORDER, S.ITEM, S.AMOUNT, S.PROTECTION, S.RECEIVED, S.REASON]
    assert path[-3:] == [S.DESCRIPTION, S.EVIDENCE, S.SUMMARY]
    if branch is Branch.NOT_RECEIVED:
        assert S.SHIPPED in path and S.REFUND not in path and S.CONFIRMED not in path
    else:
        assert S.SHIPPED not in path and {S.CONFIRMED, S.REFUND} <= set(path)
        assert S.CONFIRMED_AT not in path and S.PARTIAL not in path
        deeper = draft.path(
            dispute(branch=branch, receipt_confirmed=True, refund_option=RefundOption.KEEP_PARTIAL)
        )
        assert {S.CONFIRMED_AT, S.PARTIAL} <= set(deeper)


def test_a_button_the_question_does_not_offer_is_not_an_answer() -> None:
    reason = draft.BY_STEP[S.REASON]
    d = dispute(branch=Branch.NOT_RECEIVED)
    assert reason.read_choice(Reason.CUSTOMS.value, d, ANSWERING) is Reason.CUSTOMS
    with pytest.raises(NotAChoice):  # a received-branch reason on the other branch
        reason.read_choice(Reason.DAMAGED.value, d, ANSWERING)
    with pytest.raises(NotAChoice):
        draft.BY_STEP[S.RECEIVED].read_choice("maybe", d, ANSWERING)


def test_changing_the_branch_clears_what_depended_on_it() -> None:
    d = dispute(
        branch=Branch.RECEIVED,
        reason=Reason.DAMAGED,
        receipt_confirmed=True,
        refund_option=RefundOption.RETURN_PARTIAL,
        refund_amount=Money(500, "USD"),
    )
    changed = draft.BY_STEP[S.RECEIVED].change(d, Branch.NOT_RECEIVED)
    assert changed.reason is None and changed.receipt_confirmed is None
    assert changed.refund_option is RefundOption.KEEP_FULL and changed.refund_amount is None
    assert d.reason is Reason.DAMAGED  # the table never changes the draft it is given


def test_a_new_price_drops_a_partial_amount_it_no_longer_fits() -> None:
    d = dispute(amount_paid=Money(1000, "USD"), refund_amount=Money(800, "USD"))
    amount = draft.BY_STEP[S.AMOUNT]
    assert amount.change(d, Money(900, "USD")).refund_amount == Money(800, "USD")
    assert amount.change(d, Money(700, "USD")).refund_amount is None
    assert amount.change(d, Money(5000, "EUR")).refund_amount is None


def test_editing_returns_to_the_summary_or_to_what_the_answer_made_necessary() -> None:
    d = dispute(
        amount_paid=Money(1000, "USD"),
        branch=Branch.RECEIVED,
        reason=Reason.DAMAGED,
        receipt_confirmed=False,
        refund_option=RefundOption.KEEP_FULL,
        description="The box was crushed and the case cracked.",
    )
    assert draft.after_answer(S.ITEM, d, editing=True, visual_evidence=1) == Position(S.SUMMARY)
    # An item received needs a photo or video: without one, the edit goes there first.
    assert draft.after_answer(S.ITEM, d, editing=True, visual_evidence=0) == Position(
        S.EVIDENCE, editing=True
    )
    confirmed = draft.BY_STEP[S.CONFIRMED].change(d, True)
    assert draft.after_answer(S.CONFIRMED, confirmed, editing=True, visual_evidence=1) == Position(
        S.CONFIRMED_AT, editing=True
    )
    partial = draft.BY_STEP[S.REFUND].change(d, RefundOption.KEEP_PARTIAL)
    assert draft.after_answer(S.REFUND, partial, editing=True, visual_evidence=1) == Position(
        S.PARTIAL, editing=True
    )
    other_branch = draft.BY_STEP[S.RECEIVED].change(d, Branch.NOT_RECEIVED)
    assert draft.after_answer(
        S.RECEIVED, other_branch, editing=True, visual_evidence=1
    ) == Position(S.REASON, editing=True)


def test_positions_round_trip_and_unknown_ones_read_as_the_summary() -> None:
    for step in StepId:
        for editing in (False, True):
            assert Position.parse(str(Position(step, editing))) == Position(step, editing)
    assert Position.parse("nonsense") == Position(S.SUMMARY)
    assert Position.parse(None) == Position(S.ORDER)


def _scenarios() -> list[Dispute]:
    drafts = []
    for branch in Branch:
        for confirmed in (True, False):
            for option in RefundOption:
                if branch is Branch.NOT_RECEIVED and option is not RefundOption.KEEP_FULL:
                    continue
                drafts.append(
                    dispute(branch=branch, receipt_confirmed=confirmed, refund_option=option)
                )
    return drafts


@pytest.mark.parametrize("d", _scenarios(), ids=lambda d: f"{d.branch}-{d.refund_option}")
def test_step_numbers_count_every_step_once_on_every_path(d: Dispute) -> None:
    """Issue 14: the received branch showed 6 twice and 7 twice, the other jumped 6 -> 8.
    Numbers now count the steps this case goes through: 1, 2, 3... up to the summary's M."""
    numbers = [draft.step_number(s, d) for s in draft.path(d)]
    total = len(numbers)
    assert numbers == [(n, total) for n in range(1, total + 1)]
    assert draft.step_number(S.EDIT, d) == (total, total)  # the edit menu is the summary's


def test_before_the_branch_is_known_the_count_is_the_shorter_branch() -> None:
    d = dispute()
    assert draft.step_number(S.ORDER, d) == (1, 10)
    assert draft.step_number(S.RECEIVED, d) == (5, 10)
    received = dispute(branch=Branch.RECEIVED)
    assert draft.step_number(S.REASON, received) == (6, 11)
