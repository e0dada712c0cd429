"""The stage machine: legal moves, recomputed deadlines, immutability, warnings."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.draft import StepId
from bot.domain.lifecycle import (
    EVENT_ACTION,
    EVENT_DEADLINE,
    Action,
    ActionWarning,
    DeadlineField,
    EventTimeError,
    IncompleteDraft,
    InvalidTransition,
    allowed_actions,
    apply,
    available_actions,
    set_deadline,
    warnings_for,
)
from bot.domain.models import Branch, Dispute, Money, Outcome, Reason, RefundOption, Stage
from bot.domain.rules import DEFAULT_RULES, Rules, rules_from_overrides

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
R = DEFAULT_RULES


def case(stage: Stage = Stage.READY, **kw: object) -> Dispute:
    d = Dispute(user_id=7, order_id="8123456789012345", id=1, stage=stage)
    for k, v in kw.items():
        setattr(d, k, v)
    return d


# Every answer a not-received draft needs before it can be confirmed (bot/domain/draft.py).
ANSWERED: dict[str, object] = {
    "amount_paid": Money(1173, "USD"),
    "branch": Branch.NOT_RECEIVED,
    "reason": Reason.NO_TRACKING,
    "refund_option": RefundOption.KEEP_FULL,
    "description": "Tracking has not moved for a month.",
}


def opened(at: datetime = T0, rules: Rules = R) -> Dispute:
    return apply(case(), Action.OPENED_ON_ALIEXPRESS, at, rules).dispute


def run(d: Dispute, *moves: Action, at: datetime = T0) -> Dispute:
    for i, a in enumerate(moves):
        d = apply(d, a, at + i * timedelta(hours=1), R).dispute
    return d


# --- deadlines ---------------------------------------------------------------------------


def test_opening_starts_seller_and_escalation_timers() -> None:
    t = apply(case(), Action.OPENED_ON_ALIEXPRESS, T0, R)
    d = t.dispute
    assert d.stage is Stage.OPENED
    assert d.opened_at == T0
    assert d.seller_deadline == T0 + 5 * DAY
    assert d.escalation_at == T0 + 7 * DAY
    assert d.updated_at == T0


def test_opening_on_another_day_counts_from_that_day() -> None:
    """'I opened it 2 days ago': AliExpress's timers started then, not when we heard."""
    when = T0 - 2 * DAY
    t = apply(case(), Action.OPENED_ON_ALIEXPRESS, T0, R, when=when)
    assert t.dispute.opened_at == when
    assert t.dispute.seller_deadline == when + 5 * DAY
    assert t.dispute.updated_at == T0  # the record itself is dated when the buyer made it
    assert t.detail["when"] == when.isoformat()
    assert t.detail["recorded_at"] == T0.isoformat()


def test_configured_rules_are_used() -> None:
    rules = rules_from_overrides({"negotiation_before_escalation": "15d"})
    assert opened(rules=rules).escalation_at == T0 + 15 * DAY


@pytest.mark.parametrize(
    "action", [Action.SELLER_ACCEPTED, Action.SELLER_COUNTERED, Action.SELLER_REJECTED]
)
def test_seller_answer_stops_the_silence_timer_but_not_escalation(action: Action) -> None:
    d = apply(opened(), action, T0 + DAY, R).dispute
    assert d.seller_deadline is None
    assert d.escalation_at == T0 + 7 * DAY


def test_escalation_clears_negotiation_timers() -> None:
    d = run(opened(), Action.SELLER_REJECTED, Action.ESCALATED)
    assert d.stage is Stage.ESCALATED
    assert d.escalation_at is None and d.seller_deadline is None


def test_evidence_request_gives_three_days_and_sending_returns_to_escalated() -> None:
    d = run(opened(), Action.ESCALATED)
    asked = T0 + 10 * DAY
    d = apply(d, Action.EVIDENCE_REQUESTED, asked, R).dispute
    assert d.stage is Stage.EVIDENCE_REQUESTED
    assert d.evidence_due == asked + 3 * DAY
    again = apply(d, Action.EVIDENCE_REQUESTED, asked + DAY, R).dispute
    assert again.evidence_due == asked + 4 * DAY  # a new request restarts the timer
    sent = apply(d, Action.EVIDENCE_SENT, asked + DAY, R).dispute
    assert sent.stage is Stage.ESCALATED and sent.evidence_due is None


