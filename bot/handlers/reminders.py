"""Reminder messages (what a buyer reads) and their buttons: open the card, mute, unmute.

A reminder must be actionable on its own, days after the buyer last talked to the bot: it
says which order, which deadline, when (a countdown and the absolute time in the buyer's
zone), and what to do now, with the seeds' warnings where they matter. Everything is in the
buyer's stored language, since no update (and so no Telegram language code) comes with it.

Buttons: "Open the card" and "Update the stage" both open the order's card (``st:<id>``,
handled by /status), which carries the stage buttons; "Mute this order" (``mute:<id>``) and
"Unmute" (``unmute:<id>``) are handled here. Every press is scoped by the presser's user id.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta
from typing import Any, Final

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, TypeHandler

from bot.context import BotContext
from bot.domain.models import Dispute, Event, Reminder, UserSettings
from bot.domain.rules import DEFAULT_RULES, Rules
from bot.domain.schedule import INFORMATIONAL_FAMILIES, ReminderFamily, family_of
from bot.handlers.cases import own_dispute
from bot.i18n import Translator, translator
from bot.keyboards import button, keyboard
from bot.reminders import Render, buyer_timezone

log = logging.getLogger(__name__)

PASSED_SUFFIX: Final = "_passed"
# Closer than this to its deadline, a countdown ("in 1 min") reads worse than "now".
_NOW_MARGIN: Final = timedelta(minutes=1)


def _headline(t: Translator, family: str, passed: bool) -> str:
    upcoming: dict[str, str] = {
        ReminderFamily.PROTECTION: t._("Buyer protection for this order ends soon"),
        ReminderFamily.RECEIPT: t._(
            "The time to open a dispute after confirming receipt ends soon"
        ),
        ReminderFamily.SELLER: t._("The seller's time to answer your dispute ends soon"),
        ReminderFamily.ESCALATION: t._("Your dispute will be escalated to AliExpress soon"),
        ReminderFamily.EVIDENCE: t._("AliExpress is waiting for your evidence"),
        ReminderFamily.RETURN: t._("The return parcel must be posted soon"),
        ReminderFamily.REFUND: t._("Has your refund arrived?"),
    }
    over: dict[str, str] = {
        ReminderFamily.PROTECTION: t._("Buyer protection for this order has ended"),
        ReminderFamily.RECEIPT: t._(
            "The time to open a dispute after confirming receipt has ended"
        ),
        ReminderFamily.SELLER: t._("The seller's time to answer your dispute has ended"),
        ReminderFamily.ESCALATION: t._("The date of escalation to AliExpress has passed"),
        ReminderFamily.EVIDENCE: t._("The time to send evidence has ended"),
        ReminderFamily.RETURN: t._("The date to post the return parcel has passed"),
        ReminderFamily.REFUND: t._("Has your refund arrived?"),
    }
    table = over if passed else upcoming
    return table.get(family) or t._("A deadline for this order")


def _advice(t: Translator, family: str, passed: bool, rules: Rules) -> str:
    """What to do now, per deadline (seeds 000, 002, 003)."""
    if family == ReminderFamily.REFUND:
        return "\n".join(
            [
                t.ngettext(
                    "A refund usually arrives %(min)s to %(n)s business day after the decision.",
                    "A refund usually arrives %(min)s to %(n)s business days after the decision.",
                    rules.refund_arrival_max_business_days,
                    min=rules.refund_arrival_min_business_days,
                ),
                t._(
                    "Not arrived yet? Contact AliExpress support from the order page and ask "
                    "them to check the refund; keep the screenshots of the decision."
                ),
            ]
        )
    if passed:
        texts: dict[str, str] = {
            ReminderFamily.PROTECTION: t._(
                "If the problem is not solved, check the order page now: if it still offers "
                "\u201cOpen dispute\u201d, open it at once with /new. Otherwise, contact "
                "AliExpress support."
            ),
            ReminderFamily.RECEIPT: t._(
                "If the order page still offers \u201cOpen dispute\u201d, open it at once with "
                "/new. Otherwise, contact AliExpress support."
            ),
            ReminderFamily.SELLER: t._(
                "Did the seller answer? Did the terms change? Check the dispute page: a seller "
                "who stayed silent usually loses the dispute. If they answered, record it with "
                "\u201cUpdate the stage\u201d so I can track the next deadline."
            ),
            ReminderFamily.ESCALATION: t._(
                "Check the dispute page: if AliExpress has taken it over, record it with "
                "\u201cUpdate the stage\u201d. Do not accept terms you did not agree to."
            ),
            ReminderFamily.EVIDENCE: t._(
                "Check the dispute page now: if it still accepts files, upload what AliExpress "
                "asked for at once. Then record the result with \u201cUpdate the stage\u201d."
            ),
            ReminderFamily.RETURN: t._(
                "If you have not posted the parcel yet, do it now, keep the receipt and add the "
                "tracking number to the dispute."
            ),
        }
    else:
        texts = {
            ReminderFamily.PROTECTION: t._(
                "No dispute is open for this order yet. If the problem is not solved, open one "
                "before then: send /new and I will walk you through it. Or ask the seller to "
                "extend buyer protection from the order page."
            ),
            ReminderFamily.RECEIPT: t._(
                "You confirmed receipt, so a dispute can only be opened until then. If "
                "something is wrong with the item, open it now with /new."
            ),
            ReminderFamily.SELLER: t._(
                "Did the seller answer? Did the terms change? Check the dispute page and "
                "record what happened with \u201cUpdate the stage\u201d. A seller who stays "
                "silent usually loses the dispute."
            ),
            ReminderFamily.ESCALATION: t._(
                "Before AliExpress takes over, re-check the dispute page: sellers sometimes "
                "edit the terms (a lower refund, a return you did not ask for). Once escalated, "
                "the dispute can no longer be edited."
            ),
            ReminderFamily.EVIDENCE: t._(
                "Upload what AliExpress asked for on the dispute page before the timer ends: "
                "an unanswered request loses the case."
            ),
            ReminderFamily.RETURN: t._(
                "Post the parcel to the address the seller gave in the dispute, keep the "
                "receipt and add the tracking number to the dispute."
            ),
        }
    return texts.get(family, "")


def is_passed_notice(reminder: Reminder, now: datetime) -> bool:
    """A catch-up "deadline passed" notice, or a reminder that went out after its deadline
    (a long retry); follow-ups (the refund) have no deadline to miss."""
    family = family_of(reminder.kind)
    if family in {f.value for f in INFORMATIONAL_FAMILIES}:
        return False
    return reminder.kind.endswith(PASSED_SUFFIX) or now > reminder.deadline_at + _NOW_MARGIN


def _when(
    t: Translator, reminder: Reminder, d: Dispute, tz: str, now: datetime, passed: bool
) -> str:
    deadline = reminder.deadline_at
    when = t.datetime(deadline, tz)
    if family_of(reminder.kind) == ReminderFamily.REFUND:
        if d.closed_at is None:
            return ""
        return "📅 " + t._(
            "Closed in your favour on %(date)s, %(ago)s ago",
            date=t.date(d.closed_at, tz),
            ago=t.duration(now - d.closed_at),
        )
    if passed:
        return "⌛ " + t._(
            "Deadline was %(when)s, %(ago)s ago", when=when, ago=t.duration(now - deadline)
        )
    if deadline - now <= _NOW_MARGIN:
        return "⏳ " + t._("Deadline: %(when)s, that is now", when=when)
    return "⏳ " + t._(
        "Deadline: %(when)s, in %(left)s", when=when, left=t.duration(deadline - now)
    )


def reminder_keyboard(t: Translator, dispute_id: int) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                button("📋 " + t._("Open the card"), "st", dispute_id),
                button("✏️ " + t._("Update the stage"), "st", dispute_id),
            ],
            [button("🔕 " + t._("Mute this order"), "mute", dispute_id)],
        ]
    )


def order_line(t: Translator, d: Dispute) -> str:
    order = t._("Order %(order)s", order=f"<code>{html.escape(d.order_id)}</code>")
    if d.item_title:
        order += " · " + html.escape(d.item_title)
    return "📦 " + order


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
    tz = buyer_timezone(buyer, default_tz)
    family = family_of(reminder.kind)
    passed = is_passed_notice(reminder, now)
    lines = [
        ("⌛ " if passed else "⏰ ") + "<b>" + _headline(t, family, passed) + "</b>",
        order_line(t, d),
    ]
    when = _when(t, reminder, d, tz, now, passed)
    if when:
        lines.append(when)
    advice = _advice(t, family, passed, rules)
    if advice:
        lines.extend(["", advice])
    return "\n".join(lines), reminder_keyboard(t, d.id or reminder.dispute_id)


def renderer(default_tz: str | None, rules: Rules = DEFAULT_RULES) -> Render:
    """``render`` bound to the deployment's settings, for ``ReminderService``."""

    async def bound(
        reminder: Reminder, d: Dispute, buyer: UserSettings, now: datetime
    ) -> tuple[str, InlineKeyboardMarkup]:
        return await render(reminder, d, buyer, now, default_tz=default_tz, rules=rules)

    return bound


