"""The claim's facts as steps of the wizard's table (bot/domain/fact_steps.py): which are asked,
in which order, what a changed reason keeps, and where an answer leads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain import draft
from bot.domain.draft import Answering, Position, StepId
from bot.domain.fact_steps import COMMON_FACTS, FACT_STEP, field_of, new_reason_facts
from bot.domain.facts import FactField, Facts, Failure, Mismatch, YesNo, questions_for
from bot.domain.models import Branch, Dispute, Money, Reason, RefundOption

S = StepId
F = FactField
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ANSWERING = Answering(NOW, ZoneInfo("Europe/Moscow"), "USD")
# Answers that make every dependent question apply: a status (its date), a contact (when, reply).
DEPENDANTS_ON = Facts(tracking_status="Delivered", seller_contacted=YesNo.YES)


def case(reason: Reason, **fields: object) -> Dispute:
    d = Dispute(
        user_id=1,
        order_id="8123456789012345",
        id=7,
        branch=reason.branch,
        reason=reason,
        amount_paid=Money(1173, "USD"),
        refund_option=RefundOption.KEEP_FULL,
        description="Something is wrong.",
        receipt_confirmed=False if reason.branch is Branch.RECEIVED else None,
    )
    for name, value in fields.items():
        setattr(d, name, value)
    return d


def fact_path(d: Dispute) -> list[FactField]:
    return [f for s in draft.path(d) if (f := field_of(s)) is not None]


def test_every_fact_is_a_step_of_its_own() -> None:
    assert set(FACT_STEP) == set(FactField)
    for field, step in FACT_STEP.items():
        assert step.value == "f_" + field.value and field_of(step) is field
    assert field_of(S.DESCRIPTION) is None


@pytest.mark.parametrize("reason", list(Reason), ids=lambda r: r.value)
def test_each_reason_asks_its_own_questions_in_order_after_the_description(
    reason: Reason,
) -> None:
    d = case(reason, facts=DEPENDANTS_ON)
    assert fact_path(d) == [q.field for q in questions_for(reason)]
    steps = draft.path(d)
    first = FACT_STEP[questions_for(reason)[0].field]
    assert steps.index(first) == steps.index(S.DESCRIPTION) + 1
    assert steps[steps.index(FACT_STEP[F.ENGLISH_TITLE]) + 1] is S.EVIDENCE


def test_dependent_questions_wait_for_their_answer() -> None:
    d = case(Reason.IN_TRANSIT)
    asked = fact_path(d)
    assert F.TRACKING_DATE not in asked and F.SELLER_CONTACTED_ON not in asked
    assert F.SELLER_REPLY not in asked
    d.facts = Facts(seller_contacted=YesNo.NO)
    assert F.SELLER_CONTACTED_ON not in fact_path(d)


def test_the_english_title_is_asked_only_when_the_item_is_not_named_in_english() -> None:
    assert F.ENGLISH_TITLE in fact_path(case(Reason.QUALITY, item_title=None))
    assert F.ENGLISH_TITLE in fact_path(case(Reason.QUALITY, item_title="Леггинсы"))
    assert F.ENGLISH_TITLE not in fact_path(case(Reason.QUALITY, item_title="Leggings"))


def test_the_step_counter_counts_the_facts() -> None:
    d = case(Reason.QUALITY, item_title="Leggings")
    # 11 steps of the received branch, what fails, and whether the seller was asked.
    assert draft.step_number(FACT_STEP[F.FAILURE], d) == (10, 13)
    d.facts = Facts(seller_contacted=YesNo.YES)
    assert draft.step_number(S.SUMMARY, d) == (15, 15)


def test_a_new_reason_keeps_only_the_facts_that_belong_to_it() -> None:
    reason = draft.BY_STEP[S.REASON]
    d = case(
        Reason.NOT_AS_DESCRIBED,
        facts=Facts(mismatch=Mismatch.SIZE, listed="XL", seller_contacted=YesNo.NO),
    )
    changed = reason.change(d, Reason.QUALITY.value)
    assert changed.facts == Facts(seller_contacted=YesNo.NO)
    branch = draft.BY_STEP[S.RECEIVED]
    moved = branch.change(
        case(
            Reason.QUALITY,
            facts=Facts(
                failure=Failure.STITCHING,
                seller_contacted=YesNo.YES,
                seller_contacted_on=date(2026, 11, 20),
            ),
        ),
        Branch.NOT_RECEIVED,
    )
    assert moved.reason is None
    assert moved.facts == Facts(seller_contacted=YesNo.YES, seller_contacted_on=date(2026, 11, 20))


def test_editing_the_reason_asks_the_new_reasons_questions_only() -> None:
    before = case(Reason.NO_TRACKING)
    same = case(Reason.CUSTOMS)  # the same questions of its own: nothing to ask
    assert new_reason_facts(before, same) is None
    other = case(Reason.WRONG_ITEM)
    assert new_reason_facts(case(Reason.DAMAGED), other) is FACT_STEP[F.ORDERED_ITEM]
    position = draft.after_answer(
        S.REASON, other, editing=True, visual_evidence=1, before=case(Reason.DAMAGED)
    )
    assert position == Position(FACT_STEP[F.ORDERED_ITEM], editing=True)
    # Then the next one still unanswered, then the summary.
    other.facts = Facts(ordered_item="a black phone case")
    position = draft.after_answer(
        FACT_STEP[F.ORDERED_ITEM], other, editing=True, visual_evidence=1, before=other
    )
    assert position == Position(FACT_STEP[F.RECEIVED_ITEM], editing=True)


def test_a_contact_changed_from_the_summary_asks_when_and_what_the_seller_said() -> None:
    d = case(Reason.QUALITY, facts=Facts(seller_contacted=YesNo.YES))
    step = FACT_STEP[F.SELLER_CONTACTED]
    assert draft.after_answer(step, d, editing=True, visual_evidence=1) == Position(
        FACT_STEP[F.SELLER_CONTACTED_ON], editing=True
    )
    d.facts = Facts(seller_contacted=YesNo.NO)
    assert draft.after_answer(step, d, editing=True, visual_evidence=1) == Position(S.SUMMARY)
    assert FACT_STEP[F.SELLER_CONTACTED_ON] not in draft.editable_steps(d)
    assert step in draft.editable_steps(d)


def test_skip_the_rest_goes_past_the_facts() -> None:
    d = case(Reason.NOT_AS_DESCRIBED)
    assert draft.past_the_facts(FACT_STEP[F.MISMATCH], d) is S.EVIDENCE


def test_a_fact_is_read_with_its_own_checks() -> None:
    counts = draft.BY_STEP[FACT_STEP[F.RECEIVED_COUNT]]
    d = case(Reason.MISSING_PARTS, facts=Facts(ordered_count=3))
    assert counts.parse is not None and counts.parse("2 pcs", d, ANSWERING) == 2
    with pytest.raises(ValueError, match="received_not_fewer"):
        counts.parse("3", d, ANSWERING)
    failure = draft.BY_STEP[FACT_STEP[F.FAILURE]]
    assert failure.parse is None  # buttons only
    assert failure.read_choice("stitch", d, ANSWERING) is Failure.STITCHING
    assert set(COMMON_FACTS) == {
        F.SELLER_CONTACTED,
        F.SELLER_CONTACTED_ON,
        F.SELLER_REPLY,
        F.ENGLISH_TITLE,
    }
