"""Storing a changed case: the dispute, its event, its conversation state and its reminders.

Every path that changes a dispute goes through `save_case`, so reminders are re-planned in
the same transaction as the change that moved a deadline, and never re-planned for nothing.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.domain.models import Dispute, Event
from bot.domain.schedule import active_deadlines
from bot.handlers.common import stale_button
from bot.keyboards import parse_callback, parse_id
from bot.storage.repositories import ConversationWrite


def _plan_inputs(context: BotContext, d: Dispute) -> tuple[object, ...]:
    """What the reminder plan depends on: if none of it changed, the plan has not either."""
    return (d.stage, d.muted, tuple(active_deadlines(d, context.services.rules)))


async def own_dispute(update: Update, context: BotContext, namespace: str) -> Dispute | None:
    """The presser's dispute named by `<namespace>:<id>`; else the press is answered "This
    button is out of date" and None is returned. Forged, stale and another buyer's ids all
    read the same, since the lookup is always scoped by the presser."""
    query = update.callback_query
    d = None
    if query is not None and update.effective_user is not None:
        fields = parse_callback(query.data, namespace, 1)
        dispute_id = parse_id(fields[0]) if fields else None
        if dispute_id is not None:
            d = await context.db.disputes.get(dispute_id, update.effective_user.id)
    if d is None or d.id is None:
        await stale_button(update, context)
        return None
    return d


async def save_case(
    context: BotContext,
    d: Dispute,
    *,
    previous: Dispute | None,
    event: Event | None = None,
    conversation: ConversationWrite | None = None,
) -> Dispute:
    """Create or update `d` in one transaction; returns it with its id. `previous` is the
    stored version (None for a new case) and decides whether reminders need re-planning."""
    planned = None
    if previous is None or _plan_inputs(context, previous) != _plan_inputs(context, d):
        planned = context.plan(d)
    repo = context.db.disputes
    if d.id is None:
        d = await repo.create(d, conversation=conversation, event=event, reminders=planned)
    else:
        await repo.save(d, conversation=conversation, event=event, reminders=planned)
    service = context.services.reminders
    if planned and service is not None:
        service.wake()
    return d