# --- buttons -------------------------------------------------------------------------------


def _rules(context: BotContext) -> Rules:
    service = context.services.reminders
    return service.rules if service is not None else context.services.rules


async def mute_pressed(update: Update, context: BotContext) -> None:
    """Silence one order: its pending reminders are cancelled with the change, in one
    transaction; deadlines still show in /status, and Unmute re-plans."""
    query = update.callback_query
    assert query is not None
    d = await own_dispute(update, context, "mute")
    if d is None or d.id is None:  # answered "out of date" already
        return
    t = context.t
    if not d.muted:
        d.muted = True
        await context.db.disputes.save(
            d, event=Event(d.id, context.now(), "buyer", "muted"), reminders=[]
        )
    await query.answer()
    await context.bot.send_message(
        d.user_id,
        "🔕 "
        + t._(
            "Reminders for order %(order)s are off. Its deadlines still show in /status.",
            order=f"<code>{html.escape(d.order_id)}</code>",
        ),
        reply_markup=keyboard([[button("🔔 " + t._("Unmute"), "unmute", d.id)]]),
    )


async def unmute_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    d = await own_dispute(update, context, "unmute")
    if d is None or d.id is None:  # answered "out of date" already
        return
    t = context.t
    now = context.now()
    d.muted = False
    plan = context.plan(d)
    await context.db.disputes.save(d, event=Event(d.id, now, "buyer", "unmuted"), reminders=plan)
    service = context.services.reminders
    if service is not None:
        service.wake()
    await query.answer()
    text = "🔔 " + t._(
        "Reminders for order %(order)s are on again.",
        order=f"<code>{html.escape(d.order_id)}</code>",
    )
    if plan:
        text += "\n" + t._(
            "Next reminder: %(when)s.",
            when=t.datetime(min(p.due_at for p in plan), context.timezone),
        )
    else:
        text += "\n" + t._("There is no deadline to remind you of for this order right now.")
    await context.bot.send_message(
        d.user_id, text, reply_markup=keyboard([[button("📋 " + t._("Open the card"), "st", d.id)]])
    )


