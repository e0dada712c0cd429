"""The reminder outbox (the ``reminders`` table) and re-planning a dispute's reminders."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.domain.models import (
    Reminder,
    ReminderState,
)
from bot.domain.schedule import PlannedReminder
from bot.storage.codecs import (
    from_db_time,
    from_db_time_opt,
    to_db_time,
)
from bot.storage.engine import SqliteEngine
from bot.storage.repositories.common import DisputeNotFoundError


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

    def __init__(self, db: SqliteEngine) -> None:
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
        await self._db.run(lambda conn: replace_reminders(conn, now, dispute_id, user_id, planned))

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

    # --- the dispatcher's batch operations (bot/outbox.py) -------------------------------

    async def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        """Claim up to ``limit`` due reminders at once (pending -> sending, attempts + 1) and
        return them as claimed, earliest first. One statement: the same rows as ``next_due``,
        so a batch costs one round trip instead of one ``claim`` per row, and two dispatchers
        can never claim the same row."""
        t = to_db_time(now)
        rows = await self._db.write_fetchall(
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
        one dispute's) in Python at once. The scan holds one read-only connection (one snapshot;
        writes go on meanwhile). ``visit`` is synchronous on purpose: it must only decide,
        never touch the database.
        """
        t = to_db_time(now)
        seen = 0
        group: list[Reminder] = []
        async with (
            self._db.reading() as conn,
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
        self,
        cancel_ids: Sequence[int],
        renames: Sequence[tuple[int, str]],
        moves: Sequence[tuple[int, datetime]] = (),
    ) -> None:
        """Apply a catch-up decision in one transaction: cancel the superseded reminders,
        turn each ``(id, kind)`` row into its deadline's single "deadline passed" notice, and
        send each ``(id, due_at)`` row at that later instant (the buyer's waking hours).

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
            if moves:
                await conn.executemany(
                    "UPDATE reminders SET due_at = ?, updated_at = ? WHERE id = ?"
                    " AND state = 'pending'",
                    [(to_db_time(due), now, i) for i, due in moves],
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


def planned_rows(reminders: Sequence[PlannedReminder]) -> list[tuple[str, datetime, datetime]]:
    """A plan from ``schedule.plan_reminders`` as ``_replace_reminders`` takes it."""
    return [(p.kind, p.deadline_at, p.due_at) for p in reminders]


def replace_reminders(
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
