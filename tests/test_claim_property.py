"""Properties of the claim over random disputes, facts and evidence.

The English text is ASCII, within the limit, always holds the order, the reason and the request,
and never states a fact the buyer did not give: every sentence names its sources, each source is
something the buyer gave (a dispute field, a fact of the case's reason, an evidence count), each
sentence is a catalog template filled with values, and each value is the rendering of one of
that sentence's own sources. The Russian rendering says the same sentences.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.extract import extract_from_file
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.claim import CLAIM_MAX_CHARS, Claim, compose_claim, plain_money
from bot.domain.claim_writer import Sentence
from bot.domain.facts import FactField, Facts, as_english, fields_for
from bot.domain.models import (
    Branch,
    Dispute,
    EvidenceSummary,
    Money,
    Reason,
    RefundOption,
    refund_options_for,
)
from bot.i18n import Translator, translations
from tests.claim_cases import CHOICE_SENTENCES, CHOICE_TEMPLATES
from tests.facts_strategies import facts_values

ROOT = Path(__file__).resolve().parent.parent
CLAIM_SOURCES = [ROOT / "bot" / "domain" / name for name in ("claim.py", "claim_facts.py")]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _templates() -> set[str]:
    found: set[str] = set()
    for path in CLAIM_SOURCES:
        for _, message, _, _ in extract_from_file("python", str(path)):
            found.update([message] if isinstance(message, str) else message)
    return found


TEMPLATES = _templates()

# --- strategies -----------------------------------------------------------------------------

_ENGLISH = st.lists(
    st.sampled_from(["The", "seams", "came", "apart.", "Very", "poor", "quality,", "it", "broke!"]),
    min_size=1,
    max_size=200,
).map(" ".join)
_RUSSIAN = st.sampled_from(["Швы разошлись, дырки на швах", "Женские леггинсы", "Часы"])
_ANY = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=300)
_FREE_TEXT = st.none() | _ENGLISH | _RUSSIAN | _ANY
_MOMENTS = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
)


@st.composite
def disputes(draw: st.DrawFn) -> Dispute:
    reason = draw(st.none() | st.sampled_from(list(Reason)))
    branch = reason.branch if reason is not None else draw(st.sampled_from(list(Branch)))
    option = draw(st.none() | st.sampled_from(refund_options_for(branch)))
    currency = draw(st.sampled_from(["USD", "RUB", "EUR", "CNY", "JPY", "KZT", "BYN"]))
    paid = draw(st.integers(min_value=2, max_value=10**11))
    partial = option is not None and option.is_partial and draw(st.booleans())
    return Dispute(
        user_id=1,
        order_id=draw(st.text("0123456789", min_size=12, max_size=20)),
        item_title=draw(_FREE_TEXT),
        amount_paid=draw(st.none() | st.just(Money(paid, currency))),
        branch=draw(st.none() | st.just(branch)) if reason is not None else branch,
        reason=reason,
        receipt_confirmed=draw(st.none() | st.booleans()),
        receipt_confirmed_at=draw(st.none() | _MOMENTS),
        refund_option=option,
        refund_amount=Money(draw(st.integers(1, paid - 1)), currency) if partial else None,
        description=draw(_FREE_TEXT),
    )


evidence_summaries = st.builds(
    EvidenceSummary,
    photos=st.integers(0, 30),
    videos=st.integers(0, 30),
    screenshots=st.integers(0, 30),
    files=st.integers(0, 30),
)
zones = st.sampled_from([ZoneInfo("Europe/Moscow"), ZoneInfo("America/Los_Angeles"), UTC])


# --- what the buyer gave, and how each thing may be written ---------------------------------


def english_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def given_sources(d: Dispute, facts: Facts, evidence: EvidenceSummary) -> set[str]:
    given = {name for name in Dispute.__slots__ if getattr(d, name) not in (None, False, "")}
    if d.reason is not None:
        own = fields_for(d.reason)
        given |= {f"facts.{f.attr}" for f in facts.given() if f in own}
    counts = {"photos": evidence.photos, "videos": evidence.videos}
    counts |= {"screenshots": evidence.screenshots, "files": evidence.files}
    return given | {f"evidence.{kind}" for kind, n in counts.items() if n > 0}


def renderings(source: str, d: Dispute, facts: Facts, tz: object) -> Iterator[str]:
    """Every way the claim may write `source`'s value in English."""
    if source.startswith("facts."):
        value = getattr(facts, source.removeprefix("facts."))
        if isinstance(value, date):
            yield english_date(value)
        elif isinstance(value, int):
            yield str(value)
        elif isinstance(value, str):
            english = as_english(value, min_words=1 if source == "facts.english_title" else 0)
            if english is not None:
                yield english
        return
    value = getattr(d, source, None)
    if isinstance(value, Money):
        yield plain_money(value)
    elif isinstance(value, datetime):
        yield english_date(value.astimezone(tz).date())  # type: ignore[arg-type]
    elif source == "item_title":
        english = as_english(d.item_title, min_words=1)
        if english is not None:
            yield english
    elif source == "order_id":
        yield d.order_id


