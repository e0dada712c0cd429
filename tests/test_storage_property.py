"""Property: no acknowledged write is ever lost across restarts or crashes.

A hypothesis state machine runs random sequences of buyer settings, dispute creates and
saves (each with the buyer's place in the wizard, as the wizard stores it before replying;
drafts without an order number too), clean restarts (close + reopen) and crash images (the db
and -wal files copied while the connection is open, as after kill -9, then opened). After
every step the database must equal a plain dict model of what was acknowledged.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot.domain.models import Dispute, Money, Stage
from bot.storage.db import Database
from bot.storage.errors import ConstraintError
from bot.storage.repositories import DuplicateActiveDisputeError

USERS = st.integers(min_value=1, max_value=3)
ORDERS = st.sampled_from(["1001", "1002", None])  # None: a draft at the wizard's step 1
STAGES = st.sampled_from([Stage.DRAFT, Stage.OPENED, Stage.CLOSED])
TEXT = st.text(alphabet="abcAЯж 😀", max_size=8)


def _item(title: str | None) -> str:
    """The item as the unique index spells it: SQLite's trim() (spaces) and lower() (ASCII)."""
    if title is None:
        return ""
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in title.strip(" "))


STEPS = st.sampled_from(["order", "amount", "evidence+e", None])


@dataclass
class Row:
    user_id: int
    order_id: str | None
    stage: Stage
    title: str | None
    amount: Money | None
    step: str | None


class NoLostWrites(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.dir = Path(tempfile.mkdtemp(prefix="storage-prop-"))
        self.generation = 0
        self.path = self.dir / "bot-0.sqlite3"
        self.db = self.run(Database.open(self.path))
        self.languages: dict[int, str] = {}
        self.disputes: dict[int, Row] = {}

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.db.close())
        self.loop.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _active(
        self,
        user_id: int,
        order_id: str | None,
        *,
        stage: Stage = Stage.DRAFT,
        title: str | None = None,
        besides: int | None = None,
    ) -> bool:
        """Whether the unique index refuses this case: one item of an order has one case
        past its draft (migration 0007; SQLite's lower() and trim() spell the item)."""
        if order_id is None or stage in (Stage.DRAFT, Stage.CLOSED):
            return False
        return any(
            (r.user_id, r.order_id) == (user_id, order_id)
            and r.stage not in (Stage.DRAFT, Stage.CLOSED)
            and _item(r.title) == _item(title)
            for i, r in self.disputes.items()
            if i != besides
        )

    # ------------------------------------------------------------------ writes

    @rule(user_id=USERS, language=st.sampled_from(["en", "ru"]))
    def set_language(self, user_id: int, language: str) -> None:
        self.run(self.db.users.set_language(user_id, language))
        self.languages[user_id] = language

    @rule(user_id=USERS, order_id=ORDERS, step=STEPS)
    def create(self, user_id: int, order_id: str | None, step: str | None) -> None:
        d = Dispute(user_id=user_id, order_id=order_id, wizard_step=step)
        try:
            self.run(self.db.disputes.create(d))
        except DuplicateActiveDisputeError:
            assert self._active(user_id, order_id)
            return
        assert not self._active(user_id, order_id)
        assert d.id is not None
        self.disputes[d.id] = Row(user_id, order_id, Stage.DRAFT, None, None, step)

    @precondition(lambda self: bool(self.disputes))
    @rule(
        data=st.data(),
        stage=STAGES,
        title=st.none() | TEXT,
        minor=st.none() | st.integers(0, 10**12),
        step=STEPS,
    )
    def save(
        self,
        data: st.DataObject,
        stage: Stage,
        title: str | None,
        minor: int | None,
        step: str | None,
    ) -> None:
        dispute_id = data.draw(st.sampled_from(sorted(self.disputes)))
        row = self.disputes[dispute_id]
        amount = None if minor is None else Money(minor, "RUB")
        d = Dispute(
            user_id=row.user_id,
            order_id=row.order_id,
            id=dispute_id,
            stage=stage,
            item_title=title,
            amount_paid=amount,
            wizard_step=step,
        )
        conflict = self._active(
            row.user_id, row.order_id, stage=stage, title=title, besides=dispute_id
        )
        try:
            self.run(self.db.disputes.save(d))
        except DuplicateActiveDisputeError:
            assert conflict
            return
        except ConstraintError:  # only a draft may lack its order number
            assert row.order_id is None and stage is not Stage.DRAFT
            return
        assert not conflict and (row.order_id is not None or stage is Stage.DRAFT)
        self.disputes[dispute_id] = Row(row.user_id, row.order_id, stage, title, amount, step)

    # ------------------------------------------------------------------ restarts

    @rule()
    def restart(self) -> None:
        self.run(self.db.close())
        self.db = self.run(Database.open(self.path))

    @rule()
    def crash(self) -> None:
        """Copy the files as they are on disk while the connection is open (what kill -9
        leaves), then carry on from the copy."""
        self.generation += 1
        image = self.dir / f"bot-{self.generation}.sqlite3"
        for suffix in ("", "-wal"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                shutil.copyfile(source, f"{image}{suffix}")
        self.run(self.db.close())
        self.path = image
        self.db = self.run(Database.open(self.path))

    # ------------------------------------------------------------------ the check

    @invariant()
    def database_matches_acknowledged_writes(self) -> None:
        self.run(self._check())

    async def _check(self) -> None:
        db = self.db
        for user_id in (1, 2, 3):
            settings_row = await db.users.get(user_id)
            language = None if settings_row is None else settings_row.language
            assert language == self.languages.get(user_id)
            stored = {
                d.id: Row(
                    d.user_id, d.order_id, d.stage, d.item_title, d.amount_paid, d.wizard_step
                )
                for d in await db.disputes.list_for_user(user_id)
            }
            expected = {i: r for i, r in self.disputes.items() if r.user_id == user_id}
            assert stored == expected


NoLostWrites.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_no_acknowledged_write_is_lost = NoLostWrites.TestCase
