"""Button presses, parsed once and answered once: the handler classes bot/app.py registers.

`Press(OpenCard, callback)` matches a callback query whose data parses as `OpenCard` and hands
the callback that parsed object: `callback(update, context, data)`. `CasePress` also looks up
the case the data names, scoped by the presser's user id, and hands it over as well; a case
that is not the presser's (forged, stale, deleted, someone else's) reads the same as no case.

Three ways a press is "out of date", one answer for all of them (`answer_stale`):
- its data parses as no namespace: no `Press` matches, and the fallback bot/app.py registers
  last in the main group answers it;
- it names a case the presser does not have (`CasePress`);
- it parses, but no longer fits the state it acts on: the handler raises `Stale`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, BaseHandler

from bot.callbacks import CallbackData
from bot.context import BotContext
from bot.domain.models import Dispute

log = logging.getLogger(__name__)

D = TypeVar("D", bound=CallbackData)


class Stale(Exception):
    """Raised by a handler for a press that parsed but no longer fits: answered as out of
    date, nothing else happens."""


async def answer_stale(update: object, context: BotContext) -> None:
    """A button from an old message, a finished step, or forged data: never act on it."""
    query = update.callback_query if isinstance(update, Update) else None
    if query is None:
        return
    try:
        await query.answer(context.t._("This button is out of date."), show_alert=False)
    except TelegramError:  # an old query can no longer be answered; nothing else to do
        log.debug("could not answer stale callback query", exc_info=True)


class OwnHandler(BaseHandler[Update, BotContext, None]):
    """A handler class of ours: whatever `check_update` returns is handed to `run`."""

    def __init__(self) -> None:
        super().__init__(answer_stale)  # PTB's own callback slot; `run` is the entry

    async def handle_update(
        self,
        update: Update,
        application: Application[Any, BotContext, Any, Any, Any, Any],
        check_result: object,
        context: BotContext,
    ) -> None:
        await self.run(update, context, check_result)

    async def run(self, update: Update, context: BotContext, checked: object) -> None:
        raise NotImplementedError


class Press(OwnHandler, Generic[D]):
    """The presses of one namespace: `callback(update, context, data)`, data already typed."""

    def __init__(
        self,
        data_type: type[D],
        callback: Callable[[Update, BotContext, D], Awaitable[None]],
        *,
        only: Callable[[D], bool] | None = None,
    ) -> None:
        super().__init__()
        self.data_type = data_type
        self.pressed = callback
        self.only = only  # the presses of this namespace this handler takes (default: all)

    def check_update(self, update: object) -> D | None:
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        data = self.data_type.parse(update.callback_query.data)
        if data is None or (self.only is not None and not self.only(data)):
            return None
        return data

    async def run(self, update: Update, context: BotContext, checked: object) -> None:
        assert isinstance(checked, self.data_type)
        try:
            await self.pressed(update, context, checked)
        except Stale:
            await answer_stale(update, context)


class CasePress(Press[D]):
    """Presses that name one of the presser's cases: `callback(update, context, data, case)`.

    The data type must have a `dispute_id` field.
    """

    def __init__(
        self,
        data_type: type[D],
        callback: Callable[[Update, BotContext, D, Dispute], Awaitable[None]],
    ) -> None:
        super().__init__(data_type, self._with_case)
        self.with_case = callback

    async def _with_case(self, update: Update, context: BotContext, data: D) -> None:
        dispute_id: int = getattr(data, "dispute_id")  # noqa: B009 - every case namespace has one
        assert update.effective_user is not None
        d = await context.db.disputes.get(dispute_id, update.effective_user.id)
        if d is None or d.id is None:
            raise Stale
        await self.with_case(update, context, data, d)