def attached_items(evidence: EvidenceSummary) -> str:
    pieces = []
    for n, one, many in (
        (evidence.photos, "photo", "photos"),
        (evidence.videos, "video", "videos"),
        (evidence.screenshots, "screenshot", "screenshots"),
        (evidence.files, "file", "files"),
    ):
        if n:
            pieces.append(f"{n} {one if n == 1 else many}")
    return ", ".join(pieces)


def check_traceable(s: Sentence, d: Dispute, facts: Facts, tz: object, ev: EvidenceSummary) -> None:
    assert s.template in TEMPLATES, s
    assert s.template % dict(s.values) == s.text, s
    for name, value in s.values:
        if name == "items":
            assert value == attached_items(ev), s
        elif name == "details":
            english = as_english(d.description, min_words=2)
            assert english is not None and (english + ".").startswith(value), s
        else:
            allowed = {r for source in s.sources for r in renderings(source, d, facts, tz)}
            if name == "item":  # a long title is cut at a word
                assert any(r.startswith(value) for r in allowed), s
            else:
                assert value in allowed, s
    for field in CHOICE_SENTENCES.get(s.key, ()):
        if f"facts.{field.attr}" in s.sources:
            assert s.template == CHOICE_TEMPLATES[field][facts.get(field)], s


# --- the properties -------------------------------------------------------------------------


def english_claim(d: Dispute, facts: Facts, ev: EvidenceSummary, tz: object) -> Claim:
    return compose_claim(d, facts, ev, tz=tz)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(d=disputes(), facts=facts_values(), evidence=evidence_summaries, tz=zones)
def test_english_claim_states_only_what_was_given(
    d: Dispute, facts: Facts, evidence: EvidenceSummary, tz: object
) -> None:
    claim = english_claim(d, facts, evidence, tz)
    text = claim.text
    assert text.isascii()
    assert len(text) <= CLAIM_MAX_CHARS
    keys = [s.key for s in claim.sentences]
    assert keys[0] == "order" and "request" in keys
    assert ("reason" in keys) == (d.reason is not None)
    assert len(keys) == len(set(keys))
    given = given_sources(d, facts, evidence)
    for sentence in claim.sentences:
        assert sentence.sources <= given, (sentence, given)
        check_traceable(sentence, d, facts, tz, evidence)


@settings(max_examples=100, deadline=None)
@given(d=disputes(), facts=facts_values(), evidence=evidence_summaries)
def test_russian_says_the_same_sentences(
    d: Dispute, facts: Facts, evidence: EvidenceSummary
) -> None:
    english = compose_claim(d, facts, evidence)
    russian = compose_claim(
        d, facts, evidence, translations("ru"), locale="ru", money=Translator("ru").money
    )
    assert [s.key for s in russian.sentences] == [s.key for s in english.sentences]
    assert [s.sources for s in russian.sentences] == [s.sources for s in english.sentences]
    assert russian.untranslated == english.untranslated
    assert russian.dropped == english.dropped


@settings(max_examples=100, deadline=None)
@given(facts=facts_values(), d=disputes())
def test_the_request_survives_the_longest_case(facts: Facts, d: Dispute) -> None:
    """Everything at its longest: the claim still fits and still asks for the refund."""
    d.order_id = "9" * 20
    d.description = " ".join(["The seams came apart and the fabric tore."] * 25)
    d.item_title = "Long English title " * 20
    d.receipt_confirmed = True
    d.receipt_confirmed_at = datetime(2026, 11, 1, tzinfo=UTC)
    long_facts = Facts.of({f: facts.get(f) for f in FactField})
    for field in (FactField.LISTED, FactField.ARRIVED, FactField.TRACKING_STATUS):
        long_facts = long_facts.replace(field, "x" * 100)
    claim = compose_claim(d, long_facts, EvidenceSummary(99, 99, 99, 99))
    assert len(claim.text) <= CLAIM_MAX_CHARS
    assert claim.sentences[-1].key in ("request", "attached")
    assert any(s.key == "request" for s in claim.sentences)
    if d.refund_option is RefundOption.KEEP_PARTIAL and d.refund_amount is not None:
        assert f"partial refund of {plain_money(d.refund_amount)}" in claim.text
