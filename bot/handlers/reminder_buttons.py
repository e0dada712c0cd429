"""Reminders' buttons (mute, unmute) and their rendering for the dispatcher, and bringing a
buyer back who had blocked the bot. What a reminder says is bot/views/reminders.py; when it
is sent, bot/outbox.py."""

from __future__ import annotations

import html
import logging
from datetime import datetime

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Mute, OpenCard, Unmute
from bot.context import BotContext
from bot.domain.models import Dispute, Event, Reminder, UserSettings
from bot.domain.rules import DEFAULT_RULES, Rules
from bot.i18n import default_timezone, translator
from bot.outbox import Render
from bot.services import mute_case, unmute_case
from bot.views.keyboards import button, keyboard
from bot.views.reminders import reminder_message

log = logging.getLogger(__name__)


async def render(
    reminder: Reminder,
    d: Dispute,
    buyer: UserSettings,
    now: datetime,
    *,
    default_tz: str | None = None,
    rules: Rules = DEFAULT_RULES,
) -> tuple[str, InlineKeyboardMarkup]:
    """The reminder message (HTML) and its buttons, in the buyer's language and zone.

    ``default_tz``: the operator's DEFAULT_TIMEZONE (None: by language), as in handlers.
    """
    t = translator(buyer.language or "en")
    tz = buyer.timezone or default_timezone(buyer.language or "en", default_tz)
    return reminder_message(t, reminder, d, tz, now, rules)


def renderer(default_tz: str | None, rules: Rules = DEFAULT_RULES) -> Render:
    """``render`` bound to the deployment's settings, for ``ReminderService``."""

    async def bound(
        reminder: Reminder, d: Dispute, buyer: UserSettings, now: datetime
    ) -> tuple[str, InlineKeyboardMarkup]:
        return await render(reminder, d, buyer, now, default_tz=default_tz, rules=rules)

    return bound


def _order(d: Dispute) -> str:
    return f"<code>{html.escape(d.order_id or '—')}</code>"


async def mute_pressed(update: Update, context: BotContext, data: Mute, d: Dispute) -> None:
    """Silence one order; Unmute brings its reminders back."""
    assert update.callback_query is not None and d.id is not None
    t = context.t
    await mute_case(context, d, Event(d.id, context.now(), "buyer", "muted"))
    await update.callback_query.answer()
    await context.bot.send_message(
        d.user_id,
        "🔕 "
        + t._(
            "Reminders for order %(order)s are off. Its deadlines still show in /status.",
            order=_order(d),
        ),
        reply_markup=keyboard([[button("🔔 " + t._("Unmute"), Unmute(d.id))]]),
    )


async def unmute_pressed(update: Update, context: BotContext, data: Unmute, d: Dispute) -> None:
    assert update.callback_query is not None and d.id is not None
    t = context.t
    plan = await unmute_case(context, d, Event(d.id, context.now(), "buyer", "unmuted"))
    await update.callback_query.answer()
    text = "🔔 " + t._("Reminders for order %(order)s are on again.", order=_order(d))
    if plan:
        text += "\n" + t._(
            "Next reminder: %(when)s.",
            when=t.datetime(min(p.due_at for p in plan), context.timezone),
        )
    else:
        text += "\n" + t._("There is no deadline to remind you of for this order right now.")
    await context.bot.send_message(
        d.user_id,
        text,
        reply_markup=keyboard([[button("📋 " + t._("Open the card"), OpenCard(d.id))]]),
    )


async def buyer_is_back(update: object, context: BotContext) -> None:
    """A buyer we marked blocked (a 403 on a reminder) wrote again, so they unblocked the
    bot: clear the mark and bring their reminders back. Costs nothing for everyone else (the
    flag comes with the settings ``load_buyer`` already read)."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    buyer = context.loaded_buyer
    if buyer is None or not buyer.blocked:
        return
    service = context.services.reminders
    try:
        if service is not None:
            await service.buyer_returned(buyer.user_id)
        else:
            await context.db.users.set_blocked(buyer.user_id, False)
    except Exception:
        # Never let this bookkeeping stop the buyer's own message from being answered.
        log.exception("could not unblock buyer %s", buyer.user_id)
        return
    buyer.blocked = False
