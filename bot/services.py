"""Use cases that change a case: one transaction each, reminders re-planned with the change.

Every path that changes a dispute goes through `save_case`, so reminders are re-planned in
the same transaction as the change that moved a deadline, and never re-planned for nothing.
Handlers hand in what these need (`CaseContext`: the database, the rules, the buyer's plan),
so this module knows nothing of Telegram.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bot.domain.models import Dispute, Event
from bot.domain.schedule import PlannedReminder, active_deadlines

if TYPE_CHECKING:
    from bot.context import Services
    from bot.storage.db import Database


class CaseContext(Protocol):
    """What a use case needs from the update being handled (bot.context.BotContext)."""

    @property
    def db(self) -> Database: ...

    @property
    def services(self) -> Services: ...

    def plan(self, d: Dispute) -> list[PlannedReminder]: ...


def _plan_inputs(context: CaseContext, d: Dispute) -> tuple[object, ...]:
    """What the reminder plan depends on: if none of it changed, the plan has not either."""
    return (d.stage, d.muted, tuple(active_deadlines(d, context.services.rules)))


def _wake(context: CaseContext) -> None:
    service = context.services.reminders
    if service is not None:
        service.wake()


async def save_case(
    context: CaseContext,
    d: Dispute,
    *,
    previous: Dispute | None,
    event: Event | None = None,
) -> Dispute:
    """Create or update `d` in one transaction; returns it with its id. `previous` is the
    stored version (None for a new case) and decides whether reminders need re-planning."""
    planned = None
    if previous is None or _plan_inputs(context, previous) != _plan_inputs(context, d):
        planned = context.plan(d)
    repo = context.db.disputes
    if d.id is None:
        d = await repo.create(d, event=event, reminders=planned)
    else:
        await repo.save(d, event=event, reminders=planned)
    if planned:
        _wake(context)
    return d


async def mute_case(context: CaseContext, d: Dispute, event: Event) -> None:
    """Silence one case: its pending reminders are cancelled with the change, in one
    transaction; its deadlines still show in /status."""
    if d.muted:
        return
    d.muted = True
    await context.db.disputes.save(d, event=event, reminders=[])


async def unmute_case(context: CaseContext, d: Dispute, event: Event) -> list[PlannedReminder]:
    """Bring a case's reminders back, re-planned from now; returns the plan."""
    d.muted = False
    plan = context.plan(d)
    await context.db.disputes.save(d, event=event, reminders=plan)
    _wake(context)
    return plan
