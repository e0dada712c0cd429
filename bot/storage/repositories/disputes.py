"""Disputes, always scoped by the owning buyer's user_id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Final, TypeVar

from bot.domain.models import Dispute, Event, Stage, clashing
from bot.domain.schedule import PlannedReminder
from bot.storage.codecs import from_db_time, to_db_time
from bot.storage.errors import ConstraintError
from bot.storage.repositories.common import (
    DISPUTES,
    DisputeNotFoundError,
    DuplicateActiveDisputeError,
    id_list,
    insert_event,
)
from bot.storage.repositories.reminders import planned_rows, replace_reminders
from bot.storage.sql import Engine, Sql, Tx

T = TypeVar("T")

_INSERT: Final = DISPUTES.insert()
_UPDATE: Final = DISPUTES.update("id = :id AND user_id = :user_id", keep=("user_id", "created_at"))
_ENSURE_BUYER: Final = (
    "INSERT INTO users (user_id, created_at, updated_at) VALUES (:user_id, :now, :now) "
    "ON CONFLICT (user_id) DO NOTHING"
)
_SELECT_ACTIVE: Final = DISPUTES.query(
    "WHERE user_id = :user_id AND order_id = :order_id AND stage != 'closed' ORDER BY id"
)
_SELECT_IN_WIZARD: Final = DISPUTES.query(
    "WHERE user_id = :user_id AND wizard_step IS NOT NULL "
    "AND stage != 'closed' ORDER BY updated_at DESC, id DESC LIMIT 1"
)
_SELECT_ONE: Final = DISPUTES.query("WHERE id = :id AND user_id = :user_id")
_SELECT_MANY: Final = Sql(
    DISPUTES.query("WHERE id IN (SELECT value FROM json_each(:ids))"),
    postgres=DISPUTES.query("WHERE id = ANY(:ids::bigint[])"),
)
_SELECT_FOR_USER: Final = DISPUTES.query("WHERE user_id = :user_id ORDER BY id")
_SELECT_OPEN_FOR_USER: Final = DISPUTES.query(
    "WHERE user_id = :user_id AND stage != 'closed' ORDER BY id"
)


class DisputeRepo:
    """Disputes, always scoped by the owning buyer's user_id."""

    def __init__(self, db: Engine) -> None:
        self._db = db

    async def create(
        self,
        d: Dispute,
        *,
        event: Event | None = None,
        reminders: Sequence[PlannedReminder] | None = None,
    ) -> Dispute:
        """Insert ``d`` (and its buyer's settings row if missing), in one transaction with the
        optional event (whose dispute_id is set to the new id), and,
        when ``reminders`` is given, the new dispute's reminder rows (``bot.outbox.plan_for``).

        Sets ``d.id``, ``d.created_at`` (if unset) and ``d.updated_at`` and returns ``d``.
        Raises DuplicateActiveDisputeError if ``d`` is past its draft and the buyer already
        has such a case for the same item of ``d.order_id`` (``models.clashing``).
        """
        if d.id is not None:
            raise ValueError(f"dispute already has id {d.id}; use save()")
        now = self._db.clock()
        params = DISPUTES.params(d)
        params["created_at"] = to_db_time(d.created_at or now)
        params["updated_at"] = stamp = to_db_time(now)
        planned = None if reminders is None else planned_rows(reminders)

        async def work(tx: Tx) -> int:
            await tx.execute(_ENSURE_BUYER, {"user_id": d.user_id, "now": stamp})
            row = await tx.fetchone(_INSERT, params)
            assert row is not None
            new_id = int(row[0])
            if event is not None:
                await insert_event(tx, replace(event, dispute_id=new_id))
            if planned is not None:
                await replace_reminders(tx, stamp, new_id, d.user_id, planned)
            return new_id

        d.id = await self._guarded(d, work)
        d.created_at = from_db_time(params["created_at"])
        d.updated_at = from_db_time(stamp)
        return d

    async def save(
        self,
        d: Dispute,
        *,
        event: Event | None = None,
        reminders: Sequence[PlannedReminder] | None = None,
    ) -> None:
        """Make a wizard step durable: ONE transaction updates the dispute row (updated_at =
        clock()), with the buyer's place in the wizard, and appends the event (its dispute_id
        is set to ``d.id``). Commit before replying to the buyer.

        ``reminders``: the dispute's new reminder plan (``bot.outbox.plan_for``), applied
        as ``ReminderRepo.replace_for_dispute`` applies one, in the same transaction, so a
        stage move and its reminders are never half-written (issue 5). ``[]`` cancels every
        pending reminder of the dispute; None (the default) leaves the reminders as they are.

        Raises DisputeNotFoundError if ``d`` is not (or no longer) this buyer's dispute, and
        DuplicateActiveDisputeError if it would give one item of the order two active cases
        past their drafts (the unique index's view of an item: its title trimmed and
        lower-cased; the wizard checks titles more thoroughly, drafts included, before saving).
        """
        if d.id is None:
            raise ValueError("dispute has no id; use create()")
        params = DISPUTES.params(d)
        params["updated_at"] = stamp = to_db_time(self._db.clock())
        dispute_id = d.id
        planned = None if reminders is None else planned_rows(reminders)

        async def work(tx: Tx) -> None:
            if await tx.execute(_UPDATE, params) != 1:
                raise DisputeNotFoundError(f"dispute {dispute_id} of user {d.user_id}")
            if event is not None:
                await insert_event(tx, replace(event, dispute_id=dispute_id))
            if planned is not None:
                await replace_reminders(tx, stamp, dispute_id, d.user_id, planned)

        await self._guarded(d, work)
        d.updated_at = from_db_time(stamp)

    async def _guarded(self, d: Dispute, work: Callable[[Tx], Awaitable[T]]) -> T:
        """``work`` in one transaction; a broken one-active-case-per-item index (the
        transaction was rolled back) becomes DuplicateActiveDisputeError naming that case,
        looked up afterwards (PostgreSQL allows no statement in a failed transaction)."""
        try:
            return await self._db.run(work)
        except ConstraintError:
            existing = await self._clash(d)
            if existing is not None:
                raise DuplicateActiveDisputeError(existing) from None
            raise

    async def _clash(self, d: Dispute) -> Dispute | None:
        """Another case of ``d``'s buyer for the same item of the same order, where the
        unique index holds (neither a draft nor closed; see migration 0007)."""
        if d.order_id is None or d.stage in (Stage.DRAFT, Stage.CLOSED):
            return None
        cases = await self.active_for_order(d.user_id, d.order_id)
        return clashing(d, [c for c in cases if c.stage is not Stage.DRAFT])

    async def get(self, dispute_id: int, user_id: int) -> Dispute | None:
        """The dispute if it belongs to ``user_id``; another buyer's id reads as None."""
        row = await self._db.fetchone(_SELECT_ONE, {"id": dispute_id, "user_id": user_id})
        return None if row is None else DISPUTES.load(row)

    async def get_many(self, dispute_ids: Sequence[int]) -> dict[int, Dispute]:
        """Disputes by id, NOT scoped by buyer: only for the reminder dispatcher, which loads
        the disputes of a claimed batch at once and checks each against its reminder's
        user_id. Handlers must use ``get(dispute_id, user_id)``."""
        if not dispute_ids:
            return {}
        rows = await self._db.fetchall(_SELECT_MANY, {"ids": id_list(self._db, dispute_ids)})
        loaded = DISPUTES.load_all(rows)
        return {d.id: d for d in loaded if d.id is not None}

    async def find_active(self, user_id: int, order_id: str) -> Dispute | None:
        """The buyer's first active case for this order (of any item), or None."""
        row = await self._db.fetchone(_SELECT_ACTIVE, {"user_id": user_id, "order_id": order_id})
        return None if row is None else DISPUTES.load(row)

    async def active_for_order(self, user_id: int, order_id: str) -> list[Dispute]:
        """Every active case of the buyer for this order, one per item, oldest first."""
        rows = await self._db.fetchall(_SELECT_ACTIVE, {"user_id": user_id, "order_id": order_id})
        return DISPUTES.load_all(rows)

    async def in_wizard(self, user_id: int) -> Dispute | None:
        """The buyer's draft the wizard is on: the one not closed with a ``wizard_step`` (the
        newest, should there be two). One lookup in a small partial index."""
        row = await self._db.fetchone(_SELECT_IN_WIZARD, {"user_id": user_id})
        return None if row is None else DISPUTES.load(row)

    async def list_for_user(self, user_id: int, *, include_closed: bool = True) -> list[Dispute]:
        """The buyer's disputes, oldest first."""
        sql = _SELECT_FOR_USER if include_closed else _SELECT_OPEN_FOR_USER
        return DISPUTES.load_all(await self._db.fetchall(sql, {"user_id": user_id}))

    async def delete(self, dispute_id: int, user_id: int) -> bool:
        """Delete one of the buyer's disputes; its evidence, reminders and events cascade."""
        changed = await self._db.execute(
            "DELETE FROM disputes WHERE id = :id AND user_id = :user_id",
            {"id": dispute_id, "user_id": user_id},
        )
        return changed == 1
