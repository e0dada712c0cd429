"""Eligibility warnings: the thresholds from the guides, at and around their edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.eligibility import EligibilityWarning, eligibility_warnings
from bot.domain.models import Branch, Dispute, Reason
from bot.domain.rules import DEFAULT_RULES, rules_from_overrides

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
W = EligibilityWarning


def dispute(**fields: object) -> Dispute:
    d = Dispute(user_id=1, order_id="8123456789012345")
    for name, value in fields.items():
        setattr(d, name, value)
    return d


def test_thresholds_are_the_guides_numbers() -> None:
    assert timedelta(days=3) == DEFAULT_RULES.protection_ending_warning
    assert timedelta(days=15) == DEFAULT_RULES.receipt_confirmation_window
    assert timedelta(days=10) == DEFAULT_RULES.shipped_min_age


def test_nothing_known_nothing_to_warn() -> None:
    assert eligibility_warnings(dispute(), NOW) == []


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (timedelta(days=30), []),
        (timedelta(days=3), []),  # exactly three days left: not yet "less than three"
        (timedelta(days=3) - timedelta(seconds=1), [W.PROTECTION_ENDING]),
        (timedelta(hours=5), [W.PROTECTION_ENDING]),
        (timedelta(0), [W.PROTECTION_OVER]),
        (-timedelta(days=2), [W.PROTECTION_OVER]),
    ],
)
def test_protection(left: timedelta, expected: list[EligibilityWarning]) -> None:
    d = dispute(protection_end=NOW + left, branch=Branch.NOT_RECEIVED)
    assert eligibility_warnings(d, NOW) == expected


@pytest.mark.parametrize(
    ("confirmed_ago", "expected"),
    [
        (timedelta(days=1), []),
        (timedelta(days=12), []),
        (timedelta(days=12, seconds=1), [W.RECEIPT_WINDOW_CLOSING]),
        (timedelta(days=14, hours=23), [W.RECEIPT_WINDOW_CLOSING]),
        (timedelta(days=15), [W.RECEIPT_WINDOW_CLOSED]),
        (timedelta(days=40), [W.RECEIPT_WINDOW_CLOSED]),
    ],
)
def test_receipt_window(confirmed_ago: timedelta, expected: list[EligibilityWarning]) -> None:
    d = dispute(
        branch=Branch.RECEIVED,
        reason=Reason.DAMAGED,
        receipt_confirmed=True,
        receipt_confirmed_at=NOW - confirmed_ago,
    )
    assert eligibility_warnings(d, NOW) == expected


def test_receipt_window_follows_the_rules_in_force() -> None:
    """The window is the deadline rules' (DISPUTE_RULES can change it), not a second copy."""
    d = dispute(
        branch=Branch.RECEIVED,
        reason=Reason.DAMAGED,
        receipt_confirmed=True,
        receipt_confirmed_at=NOW - timedelta(days=16),
    )
    longer = rules_from_overrides({"receipt_confirmation_window": "20d"})
    assert eligibility_warnings(d, NOW) == [W.RECEIPT_WINDOW_CLOSED]
    assert eligibility_warnings(d, NOW, rules=longer) == []
    d.receipt_confirmed_at = NOW - timedelta(days=18)  # two days left of twenty
    assert eligibility_warnings(d, NOW, rules=longer) == [W.RECEIPT_WINDOW_CLOSING]


def test_receipt_window_needs_a_confirmation() -> None:
    long_ago = NOW - timedelta(days=40)
    unconfirmed = dispute(
        branch=Branch.RECEIVED, receipt_confirmed=False, receipt_confirmed_at=long_ago
    )
    assert eligibility_warnings(unconfirmed, NOW) == []
    # The branch may come from the reason alone (the wizard sets both, edits may not).
    by_reason = dispute(
        reason=Reason.QUALITY, receipt_confirmed=True, receipt_confirmed_at=long_ago
    )
    assert eligibility_warnings(by_reason, NOW) == [W.RECEIPT_WINDOW_CLOSED]


@pytest.mark.parametrize(
    ("shipped_ago", "expected"),
    [
        (timedelta(days=2), [W.SHIPPED_TOO_RECENTLY]),
        (timedelta(days=10) - timedelta(seconds=1), [W.SHIPPED_TOO_RECENTLY]),
        (timedelta(days=10), []),
        (timedelta(days=30), []),
    ],
)
def test_shipped_too_recently(shipped_ago: timedelta, expected: list[EligibilityWarning]) -> None:
    d = dispute(branch=Branch.NOT_RECEIVED, reason=Reason.IN_TRANSIT)
    assert eligibility_warnings(d, NOW, shipped_at=NOW - shipped_ago) == expected


def test_shipped_recently_only_matters_when_not_received() -> None:
    d = dispute(branch=Branch.RECEIVED, reason=Reason.DAMAGED)
    assert eligibility_warnings(d, NOW, shipped_at=NOW - timedelta(days=1)) == []


def test_several_warnings_most_urgent_first() -> None:
    d = dispute(
        branch=Branch.RECEIVED,
        protection_end=NOW - timedelta(days=1),
        receipt_confirmed=True,
        receipt_confirmed_at=NOW - timedelta(days=14),
    )
    assert eligibility_warnings(d, NOW) == [W.PROTECTION_OVER, W.RECEIPT_WINDOW_CLOSING]


def test_opened_dispute_has_no_opening_warnings() -> None:
    d = dispute(
        branch=Branch.NOT_RECEIVED,
        protection_end=NOW - timedelta(days=1),
        opened_at=NOW - timedelta(days=3),
    )
    assert eligibility_warnings(d, NOW, shipped_at=NOW - timedelta(days=1)) == []
