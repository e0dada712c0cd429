"""Issue 14 §1: the bot says only what the guides support, with their numbers, and gives the
guides' advice where a buyer needs it. Each test pins one fact to the guide it follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.draft import StepId
from bot.domain.eligibility import EligibilityWarning, eligibility_warnings
from bot.domain.models import (
    Branch,
    Dispute,
    EvidenceSummary,
    Outcome,
    Reason,
    Reminder,
    Stage,
)
from bot.domain.rules import DEFAULT_RULES
from bot.i18n import translator
from bot.views.cards import case_card
from bot.views.evidence import evidence_checklist, kinds_count
from bot.views.reminders import reminder_message
from bot.views.warnings import eligibility_text
from bot.views.wizard import question_text
from tests.harness import FakeClock, Harness, texts
from tests.test_status import opened_case
from tests.test_wizard import ORDER, to_received_step

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MSK = ZoneInfo("Europe/Moscow")
EN, RU = translator("en"), translator("ru")


def case(**fields: object) -> Dispute:
    d = Dispute(user_id=1, order_id=ORDER, id=7)
    for name, value in fields.items():
        setattr(d, name, value)
    return d


def test_refund_timing_is_within_days_at_most_about_two_weeks() -> None:
    """Guides A and B: within days of the decision, at most two weeks (5 to 15 days); the bot
    said "3 to 20 business days"."""
    d = case(stage=Stage.CLOSED, outcome=Outcome.WON, closed_at=NOW - timedelta(days=15))
    reminder = Reminder(1, 7, "refund_end", NOW, NOW)
    text, _ = reminder_message(EN, reminder, d, "UTC", NOW, DEFAULT_RULES)
    assert "within a few days of the decision, and within about 15 days at most" in text
    assert "business" not in text
    ru, _ = reminder_message(RU, reminder, d, "UTC", NOW, DEFAULT_RULES)
    assert "самое позднее — примерно через 15 дней" in ru


def test_the_return_window_is_ours_and_points_to_the_dispute_page() -> None:
    """No guide gives a number for posting a return: the 10 days are our default, said so,
    and the dispute page's timer is what counts."""
    text = question_text(EN, case(branch=Branch.RECEIVED), StepId.REFUND, DEFAULT_RULES)
    assert "The dispute page shows the time to post a return" in text
    assert "I count 10 days" in text
    assert "has to be posted within about" not in text


def test_no_pacific_time_and_keeping_the_item_is_advice_not_a_statistic() -> None:
    """Neither PST nor "most buyers keep the item" is in the guides; they advise keeping it."""
    protection = question_text(EN, case(), StepId.PROTECTION, DEFAULT_RULES)
    refund = question_text(EN, case(branch=Branch.RECEIVED), StepId.REFUND, DEFAULT_RULES)
    assert "PST" not in protection and "Pacific" not in protection
    assert "Most buyers" not in refund
    assert "Keeping the item is usually the best option" in refund
    # Guide B: a seller with a local return warehouse makes a return cheap.
    assert "local return" in refund


def test_protection_over_gives_about_15_more_days_with_the_dates() -> None:
    """Guide B: after protection ends, a dispute can still be opened for about 15 days."""
    ended = datetime(2026, 11, 25, 20, 59, tzinfo=UTC)
    d = case(protection_end=ended, branch=Branch.NOT_RECEIVED)
    [warning] = eligibility_warnings(d, NOW)
    assert warning is EligibilityWarning.PROTECTION_OVER
    text = eligibility_text(EN, warning, d, DEFAULT_RULES, MSK)
    assert "ended on November 25, 2026" in text
    assert "for about 15 days after that, so until about December 10, 2026" in text
    ru = eligibility_text(RU, warning, d, DEFAULT_RULES, MSK)
    assert "закончилась 25 ноября 2026" in ru and "до 10 декабря 2026" in ru


def test_shipped_too_recently_states_the_number_used() -> None:
    d = case(branch=Branch.NOT_RECEIVED, shipped_at=NOW - timedelta(days=3))
    [warning] = eligibility_warnings(d, NOW, shipped_at=d.shipped_at)
    text = eligibility_text(EN, warning, d, DEFAULT_RULES, MSK)
    assert "less than 10 days ago" in text and "5 to 10 days" in text


