"""Where the negotiation assistant starts: the case card's "The seller wrote to me" and "The
seller made an offer", the offer's option, a seller's message forwarded to the bot outside any
prompt, and the order picked for it. The prompts that wait for the buyer's text (the message,
the offer's amount) are bot/handlers/wizard/negotiation.py's.

From the card to the verdict and the reply: one tap, then the forwarded message.
"""

from __future__ import annotations

import re

from telegram import Update

from bot.callbacks import OfferOption, OfferStart, ReadFor, SellerWrote
from bot.context import BotContext
from bot.domain.draft import Position, StepId
from bot.domain.models import Dispute
from bot.domain.negotiation import read_message
from bot.domain.negotiation.case import (
    last_offer,
    reading_of,
    reads_messages,
    takes_offers,
    with_offer,
)
from bot.domain.steps import OFFER_AMOUNT_STEP
from bot.handlers.dispatch import Stale
from bot.handlers.wizard.negotiation import check, show_check, show_reading, wait_for
from bot.handlers.wizard.turn import Stay, Turn, reply, stay
from bot.views import negotiation as views
from bot.views.labels import refund_label

S = StepId
# An order number as sellers quote it: 8123 4567 8901 2345, 8123-4567-..., 8123456789012345.
_DIGITS = re.compile(r"\d[\d \-]{6,}\d")


async def seller_wrote_pressed(
    update: Update, context: BotContext, data: SellerWrote, d: Dispute
) -> None:
    """Ask for the seller's message; the buyer's next text is read for this case."""
    if not reads_messages(d):
        raise Stale
    turn = Turn(update, context, d, Position(S.SELLER_MESSAGE))
    d = await wait_for(turn, S.SELLER_MESSAGE)
    await reply(turn, *views.message_prompt(context.t, d), old="keep")


async def read_for_pressed(update: Update, context: BotContext, data: ReadFor, d: Dispute) -> None:
    """The order a forwarded message is about, picked: its reading, for that case."""
    if not reads_messages(d):
        raise Stale
    events = await context.db.events.list(d.id or 0)
    reading = with_offer(reading_of(data.tricks, data.fair), last_offer(d, events))
    await show_reading(Turn(update, context, d, Position(S.SELLER_MESSAGE)), reading)


def _named(cases: list[Dispute], text: str) -> list[Dispute]:
    """The cases whose order number the message quotes."""
    numbers = {re.sub(r"\D", "", m) for m in _DIGITS.findall(text)}
    return [d for d in cases if d.order_id in numbers]


async def forwarded(update: Update, context: BotContext) -> None:
    """A message forwarded to the bot outside any prompt: read for the one open dispute (or
    the one it names); with several, the buyer picks the order; with none, say why not."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    t = context.t
    cases = [
        d
        for d in await context.db.disputes.list_for_user(
            update.effective_user.id, include_closed=False
        )
        if reads_messages(d)
    ]
    text = message.text or message.caption or ""
    if not cases:
        await message.reply_text(views.no_open_case(t))
        return
    if not any(ch.isalpha() for ch in text):
        await message.reply_text(views.text_only(t))
        return
    named = _named(cases, text)
    target = cases[0] if len(cases) == 1 else named[0] if len(named) == 1 else None
    if target is None:
        question, keyboard = views.pick_order(t, cases, read_message(text))
        await message.reply_text(question, reply_markup=keyboard)
        return
    events = await context.db.events.list(target.id or 0)
    reading = read_message(text, offer=last_offer(target, events))
    await show_reading(Turn(update, context, target, Position(S.SELLER_MESSAGE)), reading)


async def offer_start(update: Update, context: BotContext, d: Dispute) -> None:
    """The offer's option, as the dispute page shows it (step one of the check)."""
    if not takes_offers(d):
        raise Stale
    turn = Turn(update, context, d, Position(S.OFFER_KEEP_AMOUNT))
    await reply(turn, *views.offer_options(context.t, d), old="keep")


async def offer_start_pressed(
    update: Update, context: BotContext, data: OfferStart, d: Dispute
) -> None:
    await offer_start(update, context, d)


async def offer_option_pressed(
    update: Update, context: BotContext, data: OfferOption, d: Dispute
) -> None:
    """A full refund is checked at once; a partial one asks its amount first."""
    option = data.option
    if not takes_offers(d) or option not in views.offer_choices(d):
        raise Stale
    t = context.t
    step = OFFER_AMOUNT_STEP.get(option)
    turn = Turn(update, context, d, Position(step or S.OFFER_KEEP_AMOUNT))
    if step is not None:
        d = await wait_for(turn, step)
        await reply(turn, *views.amount_prompt(t, d, step), chosen=refund_label(t, option))
        return
    try:
        offer = check(turn, option, None)
    except Stay as error:
        await stay(turn, error)
        return
    await show_check(turn, offer, chosen=refund_label(t, option))
