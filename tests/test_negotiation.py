"""Reading a seller's message: normalisation, word matching, negation and guards, findings.

The corpus (test_negotiation_corpus.py) measures how well; these pin down how it works, one
mechanism at a time, with messages written for the mechanism.
"""

from __future__ import annotations

import json

import pytest

from bot.domain.models import Money, RefundOption
from bot.domain.negotiation import (
    MAX_CHARS,
    QUOTE_MAX_CHARS,
    VERDICT,
    FairSignal,
    Trick,
    Verdict,
    check_offer,
    read_message,
    terms,
)
from bot.domain.negotiation.lexicon import LEXICON, NOT_TYPOS, Concept
from bot.domain.negotiation.matcher import concepts_of, loose
from bot.domain.negotiation.text import normalize, tokenize

T = Trick


def tricks(text: str) -> set[Trick]:
    return set(read_message(text).tricks)


# --- normalisation ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("РayРal", "paypal"),  # Cyrillic Р inside an English word
        ("Пoдтвердите пoлучение", "подтвердите получение"),  # Latin o inside Russian words
        ("Вернём нa кapту", "вернем на карту"),  # "нa" is a tie: the message is Cyrillic
        ("pay\u00adpal pay\u200bpal", "paypal paypal"),  # soft hyphen, zero-width space
        ("ＰａｙＰａｌ", "paypal"),  # full-width letters
        ("Ёлка, ещё", "елка, еще"),  # ё is е
        ("Закройте", "закройте"),  # й is kept
        ("pleeeease", "please"),
        ("c0upon", "coupon"),
        ("p a y p a l, P.a.y.P.a.l", "paypal, paypal"),
        ("я и в с", "я и в с"),  # Russian one-letter words are not joined
        ("a\x00b\x07c", "a b c"),
    ],
)
def test_normalize(raw: str, normalized: str) -> None:
    assert normalize(raw).text == normalized


def test_normalized_characters_point_back_to_the_original() -> None:
    raw = "Пожалуйста, ОТМЕ\u200bНИТЕ спор, pleeease! P a y P a l"
    n = normalize(raw)
    assert len(n.origin) == len(n.text)
    spans = [raw[t.start : t.end] for t in tokenize(n)]
    assert spans == [
        "Пожалуйста",
        ",",
        "ОТМЕ\u200bНИТЕ",
        "спор",
        ",",
        "pleeease",
        "!",
        "P a y P a l",
    ]
    for token in tokenize(n):
        assert normalize(raw[token.start : token.end]).text == token.text


def test_lone_surrogates_and_controls_are_dropped() -> None:
    n = normalize("ok\ud800\udfff\x1b[31m")
    assert "\ud800" not in n.text and "\x1b" not in n.text
    n.text.encode("utf-8")  # no lone surrogate left to fail encoding


def test_input_is_capped() -> None:
    n = normalize("a" * (MAX_CHARS + 10))
    assert n.truncated and len(n.origin) <= MAX_CHARS


# --- words to concepts ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "concept", "expected"),
    [
        ("отмените", Concept.CLOSE, True),
        ("атмените", Concept.CLOSE, True),  # unstressed о/а
        ("отменить", Concept.CLOSE, True),
        ("отменен", Concept.CLOSE, False),  # done by someone else, not asked of the buyer
        ("закроет", Concept.CLOSE, False),  # "AliExpress закроет спор"
        ("закрытия", Concept.CLOSE, False),
        ("подвердите", Concept.CONFIRM, True),  # a letter missing
        ("палучение", Concept.RECEIPT, True),
        ("спора", Concept.DISPUTE, True),
        ("спорт", Concept.DISPUTE, False),
        ("disput", Concept.DISPUTE, True),
        ("cancle", Concept.CLOSE, True),
        ("confrim", Concept.CONFIRM, True),
        ("paypel", Concept.CHANNEL, True),  # one typo
        ("вернем", Concept.PAY_1P, True),
        ("вернутся", Concept.PAY, False),  # "the money will come back" is no one's promise
    ],
)
def test_concepts_of(word: str, concept: Concept, expected: bool) -> None:
    assert (concept in concepts_of(word)) is expected


@pytest.mark.parametrize("word", sorted(NOT_TYPOS))
def test_real_words_are_not_read_as_typos(word: str) -> None:
    assert not concepts_of(word)


