"""Memory and start-up flat in the number of buyers (issue 15 §6), end to end.

`python -m bot` runs as a real process against the stand-in over loopback (as in
bench/reminders.py) on two databases, each copied fresh for every run:

- **empty**: migrated, no rows (the baseline, measured in the same run);
- **N users**: `--users` buyers (default 100,000) with settings, `--disputes` opened disputes
  (default 100,000, one per buyer) each with 3 pending reminders in the future and 2 events,
  and 1% of the buyers mid-wizard (a conversation row each), filled with direct SQL.

For each: seconds from spawn to ready (the first getUpdates: migrations, PTB's persistence
load and the reminder catch-up scan have run), resident memory when ready, then after
`--hello` new buyers each sent /start (50 at a time, each waiting for its greeting), and the
peak (VmHWM). Goals: RSS within 30 MB of the empty database, ready in under 2 s.

`--baseline-root DIR` adds the same two runs for another checkout of the bot (e.g. `git
archive 02769c6 | tar -x -C ../before`): its N-users database also holds what that
version's persistence wrote, an empty user_data and chat_data row per buyer, at schema 2.

    .venv/bin/python -m bench.scale                      # 100,000 users, about 1 min
    .venv/bin/python -m bench.scale --repeat 3 --hello 12000
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import ROOT, BenchApi, BotProcess, fmt, proc_hwm_mb, table, write_results
from bot.storage.codecs import to_db_time
from bot.storage.schema import load_migrations
from tests import standin
from tests.standin import StandinServer

FIRST_USER = 1_000_000_000
HELLO_USER = 2_000_000_000
CLAIM = (
    "I ordered a desk lamp. The item arrived broken: the base is cracked and it does not turn on."
    " Photos and an unboxing video are attached. I ask for a full refund without return."
)


def migrated(path: Path, schema: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for migration in load_migrations()[:schema]:
        conn.execute("BEGIN")
        for statement in migration.statements():
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {migration.version}")
        conn.execute("COMMIT")
    return conn


def fill(conn: sqlite3.Connection, users: int, disputes: int, *, ptb_rows: bool) -> None:
    """Direct SQL, one transaction: the shapes the bot writes, not its code path."""
    now = datetime.now(UTC)
    stamp = to_db_time(now)
    opened = to_db_time(now - timedelta(days=2))
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO users (user_id, language, timezone, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            (FIRST_USER + i, "ru" if i % 3 else "en", "Europe/Moscow", stamp, stamp)
            for i in range(users)
        ),
    )
    conn.executemany(
        "INSERT INTO disputes (id, user_id, order_id, stage, item_title, amount_paid_minor,"
        " amount_paid_currency, protection_end, branch, reason, refund_option, description,"
        " claim_text, opened_at, seller_deadline, escalation_at, muted, created_at,"
        " updated_at) VALUES (?, ?, ?, 'opened', 'Desk lamp', 250000, 'RUB', ?, 'rc',"
        " 'damaged', 'keep_full', 'Пришла разбитая лампа', ?, ?, ?, ?, 0, ?, ?)",
        (
            (
                i + 1,
                FIRST_USER + i % users,
                str(8_100_000_000_000_000 + i),
                to_db_time(now + timedelta(days=40)),
                CLAIM,
                opened,
                to_db_time(now + timedelta(days=3)),
                to_db_time(now + timedelta(days=5)),
                stamp,
                stamp,
            )
            for i in range(disputes)
        ),
    )
    for n, (kind, days) in enumerate((("seller_1d", 2), ("seller_end", 3), ("escalation_1d", 4))):
        due = to_db_time(now + timedelta(days=days, minutes=n))
        conn.executemany(
            "INSERT INTO reminders (user_id, dispute_id, kind, deadline_at, due_at, state,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
            (
                (FIRST_USER + i % users, i + 1, kind, due, due, stamp, stamp)
                for i in range(disputes)
            ),
        )
    for kind in ("created", "opened"):
        conn.executemany(
            "INSERT INTO events (dispute_id, at, actor, kind, detail) VALUES (?, ?, 'buyer', ?,"
            " '{}')",
            ((i + 1, stamp, kind) for i in range(disputes)),
        )
    conn.executemany(
        "INSERT INTO conversations (name, key, state) VALUES ('wizard', ?, '\"amount\"')",
        ((f"[{FIRST_USER + i},{FIRST_USER + i}]",) for i in range(0, users, 100)),
    )
    if ptb_rows:  # what the persistence before schema 3 wrote for every buyer
        for table_name, column in (("user_data", "user_id"), ("chat_data", "chat_id")):
            conn.executemany(
                f"INSERT INTO {table_name} ({column}, data) VALUES (?, '{{}}')",  # noqa: S608
                ((FIRST_USER + i,) for i in range(users)),
            )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def seed(path: Path, users: int, disputes: int, *, schema: int, ptb_rows: bool) -> float:
    conn = migrated(path, schema)
    try:
        if users:
            fill(conn, users, disputes, ptb_rows=ptb_rows)
        else:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path.stat().st_size / 2**20


async def hellos(api: BenchApi, count: int, at_once: int = 50) -> float:
    """`count` new buyers each send /start and wait for the greeting; returns seconds."""
    queue = iter(range(count))
    started = time.monotonic()

    async def buyer() -> None:
        for n in queue:
            user = standin.user(HELLO_USER + n, "ru" if n % 2 else "en")
            api.push(standin.text_update(user, "/start"))
            await asyncio.wait_for(api.replies[HELLO_USER + n].get(), 60)
            del api.replies[HELLO_USER + n]

    await asyncio.gather(*(buyer() for _ in range(at_once)))
    return time.monotonic() - started


def fresh_copy(seeded: Path, workdir: Path) -> None:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    shutil.copy(seeded, workdir / "bot.sqlite3")


async def one_run(seeded: Path, workdir: Path, code_root: Path, hello: int) -> dict[str, Any]:
    await asyncio.to_thread(fresh_copy, seeded, workdir)
    api = BenchApi()
    async with StandinServer(api) as server:
        proc = BotProcess(server, workdir, env={"PYTHONPATH": str(code_root)})
        try:
            ready = await proc.start(within=120)
            rss_ready = proc.rss_mb()
            hello_s = await hellos(api, hello) if hello else 0.0
            rss_hello, hwm = proc.rss_mb(), proc_hwm_mb(proc.pid)
        finally:
            status = await proc.stop()
            api.close()
            await asyncio.sleep(0.1)
    if status != 0:
        raise RuntimeError(f"the bot exited with {status}:\n{proc.log_path.read_text()[-3000:]}")
    return {
        "ready_s": ready,
        "rss_ready_mb": rss_ready,
        "rss_after_hello_mb": rss_hello,
        "peak_rss_mb": hwm,
        "hello_per_s": hello / hello_s if hello_s else None,
    }


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [k for k in runs[0] if runs[0][k] is not None]
    return {k: statistics.median(r[k] for r in runs) for k in keys} | {"runs": runs}


def seed_all(args: argparse.Namespace, tmp: Path) -> list[dict[str, Any]]:
    """Every (code, database) to measure, its database seeded once."""
    latest = len(load_migrations())
    big = f"{args.users:,} users"
    cases = [
        ("this tree", ROOT, "empty", 0, latest, False),
        ("this tree", ROOT, big, args.users, latest, False),
        # The first start after upgrading: schema 2 with PTB's rows, migrated at start-up.
        ("this tree", ROOT, big + ", upgrading from schema 2", args.users, 2, True),
    ]
    if args.baseline_root:
        root = Path(args.baseline_root).resolve()
        cases += [
            ("baseline", root, "empty", 0, 2, False),
            ("baseline", root, big, args.users, 2, True),
        ]
    plans = []
    for code, root, label, users, schema, ptb_rows in cases:
        seeded = tmp / f"seed-{len(plans)}.sqlite3"
        print(f"seeding {code} / {label} ...", flush=True)
        size = seed(seeded, users, args.disputes if users else 0, schema=schema, ptb_rows=ptb_rows)
        plans.append(
            {"code": code, "database": label, "file_mb": size, "schema": schema}
            | {"root": root, "seeded": seeded}
        )
    return plans


async def measure(
    args: argparse.Namespace, tmp: Path, plans: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Runs interleaved (every database once, then again), so a change in the machine's load
    hits all of them alike; each database is copied fresh for every run."""
    runs: list[list[dict[str, Any]]] = [[] for _ in plans]
    for n in range(args.repeat):
        for plan, done in zip(plans, runs, strict=True):
            print(f"{plan['code']} / {plan['database']}: run {n + 1}/{args.repeat}", flush=True)
            done.append(await one_run(plan["seeded"], tmp / "work", plan["root"], args.hello))
    return [
        {k: v for k, v in plan.items() if k not in ("root", "seeded")} | median_run(done)
        for plan, done in zip(plans, runs, strict=True)
    ]


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    rows = []
    for r in results:
        base = next(b for b in results if b["code"] == r["code"] and b["database"] == "empty")
        rows.append(
            [
                r["code"],
                r["database"],
                fmt(r["file_mb"], 1),
                fmt(r["ready_s"], 2),
                fmt(r["ready_s"] - base["ready_s"], 2),
                fmt(r["rss_ready_mb"], 1),
                fmt(r["rss_ready_mb"] - base["rss_ready_mb"], 1),
                fmt(r["rss_after_hello_mb"], 1),
                fmt(r["rss_after_hello_mb"] - base["rss_after_hello_mb"], 1),
                fmt(r["peak_rss_mb"], 1),
                fmt(r.get("hello_per_s"), 0),
            ]
        )
    print(
        f"\nmedian of {args.repeat} run(s); {args.hello:,} new buyers send /start after ready;"
        " Δ = against the empty database of the same code, same run\n"
    )
    headers = [
        "code",
        "database",
        "file MB",
        "ready s",
        "Δ ready s",
        "RSS ready MB",
        "Δ RSS ready",
        "RSS after hellos",
        "Δ after hellos",
        "peak RSS MB",
        "hellos/s",
    ]
    print(table(headers, rows))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--users", type=int, default=100_000, help="buyers in the database (100000)")
    p.add_argument("--disputes", type=int, default=100_000, help="disputes (100000)")
    p.add_argument("--hello", type=int, default=2_000, help="new buyers sending /start (2000)")
    p.add_argument("--repeat", type=int, default=1, help="runs per database (1)")
    p.add_argument("--baseline-root", help="another checkout of the bot to measure the same way")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        plans = seed_all(args, Path(tmp))
        results = asyncio.run(measure(args, Path(tmp), plans))
    report(results, args)
    path = write_results("scale", {"args": vars(args), "results": results})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
