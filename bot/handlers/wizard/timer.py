"""A timer read off the buyer's own page (bot/domain/timers.py): "⏱ Enter ... timer" on a case
card asks what the page shows, and the answer replaces our default for that deadline.

The question is a wizard step (`StepId.TIMER`, the deadline in the position), so the answer
is routed like any other typed answer: the case row holds where the buyer is, and Cancel,
/cancel and /new leave it. The deadline is stored, with its event and re-planned reminders,
before the reply says so.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import EnterTimer
from bot.context import BotContext
from bot.domain import dates, lifecycle, parsing, timers
from bot.domain.draft import Position, StepId
from bot.handlers.dispatch import Stale
from bot.handlers.wizard.turn import Stay, Turn, persist, reply, set_aside
from bot.views import timers as timer_views
from bot.views.errors import parse_error_text

S = StepId


async def enter_timer(update: Update, context: BotContext, data: EnterTimer) -> None:
    """The card's ⏱ button: ask what the page shows for that deadline (the case the wizard
    was on, if another, is set aside as "Continue it" does)."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    d = await context.db.disputes.get(data.dispute_id, user_id)
    if d is None or data.field not in timers.settable(d):
        raise Stale
    current = await context.db.disputes.in_wizard(user_id)
    if current is not None and current.id != d.id:
        await set_aside(update, context, current)
    turn = Turn(update, context, d, Position(S.TIMER, timer=data.field))
    d = await persist(turn, d, turn.pos, "timer_asked", {"field": data.field.value})
    text, keyboard = timer_views.prompt(context.t, d, data.field, turn.tz)
    await reply(turn, text, keyboard, old="keep")


async def timer_typed(turn: Turn, text: str) -> None:
    """What the page shows: stored as the buyer's own deadline, reminders planned from it."""
    d, field = turn.draft, turn.pos.timer
    if field is None or field not in timers.settable(d):
        # The case moved on meanwhile (its stage has another timer now): ask nothing more.
        await persist(turn, d, None, "wizard_left")
        raise Stale
    try:
        value = dates.parse_timer(text, turn.now(), turn.tz)
    except parsing.ParseError as error:
        raise Stay(timer_error(turn, error)) from error
    change = lifecycle.set_deadline(d, field, value, turn.now())
    stored = await persist(turn, change.dispute, None, change.kind, change.detail)
    await reply(turn, *timer_views.noted(turn.t, stored, field, turn.tz, turn.now()))


def timer_error(turn: Turn, error: parsing.ParseError) -> str:
    """Why the answer could not be read, with what the step expects."""
    if error.code is parsing.ParseErrorCode.UNRECOGNISED:
        return timer_views.unreadable(turn.t)
    return parse_error_text(turn.t, error)


async def timer_cancelled(turn: Turn) -> None:
    """Cancel on the timer question: the deadline stays as it was."""
    await persist(turn, turn.draft, None, "wizard_left")
    await reply(turn, timer_views.unchanged(turn.t), chosen=turn.t._("Cancel"))