def test_evidence_advice_of_the_guides_is_in_the_checklists() -> None:
    """Not as described: the listing's text counts more than its photos (the reasons guide);
    the not-received guide: a screenshot of asking to extend protection, the seller's promise
    to pay customs fees."""
    nad = " ".join(evidence_checklist(EN, Reason.NOT_AS_DESCRIBED))
    assert "what its text promises counts for more than its photos" in nad
    assert "extend protection" in " ".join(evidence_checklist(EN, Reason.IN_TRANSIT))
    assert "customs fees" in " ".join(evidence_checklist(EN, Reason.CUSTOMS))


def test_evidence_step_tips_for_an_item_received() -> None:
    """The handbook: arrows on the defect; a short video in normal quality is enough."""
    received = question_text(
        EN, case(branch=Branch.RECEIVED, reason=Reason.QUALITY), StepId.EVIDENCE, DEFAULT_RULES
    )
    assert "arrow" in received and "normal quality" in received
    not_received = question_text(
        EN,
        case(branch=Branch.NOT_RECEIVED, reason=Reason.NO_TRACKING),
        StepId.EVIDENCE,
        DEFAULT_RULES,
    )
    assert "arrow" not in not_received


def test_seller_phase_card_says_promises_in_chat_do_not_count() -> None:
    d = case(stage=Stage.SELLER_COUNTERED, branch=Branch.RECEIVED, opened_at=NOW)
    text, _ = case_card(EN, d, MSK, NOW, DEFAULT_RULES, evidence=EvidenceSummary(), events=[])
    assert "Only what the dispute page says counts" in text
    assert "video or proof you cannot make" in text


async def test_after_escalation_the_card_says_how_long_the_review_takes(
    bot: Harness, clock: FakeClock
) -> None:
    """Guide B: an escalated dispute is reviewed in 15 to 60 days (it was in the rules table,
    never shown)."""
    buyer = bot.buyer(31)
    await opened_case(buyer)
    [before] = texts(await buyer.say(f"/status {ORDER}"))
    assert "15 days to 60 days" not in before
    await buyer.press("Escalated to AliExpress")
    replies = await buyer.press("Yes, record it")
    card = texts(replies)[-1]
    assert "Escalated to AliExpress" in card
    assert "review of an escalated dispute takes 15 days to 60 days" in card


async def test_a_parcel_back_at_the_seller_may_lose_if_it_was_not_collected(
    bot: Harness,
) -> None:
    """The not-received guide: parcels usually go back for the buyer's reasons."""
    buyer = bot.buyer(32)
    await to_received_step(buyer)
    await buyer.press("No, I did not receive it")
    replies = await buyer.press("Package was returned to the seller")
    assert "not collected at the post office" in replies[-1].text
    assert "Step 7 of 14" in replies[-1].text  # and the wizard goes on


async def test_the_form_steps_name_what_to_attach_by_kind(bot: Harness) -> None:
    """Issue 14 §3: "Прикрепите 2 фото и видео" for a case with two photos and no video."""
    buyer = bot.buyer(33, language_code="ru")
    await to_received_step(buyer, item="Наушники", amount="990 ₽", protection="15.12.2026")
    await buyer.press("Да, товар у меня")
    await buyer.press("Повреждён при доставке")
    await buyer.press("Нет, ещё нет")
    await buyer.press("Оставить товар")
    await buyer.say("Наушники пришли с треснувшим корпусом.")
    await buyer.press("Пропустить остальные")
    await buyer.photo("case-1")
    await buyer.photo("case-2")
    await buyer.press("Готово")
    replies = await buyer.press("Подтвердить")
    instructions = texts(replies)[-1]
    assert "Приложите то, что вы мне прислали: 2 фото." in instructions
    assert "видео" not in instructions.split("Приложите", 1)[1].split("\n", 1)[0]


def test_attachments_are_counted_by_kind_in_both_languages() -> None:
    assert kinds_count(EN, EvidenceSummary(photos=2)) == "2 photos"
    assert kinds_count(EN, EvidenceSummary(photos=2, videos=1)) == "2 photos and 1 video"
    assert kinds_count(RU, EvidenceSummary(photos=1, videos=2, screenshots=5)) == (
        "1 фото, 2 видео и 5 скриншотов"
    )
