"""/status: the buyer's orders with their next deadline, and one order's card."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.domain import lifecycle
from bot.domain.models import Dispute, Event
from bot.domain.rules import Rules
from bot.domain.schedule import Deadline, ReminderFamily, active_deadlines
from bot.handlers import messages, wizard
from bot.handlers.cases import own_dispute
from bot.i18n import Translator
from bot.ics import calendar
from bot.keyboards import button, keyboard

MESSAGE_BUDGET = 3_900  # characters of a list message, under Telegram's 4,096
MAX_LISTED = 30  # a Telegram message holds about 4096 characters: enough for 30 short lines


def next_deadline(d: Dispute, now: datetime, rules: Rules) -> Deadline | None:
    """The nearest future deadline that matters in the case's stage (the schedule's own list)."""
    upcoming = [dl for dl in active_deadlines(d, rules) if dl.at > now]
    return min(upcoming, key=lambda dl: dl.at, default=None)


def deadline_label(t: Translator, family: ReminderFamily) -> str:
    """Reads after "… in 2 days": "buyer protection ends in 2 days"."""
    labels = {
        ReminderFamily.PROTECTION: t._("buyer protection ends"),
        ReminderFamily.RECEIPT: t._("the time to open a dispute after confirming receipt ends"),
        ReminderFamily.SELLER: t._("seller's time to answer ends"),
        ReminderFamily.ESCALATION: t._("escalation to AliExpress"),
        ReminderFamily.EVIDENCE: t._("evidence is due"),
        ReminderFamily.RETURN: t._("return parcel must be posted"),
        ReminderFamily.REFUND: t._("time to check the refund arrived"),
    }
    return labels[family]


def deadline_line(t: Translator, dl: Deadline, tz: ZoneInfo, now: datetime) -> str:
    return t._(
        "%(what)s in %(left)s, %(when)s",
        what=deadline_label(t, dl.family),
        left=t.duration(dl.at - now),
        when=t.datetime(dl.at, tz),
    )


def _line(t: Translator, d: Dispute, tz: ZoneInfo, now: datetime, rules: Rules) -> str:
    title = f" · {html.escape(d.item_title)}" if d.item_title else ""
    line = f"<code>{html.escape(d.order_id)}</code>{title}\n   {messages.stage_text(t, d)}"
    upcoming = next_deadline(d, now, rules)
    if upcoming is not None:
        line += "\n   " + deadline_line(t, upcoming, tz, now)
    return line


async def status_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    t = context.t
    argument = "".join(context.args or [])
    if argument:
        digits = "".join(ch for ch in argument if ch.isdigit())
        disputes = await context.db.disputes.list_for_user(update.effective_user.id)
        matching = [d for d in disputes if d.order_id == digits]
        if not matching:
            await message.reply_text(
                t._(
                    "You have no case for order %(order)s. /status lists your orders.",
                    order=html.escape(argument[:40]),
                )
            )
            return
        best = next((d for d in matching if d.stage.is_active), matching[0])
        await send_card(context, message.chat_id, best)
        return
    await send_list(context, message.chat_id, update.effective_user.id)


async def send_list(context: BotContext, chat_id: int, user_id: int) -> None:
    t = context.t
    disputes = await context.db.disputes.list_for_user(user_id)
    if not disputes:
        await context.bot.send_message(
            chat_id,
            t._("You have no orders with me yet. Send /new to open a dispute step by step."),
        )
        return
    now = context.now()
    tz = ZoneInfo(context.timezone)
    active = [d for d in disputes if d.stage.is_active]
    closed = [d for d in disputes if not d.stage.is_active]
    ordered = active + closed
    lines = ["<b>" + t._("Your orders") + "</b>"]
    rules = context.services.rules
    shown: list[Dispute] = []
    length = len(lines[0])
    for d in ordered[:MAX_LISTED]:
        line = _line(t, d, tz, now, rules)
        # Telegram refuses a message over 4,096 characters; leave room for the "more" line.
        if length + len(line) + 2 > MESSAGE_BUDGET:
            break
        lines.append(line)
        shown.append(d)
        length += len(line) + 2
    if len(shown) < len(ordered):
        lines.append(
            t.ngettext(
                "…and %(n)s more order: send /status ORDER to see it.",
                "…and %(n)s more orders: send /status ORDER for any of them.",
                len(ordered) - len(shown),
            )
        )
    buttons = [
        [
            button(
                f"📋 {d.order_id[-8:]}" + (f" · {d.item_title[:20]}" if d.item_title else ""),
                "st",
                d.id or 0,
            )
        ]
        for d in shown
    ]
    await context.bot.send_message(chat_id, "\n\n".join(lines), reply_markup=keyboard(buttons))


HISTORY_SHOWN = 8  # the latest moves; the whole log stays in the database


def history_lines(t: Translator, events: list[Event], tz: ZoneInfo) -> list[str]:
    """The case's story in the buyer's words: creation, confirmation and every recorded move."""
    from bot.handlers.lifecycle import action_label

    lines = []
    for ev in events:
        if ev.kind == "created":
            what = t._("case created")
        elif ev.kind == "confirmed":
            what = t._("answers confirmed")
        elif ev.kind == lifecycle.EVENT_ACTION:
            try:
                what = action_label(t, lifecycle.Action(str(ev.detail.get("action"))))
            except ValueError:
                continue
        elif ev.kind == lifecycle.EVENT_DEADLINE:
            what = t._("deadline corrected")
        elif ev.kind == "tracking":
            what = t._("watching the protection timer")
        elif ev.kind == "muted":
            what = t._("reminders turned off")
        elif ev.kind == "unmuted":
            what = t._("reminders turned on")
        else:
            continue
        lines.append(f"• {t.date(ev.at, tz)}: {what}")
    return lines[-HISTORY_SHOWN:]


async def send_card(
    context: BotContext, chat_id: int, d: Dispute, *, headline: str | None = None
) -> None:
    """One order's card: answers, deadlines, English text, history, and what to do next."""
    from bot.handlers.lifecycle import action_buttons

    t = context.t
    tz = ZoneInfo(context.timezone)
    now = context.now()
    count = await context.db.evidence.count(d.id or 0)
    parts = [headline] if headline else []
    parts.append(messages.dispute_card(t, d, tz, now, evidence_count=count))
    upcoming = [dl for dl in active_deadlines(d, context.services.rules) if dl.at > now]
    if upcoming:
        parts.append("⏰ " + "\n⏰ ".join(deadline_line(t, dl, tz, now) for dl in upcoming))
    if d.claim_text:
        parts.append(
            "<b>"
            + t._("Text for AliExpress (English):")
            + "</b>\n<code>"
            + html.escape(d.claim_text)
            + "</code>"
        )
    history = history_lines(t, await context.db.events.list(d.id or 0), tz)
    if history:
        parts.append("<b>" + t._("History") + "</b>\n" + "\n".join(history))
    rows = []
    if wizard.resumable(d):
        rows.append([button("▶️ " + t._("Continue it"), "wx", d.id or 0, "continue")])
    rows.extend(action_buttons(t, d))
    extras = []
    if count:
        extras.append(button("🖼 " + t._("Evidence"), "sf", d.id or 0))
    if upcoming:
        extras.append(button("📅 " + t._("Calendar (.ics)"), "ics", d.id or 0))
    if extras:
        rows.append(extras)
    await context.bot.send_message(
        chat_id, "\n\n".join(parts), reply_markup=InlineKeyboardMarkup(rows)
    )


