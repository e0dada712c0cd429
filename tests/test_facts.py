"""The facts of a case: the value, its JSON, and the question table the wizard walks."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given

from bot.domain.facts import (
    COUNT_MAX,
    QUESTIONS,
    AnswerKind,
    FactField,
    Facts,
    FactsError,
    Failure,
    Mismatch,
    Packaging,
    SellerReply,
    YesNo,
    field_spec,
    fields_for,
    first_question,
    next_question,
    question_for,
    questions_for,
    with_answer,
)
from bot.domain.models import NOT_RECEIVED_REASONS, Reason
from tests.facts_strategies import facts_values

F = FactField
SELLER_AND_TITLE = [F.SELLER_CONTACTED, F.SELLER_CONTACTED_ON, F.SELLER_REPLY, F.ENGLISH_TITLE]


# --- the value and its JSON -----------------------------------------------------------------


@given(facts=facts_values())
def test_json_round_trips_exactly(facts: Facts) -> None:
    text = facts.to_json()
    assert Facts.from_json(text) == facts
    assert Facts.from_json(text).to_json() == text


def test_json_is_compact_keyed_by_stable_codes() -> None:
    facts = Facts(
        failure=Failure.STITCHING,
        seller_contacted=YesNo.YES,
        seller_contacted_on=date(2026, 11, 20),
        listed="100% хлопок",
        ordered_count=3,
    )
    assert facts.to_json() == (
        '{"fail":"stitch","lst":"100% хлопок","nord":3,"sel":"yes","seld":"2026-11-20"}'
    )
    assert Facts().to_json() == "{}"
    assert Facts.from_json("{}") == Facts()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '"fail"',
        "null",
        '{"fail": "burnt"}',  # not one of the choices
        '{"fail": "size"}',  # another question's choice
        '{"nosuch": 1}',
        '{"nord": true}',
        '{"nord": 3.0}',
        '{"nord": "3"}',
        '{"nord": 0}',
        f'{{"nord": {COUNT_MAX + 1}}}',
        '{"nord": 3, "nrcv": 3}',  # as many came as were ordered
        '{"nord": 2, "nrcv": 5}',
        '{"seld": "20.11.2026"}',
        '{"seld": "2026-11-20T10:00:00"}',
        '{"seld": "20261120"}',
        '{"seld": "2026-02-30"}',
        '{"seld": 20261120}',
        '{"lst": ""}',
        '{"lst": "  cotton"}',
        '{"lst": "two\\nlines"}',
        '{"lst": 5}',
        '{"lst": "' + "x" * 101 + '"}',
        '{"trk": "lp00123456789"}',  # tracking numbers are stored upper-case
        '{"trk": "LP 00123456789"}',
        '{"trk": "LP1"}',
        '{"fail": "stitch", "fail": "stops"}',
        "[" * 100_000,
    ],
)
def test_from_json_refuses_garbage(text: str) -> None:
    with pytest.raises(FactsError):
        Facts.from_json(text)


@pytest.mark.parametrize(
    "fields",
    [
        {"ordered_count": 0},
        {"ordered_count": True},
        {"ordered_count": 3, "received_count": 4},
        {"failure": "stitch"},  # the string, not the enum
        {"failure": Mismatch.OTHER},  # equal to Failure.OTHER as a string, still the wrong enum
        {"tracking_date": "2026-11-12"},
        {"english_title": " Leggings"},
    ],
)
def test_construction_checks_every_field(fields: dict[str, object]) -> None:
    with pytest.raises(FactsError):
        Facts(**fields)  # type: ignore[arg-type]


def test_given_and_replace() -> None:
    facts = Facts(brand="Xiaomi").replace(F.PACKAGING, Packaging.TORN)
    assert facts.given() == {F.BRAND, F.PACKAGING}
    assert facts.replace(F.BRAND, None).given() == {F.PACKAGING}
    with pytest.raises(FactsError):
        facts.replace(F.ORDERED_COUNT, -1)


# --- the question table ---------------------------------------------------------------------


EXPECTED_OWN_QUESTIONS: dict[Reason, list[FactField]] = {
    **{
        reason: [F.TRACKING_NUMBER, F.TRACKING_STATUS, F.TRACKING_DATE, F.PROMISED_BY]
        for reason in NOT_RECEIVED_REASONS
    },
    Reason.NOT_AS_DESCRIBED: [F.MISMATCH, F.LISTED, F.ARRIVED],
    Reason.QUALITY: [F.FAILURE],
    Reason.DAMAGED: [F.DAMAGED_PART, F.PACKAGING],
    Reason.MISSING_PARTS: [F.ORDERED_COUNT, F.RECEIVED_COUNT, F.MISSING_WHAT],
    Reason.WRONG_ITEM: [F.ORDERED_ITEM, F.RECEIVED_ITEM],
    Reason.EMPTY_PARCEL: [F.PACKAGING],
    Reason.COUNTERFEIT: [F.BRAND],
    Reason.CHEAPER_SHIPPING: [F.PAID_SHIPPING, F.USED_SHIPPING],
    Reason.OTHER_RECEIVED: [],
}


@pytest.mark.parametrize("reason", list(Reason))
def test_each_reason_asks_its_own_facts_then_the_seller_then_the_title(reason: Reason) -> None:
    asked = [q.field for q in questions_for(reason)]
    assert asked == EXPECTED_OWN_QUESTIONS[reason] + SELLER_AND_TITLE
    assert fields_for(reason) == frozenset(asked)
    assert all(q.skippable for q in questions_for(reason))


def test_every_reason_has_questions() -> None:
    assert set(QUESTIONS) == set(Reason)


@pytest.mark.parametrize(
    ("field", "kind", "choices"),
    [
        (F.MISMATCH, AnswerKind.CHOICE, ["size", "colour", "material", "function", "qty", "other"]),
        (F.FAILURE, AnswerKind.CHOICE, ["nopower", "stops", "broken", "stitch", "other"]),
        (F.PACKAGING, AnswerKind.CHOICE, ["intact", "crushed", "torn", "wet", "bare"]),
        (F.SELLER_CONTACTED, AnswerKind.CHOICE, ["yes", "no"]),
        (
            F.SELLER_REPLY,
            AnswerKind.CHOICE,
            ["none", "refused", "coupon", "wait", "little", "unres"],
        ),
        (F.ORDERED_COUNT, AnswerKind.NUMBER, []),
        (F.RECEIVED_COUNT, AnswerKind.NUMBER, []),
        (F.TRACKING_DATE, AnswerKind.DATE, []),
        (F.PROMISED_BY, AnswerKind.DATE, []),
        (F.SELLER_CONTACTED_ON, AnswerKind.DATE, []),
        (F.LISTED, AnswerKind.TEXT, []),
        (F.TRACKING_NUMBER, AnswerKind.TEXT, []),
        (F.ENGLISH_TITLE, AnswerKind.TEXT, []),
    ],
)
def test_kinds_and_choices(field: FactField, kind: AnswerKind, choices: list[str]) -> None:
    assert field_spec(field).kind is kind
    assert [c.value for c in field_spec(field).choices] == choices


def test_every_button_fits_in_callback_data() -> None:
    """A button carries the dispute id, the field and the choice: within Telegram's 64 bytes."""
    for reason in Reason:
        for q in questions_for(reason):
            for choice in q.choices or [None]:
                data = f"fact:{2**63 - 1}:{q.field.value}:{choice.value if choice else 'skip'}"
                assert len(data.encode()) <= 64, data