@pytest.mark.parametrize(
    ("action", "outcome"),
    [
        (Action.CLOSED_WON, Outcome.WON),
        (Action.CLOSED_PARTLY_WON, Outcome.PARTLY_WON),
        (Action.CLOSED_LOST, Outcome.LOST),
        (Action.CLOSED_CANCELLED, Outcome.CANCELLED),
        (Action.CLOSED_ACCEPTED_OFFER, Outcome.ACCEPTED_OFFER),
    ],
)
def test_closing_records_outcome_and_clears_running_timers(
    action: Action, outcome: Outcome
) -> None:
    d = apply(opened(), action, T0 + 2 * DAY, R).dispute
    assert (d.stage, d.outcome, d.closed_at) == (Stage.CLOSED, outcome, T0 + 2 * DAY)
    assert d.seller_deadline is None and d.escalation_at is None and d.evidence_due is None


def test_return_agreed_sets_post_by_and_posting_clears_it() -> None:
    d = apply(opened(), Action.RETURN_AGREED, T0 + DAY, R).dispute
    assert d.stage is Stage.SELLER_ACCEPTED  # the seller accepted, on return terms
    assert d.return_post_by == T0 + 11 * DAY
    assert Action.RETURN_AGREED not in available_actions(d)
    d2 = apply(d, Action.RETURN_POSTED, T0 + 3 * DAY, R).dispute
    assert d2.return_post_by is None
    assert d2.stage is Stage.SELLER_ACCEPTED


def test_return_ordered_by_mediators_keeps_the_case_escalated() -> None:
    d = apply(run(opened(), Action.ESCALATED), Action.RETURN_AGREED, T0 + 20 * DAY, R).dispute
    assert d.stage is Stage.ESCALATED and d.return_post_by == T0 + 30 * DAY


def test_a_win_keeps_a_pending_return_a_loss_drops_it() -> None:
    d = apply(opened(), Action.RETURN_AGREED, T0, R).dispute
    won = apply(d, Action.CLOSED_WON, T0 + DAY, R).dispute
    assert won.return_post_by == d.return_post_by
    assert Action.RETURN_POSTED in available_actions(won)
    lost = apply(d, Action.CLOSED_LOST, T0 + DAY, R).dispute
    assert lost.return_post_by is None


def test_refund_received_once_and_only_after_a_paying_outcome() -> None:
    won = apply(opened(), Action.CLOSED_WON, T0 + DAY, R).dispute
    assert available_actions(won) == (Action.REFUND_RECEIVED,)
    got = apply(won, Action.REFUND_RECEIVED, T0 + 9 * DAY, R).dispute
    assert got.refund_received_at == T0 + 9 * DAY
    assert available_actions(got) == ()
    with pytest.raises(InvalidTransition):
        apply(got, Action.REFUND_RECEIVED, T0 + 10 * DAY, R)
    lost = apply(opened(), Action.CLOSED_LOST, T0 + DAY, R).dispute
    with pytest.raises(InvalidTransition):
        apply(lost, Action.REFUND_RECEIVED, T0 + 2 * DAY, R)


def test_tracking_starts_a_dispute_or_stops() -> None:
    t = case(Stage.TRACKING, protection_end=T0 + 20 * DAY)
    assert allowed_actions(Stage.TRACKING) == (Action.START_DISPUTE, Action.STOP_TRACKING)
    assert apply(t, Action.START_DISPUTE, T0, R).dispute.stage is Stage.DRAFT
    stopped = apply(t, Action.STOP_TRACKING, T0, R).dispute
    assert (stopped.stage, stopped.outcome) == (Stage.CLOSED, Outcome.CANCELLED)


def test_draft_confirm_and_edit() -> None:
    ready = apply(case(Stage.DRAFT, **ANSWERED), Action.CONFIRM_DRAFT, T0, R).dispute
    assert ready.stage is Stage.READY
    assert apply(ready, Action.EDIT_DRAFT, T0, R).dispute.stage is Stage.DRAFT


def test_confirming_an_incomplete_draft_is_refused_with_the_missing_step() -> None:
    """The domain, not only the wizard, keeps an unfinished draft from becoming "ready"."""
    with pytest.raises(IncompleteDraft) as info:
        apply(case(Stage.DRAFT), Action.CONFIRM_DRAFT, T0, R)
    assert info.value.missing is StepId.AMOUNT
    no_description = {**ANSWERED, "description": None}
    with pytest.raises(IncompleteDraft) as info:
        apply(case(Stage.DRAFT, **no_description), Action.CONFIRM_DRAFT, T0, R)
    assert info.value.missing is StepId.DESCRIPTION
    # An item received needs the receipt question answered and at least one photo or video.
    received = {
        **ANSWERED,
        "branch": Branch.RECEIVED,
        "reason": Reason.DAMAGED,
        "receipt_confirmed": False,
    }
    with pytest.raises(IncompleteDraft) as info:
        apply(case(Stage.DRAFT, **received), Action.CONFIRM_DRAFT, T0, R)
    assert info.value.missing is StepId.EVIDENCE
    ready = apply(case(Stage.DRAFT, **received), Action.CONFIRM_DRAFT, T0, R, visual_evidence=1)
    assert ready.dispute.stage is Stage.READY