def test_every_concept_in_the_table_is_reachable() -> None:
    """Each form in the lexicon matches its own spelling (the notation parses as meant)."""
    for concept, forms in LEXICON.items():
        for form in forms:
            word = form.removeprefix("=").rstrip("*").split("+")[0]
            if "+" in form:
                word += form.split("+", 1)[1].split("|")[0]
            assert concept in concepts_of(normalize(word).text), (concept, form)


def test_loose_fold_is_per_character() -> None:
    """Folding a stem and an ending separately equals folding the whole word."""
    for stem, ending in [("получени", "е"), ("закро", "йте"), ("спор", "ом")]:
        assert loose(stem) + loose(ending) == loose(stem + ending)


# --- negation, conditions, guards -------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No need to cancel the dispute, we accept it.", set()),
        ("Не нужно отменять спор, мы его примем.", set()),
        (
            "If you don't cancel the dispute we will report your account.",
            {T.CLOSE_FOR_PROMISE, T.PRESSURE},
        ),
        ("Если вы не закроете спор, ваш аккаунт заблокируют.", {T.CLOSE_FOR_PROMISE, T.PRESSURE}),
        ("Не могли бы вы закрыть спор?", {T.CLOSE_FOR_PROMISE}),  # a polite request
        ("Не забудьте подтвердить получение заказа.", {T.CONFIRM_RECEIPT}),
        ("Please do not confirm receipt until the parcel arrives.", set()),
        ("AliExpress will close the dispute in our favour.", {T.PRESSURE}),
        ("Please wait for the system to process your refund.", set()),
        ("Thank you for your patience.", set()),
        ("Please confirm receipt when you get it.", set()),
        ("The parcel will be delivered tomorrow, the tracking is updated.", set()),
        ("We will follow the AliExpress policy and be polite.", set()),
        ("We need a police report about the lost parcel.", {T.IMPOSSIBLE_EVIDENCE}),
        ("We will report you to the police.", {T.PRESSURE}),
        ("Return shipping is free, you can keep the item, no need to return it.", set()),
    ],
)
def test_meaning_in_context(text: str, expected: set[Trick]) -> None:
    assert tricks(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We regret the inconvenience caused.",
        "AliExpress will inform you when the refund is processed.",
        "Your order is complete, thank you.",
        "Could you confirm your order number?",
        "Our staff will check the photos today.",
        "It may take more time for the refund to arrive.",
        "We will fix the problem with the next batch, sorry.",
        "We take our service very seriously.",
        "You don't need to open a new dispute, we accepted this one.",
        "If the tracking shows delivered but you did not get it, tell us.",
        "Once the tracking shows delivered, please check your mailbox.",
        "Thank you for shopping with us, we follow the AliExpress policy.",
        "We are not scammers, we will refund you in the dispute.",
    ],
)
def test_common_fair_phrasings_stay_fair(text: str) -> None:
    """Words that also appear in tricks, in the sentences fair sellers use them in."""
    assert tricks(text) == set()


@pytest.mark.parametrize(
    ("text", "trick"),
    [
        ("You will regret this.", T.PRESSURE),
        ("Вы пожалеете.", T.PRESSURE),
        ("Take it to a service center, we pay for the repair.", T.REPAIR),
        ("Отнесите в сервис, мы оплатим.", T.REPAIR),
        ("You can fix it yourself easily.", T.REPAIR),
        ("Please confirm the order.", T.CONFIRM_RECEIPT),
        ("Please complete the order first.", T.CONFIRM_RECEIPT),
        ("pls confirm receiving the goods", T.CONFIRM_RECEIPT),
    ],
)
def test_the_same_words_as_tricks(text: str, trick: Trick) -> None:
    assert trick in tricks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Since you paid with PayPal, the refund goes back to your PayPal through AliExpress.",
        "Вы оплачивали через PayPal, деньги вернутся на ваш PayPal автоматически.",
        "The money will return to the same card you paid with.",
        "Оплату вы делали картой, деньги вернутся на ту же карту.",
    ],
)
def test_paypal_as_how_the_buyer_paid_is_fair(text: str) -> None:
    assert T.OUTSIDE_PAYMENT not in tricks(text)


@pytest.mark.parametrize(
    "text",
    [
        "We can refund you by PayPal, it is faster than through AliExpress.",
        "Можем вернуть деньги на карту, так быстрее, чем через Алиэкспресс.",
        "Give me your PayPal email and I refund you today.",
        "paypal?",
        "send p a y p a l mail",
    ],
)
def test_payment_outside_aliexpress(text: str) -> None:
    assert T.OUTSIDE_PAYMENT in tricks(text)


