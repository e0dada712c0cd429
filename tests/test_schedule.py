"""The reminder plan: which reminders, when (waking hours, DST), and catch-up after downtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.lifecycle import Action, apply
from bot.domain.models import Dispute, Outcome, Reminder, Stage
from bot.domain.rules import DEFAULT_RULES, rules_from_overrides
from bot.domain.schedule import (
    PlannedReminder,
    ReminderFamily,
    ReminderKind,
    active_deadlines,
    catch_up,
    catch_up_due,
    family_of,
    kind_for,
    plan_reminders,
)

R = DEFAULT_RULES
NY = ZoneInfo("America/New_York")
MSK = ZoneInfo("Europe/Moscow")
VVO = ZoneInfo("Asia/Vladivostok")
DAY, HOUR, MIN = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)


def local(tz: ZoneInfo, y: int, mo: int, d: int, h: int, mi: int) -> datetime:
    """A wall-clock time in ``tz``, as the UTC instant the code works with."""
    return datetime(y, mo, d, h, mi, tzinfo=tz).astimezone(UTC)


def case(stage: Stage, **kw: object) -> Dispute:
    d = Dispute(user_id=7, order_id="8123456789012345", id=1, stage=stage)
    for k, v in kw.items():
        setattr(d, k, v)
    return d


def kinds(plan: list[PlannedReminder]) -> list[str]:
    return [r.kind for r in plan]


def wall(instant: datetime, tz: ZoneInfo) -> tuple[int, int, int, int]:
    x = instant.astimezone(tz)
    return (x.month, x.day, x.hour, x.minute)


# --- what is planned in each stage -------------------------------------------------------


def test_protection_reminders_7_3_1_days_before_while_no_dispute_is_open() -> None:
    end = local(MSK, 2026, 6, 30, 15, 0)
    now = local(MSK, 2026, 6, 1, 12, 0)
    for stage in (Stage.TRACKING, Stage.DRAFT, Stage.READY):
        plan = plan_reminders(case(stage, protection_end=end), R, MSK, now=now)
        protection = [r for r in plan if r.family == "protection"]
        assert kinds(protection) == ["protection_7d", "protection_3d", "protection_1d"]
        assert [end - r.due_at for r in protection] == [7 * DAY, 3 * DAY, DAY]
        assert all(r.deadline_at == end for r in protection)


def test_after_protection_ends_about_15_more_days_are_reminded_before_they_close() -> None:
    """Guide B: once protection is over a dispute can still be opened for about 15 days, so
    the bot reminds before that window closes too (not after a receipt confirmation, whose
    own 15-day window applies)."""
    end = local(MSK, 2026, 6, 30, 15, 0)
    now = local(MSK, 2026, 6, 1, 12, 0)
    plan = plan_reminders(case(Stage.DRAFT, protection_end=end), R, MSK, now=now)
    late = [r for r in plan if r.family == "late"]
    assert kinds(late) == ["late_7d", "late_3d", "late_1d"]
    assert all(r.deadline_at == end + 15 * DAY for r in late)
    assert [r.deadline_at - r.due_at for r in late] == [7 * DAY, 3 * DAY, DAY]
    confirmed = case(
        Stage.DRAFT, protection_end=end, receipt_confirmed=True, receipt_confirmed_at=now
    )
    assert not [r for r in plan_reminders(confirmed, R, MSK, now=now) if r.family == "late"]


def test_opened_case_has_seller_and_escalation_reminders() -> None:
    opened_at = local(MSK, 2026, 6, 1, 12, 0)
    d = apply(case(Stage.READY), Action.OPENED_ON_ALIEXPRESS, opened_at, R).dispute
    plan = plan_reminders(d, R, MSK, now=opened_at)
    assert [(r.kind, r.due_at) for r in plan] == [
        ("seller_1d", opened_at + 4 * DAY),
        ("seller_end", opened_at + 5 * DAY),
        ("escalation_1d", opened_at + 6 * DAY),
    ]


def test_after_the_seller_answers_only_escalation_remains() -> None:
    opened_at = local(MSK, 2026, 6, 1, 12, 0)
    d = apply(case(Stage.READY), Action.OPENED_ON_ALIEXPRESS, opened_at, R).dispute
    d = apply(d, Action.SELLER_COUNTERED, opened_at + DAY, R).dispute
    assert kinds(plan_reminders(d, R, MSK, now=opened_at + DAY)) == ["escalation_1d"]


def test_evidence_reminders_48_24_3_hours_before() -> None:
    due = local(MSK, 2026, 6, 10, 20, 0)
    d = case(Stage.EVIDENCE_REQUESTED, evidence_due=due)
    plan = plan_reminders(d, R, MSK, now=due - 3 * DAY)
    assert kinds(plan) == ["evidence_48h", "evidence_24h", "evidence_3h"]
    assert [due - r.due_at for r in plan] == [48 * HOUR, 24 * HOUR, 3 * HOUR]


def test_return_parcel_reminders() -> None:
    post_by = local(MSK, 2026, 6, 11, 18, 0)
    d = case(Stage.SELLER_ACCEPTED, return_post_by=post_by)
    plan = plan_reminders(d, R, MSK, now=post_by - 10 * DAY)
    assert kinds(plan) == ["return_3d", "return_1d"]


def test_refund_follow_up_15_days_after_a_win_until_the_refund_arrives() -> None:
    closed = local(MSK, 2026, 6, 1, 12, 0)
    won = case(Stage.CLOSED, outcome=Outcome.WON, closed_at=closed)
    [r] = plan_reminders(won, R, MSK, now=closed)
    assert (r.kind, r.due_at) == ("refund_end", closed + 15 * DAY)
    won.refund_received_at = closed + 5 * DAY
    assert plan_reminders(won, R, MSK, now=closed + 5 * DAY) == []
    lost = case(Stage.CLOSED, outcome=Outcome.LOST, closed_at=closed)
    assert plan_reminders(lost, R, MSK, now=closed) == []


def test_receipt_window_gets_reminders_only_when_it_closes_before_protection() -> None:
    confirmed = local(MSK, 2026, 6, 1, 12, 0)
    d = case(
        Stage.DRAFT,
        receipt_confirmed=True,
        receipt_confirmed_at=confirmed,
        protection_end=confirmed + 40 * DAY,
    )
    fams = [x.family for x in active_deadlines(d, R)]
    assert fams == [ReminderFamily.RECEIPT, ReminderFamily.PROTECTION]
    d.protection_end = confirmed + 10 * DAY
    assert [x.family for x in active_deadlines(d, R)] == [ReminderFamily.PROTECTION]


def test_muted_or_escalated_cases_plan_nothing() -> None:
    now = local(MSK, 2026, 6, 1, 12, 0)
    assert plan_reminders(case(Stage.ESCALATED), R, MSK, now=now) == []
    muted = case(Stage.TRACKING, protection_end=now + 20 * DAY, muted=True)
    assert plan_reminders(muted, R, MSK, now=now) == []


def test_configured_offsets_produce_stable_labelled_kinds() -> None:
    rules = rules_from_overrides({"evidence_reminders": "36h,90m", "seller_reminders": "2d,0"})
    assert kind_for(ReminderFamily.EVIDENCE, 36 * HOUR) == "evidence_36h"
    assert kind_for(ReminderFamily.EVIDENCE, 90 * MIN) == "evidence_90m"
    assert kind_for(ReminderFamily.SELLER, 36 * HOUR) == "seller_36h"
    due = local(MSK, 2026, 6, 10, 18, 0)
    plan = plan_reminders(
        case(Stage.EVIDENCE_REQUESTED, evidence_due=due), rules, MSK, now=due - 3 * DAY
    )
    assert kinds(plan) == ["evidence_36h", "evidence_90m"]


def test_default_kinds_are_the_exported_enum() -> None:
    produced = {
        kind_for(f, o)
        for f, offs in [
            (ReminderFamily.PROTECTION, R.protection_reminders),
            (ReminderFamily.RECEIPT, R.protection_reminders),
            (ReminderFamily.SELLER, R.seller_reminders),
            (ReminderFamily.ESCALATION, R.escalation_reminders),
            (ReminderFamily.EVIDENCE, R.evidence_reminders),
            (ReminderFamily.RETURN, R.return_reminders),
            (ReminderFamily.REFUND, R.refund_followup_reminders),
            (ReminderFamily.LATE, R.late_dispute_reminders),
            (ReminderFamily.REVIEW, R.review_reminders),
        ]
        for o in offs
    }
    assert produced == {k.value for k in ReminderKind}
    assert all(family_of(k) in {f.value for f in ReminderFamily} for k in produced)


# --- waking hours: documented edge cases -------------------------------------------------


def test_a_night_reminder_moves_to_the_previous_evening() -> None:
    deadline = local(MSK, 2026, 6, 10, 3, 0)  # 03:00 Moscow
    d = case(Stage.EVIDENCE_REQUESTED, evidence_due=deadline)
    plan = plan_reminders(d, R, MSK, now=deadline - 3 * DAY)
    # 48h and 24h fall at 03:00 -> 20:59 the evening before; 3h (00:00) -> 20:59 on the 9th.
    assert [wall(r.due_at, MSK) for r in plan] == [(6, 7, 20, 59), (6, 8, 20, 59), (6, 9, 20, 59)]


def test_early_morning_moves_to_the_previous_evening_too() -> None:
    """08:00 is before 09:00: the latest waking minute before it is 20:59 the day before."""
    deadline = local(MSK, 2026, 6, 10, 8, 0)
    [_, r] = plan_reminders(
        case(Stage.OPENED, seller_deadline=deadline), R, MSK, now=deadline - 3 * DAY
    )
    assert r.kind == "seller_end" and wall(r.due_at, MSK) == (6, 9, 20, 59)


def test_custom_and_wrapping_waking_hours() -> None:
    deadline = local(MSK, 2026, 6, 10, 23, 30)
    d = case(Stage.OPENED, seller_deadline=deadline)
    [_, end] = plan_reminders(d, R, MSK, now=deadline - 3 * DAY, waking=(8, 23))
    assert wall(end.due_at, MSK) == (6, 10, 22, 59)
    # 22:00-02:00 (a night owl): 23:30 is awake; 1 day before is awake too.
    plan = plan_reminders(d, R, MSK, now=deadline - 3 * DAY, waking=(22, 2))
    assert [r.due_at for r in plan] == [deadline - DAY, deadline]
    # Any-time setting never moves anything.
    plan = plan_reminders(d, R, MSK, now=deadline - 3 * DAY, waking=(0, 24))
    assert [r.due_at for r in plan] == [deadline - DAY, deadline]


def test_stale_reminder_is_sent_now_when_now_is_waking() -> None:
    """Recorded late ("opened 4.5 days ago"): the 1-day reminder is overdue, send it now."""
    now = local(MSK, 2026, 6, 10, 12, 0)
    d = case(Stage.OPENED, seller_deadline=now + 6 * HOUR)
    plan = plan_reminders(d, R, MSK, now=now)
    assert [(r.kind, r.due_at) for r in plan] == [
        ("seller_1d", now),
        ("seller_end", now + 6 * HOUR),
    ]


def test_stale_reminders_of_one_deadline_collapse_into_the_most_urgent() -> None:
    now = local(MSK, 2026, 6, 10, 12, 0)
    d = case(Stage.TRACKING, protection_end=now + 2 * DAY)
    plan = [r for r in plan_reminders(d, R, MSK, now=now) if r.family == "protection"]
    assert [(r.kind, r.due_at) for r in plan] == [
        ("protection_3d", now),
        ("protection_1d", now + DAY),
    ]


def test_stale_at_night_waits_for_the_morning_if_the_deadline_allows() -> None:
    now = local(MSK, 2026, 6, 10, 23, 0)
    deadline = local(MSK, 2026, 6, 11, 15, 0)
    d = case(Stage.OPENED, seller_deadline=deadline)
    plan = plan_reminders(d, R, MSK, now=now)
    assert [(r.kind, wall(r.due_at, MSK)) for r in plan] == [
        ("seller_1d", (6, 11, 9, 0)),
        ("seller_end", (6, 11, 15, 0)),
    ]


def test_moved_before_now_at_night_with_no_morning_before_the_deadline_is_sent_now() -> None:
    """23:00 now, deadline 04:00: every waking minute before it is past; a night message now
    still leaves 5 hours, a message at the deadline would leave none."""
    now = local(MSK, 2026, 6, 10, 23, 0)
    deadline = local(MSK, 2026, 6, 11, 4, 0)
    d = case(Stage.EVIDENCE_REQUESTED, evidence_due=deadline)
    assert [(r.kind, r.due_at) for r in plan_reminders(d, R, MSK, now=now)] == [
        ("evidence_3h", now)
    ]


def test_past_deadline_plans_nothing_and_a_deadline_right_now_is_still_planned() -> None:
    now = local(MSK, 2026, 6, 10, 12, 0)
    past = case(Stage.OPENED, seller_deadline=now - MIN)
    assert plan_reminders(past, R, MSK, now=now) == []
    exact = case(Stage.OPENED, seller_deadline=now)
    assert [(r.kind, r.due_at) for r in plan_reminders(exact, R, MSK, now=now)] == [
        ("seller_end", now)
    ]


def test_naive_now_and_bad_waking_hours_are_errors() -> None:
    d = case(Stage.TRACKING)
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_reminders(d, R, MSK, now=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="waking"):
        plan_reminders(d, R, MSK, now=datetime(2026, 1, 1, tzinfo=UTC), waking=(9, 25))


# --- time zones and DST ------------------------------------------------------------------


def test_new_york_spring_forward() -> None:
    """2026-03-08 02:00 EST -> 03:00 EDT. 1 day before is 24 real hours, then night-moved."""
    deadline = local(NY, 2026, 3, 9, 1, 0)  # EDT
    d = case(Stage.OPENED, escalation_at=deadline)
    [r] = plan_reminders(d, R, NY, now=deadline - 5 * DAY)
    # nominal: 2026-03-08 05:00Z = 00:00 EST -> 20:59 EST on the 7th.
    assert wall(r.due_at, NY) == (3, 7, 20, 59)
    assert r.due_at == datetime(2026, 3, 8, 1, 59, tzinfo=UTC)


def test_new_york_spring_forward_daytime_deadline_keeps_its_wall_time_shift() -> None:
    deadline = local(NY, 2026, 3, 8, 15, 0)  # 15:00 EDT, first day of DST
    d = case(Stage.OPENED, seller_deadline=deadline)
    [one_day, end] = plan_reminders(d, R, NY, now=deadline - 5 * DAY)
    assert end.due_at == deadline
    assert deadline - one_day.due_at == 24 * HOUR
    assert wall(one_day.due_at, NY) == (3, 7, 14, 0)  # 24 real hours = 14:00 EST


def test_new_york_fall_back() -> None:
    """2026-11-01 02:00 EDT -> 01:00 EST."""
    deadline = local(NY, 2026, 11, 2, 3, 0)  # 03:00 EST = 08:00Z
    d = case(Stage.OPENED, escalation_at=deadline)
    [r] = plan_reminders(d, R, NY, now=deadline - 5 * DAY)
    # nominal 2026-11-01 08:00Z = 03:00 EST -> 20:59 EDT on Oct 31 = 00:59Z.
    assert wall(r.due_at, NY) == (10, 31, 20, 59)
    assert r.due_at == datetime(2026, 11, 1, 0, 59, tzinfo=UTC)


def test_vladivostok_far_east() -> None:
    deadline = datetime(2026, 6, 10, 0, 0, tzinfo=UTC)  # 10:00 in Vladivostok (UTC+10)
    d = case(Stage.EVIDENCE_REQUESTED, evidence_due=deadline)
    plan = plan_reminders(d, R, VVO, now=deadline - 3 * DAY)
    # 3h before = 07:00 local -> 20:59 the previous evening (10:59Z on the 9th).
    assert [wall(r.due_at, VVO) for r in plan] == [(6, 8, 10, 0), (6, 9, 10, 0), (6, 9, 20, 59)]
    assert plan[-1].due_at == datetime(2026, 6, 9, 10, 59, tzinfo=UTC)


# --- properties --------------------------------------------------------------------------

ZONES = [NY, MSK, VVO, ZoneInfo("UTC"), ZoneInfo("Asia/Kolkata"), ZoneInfo("Europe/London")]
BASE = datetime(2026, 1, 1, tzinfo=UTC)
instants = st.integers(0, 365 * 24 * 60).map(lambda m: BASE + m * MIN)
spans = st.one_of(st.none(), st.integers(-3 * 24 * 60, 70 * 24 * 60).map(lambda m: m * MIN))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Dispute, ZoneInfo, datetime, tuple[int, int]]:
    now = draw(instants)
    stage = draw(st.sampled_from(list(Stage)))
    d = case(stage)
    for name in (
        "protection_end",
        "seller_deadline",
        "escalation_at",
        "evidence_due",
        "return_post_by",
    ):
        span = draw(spans)
        setattr(d, name, None if span is None else now + span)
    if stage is Stage.CLOSED:
        d.outcome = draw(st.sampled_from(list(Outcome)))
        d.closed_at = now - draw(st.integers(0, 20 * 24 * 60)) * MIN
    # Waking windows away from DST transition hours (01:00-03:00), see schedule's _wall_to_utc.
    waking = (draw(st.integers(5, 12)), draw(st.integers(13, 24)))
    return d, draw(st.sampled_from(ZONES)), now, waking


def _awake(x: datetime, tz: ZoneInfo, waking: tuple[int, int]) -> bool:
    return waking[0] <= x.astimezone(tz).hour < waking[1]


def _waking_exists(start: datetime, end: datetime, tz: ZoneInfo, waking: tuple[int, int]) -> bool:
    """Brute force: is any instant of [start, end] in waking hours? (15-minute grid + ends.)"""
    if end - start > 2 * DAY:
        return True
    if _awake(start, tz, waking) or _awake(end, tz, waking):
        return True
    t = start.replace(minute=(start.minute // 15) * 15, second=0, microsecond=0)
    while t <= end:
        if t >= start and _awake(t, tz, waking):
            return True
        t += 15 * MIN
    return False


NY_DST = [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)]


@st.composite
def dst_scenarios(draw: st.DrawFn) -> tuple[Dispute, ZoneInfo, datetime, tuple[int, int]]:
    """New York cases whose deadlines and reminders straddle a DST change."""
    now = draw(st.sampled_from(NY_DST)) + draw(st.integers(-9 * 24 * 60, 24 * 60)) * MIN
    deadline = now + draw(st.integers(0, 10 * 24 * 60)) * MIN
    stage = draw(st.sampled_from([Stage.TRACKING, Stage.OPENED, Stage.EVIDENCE_REQUESTED]))
    d = case(
        stage,
        protection_end=deadline,
        seller_deadline=deadline,
        escalation_at=deadline + draw(st.integers(0, 3 * 24 * 60)) * MIN,
        evidence_due=deadline,
    )
    return d, NY, now, (draw(st.integers(5, 12)), draw(st.integers(13, 24)))


@settings(max_examples=300, deadline=None)
@given(st.one_of(scenarios(), dst_scenarios()))
def test_plan_properties(s: tuple[Dispute, ZoneInfo, datetime, tuple[int, int]]) -> None:
    d, tz, now, waking = s
    plan = plan_reminders(d, R, tz, now=now, waking=waking)
    # Deterministic.
    assert plan == plan_reminders(d, R, tz, now=now, waking=waking)
    # No duplicates: kinds are DB keys.
    assert len({r.kind for r in plan}) == len(plan)
    for r in plan:
        assert r.due_at.tzinfo is UTC and r.deadline_at.tzinfo is UTC
        assert now <= r.due_at <= r.deadline_at
        if _waking_exists(now, r.deadline_at, tz, waking):
            assert _awake(r.due_at, tz, waking), (r, r.due_at.astimezone(tz))
    # Within one deadline, reminders closer to it are never sent before farther ones.
    for fam in {r.family for r in plan}:
        dues = [r.due_at for r in plan if r.family == fam]
        assert dues == sorted(dues) and len(set(dues)) == len(dues)


@settings(max_examples=200, deadline=None)
@given(instants, st.integers(0, 70 * 24 * 60), st.sampled_from(ZONES))
def test_a_reminder_moves_only_when_needed_and_only_as_far_as_needed(
    now: datetime, minutes_left: int, tz: ZoneInfo
) -> None:
    deadline = now + minutes_left * MIN
    d = case(Stage.TRACKING, protection_end=deadline)
    for r in plan_reminders(d, R, tz, now=now):
        offset = {"7d": 7 * DAY, "3d": 3 * DAY, "1d": DAY}[r.kind.rpartition("_")[2]]
        nominal = r.deadline_at - offset
        if nominal < now:
            continue  # stale: covered by the clamping tests
        if _awake(nominal, tz, (9, 21)):
            assert r.due_at == nominal
        elif r.due_at < nominal:
            # Moved earlier to the last waking minute: nothing awake in between.
            assert not _waking_exists(r.due_at + MIN, nominal, tz, (9, 21))
        else:
            # Moved later only because every waking minute before it was already past.
            assert not _waking_exists(now, nominal, tz, (9, 21))
            assert r.due_at <= r.deadline_at


# --- catch-up ----------------------------------------------------------------------------


def test_catch_up_sends_the_latest_missed_reminder_of_a_live_deadline() -> None:
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    end = now + 2 * DAY
    r7 = PlannedReminder("protection_7d", end, end - 7 * DAY)
    r3 = PlannedReminder("protection_3d", end, end - 3 * DAY)
    r1 = PlannedReminder("protection_1d", end, end - DAY)
    out = catch_up([r1, r7, r3], now)
    assert out.send_now == (r3,)
    assert out.superseded == (r7,)
    assert out.not_due == (r1,)
    assert out.passed == ()


def test_catch_up_turns_a_passed_deadline_into_one_notice() -> None:
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    seller = now - HOUR
    rows = [
        Reminder(
            user_id=1, dispute_id=5, kind="seller_1d", deadline_at=seller, due_at=seller - DAY
        ),
        Reminder(user_id=1, dispute_id=5, kind="seller_end", deadline_at=seller, due_at=seller),
    ]
    out = catch_up(rows, now)
    assert out.send_now == () and out.superseded == ()
    [notice] = out.passed
    assert (notice.kind, notice.deadline_at) == ("seller_passed", seller)
    assert list(notice.reminders) == rows


def test_catch_up_keeps_deadlines_apart_and_sends_follow_ups_even_late() -> None:
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    a = PlannedReminder("evidence_3h", now - HOUR, now - 4 * HOUR)
    b = PlannedReminder("escalation_1d", now - 2 * HOUR, now - DAY)
    c = PlannedReminder("refund_end", now - DAY, now - DAY)  # a follow-up, not a loss
    d = PlannedReminder("seller_end", now, now)  # the deadline is right now: still useful
    out = catch_up([a, b, c, d], now)
    assert {p.kind for p in out.passed} == {"evidence_passed", "escalation_passed"}
    assert set(out.send_now) == {c, d}


def test_catch_up_of_nothing() -> None:
    out = catch_up(list[PlannedReminder](), datetime(2026, 1, 1, tzinfo=UTC))
    assert (out.send_now, out.superseded, out.passed, out.not_due) == ((), (), (), ())


@settings(max_examples=300, deadline=None)
@given(instants, st.integers(-3 * 24 * 60, 10 * 24 * 60), st.sampled_from(ZONES))
def test_a_catch_up_send_waits_for_waking_hours_whenever_the_deadline_allows(
    now: datetime, minutes_to_deadline: int, tz: ZoneInfo
) -> None:
    """Issue 14 §3: never at night when the deadline leaves room for the morning; never past
    a deadline still ahead; a deadline already behind always waits for the morning."""
    deadline = now + minutes_to_deadline * MIN
    due = catch_up_due(now, deadline, tz, (9, 21))
    assert due >= now
    if _awake(now, tz, (9, 21)):
        assert due == now
    elif deadline < now:
        assert _awake(due, tz, (9, 21)) and not _waking_exists(now, due - MIN, tz, (9, 21))
    elif _waking_exists(now, deadline, tz, (9, 21)):
        assert _awake(due, tz, (9, 21)) and due <= deadline
    else:
        assert due == now  # waiting would miss the deadline: a message at night beats none


def test_a_catch_up_at_03_08_for_a_deadline_days_away_goes_in_the_morning() -> None:
    now = local(MSK, 2026, 11, 27, 3, 8)
    assert catch_up_due(now, now + 5 * DAY, MSK, (9, 21)) == local(MSK, 2026, 11, 27, 9, 0)
    assert catch_up_due(now, now + HOUR, MSK, (9, 21)) == now
