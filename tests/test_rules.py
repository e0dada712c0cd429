"""The rules table: defaults match PRODUCT.md, every rule has a source, overrides parse safely."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.rules import DEFAULT_RULES, SOURCES, Rules, parse_duration, rules_from_overrides


def test_defaults_are_the_product_table() -> None:
    r = DEFAULT_RULES
    assert r.seller_answer == timedelta(days=5)
    assert r.negotiation_before_escalation == timedelta(days=7)
    assert r.evidence_response == timedelta(days=3)
    assert (r.escalated_review_min, r.escalated_review_max) == (
        timedelta(days=15),
        timedelta(days=60),
    )
    # Guides A and B: a refund comes within days, at most about two weeks (5 to 15 days).
    assert r.refund_arrival_max == timedelta(days=15)
    # Guide B: after protection ends, about 15 more days to open a dispute.
    assert r.late_dispute_window == timedelta(days=15)
    assert r.receipt_confirmation_window == timedelta(days=15)
    assert r.return_post_window == timedelta(days=10)
    assert r.refund_followup_after_win == timedelta(days=15)
    assert r.protection_default_days == 60


def test_default_reminder_offsets_are_the_product_list() -> None:
    r = DEFAULT_RULES
    day, hour = timedelta(days=1), timedelta(hours=1)
    assert r.protection_reminders == (7 * day, 3 * day, day)
    assert r.seller_reminders == (day, timedelta(0))
    assert r.escalation_reminders == (day,)
    assert r.evidence_reminders == (48 * hour, 24 * hour, 3 * hour)
    assert r.refund_followup_reminders == (timedelta(0),)


def test_every_rule_names_its_source() -> None:
    names = {f.name for f in fields(Rules)}
    assert set(SOURCES) == names
    labels = ("guide A", "guide B", "ours")  # each described in docs/rules.md
    for name, source in SOURCES.items():
        assert any(label in source for label in labels), name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5d", timedelta(days=5)),
        ("72h", timedelta(hours=72)),
        ("30m", timedelta(minutes=30)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 2D ", timedelta(days=2)),
        ("0", timedelta(0)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5", "d", "5 days", "-5d", "1.5d", "5s", "12h1d"])
def test_parse_duration_rejects_anything_unusual(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@given(st.integers(0, 400), st.integers(0, 23), st.integers(0, 59))
def test_parse_duration_round_trips(days: int, hours: int, minutes: int) -> None:
    text = f"{days}d{hours}h{minutes}m"
    assert parse_duration(text) == timedelta(days=days, hours=hours, minutes=minutes)


def test_overrides_change_only_the_named_rules() -> None:
    r = rules_from_overrides(
        {
            "seller_answer": "5d",
            "negotiation_before_escalation": "15d",
            "evidence_response": "72h",
            "protection_default_days": "90",
            "return_reminders": "5d, 2d,1d",
        }
    )
    assert r.negotiation_before_escalation == timedelta(days=15)
    assert r.evidence_response == timedelta(days=3)
    assert r.protection_default_days == 90
    assert r.return_reminders == (timedelta(days=5), timedelta(days=2), timedelta(days=1))
    assert r.seller_answer == DEFAULT_RULES.seller_answer
    assert r.receipt_confirmation_window == DEFAULT_RULES.receipt_confirmation_window


def test_no_overrides_is_the_default() -> None:
    assert rules_from_overrides({}) == DEFAULT_RULES


def test_unknown_key_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="'seller_anwser'"):
        rules_from_overrides({"seller_anwser": "5d"})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("seller_answer", "five days"),
        ("seller_answer", "0"),  # a zero-length window would fire every reminder at once
        ("protection_default_days", "sixty"),
        ("protection_reminders", "7d,7d"),
        ("evidence_reminders", ""),
        ("escalated_review_min", "90d"),  # above the 60-day max
    ],
)
def test_bad_values_are_errors_naming_the_key(key: str, value: str) -> None:
    with pytest.raises(ValueError, match=key):
        rules_from_overrides({key: value})


def test_rules_validate_even_when_built_by_hand() -> None:
    with pytest.raises(ValueError, match="seller_answer"):
        Rules(seller_answer=timedelta(0))
    with pytest.raises(ValueError, match="negative"):
        Rules(evidence_reminders=(timedelta(hours=-1),))