def test_buyer_set_deadline_survives_later_moves() -> None:
    """The order page's own timer beats the table (e.g. the seller extended negotiation)."""
    mine = T0 + 9 * DAY
    t = set_deadline(opened(), DeadlineField.ESCALATION_AT, mine, T0 + DAY)
    assert t.kind == EVENT_DEADLINE
    assert t.detail["changed"] == {"escalation_at": [(T0 + 7 * DAY).isoformat(), mine.isoformat()]}
    d = apply(t.dispute, Action.SELLER_COUNTERED, T0 + 2 * DAY, R).dispute
    assert d.escalation_at == mine


def test_set_deadline_refuses_closed_cases() -> None:
    closed = apply(opened(), Action.CLOSED_WON, T0, R).dispute
    with pytest.raises(ValueError):
        set_deadline(closed, DeadlineField.SELLER_DEADLINE, T0, T0)


# --- invalid moves and times -------------------------------------------------------------


def test_escalating_a_closed_case_is_invalid() -> None:
    closed = apply(opened(), Action.CLOSED_WON, T0, R).dispute
    with pytest.raises(InvalidTransition) as info:
        apply(closed, Action.ESCALATED, T0 + DAY, R)
    assert info.value.stage is Stage.CLOSED and info.value.action is Action.ESCALATED


def test_no_self_loop_for_accept_or_reject_but_a_new_counter_offer_is_fine() -> None:
    for a in (Action.SELLER_ACCEPTED, Action.SELLER_REJECTED):
        d = apply(opened(), a, T0, R).dispute
        assert a not in allowed_actions(d.stage)
    countered = apply(opened(), Action.SELLER_COUNTERED, T0, R).dispute
    assert Action.SELLER_COUNTERED in allowed_actions(countered.stage)


def test_event_date_in_the_future_is_refused() -> None:
    with pytest.raises(EventTimeError) as info:
        apply(case(), Action.OPENED_ON_ALIEXPRESS, T0, R, when=T0 + timedelta(minutes=1))
    assert info.value.code == EventTimeError.FUTURE


def test_event_date_before_the_opening_is_refused() -> None:
    with pytest.raises(EventTimeError) as info:
        apply(opened(), Action.SELLER_REJECTED, T0 + DAY, R, when=T0 - DAY)
    assert info.value.code == EventTimeError.BEFORE_OPENED


def test_naive_datetimes_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        apply(case(), Action.OPENED_ON_ALIEXPRESS, datetime(2026, 5, 4), R)


# --- properties --------------------------------------------------------------------------


def test_every_active_stage_has_a_way_out_and_closed_is_terminal_for_stages() -> None:
    for stage in Stage:
        actions = allowed_actions(stage)
        assert len(set(actions)) == len(actions)
        if stage.is_active:
            assert actions, stage


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(Action)), max_size=12), st.sampled_from(list(Stage)))
def test_random_walks_never_mutate_and_keep_invariants(moves: list[Action], start: Stage) -> None:
    """Whatever buttons are pressed, in any order: inputs are untouched, timers fit stages."""
    d = case(start, protection_end=T0 + 30 * DAY, **ANSWERED)
    if start in (Stage.OPENED, Stage.SELLER_COUNTERED, Stage.ESCALATED, Stage.CLOSED):
        d.opened_at = T0
        d.closed_at = T0 if start is Stage.CLOSED else None
    at = T0
    for action in moves:
        at += timedelta(hours=5)
        before = copy.deepcopy(d)
        if action not in available_actions(d):
            with pytest.raises(InvalidTransition):
                apply(d, action, at, R)
            assert d == before
            continue
        t = apply(d, action, at, R)
        assert d == before, "apply must not mutate its input"
        assert t.kind == EVENT_ACTION
        assert t.detail["from"] == d.stage.value and t.detail["to"] == t.dispute.stage.value
        d = t.dispute
        if d.stage is not Stage.OPENED:
            assert d.seller_deadline is None
        if d.stage is not Stage.EVIDENCE_REQUESTED:
            assert d.evidence_due is None
        if d.stage in (Stage.ESCALATED, Stage.EVIDENCE_REQUESTED, Stage.CLOSED):
            assert d.escalation_at is None
        assert (d.stage is Stage.CLOSED) == (d.outcome is not None)


