"""Storage cost per wizard step, in process, and database bytes per finished dispute.

The real Application (tests/harness.py: PTB's HTTPXRequest over the in-memory stand-in, delay
0, no rate limiter) on a fresh SQLite file. N buyers complete the same disputes as
bench/wizard.py (half each branch, 2-3 photos), one update at a time. Around every update the
database's counters (`Database.stats`: statements SQLite ran, excluding BEGIN/COMMIT, and
transactions committed) and the wall time of processing the update are read.

Bytes per dispute: after the run the application is stopped, the WAL is checkpointed
(`PRAGMA wal_checkpoint(TRUNCATE)`), and the file sizes (main file + -wal) minus those of a
database that only ran the migrations are divided by the disputes; `dbstat` splits the bytes
by table and index, so the share of evidence rows (and every other table) is visible.

    .venv/bin/python -m bench.storage               # 200 buyers, about 20 s
    .venv/bin/python -m bench.storage --buyers 1000 --profile
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import math
import pstats
import sqlite3
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import fmt, is_reply, percentile, table, write_results
from bench.wizard import Step, wizard_script
from tests import standin
from tests.harness import Harness
from tests.standin import Sent


@dataclass
class StepCost:
    updates: int = 0
    statements: int = 0
    transactions: int = 0
    micros: list[float] = field(default_factory=list)


def step_name(step: Step) -> str:
    if step.kind == "say" and step.arg.isdigit() and len(step.arg) == 16:
        return "say <order number>"
    if step.kind == "photo":
        return "photo"
    return f"{step.kind} {step.arg[:34]!r}"


def build_update(user: dict[str, Any], step: Step, last: Sent | None) -> dict[str, Any]:
    if step.kind == "say":
        return standin.text_update(user, step.arg)
    if step.kind == "photo":
        return standin.photo_update(user, step.arg)
    assert last is not None
    for label, data in last.buttons:
        if step.arg in label:
            return standin.callback_update(user, data, last)
    raise LookupError(f"no button {step.arg!r} in {[t for t, _ in last.buttons]}")


def file_bytes(path: Path) -> dict[str, int]:
    sizes = {}
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        sizes[suffix or "db"] = p.stat().st_size if p.exists() else 0
    return sizes


def checkpoint_and_measure(path: Path) -> tuple[dict[str, int], dict[str, int], int]:
    """(file sizes, bytes per table/index from dbstat, page size) after a TRUNCATE checkpoint."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
        per_object = dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
    conn.close()
    return file_bytes(path), per_object, page_size


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    # 1. An empty database: the migrations only.
    empty_path = workdir / "empty.sqlite3"
    empty = Harness(empty_path)
    await empty.start()
    await empty.stop()
    empty_files, empty_objects, _ = checkpoint_and_measure(empty_path)

    # 2. N buyers, one finished dispute each.
    db_path = workdir / "bot.sqlite3"
    harness = Harness(db_path)
    await harness.start()
    assert harness.app is not None
    stats = harness.app.services.db.stats
    costs: dict[str, StepCost] = defaultdict(StepCost)
    total = StepCost()
    mismatches: list[str] = []
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    for i in range(args.buyers):
        user = standin.user(200_000 + i, "en")
        last: Sent | None = None
        for step in wizard_script(200_000 + i, 0, i % 2 == 0):
            update = build_update(user, step, last)
            s0, t0 = stats.statements, stats.transactions
            if profiler:
                profiler.enable()
            w0 = time.perf_counter()
            sent = await harness.send(update)
            micros = (time.perf_counter() - w0) * 1e6
            if profiler:
                profiler.disable()
            cost = costs[step_name(step)]
            for c in (cost, total):
                c.updates += 1
                c.statements += stats.statements - s0
                c.transactions += stats.transactions - t0
                c.micros.append(micros)
            replies = [s for s in sent if is_reply(s)]
            last = replies[-1] if replies else last
            if step.expect and (last is None or step.expect not in last.text):
                mismatches.append(f"buyer {i} {step_name(step)}: {last.text[:60] if last else ''}")
    wall = time.perf_counter() - started
    db = harness.app.services.db
    disputes = len(
        [d for i in range(args.buyers) for d in await db.disputes.list_for_user(200_000 + i)]
    )
    await harness.stop()
    files, objects, page_size = checkpoint_and_measure(db_path)

    with sqlite3.connect(db_path) as conn:
        rows = {
            t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608
            for t in ("users", "disputes", "evidence", "events", "reminders")
        }
        opened = conn.execute("SELECT COUNT(*) FROM disputes WHERE stage = 'opened'").fetchone()[0]
    conn.close()

    size = files["db"] + files["-wal"]
    empty_size = empty_files["db"] + empty_files["-wal"]
    per_object = {
        name: (objects.get(name, 0) - empty_objects.get(name, 0)) / max(1, disputes)
        for name in sorted(set(objects) | set(empty_objects))
    }
    profile_text = None
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        profile_text = out.getvalue()
    return {
        "buyers": args.buyers,
        "disputes": disputes,
        "opened": opened,
        "rows": rows,
        "updates": total.updates,
        "wall_s": wall,
        "statements_per_update": total.statements / total.updates,
        "transactions_per_update": total.transactions / total.updates,
        "us_per_update_mean": statistics.fmean(total.micros),
        "us_per_update_p50": percentile(total.micros, 50),
        "us_per_update_p99": percentile(total.micros, 99),
        "steps": {
            name: {
                "updates": c.updates,
                "statements_per_update": c.statements / c.updates,
                "transactions_per_update": c.transactions / c.updates,
                "us_p50": percentile(c.micros, 50),
                "us_mean": statistics.fmean(c.micros),
            }
            for name, c in costs.items()
        },
        "files": files,
        "empty_files": empty_files,
        "page_size": page_size,
        "bytes_per_dispute": (size - empty_size) / max(1, disputes),
        "bytes_per_dispute_by_object": per_object,
        "mismatches": mismatches[:10],
        "profile": profile_text,
    }


