"""Properties: reading never fails and stays fast on any text; the English drafts are always
ASCII and within their bounds."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.models import Branch, Dispute, Money, Reason, RefundOption, Stage
from bot.domain.negotiation import (
    REPLY_MAX_CHARS,
    STATEMENT_MAX_CHARS,
    FairSignal,
    Finding,
    Reading,
    Trick,
    check_offer,
    counter_offer,
    read_message,
    reply_to_seller,
    statement_for_aliexpress,
    terms,
)
from bot.domain.negotiation.lexicon import LEXICON
from bot.domain.negotiation.vocabulary import VERDICT

# Generous for a shared, loaded 2-core machine: a 20,000-character adversarial message takes
# about 0.15 s on a quiet one (catastrophic backtracking would take minutes).
SECONDS_PER_MESSAGE = 3.0

# Words the rules look for, so random text reaches deep into the rule code, not just misses.
_VOCABULARY = sorted(
    {
        form.removeprefix("=").rstrip("*").split("+")[0]
        for forms in LEXICON.values()
        for form in forms
    }
)
_NOISE = ["", " ", ",", ".", "!", "?", "\n", "не", "no", "if", "если", "5", "0", "30", "%", "$"]
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)  # lone, unpaired
any_char = st.one_of(st.characters(), surrogates)  # st.characters() leaves surrogates out
controls = st.characters(categories=["Cc", "Cf", "Zl", "Zp"])
words = st.lists(st.sampled_from(_VOCABULARY + _NOISE), max_size=80).map(" ".join)
texts = st.one_of(
    st.text(any_char, max_size=300),
    st.text(st.one_of(surrogates, controls, st.sampled_from("аоPpyеx 0.")), max_size=300),
    words,
    st.tuples(words, st.text(any_char, max_size=50)).map("".join),
)


def _timed_read(text: str) -> Reading:
    start = time.perf_counter()
    reading = read_message(text)
    assert time.perf_counter() - start < SECONDS_PER_MESSAGE
    return reading


@settings(max_examples=300)
@given(texts)
def test_reading_never_fails_on_any_text(text: str) -> None:
    reading = _timed_read(text)
    assert len(set(reading.tricks)) == len(reading.tricks)
    collapsed = " ".join(text.split())
    for finding in reading.findings:
        assert finding.verdict is VERDICT[finding.trick]
        assert finding.quote.removesuffix("...") in collapsed


@settings(max_examples=15)
@given(
    piece=st.one_of(words, st.text(any_char, min_size=1, max_size=40)),
    repeat=st.integers(min_value=200, max_value=3000),
)
def test_huge_input_is_bounded_in_time(piece: str, repeat: int) -> None:
    _timed_read((piece + " ") * repeat)


@settings(max_examples=5)
@given(st.sampled_from(["a ", "не ", "cancel ", "p a y ", "1.", "аa", "\ud800", "x" * 30 + " "]))
def test_pathological_repetitions(unit: str) -> None:
    _timed_read(unit * 40_000)


# --- drafts -----------------------------------------------------------------------------------
CURRENCIES = ["USD", "EUR", "RUB", "JPY", "KZT", "UAH", "BHD", "GBP", "CNY"]


@st.composite
def requests(draw: st.DrawFn) -> tuple[Money, RefundOption, Money | None]:
    currency = draw(st.sampled_from(CURRENCIES))
    paid = Money(draw(st.integers(min_value=1, max_value=10**11)), currency)
    option = draw(st.sampled_from(list(RefundOption)))
    amount = Money(draw(st.integers(min_value=1, max_value=paid.minor)), currency)
    return paid, option, amount if option.is_partial else None


@st.composite
def readings(draw: st.DrawFn) -> Reading:
    found = draw(st.lists(st.sampled_from(list(Trick)), unique=True))
    signals = draw(st.lists(st.sampled_from(list(FairSignal)), unique=True))
    return Reading(tuple(Finding(t, VERDICT[t], "") for t in found), tuple(signals))


@given(readings(), requests(), st.booleans())
def test_replies_are_ascii_and_bounded(reading: Reading, request, with_asked: bool) -> None:  # type: ignore[no-untyped-def]
    paid, option, amount = request
    asked = terms(option, paid, amount) if with_asked else None
    reply = reply_to_seller(reading, asked=asked)
    assert reply.isascii() and len(reply) <= REPLY_MAX_CHARS
    assert reply.startswith("Hello") and reply.endswith("Best regards.")


@given(requests(), st.sampled_from(list(RefundOption)), st.integers(min_value=0, max_value=10**11))
def test_counter_offers_are_ascii_and_bounded(request, offered_option, offered_minor) -> None:  # type: ignore[no-untyped-def]
    paid, option, amount = request
    offered = Money(min(offered_minor, paid.minor), paid.currency)
    result = check_offer(paid, terms(option, paid, amount), terms(offered_option, paid, offered))
    text = counter_offer(result)
    assert (text is None) == (result.counter is None)
    if text is not None:
        assert text.isascii() and len(text) <= REPLY_MAX_CHARS


titles = st.one_of(st.none(), st.text(max_size=120), st.sampled_from(["Леггинсы, 3 шт", "耳机"]))
descriptions = st.one_of(st.none(), st.text(max_size=600), words)


@settings(max_examples=150)
@given(
    request=requests(),
    reason=st.sampled_from(list(Reason)),
    stage=st.sampled_from([Stage.ESCALATED, Stage.EVIDENCE_REQUESTED, Stage.SELLER_COUNTERED]),
    title=titles,
    description=descriptions,
    evidence=st.integers(min_value=0, max_value=500),
    offered_minor=st.integers(min_value=0, max_value=10**11),
    moves=st.lists(st.sampled_from(list(Trick)), max_size=12),
)
def test_statements_are_ascii_and_bounded(  # type: ignore[no-untyped-def]
    request, reason, stage, title, description, evidence, offered_minor, moves
) -> None:
    paid, option, amount = request
    d = Dispute(
        user_id=1,
        order_id="8123456789012345",
        stage=stage,
        item_title=title,
        amount_paid=paid,
        branch=reason.branch,
        reason=reason,
        refund_option=option if reason.branch is Branch.RECEIVED else RefundOption.KEEP_FULL,
        refund_amount=amount,
        description=description,
    )
    asked = terms(d.refund_option or option, paid, amount)
    offer = check_offer(
        paid, asked, terms(option, paid, Money(min(offered_minor, paid.minor), paid.currency))
    )
    text = statement_for_aliexpress(d, evidence_count=evidence, offer=offer, tricks=moves)
    assert text.isascii() and len(text) <= STATEMENT_MAX_CHARS
    assert "Order 8123456789012345." in text
    assert text.endswith("I ask you to decide the dispute as requested above.")
