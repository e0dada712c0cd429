"""/status: the buyer's orders with their next deadline, and one order's card."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.domain.models import Dispute, Stage
from bot.handlers import messages, wizard
from bot.i18n import Translator
from bot.keyboards import button, keyboard, parse_callback

MAX_LISTED = 30  # a Telegram message holds about 4096 characters: enough for 30 short lines


def next_deadline(d: Dispute, now: datetime) -> tuple[str, datetime] | None:
    """The nearest future instant that matters for this case, and what it is."""
    candidates: list[tuple[str, datetime | None]] = []
    if d.stage in (Stage.TRACKING, Stage.DRAFT, Stage.READY):
        candidates.append(("protection", d.protection_end))
    if d.stage is Stage.OPENED:
        candidates.append(("seller", d.seller_deadline))
    if d.stage in (
        Stage.OPENED,
        Stage.SELLER_ACCEPTED,
        Stage.SELLER_COUNTERED,
        Stage.SELLER_REJECTED,
    ):
        candidates.append(("escalation", d.escalation_at))
    if d.stage is Stage.EVIDENCE_REQUESTED:
        candidates.append(("evidence", d.evidence_due))
    if d.return_post_by is not None:
        candidates.append(("return", d.return_post_by))
    future = [(k, v) for k, v in candidates if v is not None and v > now]
    if not future:
        return None
    kind, when = min(future, key=lambda kv: kv[1])
    assert when is not None
    return kind, when


def deadline_label(t: Translator, kind: str) -> str:
    labels = {
        "protection": t._("buyer protection ends"),
        "seller": t._("seller's time to answer ends"),
        "escalation": t._("escalation to AliExpress"),
        "evidence": t._("evidence is due"),
        "return": t._("return parcel must be posted"),
    }
    return labels.get(kind, kind)


def _line(t: Translator, d: Dispute, tz: ZoneInfo, now: datetime) -> str:
    title = f" · {html.escape(d.item_title)}" if d.item_title else ""
    line = f"<code>{html.escape(d.order_id)}</code>{title}\n   {messages.stage_text(t, d)}"
    upcoming = next_deadline(d, now)
    if upcoming is not None:
        kind, when = upcoming
        line += "\n   " + t._(
            "%(what)s in %(left)s, %(when)s",
            what=deadline_label(t, kind),
            left=t.duration(when - now),
            when=t.datetime(when, tz),
        )
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
    shown = (active + closed)[:MAX_LISTED]
    lines = ["<b>" + t._("Your orders") + "</b>"]
    lines.extend(_line(t, d, tz, now) for d in shown)
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


async def send_card(context: BotContext, chat_id: int, d: Dispute) -> None:
    t = context.t
    tz = ZoneInfo(context.timezone)
    now = context.now()
    count = await context.db.evidence.count(d.id or 0)
    text = messages.dispute_card(t, d, tz, now, evidence_count=count)
    upcoming = next_deadline(d, now)
    if upcoming is not None:
        kind, when = upcoming
        text += "\n\n⏰ " + t._(
            "Next: %(what)s in %(left)s, %(when)s",
            what=deadline_label(t, kind),
            left=t.duration(when - now),
            when=t.datetime(when, tz),
        )
    if d.claim_text:
        text += (
            "\n\n<b>"
            + t._("Text for AliExpress (English):")
            + "</b>\n<code>"
            + html.escape(d.claim_text)
            + "</code>"
        )
    rows = []
    if wizard.resumable(d):
        rows.append([button("▶️ " + t._("Continue it"), "wx", d.id or 0, "continue")])
    if count:
        rows.append([button("🖼 " + t._("Send my evidence back to me"), "sf", d.id or 0)])
    await context.bot.send_message(chat_id, text, reply_markup=InlineKeyboardMarkup(rows))


async def card_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    fields = parse_callback(query.data, "st", 1)
    d = None
    if fields and fields[0].isdigit():
        d = await context.db.disputes.get(int(fields[0]), update.effective_user.id)
    if d is None:
        await query.answer(context.t._("This button is out of date."))
        return
    await query.answer()
    await send_card(context, update.effective_user.id, d)


async def files_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    fields = parse_callback(query.data, "sf", 1)
    d = None
    if fields and fields[0].isdigit():
        d = await context.db.disputes.get(int(fields[0]), update.effective_user.id)
    if d is None or d.id is None:
        await query.answer(context.t._("This button is out of date."))
        return
    await query.answer()
    await messages.send_evidence(
        context, update.effective_user.id, await context.db.evidence.list(d.id)
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
            CallbackQueryHandler(menu_status, pattern=r"^menu:status$"),
        ],
        group=group,
    )
