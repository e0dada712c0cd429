"""Recording what happened after the dispute was opened: the stage buttons on a case card.

A press is `CaseAction(dispute id, action)`; when the guides warn about that moment (accepting
an offer that changed the terms, cancelling, escalating...), the bot first shows the warnings
and asks again (`CaseAction(..., confirmed=True)`). Every move is validated by the domain's
stage machine against the case's current stage, so an old or forged button cannot move a
closed case.
"""

from __future__ import annotations

import html

from telegram import Update

from bot.callbacks import CaseAction, OpenCard, StageMenu
from bot.context import BotContext
from bot.domain import lifecycle, timers
from bot.domain.lifecycle import Action
from bot.domain.models import Dispute
from bot.domain.negotiation.case import EVENT_OFFER, OFFER_MOVES, OFFER_WARNINGS, takes_offers
from bot.handlers.dispatch import Stale
from bot.handlers.negotiation import offer_start
from bot.handlers.status import send_card
from bot.services import save_case
from bot.views import cards
from bot.views import timers as timer_views
from bot.views.keyboards import button, keyboard
from bot.views.labels import action_label
from bot.views.warnings import warning_text


async def stages_pressed(update: Update, context: BotContext, data: StageMenu, d: Dispute) -> None:
    """A reminder's "Update the stage": the moves to record, without the whole card."""
    assert update.callback_query is not None and update.effective_user is not None
    await update.callback_query.answer()
    text, keyboard = cards.stage_menu(context.t, d)
    await context.bot.send_message(update.effective_user.id, text, reply_markup=keyboard)


async def action_pressed(update: Update, context: BotContext, data: CaseAction, d: Dispute) -> None:
    assert update.callback_query is not None and update.effective_user is not None
    if data.action not in lifecycle.available_actions(d):
        raise Stale
    if data.action in OFFER_MOVES and not data.confirmed and takes_offers(d):
        # The seller answered with an offer: check it first (the check then records it).
        await offer_start(update, context, d)
        return
    warnings = lifecycle.warnings_for(d, data.action, context.now())
    if data.action is Action.CLOSED_ACCEPTED_OFFER and await _offer_checked(context, d):
        # Said with the offer's check already: not again once the buyer has accepted.
        warnings = [w for w in warnings if w not in OFFER_WARNINGS]
    if warnings and not data.confirmed:
        await ask_first(update, context, d, data.action, warnings)
        return
    await record(update, context, d, data.action)


async def _offer_checked(context: BotContext, d: Dispute) -> bool:
    return any(ev.kind == EVENT_OFFER for ev in await context.db.events.list(d.id or 0))


async def ask_first(
    update: Update,
    context: BotContext,
    d: Dispute,
    action: Action,
    warnings: list[lifecycle.ActionWarning],
) -> None:
    """The guides' warnings for this moment, and "Record it?"."""
    assert update.callback_query is not None and update.effective_user is not None
    t = context.t
    await update.callback_query.answer()
    text = (
        "<b>"
        + html.escape(action_label(t, action))
        + "</b>\n\n"
        + "\n".join("⚠️ " + warning_text(t, w, context.services.rules) for w in warnings)
    )
    await context.bot.send_message(
        update.effective_user.id,
        text + "\n\n" + t._("Record it?"),
        reply_markup=keyboard(
            [
                [button("✅ " + t._("Yes, record it"), CaseAction(d.id or 0, action, True))],
                [button(t._("Not now"), OpenCard(d.id or 0))],
            ]
        ),
    )


async def record(update: Update, context: BotContext, d: Dispute, action: Action) -> None:
    """Apply the move, store it with its event and re-planned reminders, show the card."""
    assert update.effective_user is not None
    try:
        transition = lifecycle.apply(d, action, context.now(), context.services.rules)
    except lifecycle.InvalidTransition:
        raise Stale from None
    moved = await save_case(context, transition.dispute, previous=d, event=transition.event())
    if update.callback_query is not None:
        await update.callback_query.answer(context.t._("Recorded."))
    headline = "✅ " + action_label(context.t, action)
    started = timers.started_by(action)
    if started is not None and started in timers.settable(moved):
        headline += "\n" + timer_views.started_hint(context.t, started)
    await send_card(context, update.effective_user.id, moved, headline=headline)
