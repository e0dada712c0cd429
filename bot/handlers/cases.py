"""Storing a changed case: the dispute, its event, its conversation state and its reminders.

Every path that changes a dispute goes through `save_case`, so reminders are re-planned in
the same transaction as the change that moved a deadline, and never re-planned for nothing.
"""

from __future__ import annotations

from bot.context import BotContext
from bot.domain.models import Dispute, Event
from bot.domain.schedule import active_deadlines
from bot.storage.repositories import ConversationWrite


def _plan_inputs(context: BotContext, d: Dispute) -> tuple[object, ...]:
    """What the reminder plan depends on: if none of it changed, the plan has not either."""
    return (d.stage, d.muted, tuple(active_deadlines(d, context.services.rules)))


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
