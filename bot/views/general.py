"""What the bot says outside any flow: the greeting, help, privacy, the command menu and the
bot's description, the main menu, and answers to input nobody is waiting for."""

from __future__ import annotations

import html

from babel import Locale
from telegram import BotCommand, InlineKeyboardMarkup

from bot.callbacks import ChooseLanguage, Menu
from bot.i18n import LANGUAGES, Translator
from bot.views.keyboards import button, keyboard


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


def main_menu(t: Translator) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [button("📝 " + t._("Open a dispute"), Menu("new"))],
            [button("📦 " + t._("My orders"), Menu("status"))],
            [
                button("🌐 " + t._("Language"), Menu("lang")),
                button("❓ " + t._("Help"), Menu("help")),
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
            what_next(t),
        ]
    )


def what_next(t: Translator) -> str:
    return t._("What would you like to do?")


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
            "When the seller writes to you or makes an offer, forward the message to me or use "
            "the buttons on the order's card: I'll point out the seller's tricks before you "
            "agree to anything, and draft a reply."
        ),
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
                "A seller's message you forward or paste to me is read and not kept: the case's "
                "log keeps only which tricks I found in it, and the offers you check with me."
            ),
            t._(
                "I use it only to guide you and remind you. I share it with nobody, and I am "
                "not connected to AliExpress."
            ),
            t._("To delete all of it at once, send /deletedata."),
        ]
    )


def language_keyboard() -> InlineKeyboardMarkup:
    # Each language is named in itself, as Babel's locale data spells it.
    return keyboard(
        [
            [
                button(
                    (Locale.parse(lang).get_display_name(lang) or lang).capitalize(),
                    ChooseLanguage(lang),
                )
                for lang in LANGUAGES
            ]
        ]
    )


def language_set(t: Translator, language: str) -> str:
    if language == "en":
        return t._("Done: I will speak English with you.")
    return t._("Done: I will speak Russian with you.")


def unknown_command(t: Translator, command: str) -> str:
    return t._(
        "I don't know the command %(command)s. Send /help to see what I can do.",
        command=html.escape(command[:64]),
    )


def not_waiting(t: Translator) -> str:
    """A message no flow is waiting for: what the bot can do instead of silence."""
    return t._(
        "I'm not waiting for anything from you right now. To open a dispute, send /new; "
        "to see your orders, /status; everything I can do: /help."
    )


def apology(t: Translator, where: str | None) -> str:
    """After an unhandled error: the buyer's data is safe, and the step they are on."""
    text = t._(
        "Sorry, something went wrong on my side. Your data is safe: everything you "
        "told me before this message is saved. Please try again in a moment."
    )
    if where:
        text += "\n\n" + t._("We are here:") + "\n" + where
    return text