def test_mixed_languages_and_look_alikes() -> None:
    assert tricks("Hello друг, please отмените dispute") == {T.CLOSE_FOR_PROMISE}
    assert tricks("Пoдтвердите пoлучение, пожалуйста") == {T.CONFIRM_RECEIPT}
    assert tricks("We refund via РayРal directly") == {T.OUTSIDE_PAYMENT}


# --- findings ---------------------------------------------------------------------------------
def test_findings_quote_the_sellers_words_costliest_first() -> None:
    text = "Dear, we changed the solution. Also please cancel the   dispute!"
    reading = read_message(text)
    assert reading.tricks == (T.CLOSE_FOR_PROMISE, T.TERMS_CHANGED)
    assert [f.verdict for f in reading.findings] == [Verdict.DO_NOT, Verdict.COUNTER]
    assert reading.findings[0].quote == "cancel the dispute"
    assert reading.findings[1].quote == "changed the solution"
    assert reading.verdict is Verdict.DO_NOT and not reading.is_fair


def test_long_quotes_are_cut() -> None:
    filler = " ".join(["word"] * 60)
    text = f"The dispute, {filler}, please close it."
    for finding in read_message(text).findings:
        assert len(finding.quote) <= QUOTE_MAX_CHARS + 3


def test_each_trick_has_its_verdict() -> None:
    assert set(VERDICT) == set(Trick)
    reading = read_message("Please give us 5 star feedback and we refund 2 USD.")
    assert reading.findings[0].verdict is VERDICT[T.REVIEW_FOR_REFUND]


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("We agreed to refund you the full amount in the dispute.", FairSignal.REFUND_AGREED),
        ("Мы согласны на возврат денег.", FairSignal.REFUND_AGREED),
        ("Could you send us a photo of the damage?", FairSignal.EVIDENCE_REQUEST),
        ("Пришлите, пожалуйста, видео проблемы.", FairSignal.EVIDENCE_REQUEST),
        ("Sorry for the inconvenience.", FairSignal.APOLOGY),
    ],
)
def test_fair_signals(text: str, signal: FairSignal) -> None:
    reading = read_message(text)
    assert reading.is_fair and reading.verdict is Verdict.FINE
    assert signal in reading.fair_signals


def test_terms_come_from_the_offer_when_it_is_known() -> None:
    paid = Money(1173, "USD")
    asked = terms(RefundOption.KEEP_FULL, paid)
    lowered = check_offer(paid, asked, terms(RefundOption.KEEP_PARTIAL, paid, Money(500, "USD")))
    same = check_offer(paid, asked, terms(RefundOption.KEEP_FULL, paid))
    words = "We have modified the solution, please accept."
    assert tricks(words) == {T.TERMS_CHANGED}
    # The numbers say nothing changed: the words do not count.
    assert read_message(words, offer=same).tricks == ()
    # The numbers say it changed, whatever the words.
    reading = read_message("Please accept our offer.", offer=lowered)
    assert reading.tricks == (T.TERMS_CHANGED,)
    assert reading.findings[0].from_offer and reading.findings[0].quote == ""


def test_zero_offer_is_do_not_even_in_a_polite_message() -> None:
    paid = Money(1173, "USD")
    zero = check_offer(
        paid,
        terms(RefundOption.KEEP_FULL, paid),
        terms(RefundOption.KEEP_PARTIAL, paid, Money(0, "USD")),
    )
    reading = read_message("Thank you, we made a solution for you.", offer=zero)
    assert reading.verdict is Verdict.DO_NOT


def test_detail_is_json_and_holds_no_quotes() -> None:
    reading = read_message("Secret text: please cancel the dispute and use my coupon")
    detail = reading.detail()
    assert json.loads(json.dumps(detail)) == detail
    assert detail["tricks"] == ["close", "coupon"]
    assert "Secret" not in json.dumps(detail)


def test_truncated_is_reported() -> None:
    assert read_message("x " * MAX_CHARS).truncated
    assert not read_message("short").truncated


@pytest.mark.parametrize("text", ["", " ", "\n\n", "!!!", "12345", "😀😀", "ок", "ok"])
def test_empty_and_trivial_messages_are_fair(text: str) -> None:
    reading = read_message(text)
    assert reading.is_fair and reading.verdict is Verdict.FINE
