"""Which updates the wizard takes: the dispute row decides, nothing in memory.

`WizardRouter` runs in its own handler group, before the main one (bot/app.py). For a private
message, an edit, /cancel, or one of the wizard's own buttons, it reads the buyer's draft (the
one row with a `wizard_step`, one indexed query): if there is one, the update is the wizard's
(answered here, and no later group sees it); if not, it goes on to the main group as if the
wizard did not exist (/cancel: "nothing to cancel", text: "I'm not waiting for anything").
/new, the main menu's "Open a dispute" and "Continue it" are the wizard's with or without a
draft. Every other command passes through while a wizard is open (/status, /help...).

Because the position is only ever in the database, any process can answer any update of a
buyer (several processes behind one webhook), a restart changes nothing, and memory does not
grow with buyers mid-wizard.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Final

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, CommandHandler, filters

from bot.callbacks import EnterTimer, Menu, ResumeCase, WizardPress
from bot.context import BotContext
from bot.domain import draft
from bot.domain.draft import Position, StepId
from bot.domain.models import Dispute, Event
from bot.domain.steps import NEGOTIATION_PROMPTS
from bot.handlers.dispatch import OwnHandler, Stale, answer_stale
from bot.handlers.wizard import negotiation
from bot.handlers.wizard.flow import (
    answer,
    back,
    edit_menu,
    evidence_done,
    press_answer,
    read_text,
    render,
    reprompt,
)
from bot.handlers.wizard.special import (
    another_item,
    cancel,
    evidence_file,
    evidence_text,
    item_pressed,
    item_title,
    opened_on,
    opened_pressed,
    order_number,
    summary_pressed,
    watch_only,
)
from bot.handlers.wizard.timer import enter_timer, timer_typed
from bot.handlers.wizard.turn import Stay, Turn, persist, reply, set_aside, stay
from bot.services import save_case
from bot.storage.repositories import DuplicateActiveDisputeError
from bot.views import evidence as evidence_views
from bot.views import negotiation as negotiation_views
from bot.views import summary, wizard

S = StepId
MEDIA = (
    filters.PHOTO | filters.VIDEO | filters.Document.ALL | filters.ANIMATION | filters.VIDEO_NOTE
)
NEW, CANCEL, TEXT, FILE, OTHER, EDITED = "new", "cancel", "text", "media", "other", "edited"
Route = str | WizardPress | ResumeCase | EnterTimer


async def current_draft(context: BotContext, user_id: int) -> Dispute | None:
    """The buyer's draft the wizard is on, if any (at most one at a time)."""
    return await context.db.disputes.in_wizard(user_id)


class WizardRouter(OwnHandler):
    """The wizard's one handler (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._new = CommandHandler("new", answer_stale)  # used to match /new, /new@bot
        self._cancel = CommandHandler("cancel", answer_stale)

    def check_update(self, update: object) -> Route | None:
        if not isinstance(update, Update):
            return None
        if update.callback_query is not None:
            data = update.callback_query.data
            menu = Menu.parse(data)
            if menu is not None and menu.item == "new":
                return NEW
            return WizardPress.parse(data) or ResumeCase.parse(data) or EnterTimer.parse(data)
        if self._new.check_update(update):
            return NEW
        if self._cancel.check_update(update):
            return CANCEL
        if update.edited_message is not None:
            return EDITED
        if update.message is None or filters.COMMAND.check_update(update):
            return None  # other commands are not the wizard's, even mid-wizard
        if filters.TEXT.check_update(update):
            return TEXT
        return FILE if MEDIA.check_update(update) else OTHER

    async def run(self, update: Update, context: BotContext, checked: object) -> None:
        assert isinstance(checked, str | WizardPress | ResumeCase | EnterTimer)
        try:
            taken = await route(update, context, checked)
        except Stale:
            await answer_stale(update, context)
            taken = True
        except Exception as error:
            # The update was the wizard's: after an error it must not reach the main group
            # too (which would answer a typed answer with "I'm not waiting for anything").
            # PTB would go on to the next group, so the error handler is called from here.
            await context.application.process_error(update=update, error=error)
            taken = True
        if taken:
            raise ApplicationHandlerStop


async def route(update: Update, context: BotContext, what: Route) -> bool:
    """Handle `what` if it is the wizard's; False when it belongs to the main group."""
    assert update.effective_user is not None
    if what == NEW:
        await start(update, context)
        return True
    if isinstance(what, ResumeCase):
        await resume(update, context, what)
        return True
    if isinstance(what, EnterTimer):
        await enter_timer(update, context, what)
        return True
    user_id = update.effective_user.id
    d = await current_draft(context, user_id)
    if d is not None and isinstance(what, WizardPress) and what.dispute_id != d.id:
        d = await _back_to_the_draft(context, user_id, d)
    if d is None:
        if isinstance(what, WizardPress):
            raise Stale  # a button of a wizard that is over
        return False
    turn = Turn(update, context, d, Position.parse(d.wizard_step))
    try:
        await _step(turn, what)
    except Stay as error:
        await stay(turn, error)
    except DuplicateActiveDisputeError as clash:
        # The store's backstop: this item of the order has another case past its draft.
        await stay(turn, Stay(summary.item_taken(turn.t, clash.existing)))
    return True


