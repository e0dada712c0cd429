"""One update's worth of wizard: who, which draft and where, how to store a move and how to
talk back.

Durability (bot/handlers/__init__.py, rule 1): a move is stored (`persist`: the draft with its
new position and an event, one transaction) before the reply that announces it is sent.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.domain.draft import Answering, Position
from bot.domain.models import Dispute, Event, EvidenceSummary
from bot.domain.rules import Rules
from bot.i18n import Translator, default_currency
from bot.services import save_case

log = logging.getLogger(__name__)

Old = Literal["replace", "retire", "keep"]


class Stay(Exception):
    """The answer was not accepted: tell the buyer why and keep them where they are."""

    def __init__(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.keyboard = keyboard


@dataclass
class Turn:
    """The update, its context, the buyer's draft (the one the wizard is on) and its place."""

    update: Update
    context: BotContext
    draft: Dispute
    pos: Position

    @property
    def t(self) -> Translator:
        return self.context.t

    @property
    def user_id(self) -> int:
        assert self.update.effective_user is not None
        return self.update.effective_user.id

    @property
    def chat_id(self) -> int:
        assert self.update.effective_chat is not None
        return self.update.effective_chat.id

    @property
    def zone(self) -> str:
        return self.context.timezone

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def rules(self) -> Rules:
        """The deadline rules in force (the built-in table with DISPUTE_RULES applied)."""
        return self.context.services.rules

    def now(self) -> datetime:
        return self.context.now()

    def answering(self) -> Answering:
        return Answering(self.now(), self.tz, default_currency(self.t.language))

    async def other_cases_of(self, order_id: str) -> list[Dispute]:
        """The buyer's other active cases of this order (one per item)."""
        cases = await self.context.db.disputes.active_for_order(self.user_id, order_id)
        return [c for c in cases if c.id != self.draft.id]

    async def evidence_count(self) -> int:
        return await self.context.db.evidence.count(self.draft.id or 0)

    async def evidence_summary(self) -> EvidenceSummary:
        """The case's evidence by kind, for the claim's "Attached:" line."""
        return EvidenceSummary.of(await self.context.db.evidence.list(self.draft.id or 0))


async def persist(
    turn: Turn,
    d: Dispute,
    pos: Position | None,
    event: str,
    detail: dict[str, object] | None = None,
) -> Dispute:
    """Store the draft at its new position (None: the wizard is left) with an event, in one
    transaction, BEFORE replying. `turn.draft` is the stored version it replaces."""
    d = replace(d, wizard_step=str(pos) if pos else None)
    ev = Event(dispute_id=d.id or 0, at=turn.now(), actor="buyer", kind=event, detail=detail or {})
    previous = turn.draft if d.id is not None else None
    return await save_case(turn.context, d, previous=previous, event=ev)


async def set_aside(update: Update, context: BotContext, d: Dispute) -> None:
    """The case the wizard is on leaves it for another one: a draft without its order number
    is dropped; any other keeps its answers and leaves the wizard (it stays in /status)."""
    if d.id is None:
        return
    if d.order_id is None:
        await context.db.disputes.delete(d.id, d.user_id)
    else:
        await persist(Turn(update, context, d, Position.parse(d.wizard_step)), d, None, "parked")


async def reply(
    turn: Turn,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    chosen: str | None = None,
    old: Old = "replace",
) -> None:
    """Show `text`. For a button press, `old` says what becomes of the pressed message:

    - "replace": it turns into the next question, headed by the answer ("✓ No"). One chat
      message per run of buttons, and one Bot API call fewer than sending a new one.
    - "retire": it stays as it was, its buttons swapped for "✓ answer", and `text` is sent
      as a new message: for content worth keeping in the chat (the summary, the instructions).
    - "keep": it stays untouched (its buttons still work) and `text` is sent below it: for
      an answer that was not accepted.
    A typed answer always gets a new message.
    """
    bot = turn.context.bot
    query = turn.update.callback_query
    pressed = query.message if query is not None else None
    if query is None or not isinstance(pressed, Message) or pressed.text is None:
        jobs: list[Awaitable[Any]] = [bot.send_message(turn.chat_id, text, reply_markup=keyboard)]
        if query is not None:
            jobs.append(query.answer())
        await asyncio.gather(*jobs)
        return
    mark = "✓ " + html.escape(chosen) if chosen else ""
    if old == "replace":
        replaced, _ = await asyncio.gather(
            _edit(pressed, (mark + "\n\n" if mark else "") + text, keyboard), query.answer()
        )
        if not replaced:  # too old to edit: the question still has to reach the buyer
            await bot.send_message(turn.chat_id, text, reply_markup=keyboard)
        return
    jobs = [bot.send_message(turn.chat_id, text, reply_markup=keyboard), query.answer()]
    if old == "retire":
        jobs.append(_edit(pressed, pressed.text_html + ("\n\n" + mark if mark else ""), None))
    await asyncio.gather(*jobs)


async def stay(turn: Turn, error: Stay) -> None:
    await reply(turn, error.text, error.keyboard, old="keep")


async def _edit(message: Message, text: str, keyboard: InlineKeyboardMarkup | None) -> bool:
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except BadRequest:  # too old to edit, deleted, or unchanged
        log.debug("could not edit a prompt", exc_info=True)
        return False
    return True
