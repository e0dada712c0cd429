"""Buyer settings outside the wizard: time zone, deleting every trace of the buyer, /cancel."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.context import BotContext
from bot.handlers.common import stale_button
from bot.keyboards import button, in_columns, keyboard, parse_callback

log = logging.getLogger(__name__)

# Waking-hour windows offered as buttons (local time); 0-24 means "any time".
WAKING_CHOICES = ((7, 22), (8, 22), (9, 21), (10, 23), (0, 24))

# The zones most buyers of a Russian- or English-speaking bot live in, as one-tap choices.
COMMON_ZONES = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Vladivostok",
    "Europe/Kyiv",
    "Europe/Minsk",
    "Asia/Almaty",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)


def _zone_names() -> dict[str, str]:
    """Lower-cased IANA names -> canonical, so `europe/berlin` works as well."""
    return {name.lower(): name for name in available_timezones()}


async def timezone_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    t = context.t
    argument = " ".join(context.args or []).strip()
    if argument:
        name = _zone_names().get(argument.lower())
        if name is None:
            await message.reply_text(
                t._(
                    'I don\'t know the time zone "%(zone)s". Use an IANA name such as '
                    "<code>Europe/Berlin</code> or <code>Asia/Almaty</code>, or pick one below.",
                    zone=argument[:64].replace("<", "&lt;"),
                ),
                reply_markup=_zones_keyboard(),
            )
            return
        await _set_zone(update, context, name)
        await message.reply_text(_zone_set_text(context, name))
        return
    await message.reply_text(
        t._(
            "Your time zone is %(zone)s. Reminders come between %(start)s:00 and %(end)s:00 "
            "your time. Pick another zone, or send <code>/timezone Area/City</code>, e.g. "
            "<code>/timezone Asia/Tbilisi</code>.",
            zone=context.timezone,
            start=_hours(context)[0],
            end=_hours(context)[1],
        ),
        reply_markup=_zones_keyboard(),
    )
    await message.reply_text(
        t._("When may reminders arrive? Pick your waking hours (your local time):"),
        reply_markup=keyboard(
            in_columns([button(f"{a}:00–{b}:00", "hrs", a, b) for a, b in WAKING_CHOICES], 2)
        ),
    )


def _hours(context: BotContext) -> tuple[int, int]:
    return context.buyer.waking(context.services.settings.reminder_hours)


async def hours_chosen(update: Update, context: BotContext) -> None:
    """Per-buyer waking hours: reminders that would fall outside them move earlier."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    fields = parse_callback(query.data, "hrs", 2)
    # Compared as text with the offered windows: no int() of forged data ("²" is a digit).
    choice = next((c for c in WAKING_CHOICES if fields == [str(c[0]), str(c[1])]), None)
    if choice is None:
        await stale_button(update, context)
        return
    user_id = update.effective_user.id
    await context.db.users.set_waking_hours(user_id, *choice)
    context.buyer.remind_from_hour, context.buyer.remind_to_hour = choice
    context.services.buyers[user_id] = context.buyer
    service = context.services.reminders
    if service is not None:
        await service.replan_buyer(user_id)
    await query.answer()
    await query.edit_message_text(
        context.t._(
            "Done: reminders will come between %(start)s:00 and %(end)s:00 your time.",
            start=choice[0],
            end=choice[1],
        )
    )


def _zones_keyboard() -> Any:
    buttons = [
        button(zone.rsplit("/", 1)[-1].replace("_", " "), "tz", zone.replace("/", "."))
        for zone in COMMON_ZONES
    ]
    return keyboard(in_columns(buttons, 3))


def _zone_set_text(context: BotContext, name: str) -> str:
    now = context.now()
    return context.t._(
        "Done: your time zone is %(zone)s (it's %(time)s there now).",
        zone=name,
        time=context.t.datetime(now, name),
    )


async def _set_zone(update: Update, context: BotContext, name: str) -> None:
    assert update.effective_user is not None
    user_id = update.effective_user.id
    await context.db.users.set_timezone(user_id, name)
    context.buyer.timezone = name
    context.services.buyers[user_id] = context.buyer
    service = context.services.reminders
    if service is not None:  # reminders fall in waking hours of the new zone
        await service.replan_buyer(user_id)


async def timezone_chosen(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    fields = parse_callback(query.data, "tz", 1)
    name = fields[0].replace(".", "/") if fields else ""
    try:
        if name not in COMMON_ZONES:
            raise ZoneInfoNotFoundError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        await stale_button(update, context)
        return
    await _set_zone(update, context, name)
    await query.answer()
    await query.edit_message_text(_zone_set_text(context, name))


async def deletedata_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    t = context.t
    await message.reply_text(
        t._(
            "This deletes everything I keep about you: all your orders and disputes, evidence "
            "references, reminders, history and settings. It cannot be undone. Delete?"
        ),
        reply_markup=keyboard(
            [
                [button("🗑 " + t._("Yes, delete everything"), "del", "yes")],
                [button(t._("No, keep my data"), "del", "no")],
            ]
        ),
    )


async def deletedata_chosen(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    fields = parse_callback(query.data, "del", 1)
    if fields is None or fields[0] not in ("yes", "no"):
        await stale_button(update, context)
        return
    t = context.t
    if fields[0] == "no":
        await query.answer()
        await query.edit_message_text(t._("Nothing was deleted."))
        return
    user_id = update.effective_user.id
    chat_id = update.effective_chat.id if update.effective_chat else user_id
    await context.db.delete_user_data(user_id)
    forget_in_memory(context, user_id, chat_id)
    await query.answer()
    await query.edit_message_text(
        t._("Done: I've deleted all your data. If you write to me again, I'll start from scratch.")
    )


def forget_in_memory(context: BotContext, user_id: int, chat_id: int) -> None:
    """Drop what the running application still holds for this buyer, so nothing is re-saved."""
    application = context.application
    context.services.buyers.pop(user_id, None)
    application.drop_user_data(user_id)
    application.drop_chat_data(chat_id)
    for handlers in application.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                # PTB has no public API to end someone else's conversation; its state dict is
                # the one place it lives in memory (the persisted rows are already deleted).
                conversations = handler._conversations
                for key in [k for k in conversations if user_id in k or chat_id in k]:
                    conversations.pop(key, None)


async def cancel_outside(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        context.t._("There's nothing to cancel right now. /help shows what I can do.")
    )


def register(application: Application[Any, Any, Any, Any, Any, Any], group: int) -> None:
    application.add_handlers(
        [
            CommandHandler("timezone", timezone_command),
            CallbackQueryHandler(timezone_chosen, pattern=r"^tz:"),
            CallbackQueryHandler(hours_chosen, pattern=r"^hrs:"),
            CommandHandler("deletedata", deletedata_command),
            CallbackQueryHandler(deletedata_chosen, pattern=r"^del:"),
            CommandHandler("cancel", cancel_outside),
        ],
        group=group,
    )
