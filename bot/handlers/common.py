"""Commands and answers outside any flow: start, help, privacy, language, unknown input, errors."""

from __future__ import annotations

import asyncio
import html
import logging
from typing import Any

from babel import Locale
from telegram import BotCommand, BotCommandScopeAllPrivateChats, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import alerts
from bot.context import BotContext
from bot.i18n import LANGUAGES, Translator, all_translators, language_for, translator
from bot.keyboards import button, keyboard, parse_callback

log = logging.getLogger(__name__)

# Telegram language codes that get the Russian command menu (see i18n.language_for).
_MENU_LANGUAGE_CODES = {"ru": ("ru", "uk", "be", "kk")}


def command_list(t: Translator) -> list[BotCommand]:
    """The command menu, in the order a buyer needs them."""
    return [
        BotCommand("new", t._("Open a dispute step by step")),
        BotCommand("status", t._("My orders and deadlines")),
        BotCommand("cancel", t._("Stop what we are doing")),
        BotCommand("language", t._("Change the language")),
        BotCommand("timezone", t._("Set your time zone")),
        BotCommand("privacy", t._("What I store and how to delete it")),
        BotCommand("deletedata", t._("Delete all my data")),
        BotCommand("help", t._("What I can do")),
    ]


def bot_description(t: Translator) -> str:
    """What an empty chat with the bot shows ("What can this bot do?"): at most 512 characters."""
    return "\n\n".join(
        [
            t._(
                "I help AliExpress buyers open a dispute the right way: the right reason and "
                "refund option, a short factual English text and the evidence to attach. Then I "
                "remind you before every deadline that could cost you your money."
            ),
            t._(
                "I am not AliExpress and I do not file anything for you. I work in private "
                "chats only."
            ),
        ]
    )


