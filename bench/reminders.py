"""Reminders at scale: 100,000 pending reminders, all due, then the bot starts.

1. Seed: one real dispute is walked through the wizard in process (tests/harness.py, real
   clock) to "opened", so its rows have the shapes the code writes; it is then cloned with
   sqlite3 into N buyers with one opened dispute each and ONE pending reminder each (the
   dispute's own `seller_1d`-style row: deadline ahead, due 10 minutes ago). One reminder per
   dispute because the start-up catch-up keeps only the latest overdue reminder per dispute
   and deadline (bot/domain/schedule.py `catch_up`): N rows that must all really be sent.
2. For each mode the seeded file is copied and `python -m bot` started on it against the
   stand-in over loopback. Reported: seconds from spawn to ready (the first getUpdates; the
   bot's post_init runs the outbox recovery and catch-up scan first), resident memory
   (VmRSS when ready and at the end, VmHWM = peak), and the dispatch rate of sendMessage as
   the stand-in saw it, over --window seconds.
   - "limiter": the bot as in production (reminders paced at REMINDER_RATE_LIMIT=30), against
     a stand-in that enforces 30 messages per sliding second with 429 + retry_after; target
     29-30/s sustained and zero 429s.
   - "no limiter": REMINDER_RATE_LIMIT=0 (the bot as in production otherwise), stand-in not
     enforcing: the dispatcher's own ceiling.

    .venv/bin/python -m bench.reminders                      # 100,000 reminders, about 2 min
    .venv/bin/python -m bench.reminders --reminders 20000 --window 60 --delay 80
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    BenchApi,
    BotProcess,
    fmt,
    proc_hwm_mb,
    table,
    write_results,
)
from bench.wizard import wizard_script
from bot.storage.db import to_db_time
from tests.harness import Harness
from tests.standin import Fault, StandinServer

SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendVideo", "sendDocument", "sendMediaGroup"}
)
TEMPLATE_USER = 900_000_000


class LimitedApi(BenchApi):
    """The stand-in, optionally enforcing Telegram's ~30 messages/s: more than `limit`
    messages in any sliding second get 429 with retry_after (as Telegram answers)."""

    def __init__(self, *, delay: float = 0.0, limit: int | None = None) -> None:
        super().__init__(delay=delay)
        self.limit = limit
        self.accepted: collections.deque[float] = collections.deque()
        self.sends: list[float] = []  # monotonic instant of every accepted message
        self.attempts: list[float] = []  # ... of every message the bot tried, 429s included
        self.too_many = 0
        self.fault = self._enforce

    def _enforce(self, method: str, params: dict[str, Any]) -> Fault | None:
        if method not in SEND_METHODS:
            return None
        now = time.monotonic()
        self.attempts.append(now)
        if self.limit is not None:
            while self.accepted and self.accepted[0] <= now - 1.0:
                self.accepted.popleft()
            if len(self.accepted) >= self.limit:
                self.too_many += 1
                return Fault(
                    status=429, description="Too Many Requests: retry after 1", retry_after=1
                )
            self.accepted.append(now)
        self.sends.append(now)
        return None


async def seed(path: Path, count: int) -> dict[str, Any]:
    """A database with `count` buyers, each with one opened dispute and one due reminder."""
    started = time.perf_counter()
    harness = Harness(path, clock=lambda: datetime.now(UTC))
    await harness.start()
    try:
        buyer = harness.buyer(TEMPLATE_USER)
        for step in wizard_script(TEMPLATE_USER, 0, False):
            if step.kind == "say":
                await buyer.say(step.arg)
            elif step.kind == "photo":
                await buyer.photo(step.arg)
            else:
                await buyer.press(step.arg)
    finally:
        await harness.stop()
    now = datetime.now(UTC)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        (template_id, stage) = conn.execute(
            "SELECT id, stage FROM disputes WHERE user_id = ?", (TEMPLATE_USER,)
        ).fetchone()
        planned = conn.execute(
            "SELECT kind, deadline_at FROM reminders WHERE dispute_id = ? AND state = 'pending'"
            " AND deadline_at > ? ORDER BY deadline_at, due_at DESC",
            (template_id, to_db_time(now + timedelta(hours=1))),
        ).fetchall()
        if not planned:
            raise RuntimeError("the template dispute has no reminder with a deadline ahead")
        kind, deadline_at = planned[0]
        user_cols = [r[1] for r in conn.execute("PRAGMA table_info(users)")]
        dispute_cols = [r[1] for r in conn.execute("PRAGMA table_info(disputes)")]
        u_rest = [c for c in user_cols if c != "user_id"]
        d_rest = [c for c in dispute_cols if c not in ("id", "user_id", "order_id")]
        base_user, base_dispute = 1_000_000_000, 10_000_000
        users = [(base_user + i,) for i in range(count)]
        conn.executemany(
            f"INSERT INTO users (user_id, {', '.join(u_rest)}) SELECT ?, {', '.join(u_rest)}"  # noqa: S608
            " FROM users WHERE user_id = ?",
            [(u, TEMPLATE_USER) for (u,) in users],
        )
        conn.executemany(
            f"INSERT INTO disputes (id, user_id, order_id, {', '.join(d_rest)})"  # noqa: S608
            f" SELECT ?, ?, ?, {', '.join(d_rest)} FROM disputes WHERE id = ?",
            [
                (base_dispute + i, base_user + i, f"{9_000_000_000_000_000 + i}", template_id)
                for i in range(count)
            ],
        )
        due = to_db_time(now - timedelta(minutes=10))
        stamp = to_db_time(now)
        conn.executemany(
            "INSERT INTO reminders (user_id, dispute_id, kind, deadline_at, due_at, state,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
            [
                (base_user + i, base_dispute + i, kind, deadline_at, due, stamp, stamp)
                for i in range(count)
            ],
        )
        # The template buyer's own reminders would be sent too; keep only the clones.
        conn.execute("DELETE FROM reminders WHERE dispute_id = ?", (template_id,))
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pending = conn.execute("SELECT COUNT(*) FROM reminders WHERE state = 'pending'").fetchone()
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    return {
        "reminders": pending[0],
        "kind": kind,
        "template_stage": stage,
        "seconds": time.perf_counter() - started,
        "bytes": pages * page_size,
    }


def busiest_second(instants: list[float]) -> int:
    busiest, j = 0, 0
    for i, t in enumerate(instants):
        while instants[j] <= t - 1.0:
            j += 1
        busiest = max(busiest, i - j + 1)
    return busiest


def rate_stats(sends: list[float], start: float, window: float) -> dict[str, Any]:
    """Sends per second over [start + 2 s, start + window] (after the first burst), the first
    second, and the busiest sliding second."""
    steady_from = start + 2.0
    end = start + window
    steady = [t for t in sends if steady_from <= t < end]
    busiest = busiest_second(sends)
    per_second = collections.Counter(int(t - start) for t in sends if start <= t < end)
    return {
        "sustained_per_s": len(steady) / max(1e-9, end - steady_from),
        "first_second": sum(1 for t in sends if start <= t < start + 1.0),
        "busiest_sliding_second": busiest,
        "per_second": [per_second.get(s, 0) for s in range(int(window))],
    }


async def one_mode(
    name: str, seeded: Path, workroot: Path, args: argparse.Namespace, *, limited: bool
) -> dict[str, Any]:
    workdir = workroot / name
    workdir.mkdir()
    shutil.copy(seeded, workdir / "bot.sqlite3")
    api = LimitedApi(delay=args.delay / 1000, limit=30 if limited else None)
    env = {} if limited else {"REMINDER_RATE_LIMIT": "0"}
    module = "bot"
    async with StandinServer(api) as server:
        proc = BotProcess(server, workdir, module=module, env=env)
        try:
            ready = await proc.start(within=300)
            rss_ready = proc.rss_mb()
            cpu0 = proc.cpu()
            first = api.sends[0] if api.sends else time.monotonic()
            start = min(first, proc.ready_at)
            first_send_s = first - proc.started_at if api.sends else None
            await asyncio.sleep(max(0.0, start + args.window - time.monotonic()))
            rss_end, hwm = proc.rss_mb(), proc_hwm_mb(proc.pid)
            cpu = proc.cpu() - cpu0
        finally:
            await proc.stop(within=10)
            api.close()
            await asyncio.sleep(0.2)
    sends = list(api.sends)
    stats = rate_stats(sends, start, args.window)
    sent_in_window = sum(1 for t in sends if start <= t < start + args.window)
    with sqlite3.connect(workdir / "bot.sqlite3") as conn:
        states = dict(conn.execute("SELECT state, COUNT(*) FROM reminders GROUP BY state"))
    conn.close()
    log_tail = proc.log_path.read_text(errors="replace").splitlines()[-5:]
    return {
        "mode": name,
        "rate_limiter": limited,
        "stand_in_enforces_30_per_s": limited,
        "delay_ms": args.delay,
        "ready_s": ready,
        "first_send_s": first_send_s,
        "rss_ready_mb": rss_ready,
        "rss_end_mb": rss_end,
        "peak_rss_mb": hwm,
        "sent_in_window": sent_in_window,
        "http_429": api.too_many,
        "busiest_sliding_second_attempted": busiest_second(list(api.attempts)),
        "cpu_ms_per_reminder": cpu / max(1, len(sends)) * 1000,
        "states_after": states,
        "log_tail": log_tail,
        **stats,
    }


async def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    seeded = root / "seed.sqlite3"
    print(f"seeding {args.reminders:,} reminders ...", flush=True)
    seeding = await seed(seeded, args.reminders)
    print(
        f"  {seeding['reminders']:,} pending '{seeding['kind']}' reminders, "
        f"{seeding['bytes'] / 1e6:.1f} MB, {seeding['seconds']:.1f} s",
        flush=True,
    )
    modes = []
    for name, limited in (("limiter", True), ("no limiter", False)):
        if args.only and args.only != name.replace(" ", "-"):
            continue
        print(f"running '{name}' for {args.window:.0f} s ...", flush=True)
        modes.append(await one_mode(name.replace(" ", "-"), seeded, root, args, limited=limited))
    return {"seed": seeding, "modes": modes}


def report(result: dict[str, Any], args: argparse.Namespace) -> None:
    rows = [
        [
            m["mode"],
            m["delay_ms"],
            fmt(m["ready_s"], 2),
            fmt(m["rss_ready_mb"], 0),
            fmt(m["peak_rss_mb"], 0),
            m["sent_in_window"],
            fmt(m["sustained_per_s"], 1),
            m["first_second"],
            m["busiest_sliding_second"],
            m["busiest_sliding_second_attempted"],
            m["http_429"],
            fmt(m["cpu_ms_per_reminder"], 2),
        ]
        for m in result["modes"]
    ]
    print(
        f"\n{result['seed']['reminders']:,} pending reminders, all due at start; "
        f"window {args.window:.0f} s\n"
    )
    headers = [
        "mode",
        "delay ms",
        "ready s",
        "RSS ready MB",
        "peak RSS MB",
        "sent",
        "sustained/s",
        "1st second",
        "busiest 1 s",
        "busiest 1 s tried",
        "429s",
        "bot CPU ms/msg",
    ]
    print(table(headers, rows))
    for m in result["modes"]:
        print(f"\n{m['mode']}: per second {m['per_second']}")
        print(f"  reminder states after: {m['states_after']}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--reminders", type=int, default=100_000, help="pending reminders (100000)")
    p.add_argument("--window", type=float, default=30.0, help="seconds measured per mode (30)")
    p.add_argument("--delay", type=int, default=0, help="stand-in delay in ms (0)")
    p.add_argument("--only", choices=["limiter", "no-limiter"], help="run one mode")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    report(result, args)
    path = write_results("reminders", {"args": vars(args), **result})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
