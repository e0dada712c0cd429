"""Typed repositories over the Database: dataclasses of ``bot.domain.models`` in and out.

Each public method is one statement or one transaction, so a method that returned has
committed (durable across kill -9, see ``db.py``). Every query is parameterised. Anything a
buyer can name by id (a dispute, a reminder) is looked up *with* the buyer's user_id, so a
forged id from another buyer reads as "not found".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from bot.domain.models import (
    Branch,
    Dispute,
    Event,
    Evidence,
    EvidenceKind,
    Money,
    Outcome,
    Reason,
    RefundOption,
    Reminder,
    ReminderState,
    Stage,
    UserSettings,
)
from bot.domain.schedule import PlannedReminder
from bot.storage.db import (
    conversation_key_json,
    dumps_json,
    from_db_time,
    from_db_time_opt,
    loads_json,
    to_db_time,
    to_db_time_opt,
)

if TYPE_CHECKING:
    from bot.storage.db import Database

__all__ = [
    "ConversationWrite",
    "DisputeNotFoundError",
    "DisputeRepo",
    "DuplicateActiveDisputeError",
    "EventRepo",
    "EvidenceRepo",
    "ReminderRepo",
    "UserRepo",
    "write_conversation",
]


class DuplicateActiveDisputeError(Exception):
    """The buyer already has an active (not closed) dispute for this order."""

    def __init__(self, existing: Dispute) -> None:
        super().__init__(
            f"user {existing.user_id} already has active dispute {existing.id} "
            f"for order {existing.order_id}"
        )
        self.existing = existing


class DisputeNotFoundError(LookupError):
    """No dispute with that id belongs to that buyer (deleted, or someone else's)."""


@dataclass(frozen=True, slots=True)
class ConversationWrite:
    """A ConversationHandler state to persist in the same transaction as a dispute step.

    ``key`` is PTB's conversation key (for a private chat ``(chat_id, user_id)``);
    ``state`` None means the conversation ended and its row is deleted.
    """

    name: str
    key: tuple[int | str, ...]
    state: object | None


def write_conversation(conn: sqlite3.Connection, write: ConversationWrite) -> None:
    """Upsert (or delete, for state None) one conversation row, inside ``Database.run``."""
    key = conversation_key_json(write.key)
    if write.state is None:
        conn.execute("DELETE FROM conversations WHERE name = ? AND key = ?", (write.name, key))
    else:
        conn.execute(
            "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) "
            "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            (write.name, key, dumps_json(write.state)),
        )


def _insert_event(conn: sqlite3.Connection, ev: Event) -> None:
    conn.execute(
        "INSERT INTO events (dispute_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)",
        (ev.dispute_id, to_db_time(ev.at), ev.actor, ev.kind, dumps_json(ev.detail)),
    )


# --------------------------------------------------------------------------- users


def _user(row: sqlite3.Row) -> UserSettings:
    return UserSettings(
        user_id=row["user_id"],
        language=row["language"],
        timezone=row["timezone"],
        remind_from_hour=row["remind_from_hour"],
        remind_to_hour=row["remind_to_hour"],
        blocked=bool(row["blocked"]),
        created_at=from_db_time(row["created_at"]),
        updated_at=from_db_time(row["updated_at"]),
    )


class UserRepo:
    """Per-buyer settings. Setters upsert, so they work before the buyer's first /start."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> UserSettings | None:
        row = await self._db.fetchone("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else _user(row)

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, UserSettings]:
        """Settings of several buyers in one query (the reminder dispatcher's batches)."""
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = await self._db.fetchall(
            f"SELECT * FROM users WHERE user_id IN ({marks})",  # noqa: S608 - only "?" marks
            tuple(user_ids),
        )
        return {int(r["user_id"]): _user(r) for r in rows}

    async def ensure(self, user_id: int) -> UserSettings:
        """The buyer's settings, inserting the defaults on first contact."""
        async with self._db.connection() as conn:
            rows = list(
                await conn.execute_fetchall("SELECT * FROM users WHERE user_id = ?", (user_id,))
            )
            if not rows:
                now = to_db_time(self._db.clock())
                await conn.execute(
                    "INSERT INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (user_id) DO NOTHING",
                    (user_id, now, now),
                )
                rows = list(
                    await conn.execute_fetchall("SELECT * FROM users WHERE user_id = ?", (user_id,))
                )
        return _user(rows[0])

    async def _upsert(self, user_id: int, column: str, value: object) -> None:
        # ``column`` is one of the literal names below, never user input.
        now = to_db_time(self._db.clock())
        await self._db.execute(
            f"INSERT INTO users (user_id, {column}, created_at, updated_at) "  # noqa: S608
            f"VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
            f"{column} = excluded.{column}, updated_at = excluded.updated_at",
            (user_id, value, now, now),
        )

    async def set_language(self, user_id: int, language: str) -> None:
        await self._upsert(user_id, "language", language)

    async def set_timezone(self, user_id: int, tz: str) -> None:
        await self._upsert(user_id, "timezone", tz)

    async def set_waking_hours(self, user_id: int, start: int, end: int) -> None:
        """Reminder window [start, end) in hours of the buyer's day (0..23, 0..24)."""
        if not (0 <= start <= 23 and 0 <= end <= 24):
            raise ValueError(f"waking hours out of range: {start}..{end}")
        now = to_db_time(self._db.clock())
        await self._db.execute(
            "INSERT INTO users (user_id, remind_from_hour, remind_to_hour, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " remind_from_hour = excluded.remind_from_hour,"
            " remind_to_hour = excluded.remind_to_hour, updated_at = excluded.updated_at",
            (user_id, start, end, now, now),
        )

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        await self._upsert(user_id, "blocked", int(blocked))


# --------------------------------------------------------------------------- disputes

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
        "created_at": to_db_time_opt(d.created_at),
        "updated_at": to_db_time_opt(d.updated_at),
    }


def _money(minor: int | None, currency: str | None) -> Money | None:
    return None if minor is None or currency is None else Money(minor, currency)


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
        created_at=from_db_time_opt(row["created_at"]),
        updated_at=from_db_time_opt(row["updated_at"]),
    )


