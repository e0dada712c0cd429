"""The reminder outbox (the ``reminders`` table) and re-planning a dispute's reminders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

from bot.domain.models import Reminder, ReminderState
from bot.domain.schedule import PlannedReminder
from bot.storage.codecs import from_db_time, to_db_time
from bot.storage.errors import ConstraintError
from bot.storage.repositories.common import REMINDERS, DisputeNotFoundError
from bot.storage.sql import Engine, Sql, Tx

_DUE: Final = (
    "state = 'pending' AND due_at <= :now AND (next_attempt_at IS NULL OR next_attempt_at <= :now)"
)
_NEXT_DUE: Final = REMINDERS.query(f"WHERE {_DUE} ORDER BY due_at, id LIMIT :limit")
_EARLIEST: Final = Sql(
    "SELECT MIN(t) FROM ("
    " SELECT due_at AS t FROM (SELECT due_at FROM reminders"
    "  WHERE state = 'pending' AND next_attempt_at IS NULL ORDER BY due_at LIMIT 1)"
    " UNION ALL"
    # INDEXED BY: without ANALYZE stats the planner would scan every pending row.
    " SELECT MAX(due_at, next_attempt_at) FROM reminders INDEXED BY reminders_retry"
    "  WHERE state = 'pending' AND next_attempt_at IS NOT NULL)",
    postgres="SELECT MIN(t) FROM ("
    " (SELECT due_at AS t FROM reminders"
    "  WHERE state = 'pending' AND next_attempt_at IS NULL ORDER BY due_at LIMIT 1)"
    " UNION ALL"
    " SELECT GREATEST(due_at, next_attempt_at) FROM reminders"
    "  WHERE state = 'pending' AND next_attempt_at IS NOT NULL) AS next",
)
# One row, if it is still pending: a process claiming it meanwhile wins, the other gets
# nothing (on PostgreSQL without waiting for the winner: SKIP LOCKED). A buyer with a row in
# flight already (here or in another process) breaks the one-sending-per-buyer index.
_CLAIM: Final = Sql(
    "UPDATE reminders SET state = 'sending', attempts = attempts + 1, claimed_by = :owner,"
    " updated_at = :now WHERE id = :id AND state = 'pending'",
    postgres="UPDATE reminders SET state = 'sending', attempts = attempts + 1,"
    " claimed_by = :owner, updated_at = :now WHERE id = (SELECT id FROM reminders"
    " WHERE id = :id AND state = 'pending' FOR UPDATE SKIP LOCKED)",
)
_RECOVER_ALL: Final = (
    "UPDATE reminders SET state = 'pending', claimed_by = NULL, updated_at = :now"
    " WHERE state = 'sending'"
)
_RECOVER_ORPHANS: Final = (
    "UPDATE reminders SET state = 'pending', claimed_by = NULL, updated_at = :now"
    " WHERE state = 'sending' AND (claimed_by IS NULL OR claimed_by NOT IN"
    " (SELECT id FROM processes WHERE seen_at > :alive_since))"
)
_RELEASE: Final = Sql(
    "UPDATE reminders SET state = 'pending', attempts = MAX(attempts - 1, 0),"
    " next_attempt_at = :not_before, updated_at = :now WHERE id = :id AND state = 'sending'",
    postgres="UPDATE reminders SET state = 'pending', attempts = GREATEST(attempts - 1, 0),"
    " next_attempt_at = :not_before, updated_at = :now WHERE id = :id AND state = 'sending'",
)
_SET_STATE: Final = "UPDATE reminders SET state = :state, updated_at = :now WHERE id = :id"
_BLOCK_BUYER: Final = (
    "INSERT INTO users (user_id, blocked, created_at, updated_at)"
    " VALUES (:user_id, 1, :now, :now) ON CONFLICT (user_id) DO UPDATE SET"
    " blocked = 1, updated_at = excluded.updated_at"
)
_CANCEL_UNSENT: Final = (
    "UPDATE reminders SET state = 'cancelled', updated_at = :now"
    " WHERE user_id = :user_id AND state IN ('pending', 'sending')"
)
_RENAME: Final = (
    "UPDATE reminders SET kind = :kind, updated_at = :now"
    " WHERE id = :id AND state = 'pending' AND kind != :kind AND NOT EXISTS"
    " (SELECT 1 FROM reminders AS other WHERE other.dispute_id ="
    " reminders.dispute_id AND other.kind = :kind"
    " AND other.deadline_at = reminders.deadline_at)"
)
_CANCEL_NOT_RENAMED: Final = (
    "UPDATE reminders SET state = 'cancelled', updated_at = :now"
    " WHERE id = :id AND state = 'pending' AND kind != :kind"
)
_CANCEL_PENDING: Final = (
    "UPDATE reminders SET state = 'cancelled', updated_at = :now"
    " WHERE id = :id AND state = 'pending'"
)
_MOVE_PENDING: Final = (
    "UPDATE reminders SET due_at = :due, updated_at = :now WHERE id = :id AND state = 'pending'"
)
_OVERDUE: Final = REMINDERS.query(
    "WHERE state = 'pending' AND due_at <= :now ORDER BY dispute_id, due_at, id"
)
_GET: Final = REMINDERS.query("WHERE id = :id AND user_id = :user_id")
_LIST: Final = REMINDERS.query("WHERE dispute_id = :dispute_id ORDER BY due_at, id")


class ReminderRepo:
    """The reminder outbox.

    Life of a row: pending -> (claim) sending -> sent; on a transient error the dispatcher
    puts it back to pending with ``next_attempt_at`` (mark_retry); on a permanent one,
    failed. A crash between send and mark_sent leaves it in 'sending'; ``recover_sending`` at
    start-up returns it to pending, so a crash costs at most one duplicate, never a loss.
    """

    def __init__(self, db: Engine) -> None:
        self._db = db

    def _now(self) -> str:
        return to_db_time(self._db.clock())

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
        now = self._now()
        await self._db.run(lambda tx: replace_reminders(tx, now, dispute_id, user_id, planned))

    async def next_due(self, now: datetime, limit: int) -> list[Reminder]:
        """Up to ``limit`` pending reminders due at ``now`` (and out of any retry back-off),
        earliest first. A range scan of the (state, due_at) index."""
        rows = await self._db.fetchall(_NEXT_DUE, {"now": to_db_time(now), "limit": limit})
        return REMINDERS.load_all(rows)

    async def earliest_pending_due(self) -> datetime | None:
        """When the dispatcher next has work: the earliest pending due_at, or for a row in a
        retry back-off the later of its due_at and next_attempt_at. None if nothing pends."""
        row = await self._db.fetchone(_EARLIEST)
        return None if row is None or row[0] is None else from_db_time(row[0])

    async def claim(self, reminder_id: int, owner: str | None = None) -> bool:
        """pending -> sending (attempts + 1), in flight in process ``owner``. False if it was
        not pending any more, another process is claiming it, or its buyer has a reminder in
        flight already."""
        params = {"now": self._now(), "id": reminder_id, "owner": owner}
        try:
            return await self._db.execute(_CLAIM, params) == 1
        except ConstraintError:
            return False

    async def mark_sent(self, reminder_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE reminders SET state = 'sent', sent_message_id = :message_id,"
            " updated_at = :now WHERE id = :id",
            {"message_id": message_id, "now": self._now(), "id": reminder_id},
        )

    async def mark_retry(self, reminder_id: int, next_attempt_at: datetime) -> None:
        await self._db.execute(
            "UPDATE reminders SET state = 'pending', next_attempt_at = :at, updated_at = :now"
            " WHERE id = :id",
            {"at": to_db_time(next_attempt_at), "now": self._now(), "id": reminder_id},
        )

    async def mark_failed(self, reminder_id: int) -> None:
        await self._db.execute(
            _SET_STATE, {"state": "failed", "now": self._now(), "id": reminder_id}
        )

    async def cancel_for_user(self, user_id: int) -> int:
        """Cancel the buyer's pending reminders (e.g. they blocked the bot)."""
        return await self._db.execute(
            "UPDATE reminders SET state = 'cancelled', updated_at = :now"
            " WHERE user_id = :user_id AND state = 'pending'",
            {"now": self._now(), "user_id": user_id},
        )

    async def cancel_for_dispute(self, dispute_id: int) -> int:
        return await self._db.execute(
            "UPDATE reminders SET state = 'cancelled', updated_at = :now"
            " WHERE dispute_id = :dispute_id AND state = 'pending'",
            {"now": self._now(), "dispute_id": dispute_id},
        )

    async def recover_sending(self, alive_since: datetime | None = None) -> int:
        """'sending' rows whose send was interrupted (a crash between claim and mark) go back
        to pending and are sent again: at most one duplicate, never a loss. Without
        ``alive_since`` every such row (one process, at start-up, before it sends anything);
        with it, those of processes whose heartbeat is older (several processes: a live one
        may be sending its rows right now)."""
        if alive_since is None:
            return await self._db.execute(_RECOVER_ALL, {"now": self._now()})
        params = {"now": self._now(), "alive_since": to_db_time(alive_since)}
        return await self._db.execute(_RECOVER_ORPHANS, params)

    # --- the dispatcher's batch operations (bot/outbox.py) -------------------------------

    async def release(self, reminder_id: int, not_before: datetime) -> None:
        """Undo a claim that was not the reminder's fault (Telegram asked us to slow down, or
        the dispatcher paused before sending): back to pending, the attempt not counted, and
        not tried again before ``not_before``."""
        await self._db.execute(
            _RELEASE, {"not_before": to_db_time(not_before), "now": self._now(), "id": reminder_id}
        )

    async def cancel(self, reminder_id: int) -> None:
        """Cancel one unsent reminder (its dispute was muted or its buyer blocked the bot)."""
        await self._db.execute(
            "UPDATE reminders SET state = 'cancelled', updated_at = :now"
            " WHERE id = :id AND state IN ('pending', 'sending')",
            {"now": self._now(), "id": reminder_id},
        )

    async def stop_for_blocked_buyer(self, user_id: int) -> int:
        """The buyer blocked the bot (403): in one transaction mark them blocked and cancel
        every unsent reminder of theirs. Their data stays: if they come back, re-planning
        brings the reminders back. Returns the number of reminders cancelled."""
        params = {"user_id": user_id, "now": self._now()}

        async def work(tx: Tx) -> int:
            await tx.execute(_BLOCK_BUYER, params)
            return await tx.execute(_CANCEL_UNSENT, params)

        return await self._db.run(work)

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
        sort inside the database, not 100,000 round trips, and never more than a chunk of rows
        (plus one dispute's) in Python at once. The scan holds one read-only connection (one
        snapshot; writes go on meanwhile). ``visit`` is synchronous on purpose: it must only
        decide, never touch the database.
        """
        seen = 0
        group: list[Reminder] = []
        async with self._db.stream(_OVERDUE, {"now": to_db_time(now)}, chunk=chunk) as chunks:
            async for rows in chunks:
                for row in rows:
                    r = REMINDERS.load(row)
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
        now = self._now()
        cancels = [{"now": now, "id": i} for i in cancel_ids]
        renamed = [{"kind": kind, "now": now, "id": i} for i, kind in renames]
        moved = [{"due": to_db_time(due), "now": now, "id": i} for i, due in moves]

        async def work(tx: Tx) -> None:
            await tx.executemany(_CANCEL_PENDING, cancels)
            await tx.executemany(_RENAME, renamed)
            await tx.executemany(_CANCEL_NOT_RENAMED, renamed)
            await tx.executemany(_MOVE_PENDING, moved)

        await self._db.run(work)

    async def get(self, reminder_id: int, user_id: int) -> Reminder | None:
        """One reminder, scoped by its buyer (for reminder buttons)."""
        row = await self._db.fetchone(_GET, {"id": reminder_id, "user_id": user_id})
        return None if row is None else REMINDERS.load(row)

    async def list_for_dispute(self, dispute_id: int) -> list[Reminder]:
        rows = await self._db.fetchall(_LIST, {"dispute_id": dispute_id})
        return REMINDERS.load_all(rows)

    async def count_by_state(self) -> dict[str, int]:
        """Every state with its row count (zero included), for health checks and benches."""
        counts = {state.value: 0 for state in ReminderState}
        for row in await self._db.fetchall("SELECT state, COUNT(*) FROM reminders GROUP BY state"):
            counts[row[0]] = int(row[1])
        return counts


def planned_rows(reminders: Sequence[PlannedReminder]) -> list[tuple[str, datetime, datetime]]:
    """A plan from ``schedule.plan_reminders`` as ``replace_reminders`` takes it."""
    return [(p.kind, p.deadline_at, p.due_at) for p in reminders]


_OWNER: Final = "SELECT 1 FROM disputes WHERE id = :id AND user_id = :user_id"
_EXISTING: Final = (
    "SELECT id, kind, deadline_at, due_at, state FROM reminders WHERE dispute_id = :dispute_id"
)
_MOVE_DUE: Final = "UPDATE reminders SET due_at = :due, updated_at = :now WHERE id = :id"
_REVIVE: Final = (
    "UPDATE reminders SET state = 'pending', due_at = :due, attempts = 0,"
    " next_attempt_at = NULL, sent_message_id = NULL, updated_at = :now WHERE id = :id"
)
_INSERT_PLANNED: Final = (
    "INSERT INTO reminders (user_id, dispute_id, kind, deadline_at, due_at, state,"
    " created_at, updated_at) VALUES (:user_id, :dispute_id, :kind, :deadline, :due,"
    " 'pending', :now, :now)"
)


async def replace_reminders(
    tx: Tx,
    now: str,
    dispute_id: int,
    user_id: int,
    planned: Sequence[tuple[str, datetime, datetime]],
) -> None:
    """``ReminderRepo.replace_for_dispute``'s work, inside a transaction."""
    if await tx.fetchone(_OWNER, {"id": dispute_id, "user_id": user_id}) is None:
        raise DisputeNotFoundError(f"dispute {dispute_id} of user {user_id}")
    wanted = {(kind, to_db_time(deadline)): to_db_time(due) for kind, deadline, due in planned}
    for row in await tx.fetchall(_EXISTING, {"dispute_id": dispute_id}):
        row_id, state = row[0], row[4]
        due = wanted.pop((row[1], row[2]), None)
        if due is None:
            if state == ReminderState.PENDING:
                await tx.execute(_CANCEL_PENDING, {"now": now, "id": row_id})
        elif state == ReminderState.PENDING:
            if row[3] != due:
                await tx.execute(_MOVE_DUE, {"due": due, "now": now, "id": row_id})
        elif state in (ReminderState.CANCELLED, ReminderState.FAILED):
            await tx.execute(_REVIVE, {"due": due, "now": now, "id": row_id})
    await tx.executemany(
        _INSERT_PLANNED,
        [
            {
                "user_id": user_id,
                "dispute_id": dispute_id,
                "kind": kind,
                "deadline": deadline,
                "due": due,
                "now": now,
            }
            for (kind, deadline), due in wanted.items()
        ],
    )