async def card_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    d = await own_dispute(update, context, "st")
    if d is None or d.id is None:  # answered "out of date" already
        return
    await query.answer()
    await send_card(context, update.effective_user.id, d)


async def files_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    d = await own_dispute(update, context, "sf")
    if d is None or d.id is None:  # answered "out of date" already
        return
    await query.answer()
    await messages.send_evidence(
        context, update.effective_user.id, await context.db.evidence.list(d.id)
    )


async def ics_pressed(update: Update, context: BotContext) -> None:
    """The case's upcoming deadlines as an .ics file, for the buyer's calendar."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    d = await own_dispute(update, context, "ics")
    if d is None or d.id is None:  # answered "out of date" already
        return
    t = context.t
    now = context.now()
    upcoming = [dl for dl in active_deadlines(d, context.services.rules) if dl.at > now]
    if not upcoming:
        await query.answer(t._("No deadlines ahead for this order."))
        return
    await query.answer()
    title = t._("AliExpress order %(order)s", order=d.order_id)
    events = [
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
    await context.bot.send_document(
        update.effective_user.id,
        InputFile(calendar(events, now=now), filename=f"order-{d.order_id}.ics"),
        caption=t._(
            "Deadlines for order %(order)s: open the file to add them to your calendar.",
            order=d.order_id,
        ),
    )


async def menu_status(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    await query.answer()
    await send_list(context, update.effective_user.id, update.effective_user.id)


def register(application: Application[Any, Any, Any, Any, Any, Any], group: int) -> None:
    application.add_handlers(
        [
            CommandHandler("status", status_command),
            CallbackQueryHandler(card_pressed, pattern=r"^st:"),
            CallbackQueryHandler(files_pressed, pattern=r"^sf:"),
            CallbackQueryHandler(ics_pressed, pattern=r"^ics:"),
            CallbackQueryHandler(menu_status, pattern=r"^menu:status$"),
        ],
        group=group,
    )
