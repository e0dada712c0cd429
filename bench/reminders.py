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
   (VmRSS when ready and at the end, VmHWM = peak), the dispatch rate of sendMessage as
   the stand-in saw it over --window seconds, and the most sends in flight at once.
   - "limiter": the bot as in production (OUTGOING_RATE_LIMIT=30, the budget replies and
     reminders share), against a stand-in that enforces 30 messages per sliding second with
     429 + retry_after; target ~29/s sustained and zero 429s.
   - "no-limiter": OUTGOING_RATE_LIMIT=0 (the bot as in production otherwise), stand-in not
     enforcing: the dispatcher's own ceiling.
3. "kill" (issue 15 §3): kill -9 during dispatch, --kills times in a row on one database, then
   a last run to the end, at each of --kill-delays (stand-in round trip, ms), the production
   budget on and the stand-in enforcing 30/s. Its own seed: --kill-buyers buyers with
   --kill-cases due reminders each (so "per buyer" means something). Per kill: rows in
   'sending' at the kill, how many of them had already reached the stand-in (each is sent
   again after the restart: a duplicate), the most duplicates for one buyer; over the run:
   reminders lost (never delivered) and duplicates counted from what the stand-in received,
   which must equal the sum of the per-kill figures. --kill-rate 0 runs them unlimited
   (OUTGOING_RATE_LIMIT=0, the stand-in not enforcing).

    .venv/bin/python -m bench.reminders                      # 100,000 reminders, about 3 min
    .venv/bin/python -m bench.reminders --reminders 20000 --window 60 --delay 80
    .venv/bin/python -m bench.reminders --only kill --kills 10
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import re
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
from bot.limits import cost_of
from bot.storage.db import to_db_time
from tests.harness import Harness
from tests.standin import Fault, Sent, StandinServer, busiest_second

TEMPLATE_USER = 900_000_000
BASE_USER, BASE_DISPUTE, BASE_ORDER = 1_000_000_000, 10_000_000, 9_000_000_000_000_000
ORDER_RE = re.compile(r"9\d{15}")  # the seeded order numbers, as every reminder names them


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
        self.in_flight = 0  # sendMessage calls inside the stand-in now
        self.max_in_flight = 0
        self.delivered: collections.Counter[str] = collections.Counter()  # per order number
        self.fault = self._enforce

    async def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method != "sendMessage":
            return await super().call(method, params)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await super().call(method, params)
        finally:
            self.in_flight -= 1

    def _record(self, sent: Sent) -> None:
        super()._record(sent)
        if sent.method == "sendMessage":
            for order in ORDER_RE.findall(sent.text):
                self.delivered[order] += 1

    def _enforce(self, method: str, params: dict[str, Any]) -> Fault | None:
        if not cost_of(method, params).overall:
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