async def buyer_is_back(update: object, context: BotContext) -> None:
    """A buyer we marked blocked (a 403 on a reminder) wrote again, so they unblocked the
    bot: clear the mark and bring their reminders back. Costs nothing for everyone else (the
    flag comes with the settings ``load_buyer`` already read)."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    buyer = context._buyer
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


def register(
    application: Application[Any, Any, Any, Any, Any, Any],
    group: int,
    *,
    returning_group: int | None = None,
) -> None:
    """Mute/unmute buttons in ``group``; the "buyer is back" check in ``returning_group``
    (default ``group - 3``, i.e. -3 beside app.py's GROUP_MAIN 0 and GROUP_GUARD -5). A
    TypeHandler matches every update, so it needs a group no other handler uses: in a shared
    group it would win and the other handler would never run.
    """
    application.add_handlers(
        [
            CallbackQueryHandler(mute_pressed, pattern=r"^mute:"),
            CallbackQueryHandler(unmute_pressed, pattern=r"^unmute:"),
        ],
        group=group,
    )
    application.add_handler(
        TypeHandler(Update, buyer_is_back),
        group=group - 3 if returning_group is None else returning_group,
    )


__all__ = [
    "is_passed_notice",
    "register",
    "reminder_keyboard",
    "render",
    "renderer",
]
