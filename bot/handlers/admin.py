"""/stats for the operators named in ADMIN_IDS: the counts `dispute-helper stats` prints, in
the operator's language.

For everyone else there is no /stats: the handler's user filter lets only those ids through,
so anyone else's /stats falls to the unknown-command answer like any command the bot does not
have (nothing hints that it exists). Private chats only, and nothing in it identifies a buyer:
only aggregate numbers (bot/storage/stats.py).
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from babel.units import format_unit
from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.context import BotContext
from bot.domain.models import ReminderState, Stage
from bot.handlers.texts import stage_label
from bot.i18n import Translator
from bot.storage.stats import OVERDUE_AFTER, Counts, counts

__all__ = ["register", "stats_command", "stats_text"]


def _state_label(t: Translator, state: ReminderState) -> str:
    labels = {
        ReminderState.PENDING: t._("waiting to be sent"),
        ReminderState.SENDING: t._("being sent right now"),
        ReminderState.SENT: t._("delivered to the buyer"),
        ReminderState.CANCELLED: t._("cancelled, no longer needed"),
        ReminderState.FAILED: t._("failed, not delivered"),
    }
    return labels[state]


def _megabytes(t: Translator, size: int) -> str:
    value = Decimal(size) / Decimal(1024 * 1024)
    return str(format_unit(round(value, 1), "digital-megabyte", length="short", locale=t.locale))


def stats_text(t: Translator, found: Counts) -> str:
    """The operator's summary: buyers, cases by stage, reminders by state, overdue, size."""
    cases = sum(found.cases_by_stage.values())
    reminders = sum(found.reminders_by_state.values())
    minutes = int(OVERDUE_AFTER.total_seconds() // 60)
    lines = [
        "<b>" + t._("Bot statistics") + "</b>",
        t.ngettext(
            "%(count)s buyer", "%(count)s buyers", found.buyers, count=t.number(found.buyers)
        ),
        "",
        t.ngettext(
            "%(count)s case, %(open)s not closed:",
            "%(count)s cases, %(open)s not closed:",
            cases,
            count=t.number(cases),
            open=t.number(found.open_cases),
        ),
        *(
            f"• {stage_label(t, stage)}: {t.number(found.cases_by_stage[stage.value])}"
            for stage in Stage
            if found.cases_by_stage.get(stage.value)
        ),
        "",
        t.ngettext(
            "%(count)s reminder:", "%(count)s reminders:", reminders, count=t.number(reminders)
        ),
        *(
            f"• {_state_label(t, state)}: {t.number(found.reminders_by_state[state.value])}"
            for state in ReminderState
            if found.reminders_by_state.get(state.value)
        ),
        t.ngettext(
            "Overdue (waiting, due more than %(minutes)s minute ago): %(count)s",
            "Overdue (waiting, due more than %(minutes)s minutes ago): %(count)s",
            minutes,
            minutes=t.number(minutes),
            count=t.number(found.reminders_overdue),
        ),
        "",
        t._("Database size: %(size)s", size=_megabytes(t, found.database_bytes)),
    ]
    return "\n".join(lines)


async def stats_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    found = await counts(context.db, context.now())
    await message.reply_html(stats_text(context.t, found))


def register(
    application: Application[Any, Any, Any, Any, Any, Any], group: int, admin_ids: Collection[int]
) -> None:
    """/stats for ``admin_ids`` (nothing is registered when there are none)."""
    if not admin_ids:
        return
    only_admins = filters.User(user_id=list(admin_ids)) & filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("stats", stats_command, filters=only_admins), group)
