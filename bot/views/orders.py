"""/status: the buyer's orders, each order's cases together (one case per item), with each
case's stage and next deadline, within one Telegram message."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import OpenCard
from bot.domain.models import Dispute
from bot.domain.rules import Rules
from bot.i18n import Translator
from bot.views.cards import DASH, MESSAGE_BUDGET, deadline_line, next_deadline
from bot.views.keyboards import button, keyboard
from bot.views.labels import stage_text

MAX_LISTED = 30  # cases in one message: enough for 30 short lines within the budget


def _order(d: Dispute) -> str:
    return f"<code>{html.escape(d.order_id)}</code>" if d.order_id else DASH


def _case_lines(t: Translator, d: Dispute, tz: ZoneInfo, now: datetime, rules: Rules) -> str:
    """A case's stage and next deadline, under its order's line."""
    line = "   " + stage_text(t, d)
    upcoming = next_deadline(d, now, rules)
    if upcoming is not None:
        line += "\n   " + deadline_line(t, upcoming, tz, now)
    return line


def _group_text(
    t: Translator, cases: Sequence[Dispute], tz: ZoneInfo, now: datetime, rules: Rules
) -> str:
    """One order: its line, then each of its cases (by item when it has several)."""
    first = cases[0]
    if len(cases) == 1:
        title = f" · {html.escape(first.item_title)}" if first.item_title else ""
        return f"{_order(first)}{title}\n" + _case_lines(t, first, tz, now, rules)
    lines = [
        t.ngettext(
            "%(order)s, %(n)s case:", "%(order)s, %(n)s cases:", len(cases), order=_order(first)
        )
    ]
    for d in cases:
        item = html.escape(d.item_title) if d.item_title else t._("without an item title")
        lines.append(f"• <b>{item}</b>\n" + _case_lines(t, d, tz, now, rules))
    return "\n".join(lines)


def _button(d: Dispute) -> InlineKeyboardButton:
    order = d.order_id[-8:] if d.order_id else DASH
    title = f" · {d.item_title[:20]}" if d.item_title else ""
    return button(f"📋 {order}{title}", OpenCard(d.id or 0))


def grouped(disputes: Sequence[Dispute]) -> list[list[Dispute]]:
    """Cases by order, orders with an active case first; within an order active cases
    first, then in the order they were made."""
    ordered = [d for d in disputes if d.stage.is_active] + [
        d for d in disputes if not d.stage.is_active
    ]
    groups: dict[str, list[Dispute]] = {}
    for d in ordered:
        groups.setdefault(d.order_id or "", []).append(d)
    return list(groups.values())


def order_list(
    t: Translator,
    disputes: Sequence[Dispute],
    tz: ZoneInfo,
    now: datetime,
    rules: Rules,
    *,
    heading: str | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """/status (or one order's cases): orders with active cases first, each order's cases
    together with their stage and next deadline, as many orders as fit one message."""
    if not disputes:
        return t._(
            "You have no orders with me yet. Send /new to open a dispute step by step."
        ), None
    groups = grouped(disputes)
    lines = ["<b>" + (heading or t._("Your orders")) + "</b>"]
    shown: list[Dispute] = []
    length = len(lines[0])
    for cases in groups:
        text = _group_text(t, cases, tz, now, rules)
        # Telegram refuses a message over 4,096 characters; leave room for the "more" line.
        if length + len(text) + 2 > MESSAGE_BUDGET or len(shown) + len(cases) > MAX_LISTED:
            break
        lines.append(text)
        shown.extend(cases)
        length += len(text) + 2
    left = len(groups) - len({d.order_id for d in shown})
    if left:
        lines.append(
            t.ngettext(
                "…and %(n)s more order: send /status ORDER to see it.",
                "…and %(n)s more orders: send /status ORDER for any of them.",
                left,
            )
        )
    return "\n\n".join(lines), keyboard([_button(d)] for d in shown)
