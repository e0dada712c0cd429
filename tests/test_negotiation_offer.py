"""Checking the seller's offer: what changed, the verdict, the counter, Accept versus cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.models import Branch, Dispute, Money, RefundOption
from bot.domain.negotiation import (
    OfferChange,
    OfferError,
    Reopen,
    Terms,
    Trick,
    Verdict,
    check_dispute_offer,
    check_offer,
    reopen_after_cancel,
    terms,
)

R = RefundOption
C = OfferChange
PAID = Money(1173, "USD")  # the leggings: $12.41 listed, $11.73 paid (seed 003)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def usd(minor: int) -> Money:
    return Money(minor, "USD")


# --- terms as the dispute page shows them -----------------------------------------------------
def test_full_options_pay_the_price() -> None:
    assert terms(R.KEEP_FULL, PAID) == Terms(R.KEEP_FULL, PAID)
    assert terms(R.RETURN_FULL, PAID, PAID) == Terms(R.RETURN_FULL, PAID)


def test_a_full_option_below_the_price_is_partial_and_a_partial_at_the_price_is_full() -> None:
    assert terms(R.KEEP_FULL, PAID, usd(500)) == Terms(R.KEEP_PARTIAL, usd(500))
    assert terms(R.RETURN_FULL, PAID, usd(500)) == Terms(R.RETURN_PARTIAL, usd(500))
    assert terms(R.KEEP_PARTIAL, PAID, PAID) == Terms(R.KEEP_FULL, PAID)
    assert terms(R.RETURN_PARTIAL, PAID, PAID) == Terms(R.RETURN_FULL, PAID)


@pytest.mark.parametrize(
    ("option", "amount", "code"),
    [
        (R.KEEP_PARTIAL, None, OfferError.NO_AMOUNT),
        (R.KEEP_PARTIAL, Money(500, "EUR"), OfferError.CURRENCY),
        (R.KEEP_PARTIAL, usd(-1), OfferError.NEGATIVE),
        (R.KEEP_PARTIAL, usd(1174), OfferError.ABOVE_PAID),
    ],
)
def test_impossible_figures_are_refused(option: R, amount: Money | None, code: str) -> None:
    with pytest.raises(OfferError) as caught:
        terms(option, PAID, amount)
    assert caught.value.code == code


def test_nothing_paid_is_refused() -> None:
    with pytest.raises(OfferError) as caught:
        terms(R.KEEP_FULL, usd(0))
    assert caught.value.code == OfferError.NOTHING_PAID


# --- what changed -----------------------------------------------------------------------------
def check(asked: Terms, offered: Terms):  # type: ignore[no-untyped-def]
    return check_offer(PAID, asked, offered)


def test_the_same_terms_are_fine() -> None:
    result = check(terms(R.KEEP_PARTIAL, PAID, usd(500)), terms(R.KEEP_PARTIAL, PAID, usd(500)))
    assert result.changes == () and result.verdict is Verdict.FINE
    assert result.counter is None and result.trick is None


def test_the_leggings_offer_lowered_the_refund() -> None:
    """Asked the full $11.73 keeping the item; the seller offered $5 (seed 003)."""
    result = check(terms(R.KEEP_FULL, PAID), terms(R.KEEP_PARTIAL, PAID, usd(500)))
    assert result.changes == (C.AMOUNT_LOWERED, C.OPTION_CHANGED)
    assert result.verdict is Verdict.COUNTER
    assert result.counter == terms(R.KEEP_FULL, PAID)
    assert result.shortfall == usd(673)
    assert result.trick is Trick.TERMS_CHANGED


def test_the_leggings_alternative_added_a_return() -> None:
    """ "If we want the entire cost, we must return the leggings" (seed 003)."""
    result = check(terms(R.KEEP_FULL, PAID), terms(R.RETURN_FULL, PAID))
    assert result.changes == (C.RETURN_ADDED, C.OPTION_CHANGED)
    assert result.verdict is Verdict.COUNTER and result.costly == (C.RETURN_ADDED,)


def test_zero_is_do_not_accept() -> None:
    result = check(terms(R.KEEP_FULL, PAID), terms(R.KEEP_PARTIAL, PAID, usd(0)))
    assert C.AMOUNT_ZERO in result.changes and C.AMOUNT_LOWERED not in result.changes
    assert result.verdict is Verdict.DO_NOT


def test_better_terms_are_fine() -> None:
    raised = check(terms(R.KEEP_PARTIAL, PAID, usd(500)), terms(R.KEEP_FULL, PAID))
    assert raised.changes == (C.OPTION_CHANGED, C.AMOUNT_RAISED)
    assert raised.verdict is Verdict.FINE
    kept = check(terms(R.RETURN_FULL, PAID), terms(R.KEEP_FULL, PAID))
    assert kept.changes == (C.OPTION_CHANGED, C.RETURN_DROPPED)
    assert kept.verdict is Verdict.FINE


def test_a_mixed_offer_is_countered_with_the_request() -> None:
    asked = terms(R.RETURN_FULL, PAID)
    result = check(asked, terms(R.KEEP_PARTIAL, PAID, usd(900)))
    assert result.changes == (C.AMOUNT_LOWERED, C.OPTION_CHANGED, C.RETURN_DROPPED)
    assert result.counter == asked


def test_figures_in_another_currency_are_refused() -> None:
    with pytest.raises(OfferError):
        check_offer(PAID, Terms(R.KEEP_FULL, Money(1173, "EUR")), terms(R.KEEP_FULL, PAID))


money_amounts = st.integers(min_value=0, max_value=10_000_000)
options = st.sampled_from(list(RefundOption))


@given(paid=st.integers(min_value=1, max_value=10_000_000), data=st.data())
def test_check_offer_invariants(paid: int, data: st.DataObject) -> None:
    price = usd(paid)
    asked_amount = usd(data.draw(st.integers(min_value=1, max_value=paid)))
    offered_amount = usd(data.draw(st.integers(min_value=0, max_value=paid)))
    asked = terms(data.draw(options), price, asked_amount)
    offered = terms(data.draw(options), price, offered_amount)
    result = check_offer(price, asked, offered)
    assert (result.verdict is Verdict.DO_NOT) == (offered.amount.minor == 0)
    assert (result.verdict is Verdict.FINE) == (not result.costly)
    assert (result.counter is None) == (result.verdict is Verdict.FINE)
    assert result.counter in (None, asked)
    assert isinstance(result.shortfall.minor, int) and result.shortfall.minor >= 0
    assert (C.OPTION_CHANGED in result.changes) == (asked.option is not offered.option)
    assert len(set(result.changes)) == len(result.changes)


# --- from a Dispute ---------------------------------------------------------------------------
def dispute(**kw: object) -> Dispute:
    d = Dispute(user_id=7, order_id="8123456789012345", amount_paid=PAID)
    for k, v in kw.items():
        setattr(d, k, v)
    return d


def test_check_dispute_offer_uses_what_the_case_asked_for() -> None:
    d = dispute(branch=Branch.RECEIVED, refund_option=R.KEEP_PARTIAL, refund_amount=usd(500))
    result = check_dispute_offer(d, R.RETURN_PARTIAL, usd(500))
    assert result.asked == Terms(R.KEEP_PARTIAL, usd(500))
    assert result.changes[0] is C.RETURN_ADDED


def test_not_received_asks_for_a_full_refund() -> None:
    d = dispute(branch=Branch.NOT_RECEIVED)
    result = check_dispute_offer(d, R.KEEP_PARTIAL, usd(300))
    assert result.asked == Terms(R.KEEP_FULL, PAID)
    assert C.AMOUNT_LOWERED in result.changes


def test_an_incomplete_case_cannot_be_checked() -> None:
    with pytest.raises(OfferError) as caught:
        check_dispute_offer(dispute(branch=Branch.RECEIVED), R.KEEP_FULL)
    assert caught.value.code == OfferError.INCOMPLETE


# --- Accept versus cancel ---------------------------------------------------------------------
def test_reopen_after_cancel() -> None:
    assert reopen_after_cancel(NOW + timedelta(days=3), NOW) is Reopen.POSSIBLE
    assert reopen_after_cancel(NOW - timedelta(seconds=1), NOW) is Reopen.NOT_POSSIBLE
    assert reopen_after_cancel(None, NOW) is Reopen.UNKNOWN
    with pytest.raises(ValueError):
        reopen_after_cancel(None, datetime(2026, 12, 1))
