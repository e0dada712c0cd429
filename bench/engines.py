"""SQLite against PostgreSQL, and one process against two (issue 12 §6).

Closed loop as bench/wizard.py runs it (200 buyers walking the wizard, the Bot API stand-in
answering after 80 ms, the outgoing limit and the flood guard off: `bench.launch` with
`{"rate_limit": false}`, so the bot's own ceiling is measured), in these set-ups:

- `sqlite`: one process, polling, SQLite (the default);
- `pg`: one process, polling, PostgreSQL (DATABASE_URL);
- `pg-webhook-1`, `pg-webhook-2`: one and two processes in webhook mode on one PostgreSQL
  database, every update stored in the inbox before its 200 (bot/inbox.py), delivered to the
  processes in turn as a round-robin proxy would.

Needs a PostgreSQL server: BENCH_DATABASE_URL (or TEST_DATABASE_URL), a database the user may
create schemas in; every run gets a fresh schema. CPU per update is the bot processes' (all
of them) and, beside it, the PostgreSQL server's (every process named `postgres`, so run it
on a machine where no other PostgreSQL works meanwhile).

    .venv/bin/python -m bench.engines                 # every set-up, alternating, ~3 min
    .venv/bin/python -m bench.engines --repeat 3 --setups pg-webhook-1,pg-webhook-2
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
import asyncpg

from bench.common import (
    CLK_TCK,
    BenchApi,
    BotProcess,
    fmt,
    table,
    write_results,
)
from bench.wizard import Buyer, closed_loop, wizard_script
from tests.standin import StandinServer

SETUPS = ("sqlite", "pg", "pg-webhook-1", "pg-webhook-2")
SECRET = "bench-secret"
NOLIMIT = json.dumps({"rate_limit": False})


class WebhookApi(BenchApi):
    """BenchApi whose updates are POSTed to the bots' webhooks in turn, not polled."""

    def __init__(self, *, delay: float) -> None:
        super().__init__(delay=delay)
        self.ports: list[int] = []
        self.session: aiohttp.ClientSession | None = None
        self._turn = itertools.count()
        self._ids = itertools.count(1)
        self.refused = 0

    def push(self, update: dict[str, Any]) -> float:
        at = time.monotonic()
        update = {**update, "update_id": next(self._ids)}
        port = self.ports[next(self._turn) % len(self.ports)]
        asyncio.get_running_loop().create_task(self._post(port, update))
        return at

    async def _post(self, port: int, update: dict[str, Any]) -> None:
        assert self.session is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        url = f"http://127.0.0.1:{port}/hook"
        try:
            async with self.session.post(url, json=update, headers=headers) as answer:
                if answer.status != 200:
                    self.refused += 1
        except aiohttp.ClientError:  # the run was cut and the bots stopped meanwhile
            self.refused += 1


@dataclass
class Run:
    setup: str
    processes: int
    updates: int
    updates_per_s: float
    p50_ms: float
    p99_ms: float
    bot_cpu_ms_per_update: float
    server_cpu_ms_per_update: float
    harness_cpu_ms_per_update: float
    errors: int


