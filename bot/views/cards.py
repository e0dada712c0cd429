"""A case as the buyer sees it: the card with every answer, the /status list, deadlines as
countdowns with the local time, the history, and the buttons to record what happened."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CalendarFile, CaseAction, OpenCard, ResumeCase, SendEvidence
from bot.domain import draft, lifecycle, timers
from bot.domain.lifecycle import Action
from bot.domain.models import Branch, Dispute, Event, EvidenceSummary, Stage
from bot.domain.negotiation.case import OFFER_MOVES
from bot.domain.rules import Rules
from bot.domain.schedule import Deadline, active_deadlines
from bot.i18n import Translator
from bot.views import negotiation
from bot.views.advice import tips_block
from bot.views.claim import claim_section
from bot.views.evidence import files_count
from bot.views.facts import fact_rows
from bot.views.keyboards import button, in_columns, keyboard
from bot.views.labels import (
    action_label,
    branch_label,
    deadline_label,
    reason_label,
    refund_label,
    stage_text,
)
from bot.views.timers import source_mark, timer_buttons

MESSAGE_BUDGET = 3_900  # characters of one message, under Telegram's 4,096
HISTORY_SHOWN = 8  # the latest moves; the whole log stays in the database
DASH = "—"


def _row(label: str, value: str) -> str:
    return f"<b>{label}:</b> {value}"


def _protection(t: Translator, d: Dispute, tz: ZoneInfo, now: datetime) -> str:
    if d.protection_end is None:
        return t._("unknown")
    left = d.protection_end - now
    when = t.datetime(d.protection_end, tz)
    if left.total_seconds() > 0:
        return t._("ends %(when)s, in %(left)s", when=when, left=t.duration(left))
    return t._("ended %(when)s", when=when)


def _receipt(t: Translator, d: Dispute, tz: ZoneInfo) -> str:
    if d.receipt_confirmed and d.receipt_confirmed_at is not None:
        return t._("confirmed on %(date)s", date=t.date(d.receipt_confirmed_at, tz))
    if d.receipt_confirmed is False:
        return t._("not confirmed")
    return DASH


def _refund(t: Translator, d: Dispute) -> str | None:
    if d.refund_option is None:
        return None
    if d.branch is Branch.NOT_RECEIVED:
        return t._("full refund")  # nothing came: nothing to keep or to send back
    refund = refund_label(t, d.refund_option)
    if d.refund_option.is_partial and d.refund_amount is not None:
        refund += ": " + t.money(d.refund_amount)
    return refund


def _shortened(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def dispute_card(
    t: Translator,
    d: Dispute,
    tz: ZoneInfo,
    now: datetime,
    *,
    evidence_count: int,
    description_max: int | None = None,
) -> str:
    """Every answer of a dispute, for the summary and the /status card. `description_max`:
    the description cut at a word past this length, for a message that must fit."""
    order = f"<code>{html.escape(d.order_id)}</code>" if d.order_id else DASH
    lines = [
        _row(t._("Order"), order),
        _row(t._("Item"), html.escape(d.item_title) if d.item_title else DASH),
        _row(t._("Paid"), t.money(d.amount_paid) if d.amount_paid else DASH),
        _row(t._("Buyer protection"), _protection(t, d, tz, now)),
        _row(t._("Received"), branch_label(t, d.branch) if d.branch else DASH),
        _row(t._("Reason"), reason_label(t, d.reason) if d.reason else DASH),
    ]
    if d.branch is Branch.NOT_RECEIVED and d.shipped_at is not None:
        lines.append(_row(t._("Shipped"), t.date(d.shipped_at, tz)))
    if d.branch is Branch.RECEIVED:
        lines.append(_row(t._("Receipt on AliExpress"), _receipt(t, d, tz)))
    refund = _refund(t, d)
    if refund is not None:
        lines.append(_row(t._("Refund"), refund))
    if d.description:
        description = _shortened(d.description, description_max)
        lines.append(_row(t._("Your description"), html.escape(description)))
    lines += [_row(label, value) for label, value in fact_rows(t, d)]
    lines.append(_row(t._("Evidence"), files_count(t, evidence_count)))
    if d.stage is not Stage.DRAFT:
        lines.append(_row(t._("Stage"), stage_text(t, d)))
    return "\n".join(lines)


# --- deadlines ------------------------------------------------------------------------------
def upcoming_deadlines(d: Dispute, now: datetime, rules: Rules) -> list[Deadline]:
    return [dl for dl in active_deadlines(d, rules) if dl.at > now]


def next_deadline(d: Dispute, now: datetime, rules: Rules) -> Deadline | None:
    """The nearest future deadline that matters in the case's stage (the schedule's own list)."""
    return min(upcoming_deadlines(d, now, rules), key=lambda dl: dl.at, default=None)


def deadline_line(t: Translator, dl: Deadline, tz: ZoneInfo, now: datetime) -> str:
    return t._(
        "%(what)s in %(left)s, %(when)s",
        what=deadline_label(t, dl.family),
        left=t.duration(dl.at - now),
        when=t.datetime(dl.at, tz),
    )


# --- one case's card ------------------------------------------------------------------------
def _history_entry(t: Translator, ev: Event) -> str | None:
    simple = {
        "created": t._("case created"),
        "confirmed": t._("answers confirmed"),
        lifecycle.EVENT_DEADLINE: t._("deadline corrected"),
        "tracking": t._("watching the protection timer"),
        "muted": t._("reminders turned off"),
        "unmuted": t._("reminders turned on"),
    }
    if ev.kind == lifecycle.EVENT_ACTION:
        try:
            return action_label(t, Action(str(ev.detail.get("action"))))
        except ValueError:
            return None
    return simple.get(ev.kind) or negotiation.history_entry(t, ev)


def history_lines(t: Translator, events: Sequence[Event], tz: ZoneInfo) -> list[str]:
    """The case's story in the buyer's words: creation, confirmation and every recorded move."""
    lines = []
    for ev in events:
        what = _history_entry(t, ev)
        if what is not None:
            lines.append(f"• {t.date(ev.at, tz)}: {what}")
    return lines[-HISTORY_SHOWN:]


def claim_message(t: Translator, d: Dispute, tz: ZoneInfo, evidence: EvidenceSummary) -> str:
    """The English text on its own, for a card too long to carry it."""
    return claim_section(t, d, evidence, tz, english=d.claim_text)


def action_buttons(t: Translator, d: Dispute) -> list[list[InlineKeyboardButton]]:
    """The moves that make sense for this case now, two per row."""
    # Drafts are confirmed and edited in the wizard itself, not from the card.
    # The seller's answer with an offer is recorded after checking the offer (the
    # negotiation buttons above), so those two moves have no button of their own.
    actions = [
        a
        for a in lifecycle.available_actions(d)
        if a not in (Action.CONFIRM_DRAFT, Action.EDIT_DRAFT, *OFFER_MOVES)
    ]
    return in_columns([button(action_label(t, a), CaseAction(d.id or 0, a)) for a in actions], 2)


def _deadlines_block(
    t: Translator, d: Dispute, upcoming: Sequence[Deadline], tz: ZoneInfo, now: datetime
) -> str:
    """Every deadline ahead, each marked as read off the buyer's page or our default."""
    lines = [
        "⏰ " + deadline_line(t, dl, tz, now) + source_mark(t, d, dl.family) for dl in upcoming
    ]
    if any(timers.is_own(d, dl.family) is False for dl in upcoming):
        lines.append(
            t._(
                "Defaults are counted by the usual rules from when you told me; your "
                "dispute page shows the real timers: enter them with ⏱."
            )
        )
    return "\n".join(lines)


