"""/status: the buyer's orders with their next deadline, and one order's card."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.callbacks import CalendarFile, Menu, OpenCard, SendEvidence
from bot.context import BotContext
from bot.domain import parsing
from bot.domain.models import Dispute, EvidenceSummary, Stage
from bot.domain.negotiation.case import last_offer, tricks_seen
from bot.handlers.evidence import send_evidence
from bot.ics import calendar
from bot.views import cards, negotiation, orders

#: Where AliExpress decides: the card comes with the text for its review.
STATEMENT_STAGES = (Stage.ESCALATED, Stage.EVIDENCE_REQUESTED)


async def status_command(update: Update, context: BotContext) -> None:
    """`/status`: the list; `/status <order>`: that order's card, or its cases when it has
    several (the order as the wizard reads it: `#8123…`, `Order ID: 8123 4567…`)."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    argument = "".join(context.args or [])
    if not argument:
        await send_list(context, message.chat_id, update.effective_user.id)
        return
    disputes = await context.db.disputes.list_for_user(update.effective_user.id)
    try:
        order_id = parsing.parse_order_id(argument)
    except parsing.ParseError:
        order_id = None
    matching = [d for d in disputes if order_id is not None and d.order_id == order_id]
    if not matching:
        await message.reply_text(
            context.t._(
                "You have no case for order %(order)s. /status lists your orders.",
                order=html.escape(argument[:40]),
            )
        )
        return
    active = [d for d in matching if d.stage.is_active]
    if len(active) > 1:  # one case per item: the order's cases together, each card a tap away
        heading = context.t._("Order %(order)s", order=html.escape(matching[0].order_id or ""))
        text, keyboard = orders.order_list(
            context.t,
            matching,
            ZoneInfo(context.timezone),
            context.now(),
            context.services.rules,
            heading=heading,
        )
        await context.bot.send_message(message.chat_id, text, reply_markup=keyboard)
        return
    await send_card(context, message.chat_id, active[0] if active else matching[0])


async def send_list(context: BotContext, chat_id: int, user_id: int) -> None:
    # A draft without an order number is only the wizard's step 1, not an order yet.
    disputes = [
        d for d in await context.db.disputes.list_for_user(user_id) if d.order_id is not None
    ]
    text, keyboard = orders.order_list(
        context.t, disputes, ZoneInfo(context.timezone), context.now(), context.services.rules
    )
    await context.bot.send_message(chat_id, text, reply_markup=keyboard)


async def send_card(
    context: BotContext, chat_id: int, d: Dispute, *, headline: str | None = None
) -> None:
    """One order's card: answers, deadlines, English text, history, and what to do next.

    At escalation and an evidence request, the text for AliExpress comes first, in a message
    of its own; so does the English claim when the card would be too long with it."""
    t, tz = context.t, ZoneInfo(context.timezone)
    evidence = EvidenceSummary.of(await context.db.evidence.list(d.id or 0))
    events = await context.db.events.list(d.id or 0)
    if d.stage in STATEMENT_STAGES:
        offer, tricks = last_offer(d, events), tricks_seen(events)
        text = negotiation.statement(t, d, evidence, tz, offer=offer, tricks=tricks)
        await context.bot.send_message(chat_id, text)

    def card(with_claim: bool) -> tuple[str, InlineKeyboardMarkup]:
        return cards.case_card(
            t,
            d,
            tz,
            context.now(),
            context.services.rules,
            evidence=evidence,
            events=events,
            headline=headline,
            with_claim=with_claim,
        )

    text, keyboard = card(True)
    if len(text) > cards.MESSAGE_BUDGET:
        await context.bot.send_message(chat_id, cards.claim_message(t, d, tz, evidence))
        text, keyboard = card(False)
    await context.bot.send_message(chat_id, text, reply_markup=keyboard)


async def card_pressed(update: Update, context: BotContext, data: OpenCard, d: Dispute) -> None:
    assert update.callback_query is not None and update.effective_user is not None
    await update.callback_query.answer()
    await send_card(context, update.effective_user.id, d)


async def files_pressed(
    update: Update, context: BotContext, data: SendEvidence, d: Dispute
) -> None:
    assert update.callback_query is not None and update.effective_user is not None
    await update.callback_query.answer()
    await send_evidence(
        context, update.effective_user.id, await context.db.evidence.list(d.id or 0)
    )


async def ics_pressed(update: Update, context: BotContext, data: CalendarFile, d: Dispute) -> None:
    """The case's upcoming deadlines as an .ics file, for the buyer's calendar."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    t = context.t
    now = context.now()
    upcoming = cards.upcoming_deadlines(d, now, context.services.rules)
    if not upcoming:
        await query.answer(t._("No deadlines ahead for this order."))
        return
    await query.answer()
    await context.bot.send_document(
        update.effective_user.id,
        InputFile(
            calendar(cards.calendar_events(t, d, upcoming), now=now),
            filename=f"order-{d.order_id}.ics",
        ),
        caption=t._(
            "Deadlines for order %(order)s: open the file to add them to your calendar.",
            order=d.order_id,
        ),
    )


async def menu_status(update: Update, context: BotContext, data: Menu) -> None:
    assert update.callback_query is not None and update.effective_user is not None
    await update.callback_query.answer()
    await send_list(context, update.effective_user.id, update.effective_user.id)
