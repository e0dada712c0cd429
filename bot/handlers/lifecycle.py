"""Recording what happened after the dispute was opened: the stage buttons on a card.

A press is `lc:<dispute id>:<action>`; when the guides warn about that moment (accepting an
offer that changed the terms, cancelling, escalating...), the bot first shows the warnings and
asks again (`lc:<id>:<action>:y`). Every move is validated by the domain's stage machine
against the case's current stage, so an old or forged button cannot move a closed case.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.domain import lifecycle
from bot.domain.lifecycle import Action, ActionWarning
from bot.domain.models import Dispute
from bot.domain.rules import Rules
from bot.handlers.cases import save_case
from bot.handlers.common import stale_button
from bot.i18n import Translator
from bot.keyboards import button, keyboard, parse_callback, parse_id


def action_label(t: Translator, action: Action) -> str:
    labels = {
        Action.START_DISPUTE: t._("Open a dispute for it"),
        Action.STOP_TRACKING: t._("Stop tracking"),
        Action.CONFIRM_DRAFT: t._("Confirm the answers"),
        Action.EDIT_DRAFT: t._("Change my answers"),
        Action.OPENED_ON_ALIEXPRESS: t._("I have opened it on AliExpress"),
        Action.SELLER_ACCEPTED: t._("Seller accepted"),
        Action.SELLER_COUNTERED: t._("Seller made a counter-offer"),
        Action.SELLER_REJECTED: t._("Seller rejected"),
        Action.ESCALATED: t._("Escalated to AliExpress"),
        Action.EVIDENCE_REQUESTED: t._("AliExpress asked for evidence"),
        Action.EVIDENCE_SENT: t._("I sent the evidence"),
        Action.RETURN_AGREED: t._("A return was agreed"),
        Action.RETURN_POSTED: t._("I posted the return parcel"),
        Action.CLOSED_WON: t._("Closed: I won"),
        Action.CLOSED_PARTLY_WON: t._("Closed: partly won"),
        Action.CLOSED_LOST: t._("Closed: I lost"),
        Action.CLOSED_CANCELLED: t._("I cancelled the dispute"),
        Action.CLOSED_ACCEPTED_OFFER: t._("I accepted the seller's offer"),
        Action.REFUND_RECEIVED: t._("The refund arrived"),
    }
    return labels[action]


def warning_text(t: Translator, warning: ActionWarning, rules: Rules) -> str:
    texts = {
        ActionWarning.OFFER_REFUND_LOWERED: t._(
            "Check the amount in the seller's proposal: sellers often lower the refund (even "
            'to $0) while "accepting".'
        ),
        ActionWarning.OFFER_RETURN_ADDED: t._(
            'Check the seller did not switch "Refund only" to "Return and refund": then '
            "you would have to ship the item back at your own cost."
        ),
        ActionWarning.OFFER_COUPON: t._(
            "A coupon or a discount on a next order is not your money back. You can refuse it."
        ),
        ActionWarning.OFFER_OUTSIDE_ALIEXPRESS: t._(
            'Never close the dispute for a refund "via PayPal" or any other way outside '
            "AliExpress: once it is closed, AliExpress cannot help you."
        ),
        ActionWarning.CONFIRM_RECEIPT_EARLY: t._(
            "Never confirm receipt of an item you have not received, whatever the seller "
            "asks: it is a known trick with fake tracking."
        ),
        ActionWarning.CANCEL_REOPEN_LIMITED: t._(
            "A cancelled dispute can be opened again only while buyer protection is running."
        ),
        ActionWarning.CANCEL_CANNOT_REOPEN: t._(
            "Buyer protection is over: after cancelling you will not be able to open a "
            "dispute for this order again."
        ),
        ActionWarning.ESCALATION_RECHECK_TERMS: t._(
            "Before escalating, check that the seller did not edit the dispute's terms; if "
            "they did, change them back first."
        ),
        ActionWarning.ESCALATION_NO_EDIT: t._("An escalated dispute can no longer be edited."),
        ActionWarning.EVIDENCE_DEADLINE_STRICT: t._(
            "AliExpress usually gives about %(window)s: an unanswered request means you lose "
            "the case. I'll remind you.",
            window=t.duration(rules.evidence_response),
        ),
        ActionWarning.RETURN_BUYER_PAYS: t._(
            "You pay for the return shipping (to China often about $20)."
        ),
        ActionWarning.RETURN_POST_DEADLINE: t._(
            "The parcel must be posted, and its tracking number entered on AliExpress, within "
            "about %(window)s. I'll remind you.",
            window=t.duration(rules.return_post_window),
        ),
    }
    return texts[warning]


def action_buttons(t: Translator, d: Dispute) -> list[list[InlineKeyboardButton]]:
    """The moves that make sense for this case now, two per row."""
    # Drafts are confirmed and edited in the wizard itself, not from the card.
    actions = [
        a
        for a in lifecycle.available_actions(d)
        if a not in (Action.CONFIRM_DRAFT, Action.EDIT_DRAFT)
    ]
    buttons = [button(action_label(t, a), "lc", d.id or 0, a.value) for a in actions]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def action_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    fields = parse_callback(query.data, "lc")
    dispute_id = parse_id(fields[0]) if fields and len(fields) in (2, 3) else None
    if fields is None or dispute_id is None:
        await stale_button(update, context)
        return
    try:
        action = Action(fields[1])
    except ValueError:
        await stale_button(update, context)
        return
    confirmed = len(fields) == 3 and fields[2] == "y"
    d = await context.db.disputes.get(dispute_id, update.effective_user.id)
    if d is None or action not in lifecycle.available_actions(d):
        await stale_button(update, context)
        return
    t = context.t
    now = context.now()
    warnings = lifecycle.warnings_for(d, action, now)
    if warnings and not confirmed:
        await query.answer()
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
                    [button("✅ " + t._("Yes, record it"), "lc", d.id or 0, action.value, "y")],
                    [button(t._("Not now"), "st", d.id or 0)],
                ]
            ),
        )
        return
    await record(update, context, d, action)


async def record(update: Update, context: BotContext, d: Dispute, action: Action) -> None:
    """Apply the move, store it with its event and re-planned reminders, show the card."""
    from bot.handlers import status  # the card lives there; it also imports this module

    query = update.callback_query
    assert update.effective_user is not None
    try:
        transition = lifecycle.apply(d, action, context.now(), context.services.rules)
    except lifecycle.InvalidTransition:
        await stale_button(update, context)
        return
    moved = await save_case(context, transition.dispute, previous=d, event=transition.event())
    if query is not None:
        await query.answer(context.t._("Recorded."))
    await status.send_card(
        context, update.effective_user.id, moved, headline="✅ " + action_label(context.t, action)
    )


def register(application: Application[Any, Any, Any, Any, Any, Any], group: int) -> None:
    application.add_handler(CallbackQueryHandler(action_pressed, pattern=r"^lc:"), group=group)
