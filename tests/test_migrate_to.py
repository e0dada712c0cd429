"""`dispute-helper migrate-to postgresql://...` (issue 12 §3): a database the current release
made, through the real bot, copied into an empty PostgreSQL database without losing a row;
the bot goes on there; a target holding data, or a source a bot still runs on, is refused in
one line; the password is never printed."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys
from asyncio.subprocess import PIPE
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot import cli
from bot.domain.models import Dispute, Evidence, EvidenceKind
from bot.storage.db import Database
from bot.storage.instance import InstanceLock
from bot.storage.transfer import TABLES
from tests.databases import fresh_schema, table_columns
from tests.harness import FakeClock, Harness
from tests.processes import ROOT


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


async def run_cli_beside(*argv: str) -> tuple[int, str, str]:
    """`python -m bot <argv>` as an operator runs it (a process: it has its own event loop
    and signal handlers)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *argv, env=env, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def a_lived_in_database(path: Path, clock: FakeClock) -> None:
    """Buyers as the bot leaves them: a case opened through the whole wizard (evidence,
    reminders, events), another buyer halfway through it, one with settings only, a deleted
    case (its id must never come back), an update waiting in the webhook's inbox."""
    async with Harness(path, clock=clock) as bot:
        anna = bot.buyer(1001, "en")
        for text in ("/new", "8123456789012345", "Desk lamp", "$25", "30"):
            await anna.say(text)
        for label in ("No, I did not", "Package was returned", "Skip"):
            await anna.press(label)
        await anna.say("Tracking says it went back to the seller last week.")
        await anna.say("LP00123456789")  # the first fact (the tracking number): facts copy too
        await anna.press("Skip the rest")
        await anna.photo("first-photo")
        for label in ("Done", "Confirm", "today"):
            await anna.press(label)
        boris = bot.buyer(1002, "ru")
        for text in ("/new", "8123456789099999", "Лампа"):
            await boris.say(text)
        await bot.buyer(1003, "ru").say("/language")
        db = bot.app.services.db if bot.app else None
        assert db is not None
        gone = await db.disputes.create(Dispute(user_id=1003, order_id="8100000000000001"))
        await db.evidence.add(Evidence(gone.id or 0, "f", "u", EvidenceKind.PHOTO))
        assert await db.disputes.delete(gone.id or 0, 1003)
        await db.inbox.store(424242, 1003, '{"update_id": 424242}', "2026-11-23T09:00:00.000000Z")


KEYS = {"users": "user_id", "inbox": "update_id", "handled_updates": "update_id"}


async def rows(db: Database, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``table``, the same columns in the same order on either engine."""
    columns = ", ".join(sorted(await columns_of(db, table)))
    key = KEYS.get(table, "id")
    select = f"SELECT {columns} FROM {table} ORDER BY {key}"  # noqa: S608 - schema names
    return [tuple(r) for r in await db.fetchall(select)]


async def columns_of(db: Database, table: str) -> set[str]:
    return (await table_columns(db))[table]


async def test_migrate_to_copies_every_row_and_the_bot_goes_on_there(
    tmp_path: Path, clock: FakeClock
) -> None:
    source = tmp_path / "bot.sqlite3"
    await a_lived_in_database(source, clock)
    async with fresh_schema() as url:
        password = urlsplit(url).password or ""
        status, out, err = await run_cli_beside("migrate-to", url, "--database", str(source))
        assert (status, err) == (0, ""), err
        assert "every table's count verified" in out and password not in out
        assert ":***@" in out

        sqlite, postgres = await Database.open(source), await Database.open(url)
        try:
            for table in TABLES:
                assert await rows(postgres, table) == await rows(sqlite, table), table
            assert len(await rows(postgres, "reminders")) > 0  # the opened case's plan
            # An id once given (the deleted case's) is never given again.
            fresh = await postgres.disputes.create(Dispute(user_id=1003, order_id="81"))
            highest = await sqlite.fetchone(
                "SELECT seq FROM sqlite_sequence WHERE name = 'disputes'"
            )
            assert highest is not None and (fresh.id or 0) > int(highest[0])
        finally:
            await sqlite.close()
            await postgres.close()

        # The bot goes on from PostgreSQL: the buyer halfway through answers the next step.
        async with Harness(url, clock=clock) as bot:
            boris = bot.buyer(1002, "ru")
            answer = await boris.say("25 $")
            assert any("Шаг 4 из" in s.text for s in answer), [s.text for s in answer]

        # A second run finds the target holding data: refused, nothing changed.
        status, out, err = await run_cli_beside("migrate-to", url, "--database", str(source))
        assert status == 2 and out == ""
        assert err.startswith("migrate-to: ") and "already holds" in err and password not in err
        assert err.count("\n") == 1


async def test_migrate_to_refuses_while_a_bot_runs_on_the_file(tmp_path: Path) -> None:
    source = tmp_path / "bot.sqlite3"
    await (await Database.open(source)).close()
    async with fresh_schema() as url:
        with InstanceLock.acquire(source):
            status, out, err = await run_cli_beside("migrate-to", url, "--database", str(source))
        assert status == 2 and out == ""
        assert "in use by another bot process" in err and err.count("\n") == 1


@pytest.mark.parametrize("url", ["mysql://u:hunter22@h/db", "postgresql://nohostpath"])
def test_migrate_to_wants_a_postgresql_url(tmp_path: Path, url: str) -> None:
    status, out, err = run_cli("migrate-to", url, "--database", str(tmp_path / "x.sqlite3"))
    assert status == 2 and out == "" and "postgresql://" in err and "hunter22" not in err