async def _back_to_the_draft(context: BotContext, user_id: int, d: Dispute) -> Dispute | None:
    """A button of the draft while a negotiation prompt of an opened case waits for text (the
    buyer went back to the wizard): that prompt is left, and the draft is the wizard's again."""
    if Position.parse(d.wizard_step).step not in NEGOTIATION_PROMPTS:
        return d
    await save_case(context, replace(d, wizard_step=None), previous=d)
    return await current_draft(context, user_id)


async def _step(turn: Turn, what: Route) -> None:
    t, step = turn.t, turn.pos.step
    message = turn.update.effective_message
    if isinstance(what, WizardPress):
        await pressed(turn, what)
    elif what == CANCEL:
        await cancel(turn)
    elif what == TEXT:
        assert message is not None
        await typed(turn, message.text or "")
    elif what == FILE and step is S.EVIDENCE:
        await evidence_file(turn)
    elif what in (FILE, OTHER) and step is S.EVIDENCE:
        raise Stay(evidence_views.only_media_text(t))
    elif what in (FILE, OTHER) and step is S.SELLER_MESSAGE:
        raise Stay(negotiation_views.text_only(t))
    elif what == EDITED:
        raise Stay(wizard.edited_message(t))
    else:
        raise Stay(_expects(turn))


def _expects(turn: Turn) -> str:
    """What the step wants, for an answer of the wrong kind (a sticker, say)."""
    step = turn.pos.step
    q = draft.question(step)
    own = step in TYPED_AT and q is None
    text = own or (q is not None and q.parse is not None)
    buttons = own or (q is not None and bool(q.choices(turn.draft) or q.skip))
    return wizard.expects(turn.t, step, text=text, buttons=buttons)


# The wizard's own steps, beside the questions of the step table: what a typed answer and
# a button of each do.
TYPED_AT: Final[dict[StepId, Callable[[Turn, str], Awaitable[None]]]] = {
    S.ORDER: order_number,  # an order with cases offers them, or another item
    S.ITEM: item_title,  # not an item of the order that has a case already
    S.EVIDENCE: evidence_text,  # "done", or "send a photo"
    S.OPENED_AT: opened_on,
    S.TIMER: timer_typed,  # what the page's timer shows
    # The negotiation assistant's prompts on an opened case (wizard/negotiation.py).
    S.SELLER_MESSAGE: negotiation.message_typed,
    S.OFFER_KEEP_AMOUNT: negotiation.amount_typed,
    S.OFFER_RETURN_AMOUNT: negotiation.amount_typed,
}
PRESSED_AT: Final[dict[StepId, Callable[[Turn, str], Awaitable[None]]]] = {
    S.ORDER: another_item,
    S.ITEM: item_pressed,
    S.SUMMARY: summary_pressed,
    S.EDIT: edit_menu,
    S.OPENED: opened_pressed,
    S.SELLER_MESSAGE: negotiation.prompt_pressed,
    S.OFFER_KEEP_AMOUNT: negotiation.prompt_pressed,
    S.OFFER_RETURN_AMOUNT: negotiation.prompt_pressed,
}
#: Prompts whose every button is their own (no Back along a path, no Cancel of a draft).
ASIDE: Final = NEGOTIATION_PROMPTS


async def typed(turn: Turn, text: str) -> None:
    own = TYPED_AT.get(turn.pos.step)
    if own is not None:
        await own(turn, text)
        return
    q = draft.question(turn.pos.step)
    if q is None or q.parse is None:
        raise Stay(wizard.choose_a_button(turn.t))
    await answer(turn, q, read_text(turn, q, text))