def bot_short_description(t: Translator) -> str:
    """The profile's and shared links' line: at most 120 characters."""
    return t._("AliExpress disputes step by step, and a reminder before every deadline.")


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start-up: the command menu for private chats only, and the bot's description and
    short description, for every language (the menu per scope, as rules-bot's post_init).

    The default scope's menus (which an earlier version registered, and which groups would
    show) are deleted, so the menu exists in private chats only. The calls are independent
    and go out at once.
    """
    bot = application.bot
    private = BotCommandScopeAllPrivateChats()
    calls = [
        bot.delete_my_commands(),
        bot.set_my_commands(command_list(translator("en")), scope=private),
        bot.set_my_description(bot_description(translator("en"))),
        bot.set_my_short_description(bot_short_description(translator("en"))),
    ]
    for language, codes in _MENU_LANGUAGE_CODES.items():
        t = translator(language)
        for code in codes:
            calls += [
                bot.delete_my_commands(language_code=code),
                bot.set_my_commands(command_list(t), scope=private, language_code=code),
                bot.set_my_description(bot_description(t), language_code=code),
                bot.set_my_short_description(bot_short_description(t), language_code=code),
            ]
    await asyncio.gather(*calls)


def main_menu(t: Translator) -> Any:
    return keyboard(
        [
            [button("📝 " + t._("Open a dispute"), "menu", "new")],
            [button("📦 " + t._("My orders"), "menu", "status")],
            [
                button("🌐 " + t._("Language"), "menu", "lang"),
                button("❓ " + t._("Help"), "menu", "help"),
            ],
        ]
    )


def greeting(t: Translator, first_name: str | None) -> str:
    name = html.escape(first_name or "")
    hello = t._("Hello, %(name)s!", name=name) if name else t._("Hello!")
    return "\n\n".join(
        [
            hello,
            t._(
                "I help AliExpress buyers open a dispute the right way and remind you before "
                "every deadline that could cost you your money."
            ),
            t._(
                "I am not AliExpress and I do not file anything for you: I prepare exactly what "
                "to choose and paste into AliExpress's own form, then keep track of the case."
            ),
            t._("What would you like to do?"),
        ]
    )


def help_text(t: Translator) -> str:
    lines = [
        "<b>" + t._("Dispute Helper") + "</b>",
        t._(
            "I walk you through an AliExpress dispute: the right branch and reason, a refund "
            "option that fits, a short factual English text, and the evidence to attach. Then "
            "I keep your deadlines and remind you before each one."
        ),
        "",
        "/new — " + t._("open a dispute step by step"),
        "/status — " + t._("all your orders with their next deadline"),
        "/status " + t._("ORDER") + " — " + t._("one order's card"),
        "/cancel — " + t._("stop the current step-by-step flow"),
        "/language — " + t._("change the language"),
        "/timezone — " + t._("set your time zone for reminders"),
        "/privacy — " + t._("what I store and how to delete it"),
        "/deletedata — " + t._("delete everything I know about you"),
        "",
        t._(
            "I am a helper, not AliExpress and not a lawyer: I cannot open, change or win a "
            "dispute for you, and my advice comes from public guides, not legal counsel."
        ),
    ]
    return "\n".join(lines)


def privacy_text(t: Translator) -> str:
    return "\n\n".join(
        [
            "<b>" + t._("What I store") + "</b>",
            t._(
                "Your Telegram user id, your language and time zone; for each order, the "
                "answers you give me (order number, item, amounts, dates, reason, your "
                "description); references to the photos and videos you send (Telegram file "
                "ids, not the files themselves); your reminders; and a log of what changed in "
                "each case and when."
            ),
            t._(
                "I use it only to guide you and remind you. I share it with nobody, and I am "
                "not connected to AliExpress."
            ),
            t._("To delete all of it at once, send /deletedata."),
        ]
    )


async def start(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    user = update.effective_user
    await update.effective_message.reply_html(
        greeting(context.t, user.first_name if user else None), reply_markup=main_menu(context.t)
    )


async def help_command(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_html(help_text(context.t))


async def privacy(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_html(privacy_text(context.t))


def language_keyboard() -> Any:
    # Each language is named in itself, as Babel's locale data spells it.
    return keyboard(
        [
            [
                button(
                    (Locale.parse(lang).get_display_name(lang) or lang).capitalize(), "lang", lang
                )
                for lang in LANGUAGES
            ]
        ]
    )


async def language_command(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._("Choose your language:"), reply_markup=language_keyboard()
    )


async def language_chosen(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    fields = parse_callback(query.data, "lang", 1)
    if fields is None or fields[0] not in LANGUAGES:
        await stale_button(update, context)
        return
    language = fields[0]
    user_id = update.effective_user.id
    await context.db.users.set_language(user_id, language)
    buyer = context.services.buyers.get(user_id) or context.buyer
    buyer.language = language
    context.services.buyers[user_id] = buyer
    context.use(buyer, language)
    t = context.t
    await query.answer()
    await query.edit_message_text(
        t._("Done: I will speak English with you.")
        if language == "en"
        else t._("Done: I will speak Russian with you.")
    )
    await query.message.reply_html(  # type: ignore[union-attr]
        t._("What would you like to do?"), reply_markup=main_menu(t)
    )


async def menu_pressed(update: Update, context: BotContext) -> None:
    """Main-menu buttons that are not the entry of a flow."""
    query = update.callback_query
    assert query is not None
    fields = parse_callback(query.data, "menu", 1)
    if fields is None:
        await stale_button(update, context)
        return
    await query.answer()
    message = query.message
    if fields[0] == "lang":
        await message.reply_text(  # type: ignore[union-attr]
            context.t._("Choose your language:"), reply_markup=language_keyboard()
        )
    elif fields[0] == "help":
        await message.reply_html(help_text(context.t))  # type: ignore[union-attr]
    else:
        await stale_button(update, context)


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    command = (message.text or "").split(maxsplit=1)[0].split("@", 1)[0]
    await message.reply_text(
        context.t._(
            "I don't know the command %(command)s. Send /help to see what I can do.",
            command=html.escape(command[:64]),
        )
    )


async def outside_flow(update: Update, context: BotContext) -> None:
    """A message no flow is waiting for: say what the bot can do instead of staying silent."""
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    await message.reply_text(
        context.t._(
            "I'm not waiting for anything from you right now. To open a dispute, send /new; "
            "to see your orders, /status; everything I can do: /help."
        ),
        reply_markup=main_menu(context.t),
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an old message, a finished step, or forged data: never act on it."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(context.t._("This button is out of date."), show_alert=False)
    except TelegramError:  # an old query can no longer be answered; nothing else to do
        log.debug("could not answer stale callback query", exc_info=True)


async def reject_empty_callback(update: Update, context: BotContext) -> None:
    """PTB's pattern-matching handlers accept a callback query with no data at all (Telegram
    never sends one, but forged updates can): stop it here, before any handler acts on it."""
    query = update.callback_query
    if query is not None and not query.data and not query.game_short_name:
        await stale_button(update, context)
        raise ApplicationHandlerStop


def _in_private_chat(update: object) -> bool:
    chat = update.effective_chat if isinstance(update, Update) else None
    return chat is not None and chat.type == ChatType.PRIVATE


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
    if isinstance(update, Update) and update.effective_user and context._t is None:
        t = translator(language_for(update.effective_user.language_code))
    text = t._(
        "Sorry, something went wrong on my side. Your data is safe: everything you "
        "told me before this message is saved. Please try again in a moment."
    )
    try:
        from bot.handlers.wizard import current_prompt  # the wizard imports this module

        where = await current_prompt(update, context) if isinstance(update, Update) else None
    except Exception:  # the apology must go out even if the database is what failed
        log.warning("could not find the buyer's current step", exc_info=True)
        where = None
    keyboard = None
    if where:
        text += "\n\n" + t._("We are here:") + "\n" + where[0]
        keyboard = where[1]
    try:
        await context.bot.send_message(chat_id, text, reply_markup=keyboard)
    except TelegramError:
        log.warning("could not tell chat %s about the error", chat_id, exc_info=True)


def register(application: Application[Any, Any, Any, Any, Any, Any], group: int) -> None:
    application.add_handlers(
        [
            CommandHandler("start", start),
            CommandHandler("help", help_command),
            CommandHandler("privacy", privacy),
            CommandHandler("language", language_command),
            CallbackQueryHandler(language_chosen, pattern=r"^lang:"),
            CallbackQueryHandler(menu_pressed, pattern=r"^menu:(lang|help)$"),
        ],
        group=group,
    )


def register_fallbacks(application: Application[Any, Any, Any, Any, Any, Any], group: int) -> None:
    """Catch-alls, registered last in the group so they only answer what nothing else took."""
    application.add_handlers(
        [
            MessageHandler(filters.COMMAND, unknown_command),
            MessageHandler(filters.ALL & ~filters.UpdateType.EDITED, outside_flow),
            CallbackQueryHandler(stale_button),
        ],
        group=group,
    )


__all__ = ["all_translators", "register", "register_fallbacks"]