def stage_menu(t: Translator, d: Dispute) -> tuple[str, InlineKeyboardMarkup]:
    """A reminder's "Update the stage": what happened, as the case's moves, and the card."""
    order = f"<code>{html.escape(d.order_id or DASH)}</code>"
    title = f" · {html.escape(d.item_title)}" if d.item_title else ""
    # The seller's answer with an offer is recorded by checking the offer first (its button).
    moves = [*negotiation.card_buttons(t, d), *action_buttons(t, d)]
    if moves:
        text = t._("What happened with order %(order)s?", order=order + title)
    else:
        text = t._("There is nothing to record for order %(order)s now.", order=order + title)
    text += "\n" + t._("Stage now: %(stage)s.", stage=stage_text(t, d))
    card = [button("📋 " + t._("Open the card"), OpenCard(d.id or 0))]
    return text, keyboard([*moves, card])


def case_card(
    t: Translator,
    d: Dispute,
    tz: ZoneInfo,
    now: datetime,
    rules: Rules,
    *,
    evidence: EvidenceSummary,
    events: Sequence[Event],
    headline: str | None = None,
    with_claim: bool = True,
) -> tuple[str, InlineKeyboardMarkup]:
    """One order's card: answers, deadlines, English text, history, and what to do next.

    `with_claim`: False when the English text goes in a message of its own (`claim_message`),
    for a card that would be too long for one message with it.
    """
    evidence_count = evidence.total
    parts = [headline] if headline else []
    parts.append(dispute_card(t, d, tz, now, evidence_count=evidence_count))
    upcoming = upcoming_deadlines(d, now, rules)
    if upcoming:
        parts.append(_deadlines_block(t, d, upcoming, tz, now))
    tips = tips_block(t, d, rules)
    if tips:
        parts.append(tips)
    if d.claim_text and with_claim:
        parts.append(claim_section(t, d, evidence, tz, english=d.claim_text))
    history = history_lines(t, events, tz)
    if history:
        parts.append("<b>" + t._("History") + "</b>\n" + "\n".join(history))
    rows = []
    if draft.resumable(d):
        rows.append([button("▶️ " + t._("Continue it"), ResumeCase(d.id or 0))])
    rows.extend(negotiation.card_buttons(t, d))
    rows.extend(action_buttons(t, d))
    rows.extend(in_columns(timer_buttons(t, d), 2))
    extras = []
    if evidence_count:
        extras.append(button("🖼 " + t._("Evidence"), SendEvidence(d.id or 0)))
    if upcoming:
        extras.append(button("📅 " + t._("Calendar (.ics)"), CalendarFile(d.id or 0)))
    rows.append(extras)
    return "\n\n".join(parts), keyboard(rows)


def calendar_events(
    t: Translator, d: Dispute, upcoming: Sequence[Deadline]
) -> list[tuple[str, str, datetime, str]]:
    """The .ics events of a case's upcoming deadlines: (uid, title, instant, description)."""
    title = t._("AliExpress order %(order)s", order=d.order_id)
    return [
        (
            f"{d.id}-{dl.family.value}-{int(dl.at.timestamp())}@dispute-helper",
            f"{title}: {deadline_label(t, dl.family)}",
            dl.at,
            t._(
                "Dispute Helper reminder. Open /status %(order)s in Telegram for what to do.",
                order=d.order_id,
            ),
        )
        for dl in upcoming
    ]