class DisputeRepo:
    """Disputes, always scoped by the owning buyer's user_id."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    def _active_in(conn: sqlite3.Connection, user_id: int, order_id: str) -> Dispute | None:
        row = conn.execute(_SELECT_ACTIVE, (user_id, order_id)).fetchone()
        return None if row is None else _dispute(row)

    async def create(
        self,
        d: Dispute,
        *,
        conversation: ConversationWrite | None = None,
        event: Event | None = None,
        reminders: Sequence[PlannedReminder] | None = None,
    ) -> Dispute:
        """Insert ``d`` (and its buyer's settings row if missing), in one transaction with the
        optional conversation write and event (whose dispute_id is set to the new id), and,
        when ``reminders`` is given, the new dispute's reminder rows (``bot.reminders.plan_for``).

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
        planned = None if reminders is None else _planned(reminders)

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
            if conversation is not None:
                write_conversation(conn, conversation)
            if event is not None:
                _insert_event(conn, replace(event, dispute_id=new_id))
            if planned is not None:
                _replace_reminders(conn, params["updated_at"], new_id, d.user_id, planned)
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
        conversation: ConversationWrite | None = None,
        event: Event | None = None,
        reminders: Sequence[PlannedReminder] | None = None,
    ) -> None:
        """Make a wizard step durable: ONE transaction updates the dispute row (updated_at =
        clock()), optionally upserts the conversation state and appends the event (its
        dispute_id is set to ``d.id``). Commit before replying to the buyer.

        ``reminders``: the dispute's new reminder plan (``bot.reminders.plan_for``), applied
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
        planned = None if reminders is None else _planned(reminders)

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
            if conversation is not None:
                write_conversation(conn, conversation)
            if event is not None:
                _insert_event(conn, replace(event, dispute_id=dispute_id))
            if planned is not None:
                _replace_reminders(conn, params["updated_at"], dispute_id, d.user_id, planned)

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


# --------------------------------------------------------------------------- evidence


def _evidence(row: sqlite3.Row) -> Evidence:
    return Evidence(
        id=row["id"],
        dispute_id=row["dispute_id"],
        file_id=row["file_id"],
        file_unique_id=row["file_unique_id"],
        kind=EvidenceKind(row["kind"]),
        mime_type=row["mime_type"],
        file_size=row["file_size"],
        file_name=row["file_name"],
        caption=row["caption"],
        media_group_id=row["media_group_id"],
        position=row["position"],
    )


class EvidenceRepo:
    """Telegram file references attached to a dispute (never the files themselves)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, ev: Evidence) -> bool:
        """Attach a file at the next position (0, 1, ...; ``ev.position`` is ignored).

        Returns False, changing nothing, if the same file (file_unique_id) is already on
        this dispute: Telegram re-delivers, and buyers resend the same photo.
        """
        changed = await self._db.execute(
            "INSERT INTO evidence (dispute_id, file_id, file_unique_id, kind, mime_type,"
            " file_size, file_name, caption, media_group_id, position, created_at)"
            " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(MAX(position) + 1, 0), ?"
            " FROM evidence WHERE dispute_id = ?"
            " ON CONFLICT (dispute_id, file_unique_id) DO NOTHING",
            (
                ev.dispute_id,
                ev.file_id,
                ev.file_unique_id,
                ev.kind.value,
                ev.mime_type,
                ev.file_size,
                ev.file_name,
                ev.caption,
                ev.media_group_id,
                to_db_time(self._db.clock()),
                ev.dispute_id,
            ),
        )
        return changed == 1

    async def list(self, dispute_id: int) -> list[Evidence]:
        rows = await self._db.fetchall(
            "SELECT * FROM evidence WHERE dispute_id = ? ORDER BY position, id", (dispute_id,)
        )
        return [_evidence(r) for r in rows]

    async def count_and_album(
        self, dispute_id: int, media_group_id: str | None
    ) -> tuple[int, bool]:
        """How many files the dispute has, and whether one of them came in the album
        ``media_group_id`` (False for None), in one query."""
        row = await self._db.fetchone(
            "SELECT COUNT(*), COALESCE(MAX(media_group_id = ?), 0) FROM evidence"
            " WHERE dispute_id = ?",
            (media_group_id, dispute_id),
        )
        return (0, False) if row is None else (int(row[0]), bool(row[1]))

    async def count(self, dispute_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM evidence WHERE dispute_id = ?", (dispute_id,)
        )
        return 0 if row is None else int(row[0])

    async def clear(self, dispute_id: int) -> None:
        await self._db.execute("DELETE FROM evidence WHERE dispute_id = ?", (dispute_id,))


