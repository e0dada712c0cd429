"""Buyer settings outside the wizard: time zone, deleting every trace of the buyer, /cancel."""

from __future__ import annotations

import logging
from zoneinfo import available_timezones

from telegram import Update

from bot.callbacks import ChooseHours, ChooseZone, DeleteData
from bot.context import BotContext
from bot.views import settings as views

log = logging.getLogger(__name__)


def _zone_names() -> dict[str, str]:
    """Lower-cased IANA names -> canonical, so `europe/berlin` works as well."""
    return {name.lower(): name for name in available_timezones()}


def _hours(context: BotContext) -> tuple[int, int]:
    return context.buyer.waking(context.services.settings.reminder_hours)


async def timezone_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    t = context.t
    argument = " ".join(context.args or []).strip()
    if argument:
        name = _zone_names().get(argument.lower())
        if name is None:
            await message.reply_text(
                views.unknown_zone(t, argument), reply_markup=views.zones_keyboard()
            )
            return
        await _set_zone(update, context, name)
        await message.reply_text(views.zone_set(t, name, context.now()))
        return
    await message.reply_text(
        views.zone_and_hours(t, context.timezone, _hours(context)),
        reply_markup=views.zones_keyboard(),
    )
    await message.reply_text(views.ask_hours(t), reply_markup=views.hours_keyboard())


async def hours_chosen(update: Update, context: BotContext, data: ChooseHours) -> None:
    """Per-buyer waking hours: reminders that would fall outside them move earlier."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    user_id = update.effective_user.id
    await context.db.users.set_waking_hours(user_id, data.start, data.end)
    context.buyer.remind_from_hour, context.buyer.remind_to_hour = data.start, data.end
    context.services.buyers[user_id] = context.buyer
    service = context.services.reminders
    if service is not None:
        await service.replan_buyer(user_id)
    await query.answer()
    await query.edit_message_text(views.hours_set(context.t, (data.start, data.end)))


async def _set_zone(update: Update, context: BotContext, name: str) -> None:
    assert update.effective_user is not None
    user_id = update.effective_user.id
    await context.db.users.set_timezone(user_id, name)
    context.buyer.timezone = name
    context.services.buyers[user_id] = context.buyer
    service = context.services.reminders
    if service is not None:  # reminders fall in waking hours of the new zone
        await service.replan_buyer(user_id)


async def timezone_chosen(update: Update, context: BotContext, data: ChooseZone) -> None:
    query = update.callback_query
    assert query is not None
    await _set_zone(update, context, data.name)
    await query.answer()
    await query.edit_message_text(views.zone_set(context.t, data.name, context.now()))


async def deletedata_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    text, keyboard = views.delete_question(context.t)
    await message.reply_text(text, reply_markup=keyboard)


async def deletedata_chosen(update: Update, context: BotContext, data: DeleteData) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    t = context.t
    if data.answer == "no":
        await query.answer()
        await query.edit_message_text(t._("Nothing was deleted."))
        return
    user_id = update.effective_user.id
    await context.db.delete_user_data(user_id)
    forget_in_memory(context, user_id)
    await query.answer()
    await query.edit_message_text(
        t._("Done: I've deleted all your data. If you write to me again, I'll start from scratch.")
    )


def forget_in_memory(context: BotContext, user_id: int) -> None:
    """Drop the buyer's settings from the cache, so nothing is re-saved. (That is all the
    process holds: where a buyer is in the wizard lives in their dispute row, deleted.)"""
    context.services.buyers.pop(user_id, None)


async def cancel_outside(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        context.t._("There's nothing to cancel right now. /help shows what I can do.")
    )