def test_event_row_carries_the_detail() -> None:
    t = apply(case(), Action.OPENED_ON_ALIEXPRESS, T0, R)
    ev = t.event()
    assert (ev.dispute_id, ev.at, ev.actor, ev.kind) == (1, T0, "buyer", EVENT_ACTION)
    assert ev.detail["action"] == "opened"
    unsaved = Dispute(user_id=1, order_id="1", stage=Stage.READY)
    with pytest.raises(ValueError):
        apply(unsaved, Action.OPENED_ON_ALIEXPRESS, T0, R).event()


# --- warnings ----------------------------------------------------------------------------


def test_accepting_an_offer_lists_every_quiet_term_change() -> None:
    d = apply(opened(), Action.SELLER_COUNTERED, T0, R).dispute
    d.refund_option = RefundOption.KEEP_PARTIAL
    w = warnings_for(d, Action.CLOSED_ACCEPTED_OFFER, T0)
    assert set(w) >= {
        ActionWarning.OFFER_REFUND_LOWERED,
        ActionWarning.OFFER_RETURN_ADDED,
        ActionWarning.OFFER_COUPON,
        ActionWarning.OFFER_OUTSIDE_ALIEXPRESS,
    }


@pytest.mark.parametrize(
    "action", [Action.SELLER_ACCEPTED, Action.SELLER_COUNTERED, Action.CLOSED_ACCEPTED_OFFER]
)
def test_every_offer_gets_all_four_checks(action: Action) -> None:
    """Issue 14: a counter-offer got only the coupon and off-platform warnings, "seller
    accepted" only the lowered refund and the added return; any offer can do all four."""
    d = opened()
    d.refund_option = RefundOption.KEEP_PARTIAL
    assert warnings_for(d, action, T0)[:4] == [
        ActionWarning.OFFER_REFUND_LOWERED,
        ActionWarning.OFFER_RETURN_ADDED,
        ActionWarning.OFFER_COUPON,
        ActionWarning.OFFER_OUTSIDE_ALIEXPRESS,
    ]


def test_return_added_is_moot_when_the_buyer_asked_for_a_return() -> None:
    d = opened()
    d.refund_option = RefundOption.RETURN_FULL
    assert ActionWarning.OFFER_RETURN_ADDED not in warnings_for(d, Action.SELLER_ACCEPTED, T0)


def test_not_received_buyers_are_warned_against_confirming_receipt() -> None:
    d = opened()
    d.branch = Branch.NOT_RECEIVED
    assert ActionWarning.CONFIRM_RECEIPT_EARLY in warnings_for(d, Action.SELLER_COUNTERED, T0)
    d.branch = Branch.RECEIVED
    assert ActionWarning.CONFIRM_RECEIPT_EARLY not in warnings_for(d, Action.SELLER_COUNTERED, T0)


def test_cancelling_after_protection_ended_is_final() -> None:
    d = opened()
    d.protection_end = T0 + 3 * DAY
    assert warnings_for(d, Action.CLOSED_CANCELLED, T0 + DAY) == [
        ActionWarning.CANCEL_REOPEN_LIMITED
    ]
    assert warnings_for(d, Action.CLOSED_CANCELLED, T0 + 3 * DAY) == [
        ActionWarning.CANCEL_CANNOT_REOPEN
    ]


def test_cancelling_a_draft_warns_nothing() -> None:
    assert warnings_for(case(Stage.DRAFT), Action.CLOSED_CANCELLED, T0) == []


def test_escalation_warns_to_recheck_terms() -> None:
    w = warnings_for(opened(), Action.ESCALATED, T0)
    assert w[0] is ActionWarning.ESCALATION_RECHECK_TERMS
    assert ActionWarning.ESCALATION_NO_EDIT in w


def test_plain_moves_warn_nothing() -> None:
    assert warnings_for(opened(), Action.CLOSED_WON, T0) == []
    assert warnings_for(case(Stage.TRACKING), Action.START_DISPUTE, T0) == []


def test_a_draft_without_its_order_number_has_nothing_to_cancel() -> None:
    """Found by the fuzz test: "I cancelled the dispute" on the card of a draft still at step
    1 tried to store a closed case without an order number, which the store refuses."""
    blank = Dispute(user_id=1, order_id=None)
    assert Action.CLOSED_CANCELLED not in available_actions(blank)
    with pytest.raises(InvalidTransition):
        apply(blank, Action.CLOSED_CANCELLED, T0, R)
    assert Action.CLOSED_CANCELLED in available_actions(Dispute(user_id=1, order_id="42"))