# --------------------------------------------------------------------------- reminders


def _reminder(row: sqlite3.Row) -> Reminder:
    return Reminder(
        id=row["id"],
        user_id=row["user_id"],
        dispute_id=row["dispute_id"],
        kind=row["kind"],
        deadline_at=from_db_time(row["deadline_at"]),
        due_at=from_db_time(row["due_at"]),
        state=ReminderState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=from_db_time_opt(row["next_attempt_at"]),
        sent_message_id=row["sent_message_id"],
    )


class ReminderRepo:
    """The reminder outbox.

    Life of a row: pending -> (claim) sending -> sent; on a transient error the dispatcher
    puts it back to pending with ``next_attempt_at`` (mark_retry); on a permanent one,
    failed. A crash between send and mark_sent leaves it in 'sending'; ``recover_sending`` at
    start-up returns it to pending, so a crash costs at most one duplicate, never a loss.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    async def replace_for_dispute(
        self,
        dispute_id: int,
        user_id: int,
        planned: Sequence[tuple[str, datetime, datetime]],
    ) -> None:
        """Make the dispute's reminders match ``planned`` ((kind, deadline_at, due_at)), in
        one transaction. Rows are identified by (kind, deadline_at):
        - pending and still planned: kept, due_at updated if it moved;
        - sent or sending and still planned: kept as they are (never resent);
        - cancelled or failed and planned again: back to pending (attempts reset). The caller
          decides what is planned: plan nothing for a muted dispute or a blocked buyer;
        - pending and no longer planned: cancelled (sent ones stay as history);
        - planned and new: inserted as pending.
        Raises DisputeNotFoundError if the dispute is not this buyer's.
        ``DisputeRepo.save``/``create`` do the same inside their own transaction.
        """
        now = to_db_time(self._db.clock())
        await self._db.run(lambda conn: _replace_reminders(conn, now, dispute_id, user_id, planned))

    async def next_due(self, now: datetime, limit: int) -> list[Reminder]:
        """Up to ``limit`` pending reminders due at ``now`` (and out of any retry back-off),
        earliest first. A range scan of the (state, due_at) index."""
        t = to_db_time(now)
        rows = await self._db.fetchall(
            "SELECT * FROM reminders WHERE state = 'pending' AND due_at <= ?"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
            " ORDER BY due_at, id LIMIT ?",
            (t, t, limit),
        )
        return [_reminder(r) for r in rows]

    async def earliest_pending_due(self) -> datetime | None:
        """When the dispatcher next has work: the earliest pending due_at, or for a row in a
        retry back-off the later of its due_at and next_attempt_at. None if nothing pends."""
        row = await self._db.fetchone(
            "SELECT MIN(t) FROM ("
            " SELECT due_at AS t FROM (SELECT due_at FROM reminders"
            "  WHERE state = 'pending' AND next_attempt_at IS NULL ORDER BY due_at LIMIT 1)"
            " UNION ALL"
            # INDEXED BY: without ANALYZE stats the planner would scan every pending row.
            " SELECT MAX(due_at, next_attempt_at) FROM reminders INDEXED BY reminders_retry"
            "  WHERE state = 'pending' AND next_attempt_at IS NOT NULL)"
        )
        return None if row is None or row[0] is None else from_db_time(row[0])

    async def claim(self, reminder_id: int) -> bool:
        """pending -> sending (attempts + 1). False if it was not pending any more."""
        changed = await self._db.execute(
            "UPDATE reminders SET state = 'sending', attempts = attempts + 1, updated_at = ?"
            " WHERE id = ? AND state = 'pending'",
            (to_db_time(self._db.clock()), reminder_id),
        )
        return changed == 1

    async def mark_sent(self, reminder_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE reminders SET state = 'sent', sent_message_id = ?, updated_at = ? WHERE id = ?",
            (message_id, to_db_time(self._db.clock()), reminder_id),
        )

    async def mark_retry(self, reminder_id: int, next_attempt_at: datetime) -> None:
        await self._db.execute(
            "UPDATE reminders SET state = 'pending', next_attempt_at = ?, updated_at = ?"
            " WHERE id = ?",
            (to_db_time(next_attempt_at), to_db_time(self._db.clock()), reminder_id),
        )

    async def mark_failed(self, reminder_id: int) -> None:
        await self._db.execute(
            "UPDATE reminders SET state = 'failed', updated_at = ? WHERE id = ?",
            (to_db_time(self._db.clock()), reminder_id),
        )

    async def cancel_for_user(self, user_id: int) -> int:
        """Cancel the buyer's pending reminders (e.g. they blocked the bot)."""
        return await self._db.execute(
            "UPDATE reminders SET state = 'cancelled', updated_at = ?"
            " WHERE user_id = ? AND state = 'pending'",
            (to_db_time(self._db.clock()), user_id),
        )

    async def cancel_for_dispute(self, dispute_id: int) -> int:
        return await self._db.execute(
            "UPDATE reminders SET state = 'cancelled', updated_at = ?"
            " WHERE dispute_id = ? AND state = 'pending'",
            (to_db_time(self._db.clock()), dispute_id),
        )

    async def recover_sending(self) -> int:
        """At start-up, before the dispatcher runs: 'sending' rows were interrupted between
        claim and mark; send them again (at most one duplicate, never a loss)."""
        return await self._db.execute(
            "UPDATE reminders SET state = 'pending', updated_at = ? WHERE state = 'sending'",
            (to_db_time(self._db.clock()),),
        )

    # --- the dispatcher's batch operations (bot/reminders.py) -------------------------------

    async def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        """Claim up to ``limit`` due reminders at once (pending -> sending, attempts + 1) and
        return them as claimed, earliest first. One statement: the same rows as ``next_due``,
        so a batch costs one round trip instead of one ``claim`` per row, and two dispatchers
        can never claim the same row."""
        t = to_db_time(now)
        rows = await self._db.fetchall(
            "UPDATE reminders SET state = 'sending', attempts = attempts + 1, updated_at = ?"
            " WHERE id IN (SELECT id FROM reminders WHERE state = 'pending' AND due_at <= ?"
            "  AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
            "  ORDER BY due_at, id LIMIT ?)"
            " RETURNING *",
            (to_db_time(self._db.clock()), t, t, limit),
        )
        claimed = [_reminder(r) for r in rows]
        claimed.sort(key=lambda r: (r.due_at, r.id or 0))  # RETURNING order is unspecified
        return claimed

    async def release(self, reminder_id: int, not_before: datetime) -> None:
        """Undo a claim that was not the reminder's fault (Telegram asked us to slow down, or
        the dispatcher paused before sending): back to pending, the attempt not counted, and
        not tried again before ``not_before``."""
        await self._db.execute(
            "UPDATE reminders SET state = 'pending', attempts = MAX(attempts - 1, 0),"
            " next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'sending'",
            (to_db_time(not_before), to_db_time(self._db.clock()), reminder_id),
        )

    async def cancel(self, reminder_id: int) -> None:
        """Cancel one unsent reminder (its dispute was muted or its buyer blocked the bot)."""
        await self._db.execute(
            "UPDATE reminders SET state = 'cancelled', updated_at = ?"
            " WHERE id = ? AND state IN ('pending', 'sending')",
            (to_db_time(self._db.clock()), reminder_id),
        )

    async def stop_for_blocked_buyer(self, user_id: int) -> int:
        """The buyer blocked the bot (403): in one transaction mark them blocked and cancel
        every unsent reminder of theirs. Their data stays: if they come back, re-planning
        brings the reminders back. Returns the number of reminders cancelled."""
        now = to_db_time(self._db.clock())
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO users (user_id, blocked, created_at, updated_at)"
                " VALUES (?, 1, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " blocked = 1, updated_at = excluded.updated_at",
                (user_id, now, now),
            )
            cursor = await conn.execute(
                "UPDATE reminders SET state = 'cancelled', updated_at = ?"
                " WHERE user_id = ? AND state IN ('pending', 'sending')",
                (now, user_id),
            )
            return int(cursor.rowcount)

    async def scan_overdue(
        self,
        now: datetime,
        visit: Callable[[list[Reminder]], None],
        *,
        chunk: int = 2_000,
    ) -> int:
        """Call ``visit`` once per dispute with all its pending reminders due at or before
        ``now`` (the catch-up after downtime). Returns the number of rows seen.

        One query, read in chunks of ``chunk`` rows: start-up with 100,000 overdue rows is one
        sort inside SQLite, not 100,000 round trips, and never more than a chunk of rows (plus
        one dispute's) in Python at once. ``visit`` is synchronous on purpose: the database
        lock is held while scanning, so it must only decide, never touch the database.
        """
        t = to_db_time(now)
        seen = 0
        group: list[Reminder] = []
        async with (
            self._db.connection() as conn,
            conn.execute(
                "SELECT * FROM reminders WHERE state = 'pending' AND due_at <= ?"
                " ORDER BY dispute_id, due_at, id",
                (t,),
            ) as cursor,
        ):
            while rows := list(await cursor.fetchmany(chunk)):
                for row in rows:
                    r = _reminder(row)
                    if group and group[0].dispute_id != r.dispute_id:
                        visit(group)
                        group = []
                    group.append(r)
                seen += len(rows)
        if group:
            visit(group)
        return seen

    async def settle_catch_up(
        self, cancel_ids: Sequence[int], renames: Sequence[tuple[int, str]]
    ) -> None:
        """Apply a catch-up decision in one transaction: cancel the superseded reminders and
        turn each ``(id, kind)`` row into its deadline's single "deadline passed" notice.

        If that dispute already has a row of the new kind for the same deadline (a notice
        sent, or kept pending by an earlier catch-up), the row is cancelled instead of
        renamed: the UNIQUE (dispute_id, kind, deadline_at) key means "one notice, ever".
        """
        now = to_db_time(self._db.clock())
        async with self._db.transaction() as conn:
            if cancel_ids:
                await conn.executemany(
                    "UPDATE reminders SET state = 'cancelled', updated_at = ?"
                    " WHERE id = ? AND state = 'pending'",
                    [(now, i) for i in cancel_ids],
                )
            if renames:
                await conn.executemany(
                    "UPDATE reminders SET kind = :kind, updated_at = :now"
                    " WHERE id = :id AND state = 'pending' AND kind != :kind AND NOT EXISTS"
                    " (SELECT 1 FROM reminders AS other WHERE other.dispute_id ="
                    " reminders.dispute_id AND other.kind = :kind"
                    " AND other.deadline_at = reminders.deadline_at)",
                    [{"kind": kind, "now": now, "id": i} for i, kind in renames],
                )
                await conn.executemany(
                    "UPDATE reminders SET state = 'cancelled', updated_at = :now"
                    " WHERE id = :id AND state = 'pending' AND kind != :kind",
                    [{"kind": kind, "now": now, "id": i} for i, kind in renames],
                )

    async def get(self, reminder_id: int, user_id: int) -> Reminder | None:
        """One reminder, scoped by its buyer (for reminder buttons)."""
        row = await self._db.fetchone(
            "SELECT * FROM reminders WHERE id = ? AND user_id = ?", (reminder_id, user_id)
        )
        return None if row is None else _reminder(row)

    async def list_for_dispute(self, dispute_id: int) -> list[Reminder]:
        rows = await self._db.fetchall(
            "SELECT * FROM reminders WHERE dispute_id = ? ORDER BY due_at, id", (dispute_id,)
        )
        return [_reminder(r) for r in rows]

    async def count_by_state(self) -> dict[str, int]:
        """Every state with its row count (zero included), for health checks and benches."""
        counts = {state.value: 0 for state in ReminderState}
        for row in await self._db.fetchall("SELECT state, COUNT(*) FROM reminders GROUP BY state"):
            counts[row[0]] = int(row[1])
        return counts


