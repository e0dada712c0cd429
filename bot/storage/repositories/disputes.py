"""Disputes, always scoped by the owning buyer's user_id."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final

from bot.domain.facts.model import Facts, FactsError
from bot.domain.models import (
    Branch,
    Dispute,
    Event,
    Money,
    Outcome,
    Reason,
    RefundOption,
    Stage,
)
from bot.domain.schedule import PlannedReminder
from bot.storage.codecs import (
    from_db_time,
    from_db_time_opt,
    to_db_time,
    to_db_time_opt,
)
from bot.storage.engine import SqliteEngine
from bot.storage.repositories.common import (
    DisputeNotFoundError,
    DuplicateActiveDisputeError,
    insert_event,
)
from bot.storage.repositories.reminders import planned_rows, replace_reminders

log = logging.getLogger(__name__)

_DISPUTE_COLUMNS: Final = (
    "user_id",
    "order_id",
    "stage",
    "wizard_step",
    "item_title",
    "amount_paid_minor",
    "amount_paid_currency",
    "protection_end",
    "branch",
    "reason",
    "receipt_confirmed",
    "receipt_confirmed_at",
    "refund_option",
    "refund_minor",
    "refund_currency",
    "description",
    "claim_text",
    "opened_at",
    "seller_deadline",
    "escalation_at",
    "evidence_due",
    "closed_at",
    "outcome",
    "muted",
    "return_post_by",
    "refund_received_at",
    "shipped_at",
    "facts",
    "created_at",
    "updated_at",
)
# Built once from the constant column names above; values are always bound parameters.
_INSERT_DISPUTE: Final = (
    f"INSERT INTO disputes ({', '.join(_DISPUTE_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(':' + c for c in _DISPUTE_COLUMNS)}) RETURNING id"
)
_UPDATE_DISPUTE: Final = (
    "UPDATE disputes SET "  # noqa: S608
    + ", ".join(f"{c} = :{c}" for c in _DISPUTE_COLUMNS if c not in ("user_id", "created_at"))
    + " WHERE id = :id AND user_id = :user_id"
)
_SELECT_ACTIVE: Final = (
    "SELECT * FROM disputes WHERE user_id = ? AND order_id = ? AND stage != 'closed'"
)
_SELECT_IN_WIZARD: Final = (
    "SELECT * FROM disputes WHERE user_id = ? AND wizard_step IS NOT NULL "
    "AND stage != 'closed' ORDER BY updated_at DESC, id DESC LIMIT 1"
)


def _dispute_params(d: Dispute) -> dict[str, Any]:
    paid, refund = d.amount_paid, d.refund_amount
    return {
        "id": d.id,
        "user_id": d.user_id,
        "order_id": d.order_id,
        "stage": d.stage.value,
        "wizard_step": d.wizard_step,
        "item_title": d.item_title,
        "amount_paid_minor": None if paid is None else paid.minor,
        "amount_paid_currency": None if paid is None else paid.currency,
        "protection_end": to_db_time_opt(d.protection_end),
        "branch": None if d.branch is None else d.branch.value,
        "reason": None if d.reason is None else d.reason.value,
        "receipt_confirmed": None if d.receipt_confirmed is None else int(d.receipt_confirmed),
        "receipt_confirmed_at": to_db_time_opt(d.receipt_confirmed_at),
        "refund_option": None if d.refund_option is None else d.refund_option.value,
        "refund_minor": None if refund is None else refund.minor,
        "refund_currency": None if refund is None else refund.currency,
        "description": d.description,
        "claim_text": d.claim_text,
        "opened_at": to_db_time_opt(d.opened_at),
        "seller_deadline": to_db_time_opt(d.seller_deadline),
        "escalation_at": to_db_time_opt(d.escalation_at),
        "evidence_due": to_db_time_opt(d.evidence_due),
        "closed_at": to_db_time_opt(d.closed_at),
        "outcome": None if d.outcome is None else d.outcome.value,
        "muted": int(d.muted),
        "return_post_by": to_db_time_opt(d.return_post_by),
        "refund_received_at": to_db_time_opt(d.refund_received_at),
        "shipped_at": to_db_time_opt(d.shipped_at),
        "facts": None if d.facts is None else d.facts.to_json(),
        "created_at": to_db_time_opt(d.created_at),
        "updated_at": to_db_time_opt(d.updated_at),
    }


def _money(minor: int | None, currency: str | None) -> Money | None:
    return None if minor is None or currency is None else Money(minor, currency)


def _facts(text: str | None) -> Facts | None:
    """The stored facts; a value no version of the bot could have written reads as none (the
    claim then says less, and nothing fails), and is logged."""
    if text is None:
        return None
    try:
        return Facts.from_json(text)
    except FactsError:
        log.warning("unreadable facts of a dispute ignored", exc_info=True)
        return None


def _dispute(row: sqlite3.Row) -> Dispute:
    rc = row["receipt_confirmed"]
    return Dispute(
        id=row["id"],
        user_id=row["user_id"],
        order_id=row["order_id"],
        stage=Stage(row["stage"]),
        wizard_step=row["wizard_step"],
        item_title=row["item_title"],
        amount_paid=_money(row["amount_paid_minor"], row["amount_paid_currency"]),
        protection_end=from_db_time_opt(row["protection_end"]),
        branch=None if row["branch"] is None else Branch(row["branch"]),
        reason=None if row["reason"] is None else Reason(row["reason"]),
        receipt_confirmed=None if rc is None else bool(rc),
        receipt_confirmed_at=from_db_time_opt(row["receipt_confirmed_at"]),
        refund_option=None if row["refund_option"] is None else RefundOption(row["refund_option"]),
        refund_amount=_money(row["refund_minor"], row["refund_currency"]),
        description=row["description"],
        claim_text=row["claim_text"],
        opened_at=from_db_time_opt(row["opened_at"]),
        seller_deadline=from_db_time_opt(row["seller_deadline"]),
        escalation_at=from_db_time_opt(row["escalation_at"]),
        evidence_due=from_db_time_opt(row["evidence_due"]),
        closed_at=from_db_time_opt(row["closed_at"]),
        outcome=None if row["outcome"] is None else Outcome(row["outcome"]),
        muted=bool(row["muted"]),
        return_post_by=from_db_time_opt(row["return_post_by"]),
        refund_received_at=from_db_time_opt(row["refund_received_at"]),
        shipped_at=from_db_time_opt(row["shipped_at"]),
        facts=_facts(row["facts"]),
        created_at=from_db_time_opt(row["created_at"]),
        updated_at=from_db_time_opt(row["updated_at"]),
    )


class DisputeRepo:
    """Disputes, always scoped by the owning buyer's user_id."""

    def __init__(self, db: SqliteEngine) -> None:
        self._db = db

    @staticmethod
    def _active_in(conn: sqlite3.Connection, user_id: int, order_id: str | None) -> Dispute | None:
        if order_id is None:  # a draft without its order number conflicts with nothing
            return None
        row = conn.execute(_SELECT_ACTIVE, (user_id, order_id)).fetchone()
        return None if row is None else _dispute(row)

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
        Raises DuplicateActiveDisputeError if ``d`` is active and the buyer already has an
        active dispute for ``d.order_id``.
        """
        if d.id is not None:
            raise ValueError(f"dispute already has id {d.id}; use save()")
        now = self._db.clock()
        params = _dispute_params(d)
        params["created_at"] = to_db_time(d.created_at or now)
        params["updated_at"] = to_db_time(now)
        del params["id"]
        planned = None if reminders is None else planned_rows(reminders)

        def work(conn: sqlite3.Connection) -> int:
            conn.execute(
                "INSERT INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO NOTHING",
                (d.user_id, params["updated_at"], params["updated_at"]),
            )
            if d.stage.is_active:
                existing = self._active_in(conn, d.user_id, d.order_id)
                if existing is not None:
                    raise DuplicateActiveDisputeError(existing)
            new_id = int(conn.execute(_INSERT_DISPUTE, params).fetchone()[0])
            if event is not None:
                insert_event(conn, replace(event, dispute_id=new_id))
            if planned is not None:
                replace_reminders(conn, params["updated_at"], new_id, d.user_id, planned)
            return new_id

        new_id = await self._db.run(work)
        d.id = new_id
        d.created_at = from_db_time(params["created_at"])
        d.updated_at = from_db_time(params["updated_at"])
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
        DuplicateActiveDisputeError if re-activating it would give the order two active ones.
        """
        if d.id is None:
            raise ValueError("dispute has no id; use create()")
        now = self._db.clock()
        params = _dispute_params(d)
        params["updated_at"] = to_db_time(now)
        del params["created_at"]
        dispute_id = d.id
        planned = None if reminders is None else planned_rows(reminders)

        def work(conn: sqlite3.Connection) -> None:
            try:
                cursor = conn.execute(_UPDATE_DISPUTE, params)
            except sqlite3.IntegrityError:
                existing = self._active_in(conn, d.user_id, d.order_id)
                if existing is not None and existing.id != dispute_id:
                    raise DuplicateActiveDisputeError(existing) from None
                raise
            if cursor.rowcount != 1:
                raise DisputeNotFoundError(f"dispute {dispute_id} of user {d.user_id}")
            if event is not None:
                insert_event(conn, replace(event, dispute_id=dispute_id))
            if planned is not None:
                replace_reminders(conn, params["updated_at"], dispute_id, d.user_id, planned)

        await self._db.run(work)
        d.updated_at = from_db_time(params["updated_at"])

    async def get(self, dispute_id: int, user_id: int) -> Dispute | None:
        """The dispute if it belongs to ``user_id``; another buyer's id reads as None."""
        row = await self._db.fetchone(
            "SELECT * FROM disputes WHERE id = ? AND user_id = ?", (dispute_id, user_id)
        )
        return None if row is None else _dispute(row)

    async def get_many(self, dispute_ids: Sequence[int]) -> dict[int, Dispute]:
        """Disputes by id, NOT scoped by buyer: only for the reminder dispatcher, which loads
        the disputes of a claimed batch at once and checks each against its reminder's
        user_id. Handlers must use ``get(dispute_id, user_id)``."""
        if not dispute_ids:
            return {}
        marks = ", ".join("?" for _ in dispute_ids)
        rows = await self._db.fetchall(
            f"SELECT * FROM disputes WHERE id IN ({marks})",  # noqa: S608 - only "?" marks
            tuple(dispute_ids),
        )
        return {int(r["id"]): _dispute(r) for r in rows}

    async def find_active(self, user_id: int, order_id: str) -> Dispute | None:
        row = await self._db.fetchone(_SELECT_ACTIVE, (user_id, order_id))
        return None if row is None else _dispute(row)

    async def in_wizard(self, user_id: int) -> Dispute | None:
        """The buyer's draft the wizard is on: the one not closed with a ``wizard_step`` (the
        newest, should there be two). One lookup in a small partial index."""
        row = await self._db.fetchone(_SELECT_IN_WIZARD, (user_id,))
        return None if row is None else _dispute(row)

    async def list_for_user(self, user_id: int, *, include_closed: bool = True) -> list[Dispute]:
        """The buyer's disputes, oldest first."""
        if include_closed:
            sql = "SELECT * FROM disputes WHERE user_id = ? ORDER BY id"
        else:
            sql = "SELECT * FROM disputes WHERE user_id = ? AND stage != 'closed' ORDER BY id"
        return [_dispute(r) for r in await self._db.fetchall(sql, (user_id,))]

    async def delete(self, dispute_id: int, user_id: int) -> bool:
        """Delete one of the buyer's disputes; its evidence, reminders and events cascade."""
        changed = await self._db.execute(
            "DELETE FROM disputes WHERE id = ? AND user_id = ?", (dispute_id, user_id)
        )
        return changed == 1