def report(r: dict[str, Any]) -> None:
    print(
        f"\n{r['buyers']} buyers, {r['disputes']} disputes ({r['opened']} opened), "
        f"{r['updates']} updates in {r['wall_s']:.1f} s\n"
    )
    rows = [
        [
            name,
            s["updates"],
            fmt(s["statements_per_update"], 2),
            fmt(s["transactions_per_update"], 2),
            fmt(s["us_p50"], 0),
            fmt(s["us_mean"], 0),
        ]
        for name, s in r["steps"].items()
    ]
    rows.append(
        [
            "ALL UPDATES",
            r["updates"],
            fmt(r["statements_per_update"], 2),
            fmt(r["transactions_per_update"], 2),
            fmt(r["us_per_update_p50"], 0),
            fmt(r["us_per_update_mean"], 0),
        ]
    )
    print(
        table(["step", "updates", "statements/upd", "transactions/upd", "µs p50", "µs mean"], rows)
    )
    print(
        f"\n(µs: wall time of processing one update in process, p99 {r['us_per_update_p99']:,.0f})"
    )

    files, empty = r["files"], r["empty_files"]
    print(
        f"\nDatabase after a TRUNCATE checkpoint: {files['db']:,} bytes + {files['-wal']:,} WAL "
        f"(migrations only: {empty['db']:,}), page size {r['page_size']}"
    )
    print(f"rows: {r['rows']}\n")
    objects = [
        [name, fmt(b, 0)]
        for name, b in sorted(r["bytes_per_dispute_by_object"].items(), key=lambda x: -x[1])
        if b > 0
    ]
    evidence = sum(b for name, b in r["bytes_per_dispute_by_object"].items() if "evidence" in name)
    objects.append(["TOTAL (file growth / disputes)", fmt(r["bytes_per_dispute"], 0)])
    print(table(["table or index (dbstat)", "bytes per finished dispute"], objects))
    per_evidence = evidence / max(1, r["rows"]["evidence"] / max(1, r["disputes"]))
    print(
        f"\nevidence rows and index: {evidence:,.0f} bytes per dispute "
        f"({r['rows']['evidence'] / max(1, r['disputes']):.1f} files each, "
        f"{per_evidence:,.0f} bytes per file); without them "
        f"{r['bytes_per_dispute'] - evidence:,.0f} bytes per dispute"
    )
    for m in r["mismatches"][:5]:
        print(f"! {m}")
    if r["profile"]:
        print("\ncProfile of update processing (main thread only; SQLite runs in aiosqlite's)\n")
        print(r["profile"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--buyers", type=int, default=200, help="buyers, one dispute each (200)")
    p.add_argument("--profile", action="store_true", help="cProfile the update processing")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    report(result)
    path = write_results("storage", {"args": vars(args), **result})
    print(f"\nwrote {path}")
    if not math.isfinite(result["statements_per_update"]):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
