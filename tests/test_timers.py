"""Issue 14 §2: the real timers. Every deadline counted from the moment the buyer pressed a
button; now whenever a stage starts a timer the buyer may type what their page shows ("4 d 23
h", "4д 23ч", a date and time), the reminders are re-planned from it, and the card says which
deadlines are the buyer's and which are our defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.domain import timers
from bot.domain.dates import parse_timer
from bot.domain.lifecycle import Action, apply, set_deadline
from bot.domain.models import DeadlineField, Dispute, ReminderState, Stage
from bot.domain.parsing import ParseError, ParseErrorCode
from bot.domain.rules import DEFAULT_RULES
from tests.harness import FakeClock, Harness, texts
from tests.test_status import opened_case
from tests.test_wizard import ORDER, dispute_of

pytestmark = pytest.mark.both_engines  # the timers' columns, on both engines

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MSK = ZoneInfo("Europe/Moscow")
DAY, HOUR, MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)

# --- the parser: pure ---------------------------------------------------------------------------

UNITS = {
    "days": ["d", "d.", " d", " days", "д", " д", " дн.", " дня", " дней", " день", "day", " day"],
    "hours": ["h", " h", " hours", " hr", "ч", " ч", " ч.", " часа", " часов", " час"],
    "minutes": ["m", " min", " minutes", "м", " мин", " минут", " минуты"],
}


@given(
    st.integers(0, 90),
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from(UNITS["days"]),
    st.sampled_from(UNITS["hours"]),
    st.sampled_from(UNITS["minutes"]),
    st.sampled_from(["", "осталось ", "Left: ", "осталось: "]),
    st.sampled_from([" ", ", ", "  "]),
)
def test_a_countdown_as_the_page_shows_it_is_read_in_both_languages(
    days: int, hours: int, minutes: int, d: str, h: str, m: str, lead: str, sep: str
) -> None:
    parts = []
    if days:
        parts.append(f"{days}{d}")
    if hours or not parts:
        parts.append(f"{hours}{h}")
    if minutes:
        parts.append(f"{minutes}{m}")
    text = lead + sep.join(parts)
    left = timedelta(days=days, hours=hours, minutes=minutes)
    if left <= timedelta(0):
        with pytest.raises(ParseError) as error:
            parse_timer(text, NOW, MSK)
        assert error.value.code is ParseErrorCode.TIMER_OVER
    else:
        assert parse_timer(text, NOW, MSK) == NOW + left, text


@given(st.integers(0, 30), st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
def test_a_countdown_with_a_clock_is_read(
    days: int, hours: int, minutes: int, seconds: int
) -> None:
    left = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    text = f"{days} д {clock}" if days else clock
    if left > timedelta(0):
        assert parse_timer(text, NOW, MSK) == NOW + left


@given(st.integers(1, 300), st.integers(0, 23), st.integers(0, 59))
def test_a_date_and_time_is_the_buyers_local_time(days: int, hour: int, minute: int) -> None:
    local = (NOW.astimezone(MSK) + days * DAY).replace(hour=hour, minute=minute)
    for text in (
        f"{local:%d.%m.%Y} {hour:02d}:{minute:02d}",
        f"{local:%Y-%m-%d} {hour}:{minute:02d}",
        f"{local.day} {local:%B} {local.year} at {hour}:{minute:02d}",
    ):
        assert parse_timer(text, NOW, MSK) == local.astimezone(UTC), text


@given(st.text(max_size=40))
@example("1000000000")  # a bare number of days beyond what timedelta holds
@example("9" * 40)
@example("²")  # a digit that is no number
def test_anything_else_is_a_parse_error_never_a_crash(text: str) -> None:
    try:
        moment = parse_timer(text, NOW, MSK)
    except ParseError:
        return
    assert moment > NOW  # whatever is read is a timer still running


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4 d 23 h", NOW + 4 * DAY + 23 * HOUR),
        ("4д 23ч", NOW + 4 * DAY + 23 * HOUR),
        ("4 дня 23 часа", NOW + 4 * DAY + 23 * HOUR),
        ("4", NOW + 4 * DAY),
        ("4 д 23:59:10", NOW + 4 * DAY + 23 * HOUR + 59 * MINUTE + timedelta(seconds=10)),
        ("05.12.2026 14:30", datetime(2026, 12, 5, 14, 30, tzinfo=MSK)),
        ("5 декабря в 14:30", datetime(2026, 12, 5, 14, 30, tzinfo=MSK)),
        ("Dec 5, 2:30 pm", datetime(2026, 12, 5, 14, 30, tzinfo=MSK)),
        ("05.12.2026", datetime(2026, 12, 5, 23, 59, 59, tzinfo=MSK)),
    ],
)
def test_examples_of_what_buyers_type(text: str, expected: datetime) -> None:
    assert parse_timer(text, NOW, MSK) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("30.11.2026 10:00", ParseErrorCode.TIMER_OVER),
        ("0 d 0 h", ParseErrorCode.TIMER_OVER),
        ("23 h 4 d", ParseErrorCode.UNRECOGNISED),  # units out of order
        ("4 d 4 d", ParseErrorCode.UNRECOGNISED),
        ("4 d 25:00", ParseErrorCode.UNRECOGNISED),
        ("soon", ParseErrorCode.UNRECOGNISED),
        ("400 d", ParseErrorCode.DAYS_OUT_OF_RANGE),
        ("", ParseErrorCode.EMPTY),
    ],
)
def test_what_cannot_be_a_running_timer(text: str, code: ParseErrorCode) -> None:
    with pytest.raises(ParseError) as error:
        parse_timer(text, NOW, MSK)
    assert error.value.code is code


# --- the domain: which timer, whose value --------------------------------------------------------


def opened() -> Dispute:
    d = Dispute(user_id=1, order_id=ORDER, id=5, stage=Stage.READY)
    return apply(d, Action.OPENED_ON_ALIEXPRESS, NOW, DEFAULT_RULES).dispute


def test_each_stage_offers_the_timer_its_page_shows() -> None:
    d = opened()
    assert timers.settable(d) == (DeadlineField.SELLER_DEADLINE,)
    countered = apply(d, Action.SELLER_COUNTERED, NOW, DEFAULT_RULES).dispute
    assert timers.settable(countered) == (DeadlineField.ESCALATION_AT,)
    returning = apply(countered, Action.RETURN_AGREED, NOW, DEFAULT_RULES).dispute
    assert timers.settable(returning) == (
        DeadlineField.ESCALATION_AT,
        DeadlineField.RETURN_POST_BY,
    )
    escalated = apply(d, Action.ESCALATED, NOW, DEFAULT_RULES).dispute
    assert timers.settable(escalated) == (DeadlineField.REVIEW_DUE,)
    evidence = apply(escalated, Action.EVIDENCE_REQUESTED, NOW, DEFAULT_RULES).dispute
    assert timers.settable(evidence) == (DeadlineField.EVIDENCE_DUE,)
    closed = apply(d, Action.CLOSED_WON, NOW, DEFAULT_RULES).dispute
    assert timers.settable(closed) == ()


def test_the_buyers_timer_is_kept_until_a_move_starts_it_again() -> None:
    d = opened()
    mine = NOW + 4 * DAY + 23 * HOUR
    d = set_deadline(d, DeadlineField.ESCALATION_AT, mine, NOW).dispute
    assert DeadlineField.ESCALATION_AT in d.own_deadlines
    answered = apply(d, Action.SELLER_REJECTED, NOW + DAY, DEFAULT_RULES).dispute
    assert answered.escalation_at == mine and DeadlineField.ESCALATION_AT in answered.own_deadlines
    escalated = apply(answered, Action.ESCALATED, NOW + 2 * DAY, DEFAULT_RULES).dispute
    assert escalated.own_deadlines == frozenset()  # the timer it was is over
    asked = apply(escalated, Action.EVIDENCE_REQUESTED, NOW + 3 * DAY, DEFAULT_RULES).dispute
    asked = set_deadline(asked, DeadlineField.EVIDENCE_DUE, NOW + 4 * DAY, NOW).dispute
    again = apply(asked, Action.EVIDENCE_REQUESTED, NOW + 5 * DAY, DEFAULT_RULES).dispute
    # A further request restarts the evidence timer: our default again until re-entered.
    assert again.evidence_due == NOW + 8 * DAY and again.own_deadlines == frozenset()


# --- end to end: the buyer types what the page shows ---------------------------------------------


async def test_the_sellers_timer_from_the_page_replaces_the_default(
    bot: Harness, clock: FakeClock
) -> None:
    buyer = bot.buyer(51)
    await opened_case(buyer)
    opened_reply = next(s for s in reversed(buyer.seen) if "seller must answer" in s.text)
    assert "press “Enter the seller's timer”" in opened_reply.text
    assert [label for label, _ in opened_reply.buttons] == ["⏱ Enter the seller's timer"]
    [card] = await buyer.say(f"/status {ORDER}")
    assert "seller's time to answer ends in 5 days" in card.text
    assert "· default: the usual rules" in card.text
    replies = await buyer.press("Enter the seller's timer")
    question = texts(replies)[-1]
    assert "What does the dispute page show for the seller's time to answer?" in question
    assert "Currently:" in question and "by the usual rules" in question
    replies = await buyer.say("whenever")
    assert "I couldn't read that" in texts(replies)[-1]
    clock.advance(timedelta(hours=2))
    replies = await buyer.say("4 d 23 h")
    noted = texts(replies)[-1]
    assert "Noted from your page: the seller's time to answer ends" in noted
    assert "in 4 days 23 hr" in noted

    d = await dispute_of(bot, buyer)
    assert d.seller_deadline == clock.now + 4 * DAY + 23 * HOUR
    assert d.own_deadlines == frozenset({DeadlineField.SELLER_DEADLINE})
    assert d.wizard_step is None
    assert bot.app is not None
    rows = await bot.app.services.db.reminders.list_for_dispute(d.id or 0)
    seller = {r.kind: r for r in rows if r.state is ReminderState.PENDING and "seller" in r.kind}
    assert seller["seller_1d"].deadline_at == d.seller_deadline
    assert seller["seller_1d"].due_at == d.seller_deadline - DAY
    [card] = await buyer.say(f"/status {ORDER}")
    assert "seller's time to answer ends in 4 days 23 hr" in card.text
    assert "· from your page" in card.text
    # The escalation timer is still ours: the card says so.
    assert "escalation to AliExpress in 6 days 22 hr" in card.text
    assert card.text.count("· default: the usual rules") == 1


async def test_after_the_seller_answers_the_dispute_timer_is_asked_in_russian(
    bot: Harness, clock: FakeClock
) -> None:
    buyer = bot.buyer(52, language_code="ru")
    await buyer.say("/new")
    await buyer.say(ORDER)
    await buyer.say("Лампа")
    await buyer.say("25 USD")
    await buyer.say("40")
    await buyer.press("Нет, товар не пришёл")
    await buyer.press("Нет трек-номера")
    await buyer.say("40 дней назад")
    await buyer.say("Посылка не движется уже пять недель.")
    await buyer.press("Пропустить остальные")
    await buyer.press("Пропустить, их нет")
    await buyer.press("Подтвердить")
    await buyer.press("Открыт на AliExpress сегодня")
    await buyer.say(f"/status {ORDER}")
    await buyer.press("Продавец отказал")
    replies = await buyer.press("Да, отметить")
    assert "«Ввести таймер спора»" in texts(replies)[-1]
    replies = await buyer.press("Ввести таймер спора")
    assert "Что показывает таймер на странице спора" in texts(replies)[-1]
    replies = await buyer.say("2д 5ч")
    assert "Записал по вашей странице" in texts(replies)[-1]
    d = await dispute_of(bot, buyer)
    assert d.escalation_at == clock.now + 2 * DAY + 5 * HOUR
    assert DeadlineField.ESCALATION_AT in d.own_deadlines


async def test_cancel_and_new_leave_the_timer_as_it_was(bot: Harness) -> None:
    buyer = bot.buyer(53)
    await opened_case(buyer)
    before = await dispute_of(bot, buyer)
    await buyer.say(f"/status {ORDER}")
    await buyer.press("Enter the seller's timer")
    replies = await buyer.press("Cancel")
    assert "the timer stays as it was" in texts(replies)[-1]
    await buyer.say(f"/status {ORDER}")
    await buyer.press("Enter the seller's timer")
    replies = await buyer.say("/new")
    assert "Step 1 of 10" in texts(replies)[-1]  # not "continue the unfinished one?"
    cases = await bot.app.services.db.disputes.list_for_user(buyer.id)  # type: ignore[union-attr]
    opened_now = next(c for c in cases if c.id == before.id)
    assert opened_now.seller_deadline == before.seller_deadline
    assert opened_now.own_deadlines == frozenset() and opened_now.stage is Stage.OPENED


async def test_the_seller_wrote_on_another_case_leaves_a_timer_question(bot: Harness) -> None:
    """⏱ on one case, then "The seller wrote to me" on another: once that message is read,
    the buyer's next text is no longer taken for the first case's timer."""
    other = "8123456789099999"
    buyer = bot.buyer(54)
    await opened_case(buyer)
    await opened_case(buyer, other)
    await buyer.say(f"/status {ORDER}")
    await buyer.press("Enter the seller's timer")
    [card] = texts(await buyer.say(f"/status {other}"))
    assert other in card
    await buyer.press("The seller wrote to me")
    replies = await buyer.say("Please close the dispute, I will send a new one.")
    assert "Reply to paste" in texts(replies)[-1]
    replies = await buyer.say("4 d 23 h")
    assert "Noted from your page" not in texts(replies)[-1]
    cases = await bot.app.services.db.disputes.list_for_user(buyer.id)  # type: ignore[union-attr]
    assert [c.wizard_step for c in cases] == [None, None]
    assert all(c.own_deadlines == frozenset() for c in cases)