def postgres_cpu() -> float:
    """CPU seconds of every process named postgres (the server and its backends)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if (entry / "comm").read_text().strip() == "postgres":
                total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / CLK_TCK


@asynccontextmanager
async def fresh_schema(url: str) -> AsyncIterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(url)
    await conn.execute(f"CREATE SCHEMA {schema}")
    await conn.close()
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"search_path": schema})) if q)
    try:
        yield parts._replace(query=query).geturl()
    finally:
        conn = await asyncpg.connect(url)
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()


def free_ports(n: int) -> list[int]:
    ports = []
    for _ in range(n):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
    return ports


async def start_bots(
    setup: str, server: StandinServer, workdir: Path, url: str | None
) -> list[BotProcess]:
    webhook = setup.startswith("pg-webhook")
    count = int(setup.rsplit("-", 1)[1]) if webhook else 1
    ports = free_ports(count)
    bots = []
    for n in range(count):
        env = {"BENCH_BUILD_KWARGS": NOLIMIT}
        if url is not None:
            env["DATABASE_URL"] = url
        if webhook:
            env |= {
                "WEBHOOK_URL": "https://bench.invalid/hook",
                "WEBHOOK_SECRET": SECRET,
                "PORT": str(ports[n]),
                "LISTEN_ADDRESS": "127.0.0.1",
            }
        bot = BotProcess(
            server,
            workdir / f"bot{n}",
            module="bench.launch",
            env=env,
            ready_call="setWebhook" if webhook else "getUpdates",
        )
        await bot.start()
        bots.append(bot)
    if isinstance(server.api, WebhookApi):
        server.api.ports = ports
    return bots


async def one_run(setup: str, args: argparse.Namespace, root: Path, pg_url: str | None) -> Run:
    webhook = setup.startswith("pg-webhook")
    api = WebhookApi(delay=args.delay / 1000) if webhook else BenchApi(delay=args.delay / 1000)
    workdir = root / f"{setup}-{uuid.uuid4().hex[:6]}"
    async with StandinServer(api) as server, _database(setup, pg_url) as url:
        bots = await start_bots(setup, server, workdir, url)
        try:
            if isinstance(api, WebhookApi):
                api.session = aiohttp.ClientSession()
            await asyncio.sleep(0.3)
            buyers = [Buyer(api, 100_000 + i, wizard_script) for i in range(args.buyers)]
            cpu0, pg0, h0 = sum(b.cpu() for b in bots), postgres_cpu(), time.process_time()
            samples, _ = await closed_loop(api, buyers, args.limit)
            cpu = sum(b.cpu() for b in bots) - cpu0
            server_cpu = postgres_cpu() - pg0 if url else 0.0
            harness_cpu = time.process_time() - h0
        finally:
            if isinstance(api, WebhookApi) and api.session is not None:
                await api.session.close()
            for bot in bots:
                await bot.stop()
    n = len(samples.latencies)
    elapsed = max(1e-9, samples.last_reply - samples.first_push)
    latencies = sorted(samples.latencies)
    return Run(
        setup=setup,
        processes=len(bots),
        updates=n,
        updates_per_s=n / elapsed,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[max(0, int(0.99 * n) - 1)] * 1000,
        bot_cpu_ms_per_update=cpu / n * 1000,
        server_cpu_ms_per_update=server_cpu / n * 1000,
        harness_cpu_ms_per_update=harness_cpu / n * 1000,
        errors=len(samples.errors) + sum(len(b.mismatches) for b in buyers),
    )


@asynccontextmanager
async def _database(setup: str, pg_url: str | None) -> AsyncIterator[str | None]:
    if setup == "sqlite":
        yield None  # BotProcess's own file in its workdir
        return
    assert pg_url is not None, "PostgreSQL set-ups need BENCH_DATABASE_URL or TEST_DATABASE_URL"
    async with fresh_schema(pg_url) as url:
        yield url


def print_runs(runs: list[Run]) -> str:
    headers = [
        "setup",
        "processes",
        "updates",
        "updates/s",
        "p50 ms",
        "p99 ms",
        "bot CPU ms/upd",
        "PostgreSQL CPU ms/upd",
        "harness CPU ms/upd",
        "script mismatches",
    ]
    rows = [
        [
            r.setup,
            r.processes,
            r.updates,
            fmt(r.updates_per_s),
            fmt(r.p50_ms, 0),
            fmt(r.p99_ms, 0),
            fmt(r.bot_cpu_ms_per_update, 2),
            fmt(r.server_cpu_ms_per_update, 2) if r.setup != "sqlite" else "",
            fmt(r.harness_cpu_ms_per_update, 2),
            r.errors,
        ]
        for r in runs
    ]
    return table(headers, rows)


def ratios(runs: list[Run]) -> list[tuple[str, float, list[float]]]:
    """pg / sqlite and two processes / one, from neighbouring runs (the median of pairs)."""
    by: dict[str, list[float]] = {}
    for r in runs:
        by.setdefault(r.setup, []).append(r.updates_per_s)
    out = []
    for name, top, bottom in (
        ("PostgreSQL / SQLite, one process", "pg", "sqlite"),
        ("two processes / one, PostgreSQL, webhook", "pg-webhook-2", "pg-webhook-1"),
    ):
        if top in by and bottom in by:
            pairs = [a / b for a, b in zip(by[top], by[bottom], strict=False)]
            out.append((name, statistics.median(pairs), pairs))
    return out


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--setups", default=",".join(SETUPS), help=f"of {', '.join(SETUPS)}")
    p.add_argument("--buyers", type=int, default=200)
    p.add_argument("--delay", type=int, default=80, help="Bot API round trip, ms (80)")
    p.add_argument("--limit", type=float, default=15.0, help="seconds per run (15)")
    p.add_argument("--repeat", type=int, default=1, help="alternate the set-ups this often")
    return p.parse_args()


async def main() -> None:
    args = parse_args()
    setups = [s for s in args.setups.split(",") if s]
    pg_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as tmp:
        for setup in [s for _ in range(args.repeat) for s in setups]:
            run = await one_run(setup, args, Path(tmp), pg_url)
            runs.append(run)
            print(f"  {setup:13} {fmt(run.updates_per_s):>7} updates/s", flush=True)
    print(f"\n{args.buyers} buyers, {args.delay} ms round trip, outgoing limit off\n")
    print(print_runs(runs))
    found = ratios(runs)
    for name, median, pairs in found:
        spread = f" ({fmt(min(pairs), 2)}-{fmt(max(pairs), 2)})" if len(pairs) > 1 else ""
        print(f"\n{name}: {fmt(median, 2)}x{spread}")
    path = write_results(
        "engines",
        {"options": vars(args), "runs": [asdict(r) for r in runs], "ratios": found},
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