def test_the_seller_questions_follow_the_answer_yes() -> None:
    reason = Reason.QUALITY
    facts = Facts(failure=Failure.BROKEN_PART)
    after_contact = next_question(reason, facts, F.SELLER_CONTACTED)
    assert after_contact is not None and after_contact.field is F.ENGLISH_TITLE  # skipped
    facts = with_answer(facts, F.SELLER_CONTACTED, YesNo.NO)
    assert next_question(reason, facts, F.SELLER_CONTACTED) == question_for(reason, F.ENGLISH_TITLE)
    facts = with_answer(facts, F.SELLER_CONTACTED, YesNo.YES)
    step = next_question(reason, facts, F.SELLER_CONTACTED)
    assert step is not None and step.field is F.SELLER_CONTACTED_ON
    step = next_question(reason, facts, F.SELLER_CONTACTED_ON)
    assert step is not None and step.field is F.SELLER_REPLY
    step = next_question(reason, facts, F.SELLER_REPLY)
    assert step is not None and step.field is F.ENGLISH_TITLE
    assert next_question(reason, facts, F.ENGLISH_TITLE) is None


def test_the_status_date_is_asked_only_after_a_status() -> None:
    reason = Reason.NO_TRACKING
    assert first_question(reason, Facts()) == question_for(reason, F.TRACKING_NUMBER)
    step = next_question(reason, Facts(), F.TRACKING_STATUS)
    assert step is not None and step.field is F.PROMISED_BY
    with_status = Facts(tracking_status="In transit")
    step = next_question(reason, with_status, F.TRACKING_STATUS)
    assert step is not None and step.field is F.TRACKING_DATE


def test_a_field_of_another_reason_starts_over() -> None:
    assert next_question(Reason.QUALITY, Facts(), F.TRACKING_NUMBER) == question_for(
        Reason.QUALITY, F.FAILURE
    )
    assert question_for(Reason.QUALITY, F.TRACKING_NUMBER) is None


def test_taking_back_the_contact_clears_its_date_and_reply() -> None:
    facts = Facts(
        seller_contacted=YesNo.YES,
        seller_contacted_on=date(2026, 11, 20),
        seller_reply=SellerReply.NONE,
    )
    assert with_answer(facts, F.SELLER_CONTACTED, YesNo.NO) == Facts(seller_contacted=YesNo.NO)
    assert with_answer(facts, F.SELLER_CONTACTED, None) == Facts()
    status = Facts(tracking_status="In transit", tracking_date=date(2026, 11, 12))
    assert with_answer(status, F.TRACKING_STATUS, None) == Facts()


def test_counts_that_no_longer_fit_clear_the_other() -> None:
    facts = Facts(ordered_count=5, received_count=3)
    assert with_answer(facts, F.ORDERED_COUNT, 3) == Facts(ordered_count=3)
    assert with_answer(facts, F.RECEIVED_COUNT, 5) == Facts(received_count=5)
    assert with_answer(facts, F.RECEIVED_COUNT, 4) == Facts(ordered_count=5, received_count=4)
