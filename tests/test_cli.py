"""Operator commands (bot/cli.py): `stats`, `backup PATH`, `--version`, run as an operator
would (`python -m bot ...`, no token) and through `cli.main`."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.domain.models import Dispute, Stage
from bot.domain.rules import DEFAULT_RULES, Rules, rules_from_overrides
from bot.storage.db import Database
from bot.storage.schema import latest_schema_version
from bot.storage.sql import Tx
from tests import standin
from tests.processes import ROOT, BotProcess
from tests.standin import Sent, StandinServer


async def operator(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`python -m bot ARGS` without any TELEGRAM_ variable: (status, stdout, stderr)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={**environ, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_version_comes_from_the_package_metadata() -> None:
    status, out, err = await operator("--version")
    assert (status, out, err) == (0, f"dispute-helper {version('dispute-helper')}\n", "")


async def test_rules_lists_every_rule_as_dispute_rules_takes_it() -> None:
    """`dispute-helper rules` documents an installed bot's DISPUTE_RULES (docs/rules.md is not
    in the wheel): every line parses back, as a whole, to the default table."""
    status, out, err = await operator("rules")
    assert (status, err) == (0, "")
    pairs = dict(line.split("  # ")[0].strip().split("=", 1) for line in out.splitlines())
    assert set(pairs) == {f.name for f in fields(Rules)}
    assert rules_from_overrides(pairs) == DEFAULT_RULES
    assert all("  # " in line and line.split("  # ")[1] for line in out.splitlines())


async def seed(path: Path) -> None:
    """3 buyers; cases: 2 opened, 1 draft, 1 closed; reminders: 2 pending (1 overdue), 1
    sent, 1 failed."""
    now = datetime.now(UTC)
    db = await Database.open(path)
    try:
        ids = []
        for user_id, order, stage in [
            (1, "1001", Stage.OPENED),
            (1, "1002", Stage.DRAFT),
            (2, "2001", Stage.OPENED),
            (3, "3001", Stage.CLOSED),
        ]:
            d = await db.disputes.create(Dispute(user_id=user_id, order_id=order, stage=stage))
            ids.append(d.id or 0)
        plan = [
            ("a", now + timedelta(days=2), now + timedelta(days=1)),
            ("b", now + timedelta(hours=1), now - timedelta(minutes=10)),
            ("c", now + timedelta(days=3), now - timedelta(days=1)),
            ("d", now + timedelta(days=4), now - timedelta(days=2)),
        ]
        await db.reminders.replace_for_dispute(ids[0], 1, plan)
        rows = await db.fetchall("SELECT id, kind FROM reminders ORDER BY kind")
        by_kind = {r["kind"]: r["id"] for r in rows}
        await db.reminders.claim(by_kind["c"])
        await db.reminders.mark_sent(by_kind["c"], 77)
        await db.reminders.mark_failed(by_kind["d"])
    finally:
        await db.close()


async def test_stats_reads_the_counts_without_a_token(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await seed(path)
    status, out, err = await operator("stats", "--json", env={"DATABASE_PATH": str(path)})
    assert (status, err) == (0, "")
    found = json.loads(out)
    assert found["buyers"] == 3
    assert found["cases_by_stage"] == {"opened": 2, "draft": 1, "closed": 1}
    assert found["open_cases"] == 3
    assert found["reminders_by_state"] == {"pending": 2, "sent": 1, "failed": 1}
    assert found["reminders_overdue"] == 1
    assert found["schema_version"] == latest_schema_version()
    assert found["database_bytes"] >= path.stat().st_size > 0

    status, out, err = await operator("stats", "--database", str(path))
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"database   {path} (") and "schema version" in lines[0]
    assert "buyers     3" in lines
    assert "cases      4: 3 open, 1 closed" in lines
    assert any(line.split() == ["opened", "2"] for line in lines)
    assert any(line.split() == ["pending", "2"] for line in lines)
    assert lines[-1].startswith("overdue    1 ")


async def test_stats_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await seed(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = path.read_bytes()
    status, _, err = await operator("stats", "--database", str(path))
    assert (status, err) == (0, "")
    assert path.read_bytes() == before  # no migration, no checkpoint, no write of any kind


@pytest.mark.parametrize("command", ["stats", "backup"])
async def test_no_database_is_one_line_and_exit_2(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "missing.sqlite3"
    args = [command, "--database", str(missing)] + (
        [str(tmp_path / "b")] if command == "backup" else []
    )
    status, out, err = await operator(*args)
    assert (status, out) == (2, "")
    assert err == f"{command}: there is no database at {missing}\n"
    assert not missing.exists()


async def test_backup_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await seed(path)
    target = tmp_path / "copy.sqlite3"
    target.write_text("precious")
    status, _, err = await operator("backup", str(target), "--database", str(path))
    assert status == 2 and "already exists" in err
    assert target.read_text() == "precious"


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["backup"]) == 2
    assert "PATH" in capsys.readouterr().err
    assert cli.main(["stats", "--bogus"]) == 2
    assert cli.is_operator_command(["stats"]) and not cli.is_operator_command([])
    assert not cli.is_operator_command(["--help"])  # the bot's own help


async def _user_and_case(tx: Tx, n: int, stamp: str) -> None:
    await tx.execute(
        "INSERT INTO users (user_id, created_at, updated_at) VALUES (:n, :stamp, :stamp)",
        {"n": n, "stamp": stamp},
    )
    await tx.execute(
        "INSERT INTO disputes (user_id, order_id, stage, created_at, updated_at)"
        " VALUES (:n, :order, 'draft', :stamp, :stamp)",
        {"n": n, "order": str(n), "stamp": stamp},
    )


async def test_backup_of_a_database_being_written_is_consistent(tmp_path: Path) -> None:
    """Every write transaction adds one buyer and one case together; the copy, taken while
    they keep coming, holds as many of one as of the other, verifies, and opens."""
    source = tmp_path / "bot.sqlite3"
    db = await Database.open(source)
    written = 0
    stop, enough = asyncio.Event(), asyncio.Event()
    stamp = "2026-12-01T00:00:00.000000Z"

    async def writer() -> None:
        nonlocal written
        while not stop.is_set():
            n = written + 1
            await db.run(functools.partial(_user_and_case, n=n, stamp=stamp))
            written = n
            if written >= 200:
                enough.set()

    task = asyncio.create_task(writer())
    try:
        await asyncio.wait_for(enough.wait(), 30)
        target = tmp_path / "backups" / "copy.sqlite3"
        target.parent.mkdir()
        status, out, err = await operator("backup", str(target), env={"DATABASE_PATH": str(source)})
        at_copy_end = written
    finally:
        stop.set()
        await task
        await db.close()
    assert (status, err) == (0, ""), err
    assert out.startswith(f"backup: wrote {target} (") and "integrity ok" in out
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.sqlite3"]  # one file
    assert target.stat().st_mode & 0o777 == 0o600  # buyers' data: the owner's eyes only
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        (buyers,) = conn.execute("SELECT COUNT(*) FROM users").fetchone()
        (cases,) = conn.execute("SELECT COUNT(*) FROM disputes").fetchone()
    assert buyers == cases and 200 <= buyers <= at_copy_end
    assert f"{buyers:,} buyers, {cases:,} cases" in out
    # The copy is a database the bot opens as it is (restore = put it in DATABASE_PATH).
    restored = await Database.open(target)
    try:
        assert await restored.schema_version() == latest_schema_version()
        assert len(await restored.disputes.list_for_user(1)) == 1
    finally:
        await restored.close()


@pytest.mark.slow
async def test_backup_and_stats_beside_a_running_bot(server: StandinServer, tmp_path: Path) -> None:
    """The bot runs and writes (buyers switching language) while the operator takes a backup
    and reads stats: both work without its lock, and the bot goes on answering."""
    api = server.api
    path = tmp_path / "bot.sqlite3"
    bot = BotProcess(server, path)
    await bot.start()
    buyers = [standin.user(7000 + n, "en") for n in range(5)]
    stop = asyncio.Event()

    async def next_to(
        user: dict[str, Any], update: dict[str, Any], wanted: Callable[[Sent], bool]
    ) -> Sent:
        before = len(api.sent)
        api.push_update(update)
        return await api.wait_sent(
            lambda s: s.chat_id == user["id"] and api.sent.index(s) >= before and wanted(s)
        )

    def language_menu(sent: Sent) -> bool:
        return any("Русский" in text for text, _ in sent.buttons)

    def main_menu(sent: Sent) -> bool:  # the last message a language switch sends
        return sent.method == "sendMessage" and bool(sent.buttons) and not language_menu(sent)

    async def chatter(user: dict[str, Any]) -> int:
        switches = 0
        while not stop.is_set():
            menu = await next_to(user, standin.text_update(user, "/language"), language_menu)
            label = "Русский" if switches % 2 == 0 else "English"
            data = next(d for text, d in menu.buttons if label in text)
            await next_to(user, standin.callback_update(user, data, menu), main_menu)
            switches += 1
            await asyncio.sleep(0.5)  # as a person would: below the flood guard's 5/s
        return switches

    try:
        tasks = [asyncio.create_task(chatter(user)) for user in buyers]
        await asyncio.sleep(0.5)
        target = tmp_path / "copy.sqlite3"
        env = {"DATABASE_PATH": str(path)}
        status, out, err = await operator("backup", str(target), env=env)
        stats_status, stats_out, stats_err = await operator("stats", "--json", env=env)
        stop.set()
        switches = await asyncio.gather(*tasks)
        assert await bot.terminate() == 0
    finally:
        if bot.alive:
            await bot.kill9()
    assert (status, err) == (0, ""), err
    assert "integrity ok" in out and all(n > 0 for n in switches), switches
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        languages = conn.execute("SELECT language FROM users").fetchall()
    assert 1 <= len(languages) <= len(buyers)
    assert {lang for (lang,) in languages} <= {"ru", "en"}
    assert (stats_status, stats_err) == (0, "")
    assert json.loads(stats_out)["buyers"] == len(buyers)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGINT"])
async def test_a_backup_stopped_by_a_signal_leaves_nothing_behind(
    tmp_path: Path, signame: str
) -> None:
    """A cron job's time-out or a supervisor sends SIGTERM: before, the process died at once
    and left `.PATH.partial`, a copy of every buyer's data, beside the backups (SIGINT left
    nothing, but printed a traceback). Now one line, exit 128 + the signal, nothing left."""
    import signal

    path = tmp_path / "bot.sqlite3"
    await seed(path)
    with sqlite3.connect(path) as conn:  # big enough that the copy takes a moment
        conn.execute("CREATE TABLE ballast (b BLOB)")
        conn.executemany("INSERT INTO ballast VALUES (randomblob(1000000))", [()] * 60)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    target = tmp_path / "backups" / "copy.sqlite3"
    target.parent.mkdir()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        str(target),
        env={**environ, "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(path)},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    partial = target.with_name(".copy.sqlite3.partial")
    for _ in range(20_000):  # the copy has begun
        if partial.exists() or proc.returncode is not None:
            break
        await asyncio.sleep(0.001)
    # Held still while the signal is sent: it lands in the middle of the copy.
    proc.send_signal(signal.SIGSTOP)
    assert partial.exists(), "the copy finished before the signal could be sent"
    number = getattr(signal, signame)
    proc.send_signal(number)
    proc.send_signal(signal.SIGCONT)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 128 + number, err
    assert err.decode().strip() == f"backup: stopped by {signame}"
    assert sorted(p.name for p in target.parent.iterdir()) == []
