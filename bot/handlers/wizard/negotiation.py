"""The negotiation assistant's prompts on an opened case: the seller's message to read, and the
amount of the seller's offer. Like the wizard's own steps, the prompt the buyer is at is the
case row's `wizard_step`, so the router hands this module the buyer's next text; the
buttons that start these prompts are bot/handlers/negotiation.py's.

Each move is stored (the case's history, the prompt left) before the reply that shows it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.domain import lifecycle, parsing
from bot.domain.draft import Position, StepId
from bot.domain.models import Dispute, Money, RefundOption
from bot.domain.negotiation import (
    OfferCheck,
    OfferError,
    Reading,
    check_dispute_offer,
    read_message,
    reopen_after_cancel,
)
from bot.domain.negotiation.case import (
    EVENT_MESSAGE,
    EVENT_OFFER,
    NUMBERS_ANSWER,
    last_offer,
    message_detail,
    offer_detail,
    offer_move,
)
from bot.domain.steps import OFFER_AMOUNT_STEP
from bot.handlers.dispatch import Stale
from bot.handlers.status import send_card
from bot.handlers.wizard.turn import Stay, Turn, persist, reply, set_aside
from bot.services import save_case
from bot.views import negotiation as views
from bot.views.errors import parse_error_text

S = StepId
_OPTION_AT = {step: option for option, step in OFFER_AMOUNT_STEP.items()}
# "0", "0.00", "0,00 $": an offer of nothing, which the amount parser (positive only) refuses.
_ZERO = re.compile(r"[^\d\-−–]*0+(?:[.,]0+)?[^\d]*")


async def wait_for(turn: Turn, step: StepId) -> Dispute:
    """The buyer's next text answers `step` of this case: stored before the prompt is shown.
    Another case's page-timer question is left first (as ⏱ leaves a prompt): otherwise it
    would take the buyer's next text once this prompt is answered."""
    d = turn.draft
    waiting = await turn.context.db.disputes.in_wizard(d.user_id)
    if waiting is not None and waiting.id != d.id and _at_timer(waiting):
        await set_aside(turn.update, turn.context, waiting)
    return await save_case(turn.context, replace(d, wizard_step=str(Position(step))), previous=d)


def _at_timer(d: Dispute) -> bool:
    return Position.parse(d.wizard_step).step is S.TIMER


async def show_reading(turn: Turn, reading: Reading) -> None:
    """The verdict and the reply to paste, after the reading is in the case's history."""
    d = await persist(turn, turn.draft, None, EVENT_MESSAGE, message_detail(reading))
    text, keyboard = views.verdict(turn.t, d, reading)
    await reply(turn, text, keyboard, old="keep")


async def message_typed(turn: Turn, text: str) -> None:
    """The seller's message, forwarded or pasted while the prompt waits for it."""
    if not any(ch.isalpha() for ch in text):
        raise Stay(views.not_a_message(turn.t))
    events = await turn.context.db.events.list(turn.draft.id or 0)
    await show_reading(turn, read_message(text, offer=last_offer(turn.draft, events)))


async def show_check(turn: Turn, check: OfferCheck, *, chosen: str | None = None) -> None:
    """What the offer changes, the verdict, and what accepting or cancelling means, after the
    check is in the case's history."""
    d, now = turn.draft, turn.now()
    warnings = [
        w for w in lifecycle.warnings_for(d, offer_move(check), now) if w not in NUMBERS_ANSWER
    ]
    d = await persist(turn, d, None, EVENT_OFFER, offer_detail(check))
    text, keyboard = views.offer_result(
        turn.t,
        d,
        check,
        warnings=warnings,
        reopen=reopen_after_cancel(d.protection_end, now),
        tz=turn.tz,
        rules=turn.rules,
    )
    await reply(turn, text, keyboard, chosen=chosen, old="retire")


def check(turn: Turn, option: RefundOption, amount: Money | None) -> OfferCheck:
    """The offer against the request; figures that cannot be an offer say why (Stay)."""
    try:
        return check_dispute_offer(turn.draft, option, amount)
    except OfferError as error:
        raise Stay(views.offer_error(turn.t, turn.draft, error)) from error


def _amount(turn: Turn, text: str) -> Money:
    paid = turn.draft.amount_paid
    if paid is None:
        raise Stale
    if _ZERO.fullmatch(text.strip()):
        return Money(0, paid.currency)
    try:
        return parsing.parse_amount(text, paid.currency)
    except parsing.ParseError as error:
        raise Stay(parse_error_text(turn.t, error)) from error


async def amount_typed(turn: Turn, text: str) -> None:
    """The amount of a partial offer, as the dispute page shows it."""
    option = _OPTION_AT[turn.pos.step]
    await show_check(turn, check(turn, option, _amount(turn, text)))


async def prompt_pressed(turn: Turn, value: str) -> None:
    """The prompts' buttons: back to the card, or an offer of nothing."""
    d = turn.draft
    if value == "card":
        await save_case(turn.context, replace(d, wizard_step=None), previous=d)
        query = turn.update.callback_query
        assert query is not None
        await query.answer()
        await send_card(turn.context, turn.chat_id, d)
    elif value == "zero" and turn.pos.step in _OPTION_AT and d.amount_paid is not None:
        offer = check(turn, _OPTION_AT[turn.pos.step], Money(0, d.amount_paid.currency))
        await show_check(turn, offer, chosen=turn.t._("0, no refund at all"))
    else:
        raise Stale