async def pressed(turn: Turn, data: WizardPress) -> None:
    """A button of the draft's current prompt ("existing": of the offer, from any step)."""
    if data.dispute_id != turn.draft.id or data.step not in (turn.pos.step, S.EXISTING):
        raise Stale
    step, value = StepId(data.step), data.value
    own = PRESSED_AT.get(step)
    if step is S.EXISTING:
        await existing_pressed(turn, value)
    elif step in ASIDE:
        await PRESSED_AT[step](turn, value)
    elif value == "cancel":
        await cancel(turn)
    elif value == "back":
        await back(turn)
    elif own is not None:
        await own(turn, value)
    else:
        await _answer_pressed(turn, step, value)


async def _answer_pressed(turn: Turn, step: StepId, value: str) -> None:
    if (step, value) == (S.RECEIVED, "track"):
        await watch_only(turn)
    elif (step, value) == (S.PARTIAL, "retry"):
        await reprompt(turn)
    elif (step, value) == (S.EVIDENCE, "done"):
        await evidence_done(turn)
    elif (step, value) == (S.OPENED_AT, "yesterday"):
        await opened_on(turn, "yesterday")
    else:
        q = draft.question(step)
        if q is None:
            raise Stale
        await press_answer(turn, q, value)


# --- entering the wizard -------------------------------------------------------------------------
async def start(update: Update, context: BotContext) -> None:
    """/new or the main menu's button: a new draft, or the offer to continue the open one."""
    assert update.effective_user is not None and update.effective_chat is not None
    if update.callback_query is not None:
        await update.callback_query.answer()
    user_id = update.effective_user.id
    d = await current_draft(context, user_id)
    if d is not None and Position.parse(d.wizard_step).step is S.TIMER:
        await set_aside(update, context, d)  # typing a page's timer: /new starts afresh
        d = None
    if d is not None and not draft.resumable(d):
        # An opened case waiting for the seller's message: /new leaves that prompt.
        await save_case(context, replace(d, wizard_step=None), previous=d)
        d = await current_draft(context, user_id)
    if d is not None and d.order_id is not None:
        text, keyboard = summary.unfinished_offer(context.t, d)
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard)
        return
    if d is None:
        d = await _new_draft(update, context)
    text, keyboard = wizard.prompt(context.t, d, Position(S.ORDER), context.services.rules)
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard)


async def _new_draft(update: Update, context: BotContext) -> Dispute:
    """A draft row at step 1: stored before "Step 1" is shown, like every other step."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    await context.db.users.ensure(user_id)
    if context.buyer.language is None:
        # Reminders reach the buyer later, outside any update: fix the language they are
        # talking in now, or those would fall back to English.
        await context.db.users.set_language(user_id, context.t.language)
        context.buyer.language = context.t.language
    now = context.now()
    d = Dispute(user_id=user_id, order_id=None, wizard_step=str(Position(S.ORDER)), created_at=now)
    return await save_case(context, d, previous=None, event=Event(0, now, "buyer", "created"))


async def existing_pressed(turn: Turn, value: str) -> None:
    """The offer after /new: continue the open draft, or park it and start a new one."""
    if value == "continue":
        text, keyboard = await render(turn, turn.draft, turn.pos)
        await reply(turn, text, keyboard, chosen=turn.t._("Continue"))
    elif value == "fresh":
        await persist(turn, turn.draft, None, "parked")  # it stays a draft in /status
        d = await _new_draft(turn.update, turn.context)
        text, keyboard = wizard.prompt(turn.t, d, Position(S.ORDER), turn.rules)
        await reply(turn, text, keyboard, chosen=turn.t._("Start a new one"))
    else:
        raise Stale


async def resume(update: Update, context: BotContext, data: ResumeCase) -> None:
    """ "Continue it" on a case card or the duplicate-order offer: that case becomes the one
    the wizard is on (an open draft without an order number is dropped; one with, parked)."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    d = await context.db.disputes.get(data.dispute_id, user_id)
    if d is None or not draft.resumable(d):
        raise Stale
    current = await current_draft(context, user_id)
    if current is not None and current.id != d.id:
        await set_aside(update, context, current)
    count = await context.db.evidence.count(d.id or 0)
    turn = Turn(update, context, d, draft.resume_position(d, count))
    d = await persist(turn, d, turn.pos, "resumed")
    text, keyboard = await render(turn, d, turn.pos)
    await reply(turn, text, keyboard, chosen=context.t._("Continue it"), old="keep")


async def current_prompt(
    update: Update, context: BotContext
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The question the buyer is on now, as text: for the error handler, so that after a
    reply failed to arrive the buyer sees which question their next message answers (their
    previous answer was saved before the failed reply)."""
    if update.effective_user is None:
        return None
    d = await current_draft(context, update.effective_user.id)
    if d is None:
        return None
    pos = Position.parse(d.wizard_step)
    return await render(Turn(update, context, d, pos), d, pos)