async def seed(path: Path, count: int, cases_per_buyer: int = 1) -> dict[str, Any]:
    """A database with `count` opened disputes, `cases_per_buyer` per buyer, each with one
    due reminder."""
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
        # Reminders any time of day: the benchmark runs on the wall clock, and a catch-up at
        # night would otherwise wait for the buyers' morning (bot/outbox.py).
        conn.execute(
            "UPDATE users SET remind_from_hour = 0, remind_to_hour = 24 WHERE user_id = ?",
            (TEMPLATE_USER,),
        )
        user_cols = [r[1] for r in conn.execute("PRAGMA table_info(users)")]
        dispute_cols = [r[1] for r in conn.execute("PRAGMA table_info(disputes)")]
        u_rest = [c for c in user_cols if c != "user_id"]
        d_rest = [c for c in dispute_cols if c not in ("id", "user_id", "order_id")]
        base_user, base_dispute = BASE_USER, BASE_DISPUTE
        per = max(1, cases_per_buyer)
        users = [(base_user + i,) for i in range((count + per - 1) // per)]
        conn.executemany(
            f"INSERT INTO users (user_id, {', '.join(u_rest)}) SELECT ?, {', '.join(u_rest)}"  # noqa: S608
            " FROM users WHERE user_id = ?",
            [(u, TEMPLATE_USER) for (u,) in users],
        )
        conn.executemany(
            f"INSERT INTO disputes (id, user_id, order_id, {', '.join(d_rest)})"  # noqa: S608
            f" SELECT ?, ?, ?, {', '.join(d_rest)} FROM disputes WHERE id = ?",
            [
                (base_dispute + i, base_user + i // per, f"{BASE_ORDER + i}", template_id)
                for i in range(count)
            ],
        )
        due = to_db_time(now - timedelta(minutes=10))
        stamp = to_db_time(now)
        conn.executemany(
            "INSERT INTO reminders (user_id, dispute_id, kind, deadline_at, due_at, state,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
            [
                (base_user + i // per, base_dispute + i, kind, deadline_at, due, stamp, stamp)
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
    env = {} if limited else {"OUTGOING_RATE_LIMIT": "0"}
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
        "max_in_flight": api.max_in_flight,
        "cpu_ms_per_reminder": cpu / max(1, len(sends)) * 1000,
        "states_after": states,
        "log_tail": log_tail,
        **stats,
    }


def _sqlite(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def one_kill(
    proc: BotProcess, api: LimitedApi, db: Path, rng: random.Random, delay: float
) -> dict[str, Any]:
    """Start, let it dispatch for 1-2 s, kill -9; what the kill leaves to be sent twice."""
    ready = await proc.start(within=120)
    before = len(api.sends)
    while len(api.sends) < before + 30:  # at least 30 sent (a second at 30/s)
        if time.monotonic() - proc.ready_at > 60:
            raise RuntimeError("no dispatch after the restart")
        await asyncio.sleep(0.01)
    await asyncio.sleep(rng.uniform(0.0, 1.0))
    in_flight_now = api.in_flight
    await proc.kill9()
    await asyncio.sleep(delay + 0.2)  # sends already inside the stand-in finish (delivered)
    sending = _sqlite(
        db,
        "SELECT r.user_id, d.order_id FROM reminders r JOIN disputes d ON d.id = r.dispute_id"
        " WHERE r.state = 'sending'",
    )
    # A row left 'sending' is sent again after the restart: a duplicate if it got out.
    again = [(user, order) for user, order in sending if api.delivered[order] >= 1]
    per_buyer = collections.Counter(user for user, _ in again)
    return {
        "ready_s": ready,
        "sent_before_kill": len(api.sends) - before,
        "in_flight_at_stand_in": in_flight_now,
        "sending_at_kill": len(sending),
        "sending_buyers": len({user for user, _ in sending}),
        "duplicates": len(again),
        "max_per_buyer": max(per_buyer.values(), default=0),
    }


async def kill_mode(
    delay_ms: int, seeded: Path, workroot: Path, args: argparse.Namespace
) -> dict[str, Any]:
    workdir = workroot / f"kill-{delay_ms}ms"
    workdir.mkdir()
    db = workdir / "bot.sqlite3"
    shutil.copy(seeded, db)
    orders = [order for (order,) in _sqlite(db, "SELECT order_id FROM disputes")]
    orders = [o for o in orders if ORDER_RE.fullmatch(o)]
    limited = args.kill_rate != 0
    api = LimitedApi(delay=delay_ms / 1000, limit=30 if limited else None)
    rng = random.Random(delay_ms)
    kills = []
    async with StandinServer(api) as server:
        env = {"OUTGOING_RATE_LIMIT": str(args.kill_rate)}  # production: 30
        proc = BotProcess(server, workdir, env=env)
        try:
            for _ in range(args.kills):
                kills.append(await one_kill(proc, api, db, rng, delay_ms / 1000))
            await proc.start(within=120)
            deadline = time.monotonic() + len(orders) / 20 + 60
            while any(api.delivered[o] == 0 for o in orders) or _sqlite(
                db, "SELECT 1 FROM reminders WHERE state IN ('pending', 'sending') LIMIT 1"
            ):
                if time.monotonic() > deadline:
                    raise RuntimeError("the last run did not finish")
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.5)  # nothing more may follow
        finally:
            await proc.stop(within=10)
            api.close()
            await asyncio.sleep(0.2)
    counts = [api.delivered[o] for o in orders]
    return {
        "delay_ms": delay_ms,
        "outgoing_rate_limit": args.kill_rate,
        "reminders": len(orders),
        "buyers": args.kill_buyers,
        "kills": kills,
        "lost": sum(1 for n in counts if n == 0),
        "duplicates": sum(n - 1 for n in counts if n > 1),
        "max_deliveries_of_one": max(counts),
        "http_429": api.too_many,
        "max_in_flight": api.max_in_flight,
        "busiest_second": busiest_second(list(api.sends)),
    }


async def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if args.only in (None, "limiter", "no-limiter"):
        result.update(await run_dispatch(args, root))
    if args.only in (None, "kill") and args.kills > 0:
        seeded = root / "kill-seed.sqlite3"
        count = args.kill_buyers * args.kill_cases
        print(f"seeding {count:,} reminders for the kill runs ...", flush=True)
        result["kill_seed"] = await seed(seeded, count, args.kill_cases)
        result["kill"] = []
        for delay in (int(x) for x in args.kill_delays.split(",") if x):
            print(f"kill -9 x {args.kills} at {delay} ms ...", flush=True)
            result["kill"].append(await kill_mode(delay, seeded, root, args))
    return result


async def run_dispatch(args: argparse.Namespace, root: Path) -> dict[str, Any]:
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
    if result.get("modes"):
        report_dispatch(result, args)
    if result.get("kill"):
        report_kills(result["kill"])


def report_kills(runs: list[dict[str, Any]]) -> None:
    rows = []
    for r in runs:
        kills = r["kills"]
        dups = [k["duplicates"] for k in kills]
        rows.append(
            [
                r["delay_ms"],
                r["reminders"],
                len(kills),
                r["lost"],
                r["duplicates"],
                f"{min(dups)}-{max(dups)}",
                fmt(sum(dups) / len(dups), 1),
                max(k["max_per_buyer"] for k in kills),
                max(k["sending_at_kill"] for k in kills),
                r["max_in_flight"],
                r["busiest_second"],
                r["http_429"],
            ]
        )
    rate = runs[0]["outgoing_rate_limit"]
    print(f"\nkill -9 during dispatch (OUTGOING_RATE_LIMIT={rate}), then a run to the end\n")
    headers = [
        "delay ms",
        "reminders",
        "kills",
        "lost",
        "duplicates",
        "dups per kill",
        "mean",
        "most per buyer per kill",
        "most 'sending' at a kill",
        "most in flight",
        "busiest 1 s",
        "429s",
    ]
    print(table(headers, rows))
    for r in runs:
        per_kill = [(k["sending_at_kill"], k["duplicates"]) for k in r["kills"]]
        print(f"  {r['delay_ms']} ms, per kill ('sending', duplicates): {per_kill}")


def report_dispatch(result: dict[str, Any], args: argparse.Namespace) -> None:
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
            m["max_in_flight"],
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
        "most in flight",
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
    p.add_argument("--only", choices=["limiter", "no-limiter", "kill"], help="run one mode")
    p.add_argument("--kills", type=int, default=5, help="kill -9 per round trip (5; 0: none)")
    p.add_argument("--kill-delays", default="0,80", help="round trips for the kills, ms (0,80)")
    p.add_argument("--kill-buyers", type=int, default=300, help="buyers in the kill runs (300)")
    p.add_argument("--kill-cases", type=int, default=3, help="due reminders per buyer (3)")
    p.add_argument(
        "--kill-rate", type=int, default=30, help="OUTGOING_RATE_LIMIT for the kills (30; 0 = none)"
    )
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    report(result, args)
    path = write_results("reminders", {"args": vars(args), **result})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
