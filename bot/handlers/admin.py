"""/stats for the operators named in ADMIN_IDS (the words: bot/views/admin.py).

For everyone else there is no /stats: the handler's user filter lets only those ids through,
so anyone else's /stats falls to the unknown-command answer like any command the bot does not
have (nothing hints that it exists). Private chats only, and nothing in it identifies a buyer:
only aggregate numbers (bot/storage/stats.py).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.config import Settings
from bot.context import BotContext
from bot.i18n import Translator
from bot.storage.stats import OVERDUE_AFTER, Counts, counts
from bot.views import admin as views

__all__ = ["stats_command", "stats_handlers", "stats_text"]


def stats_text(t: Translator, found: Counts) -> str:
    return views.stats_text(t, found, OVERDUE_AFTER)


async def stats_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    found = await counts(context.db, context.now())
    await message.reply_html(stats_text(context.t, found))


def stats_handlers(settings: Settings) -> tuple[CommandHandler[BotContext, None], ...]:
    """/stats for ADMIN_IDS; none at all when there are no operators."""
    if not settings.admin_ids:
        return ()
    only_admins = filters.User(user_id=list(settings.admin_ids)) & filters.ChatType.PRIVATE
    return (CommandHandler("stats", stats_command, filters=only_admins),)