def _planned(reminders: Sequence[PlannedReminder]) -> list[tuple[str, datetime, datetime]]:
    """A plan from ``schedule.plan_reminders`` as ``_replace_reminders`` takes it."""
    return [(p.kind, p.deadline_at, p.due_at) for p in reminders]


def _replace_reminders(
    conn: sqlite3.Connection,
    now: str,
    dispute_id: int,
    user_id: int,
    planned: Sequence[tuple[str, datetime, datetime]],
) -> None:
    """``ReminderRepo.replace_for_dispute``'s work, inside ``Database.run``."""
    owner = conn.execute(
        "SELECT 1 FROM disputes WHERE id = ? AND user_id = ?", (dispute_id, user_id)
    ).fetchone()
    if owner is None:
        raise DisputeNotFoundError(f"dispute {dispute_id} of user {user_id}")
    wanted = {(kind, to_db_time(deadline)): to_db_time(due) for kind, deadline, due in planned}
    existing = conn.execute(
        "SELECT id, kind, deadline_at, due_at, state FROM reminders WHERE dispute_id = ?",
        (dispute_id,),
    ).fetchall()
    for row in existing:
        due = wanted.pop((row["kind"], row["deadline_at"]), None)
        state = row["state"]
        if due is None:
            if state == ReminderState.PENDING:
                conn.execute(
                    "UPDATE reminders SET state = 'cancelled', updated_at = ? WHERE id = ?",
                    (now, row["id"]),
                )
        elif state == ReminderState.PENDING:
            if row["due_at"] != due:
                conn.execute(
                    "UPDATE reminders SET due_at = ?, updated_at = ? WHERE id = ?",
                    (due, now, row["id"]),
                )
        elif state in (ReminderState.CANCELLED, ReminderState.FAILED):
            conn.execute(
                "UPDATE reminders SET state = 'pending', due_at = ?, attempts = 0,"
                " next_attempt_at = NULL, sent_message_id = NULL, updated_at = ?"
                " WHERE id = ?",
                (due, now, row["id"]),
            )
    if wanted:
        conn.executemany(
            "INSERT INTO reminders (user_id, dispute_id, kind, deadline_at, due_at, state,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
            [
                (user_id, dispute_id, kind, deadline, due, now, now)
                for (kind, deadline), due in wanted.items()
            ],
        )


# --------------------------------------------------------------------------- events


def _event(row: sqlite3.Row) -> Event:
    detail = loads_json(row["detail"])
    return Event(
        id=row["id"],
        dispute_id=row["dispute_id"],
        at=from_db_time(row["at"]),
        actor=row["actor"],
        kind=row["kind"],
        detail=detail if isinstance(detail, dict) else {"value": detail},
    )


class EventRepo:
    """The per-dispute log of what changed and when (append-only)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(self, ev: Event) -> None:
        await self._db.run(lambda conn: _insert_event(conn, ev))

    async def list(self, dispute_id: int) -> list[Event]:
        rows = await self._db.fetchall(
            "SELECT * FROM events WHERE dispute_id = ? ORDER BY id", (dispute_id,)
        )
        return [_event(r) for r in rows]
