"""Commands and answers outside any flow: start, help, privacy, language, unknown input, errors."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import BotCommandScopeAllPrivateChats, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop

from bot import alerts
from bot.callbacks import ChooseLanguage, Menu
from bot.context import BotContext, DisputeApplication, load_buyer
from bot.handlers.dispatch import answer_stale
from bot.handlers.wizard import current_prompt
from bot.i18n import language_for, translator
from bot.views import general

log = logging.getLogger(__name__)

# Telegram language codes that get the Russian command menu (see i18n.language_for).
_MENU_LANGUAGE_CODES = {"ru": ("ru", "uk", "be", "kk")}


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start-up: the command menu for private chats only, and the bot's description and
    short description, for every language (the menu per scope, as rules-bot's post_init).

    The default scope's menus (which an earlier version registered, and which groups would
    show) are deleted, so the menu exists in private chats only. The calls are independent
    and go out at once.
    """
    bot = application.bot
    private = BotCommandScopeAllPrivateChats()
    en = translator("en")
    calls = [
        bot.delete_my_commands(),
        bot.set_my_commands(general.command_list(en), scope=private),
        bot.set_my_description(general.bot_description(en)),
        bot.set_my_short_description(general.bot_short_description(en)),
    ]
    for language, codes in _MENU_LANGUAGE_CODES.items():
        t = translator(language)
        for code in codes:
            calls += [
                bot.delete_my_commands(language_code=code),
                bot.set_my_commands(general.command_list(t), scope=private, language_code=code),
                bot.set_my_description(general.bot_description(t), language_code=code),
                bot.set_my_short_description(general.bot_short_description(t), language_code=code),
            ]
    await asyncio.gather(*calls)


async def start(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    user = update.effective_user
    await update.effective_message.reply_html(
        general.greeting(context.t, user.first_name if user else None),
        reply_markup=general.main_menu(context.t),
    )


async def help_command(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_html(general.help_text(context.t))


async def privacy(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_html(general.privacy_text(context.t))


async def language_command(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._("Choose your language:"), reply_markup=general.language_keyboard()
    )


async def language_chosen(update: Update, context: BotContext, data: ChooseLanguage) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    language = data.language
    user_id = update.effective_user.id
    await context.db.users.set_language(user_id, language)
    buyer = context.services.buyers.get(user_id) or context.buyer
    buyer.language = language
    context.services.buyers[user_id] = buyer
    context.use(buyer, language)
    t = context.t
    await query.answer()
    await query.edit_message_text(general.language_set(t, language))
    await query.message.reply_html(  # type: ignore[union-attr]
        general.what_next(t), reply_markup=general.main_menu(t)
    )


async def menu_pressed(update: Update, context: BotContext, data: Menu) -> None:
    """The main menu's Language and Help (Open a dispute and My orders have their flows)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    message = query.message
    if data.item == "lang":
        await message.reply_text(  # type: ignore[union-attr]
            context.t._("Choose your language:"), reply_markup=general.language_keyboard()
        )
    else:
        await message.reply_html(general.help_text(context.t))  # type: ignore[union-attr]


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    command = (message.text or "").split(maxsplit=1)[0].split("@", 1)[0]
    await message.reply_text(general.unknown_command(context.t, command))


async def outside_flow(update: Update, context: BotContext) -> None:
    """A message no flow is waiting for: say what the bot can do instead of staying silent."""
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    await message.reply_text(
        general.not_waiting(context.t), reply_markup=general.main_menu(context.t)
    )


async def reject_empty_callback(update: Update, context: BotContext) -> None:
    """PTB's pattern-matching handlers accept a callback query with no data at all (Telegram
    never sends one, but forged updates can): stop it here, before any handler acts on it."""
    query = update.callback_query
    if query is not None and not query.data and not query.game_short_name:
        await answer_stale(update, context)
        raise ApplicationHandlerStop


def _in_private_chat(update: object) -> bool:
    chat = update.effective_chat if isinstance(update, Update) else None
    return chat is not None and chat.type == ChatType.PRIVATE


async def repeat_prompt(update: Update, application: DisputeApplication) -> None:
    """An update whose effects are committed but whose reply may never have left: its process
    was killed in between, and another took it over (bot/inbox.py). It is not handled again
    (that would apply it twice); instead the buyer is shown the question they are on now, so
    that a step the bot saved is never one they did not see. Private chats only."""
    chat = update.effective_chat
    if chat is None or not _in_private_chat(update):
        return
    context = BotContext.from_update(update, application)
    await load_buyer(update, context)
    where = await current_prompt(update, context)
    if where is not None:
        await context.bot.send_message(chat.id, where[0], reply_markup=where[1])


async def on_error(update: object, context: BotContext) -> None:
    """Log with context; tell the buyer, in their language, that their data is safe."""
    user_id = chat_id = None
    if isinstance(update, Update):
        user_id = update.effective_user.id if update.effective_user else None
        chat_id = update.effective_chat.id if update.effective_chat else None
    log.error(
        "unhandled error while processing update %s (user %s, chat %s)",
        update.update_id if isinstance(update, Update) else None,
        user_id,
        chat_id,
        exc_info=context.error,
    )
    await alerts.report_error(update, context)  # counted; to ERROR_CHAT_ID when set
    if chat_id is None or not _in_private_chat(update):
        return  # where to say it, and never in a group: the apology shows the buyer's step
    t = context.t
    if isinstance(update, Update) and update.effective_user and context.loaded_buyer is None:
        # The error handler's own context has no buyer loaded: their Telegram language.
        t = translator(language_for(update.effective_user.language_code))
    try:
        where = await current_prompt(update, context) if isinstance(update, Update) else None
    except Exception:  # the apology must go out even if the database is what failed
        log.warning("could not find the buyer's current step", exc_info=True)
        where = None
    text = general.apology(t, where[0] if where else None)
    try:
        await context.bot.send_message(chat_id, text, reply_markup=where[1] if where else None)
    except TelegramError:
        log.warning("could not tell chat %s about the error", chat_id, exc_info=True)
