"""What every benchmark shares: the stand-in with per-chat reply queues, the bot as a process,
/proc readings, percentiles, tables and JSON results.

Run the scripts from the repository root as modules (`python -m bench.wizard`), so that
`tests.standin` and `bot` import from the working tree.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import platform
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.limits import cost_of
from tests.standin import FakeBotApi, Sent, StandinServer, busiest_second

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TOKEN = "123456789:AAHbench-token_for-offline-runs-0123456789"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def is_reply(sent: Sent) -> bool:
    """What answers an update: a new message, or a prompt edited in place into the next
    question (it carries that question's buttons). An edit that only retires an old prompt's
    buttons is not an answer: the message sent with it is."""
    if sent.method == "sendMessage":
        return True
    return sent.method == "editMessageText" and bool(sent.params.get("reply_markup"))


class BenchApi(FakeBotApi):
    """`FakeBotApi` that hands each chat's sendMessage to that chat's queue and keeps no log.

    The base class appends every call and every sent message to lists that a long run would
    grow without end; here replies go to per-chat queues (FIFO: a chat's updates are answered
    in order, so the n-th reply to a chat answers that chat's n-th update), and the call
    log is dropped.
    """

    def __init__(self, *, delay: float = 0.0) -> None:
        super().__init__(delay=delay)
        self.replies: dict[int, asyncio.Queue[Sent]] = defaultdict(asyncio.Queue)
        self.pushed_at: dict[int, float] = {}
        self.sent_count = 0
        # When each message (what counts against Telegram's ~30/s: bot/ratelimit.py's
        # cost_of) reached the stand-in, before its delay: what Telegram would count.
        self.arrivals: list[float] = []

    def busiest_second(self, since: float = 0.0) -> int:
        """The most messages that arrived in any one second (sliding), from `since` on."""
        return busiest_second([t for t in self.arrivals if t >= since])

    def push(self, update: dict[str, Any]) -> float:
        """Queue an update for getUpdates; returns the monotonic instant it became available."""
        at = time.monotonic()
        self.push_update(update)
        return at

    def _record(self, sent: Sent) -> None:
        self.sent_count += 1
        if sent.chat_id is not None and is_reply(sent):
            self.replies[sent.chat_id].put_nowait(sent)
        self._sent_event.set()

    async def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        overall = cost_of(method, params).overall
        if overall:
            self.arrivals.extend([time.monotonic()] * overall)
        try:
            return await super().call(method, params)
        finally:
            self.calls.clear()

    async def _send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        message = await super()._send(method, params)
        # Telegram returns only inline keyboards in a Message; a reply keyboard (the baseline's,
        # as in PTB's examples) is not echoed back, and PTB could not parse it if it were.
        markup = message.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" not in markup:
            del message["reply_markup"]
        return message

    def close(self) -> None:
        """Let a pending long poll return, so that stopping the server leaves no task behind."""
        self._updates_event.set()


# --------------------------------------------------------------------------- the bot process


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def proc_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return math.nan


def proc_hwm_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return math.nan


@dataclass
class BotProcess:
    """`python -m <module>` against the stand-in, in its own working directory."""

    server: StandinServer
    workdir: Path
    module: str = "bot"
    env: Mapping[str, str] = field(default_factory=dict)
    # The Bot API call that shows the bot is ready: its first getUpdates when polling, its
    # setWebhook in webhook mode (bench/engines.py).
    ready_call: str = "getUpdates"
    python_args: Sequence[str] = ()  # e.g. ("-m", "cProfile", "-o", "bot.prof")
    proc: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    ready_at: float = 0.0

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.module.replace('.', '_')}.log"

    async def start(self, *, within: float = 60.0) -> float:
        """Start and wait until the first getUpdates arrives; returns seconds to ready."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": self.server.base_url,
            "DATABASE_PATH": str(self.workdir / "bot.sqlite3"),
            "PYTHONPATH": str(ROOT),
            **self.env,
        }
        polls = self.server.api.counts[self.ready_call]
        log = self.log_path.open("ab")
        self.started_at = time.monotonic()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *self.python_args,
            "-m",
            self.module,
            env=env,
            cwd=self.workdir,
            stdout=log,
            stderr=log,
        )
        log.close()
        # Ready: post_init has run and the updater asks for updates (both bots poll only
        # after initialising, so the first getUpdates is the moment a buyer can be answered).
        deadline = self.started_at + within
        while self.server.api.counts[self.ready_call] <= polls:
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.module} did not get ready:\n" + self.log_path.read_text()[-3000:]
                )
            await asyncio.sleep(0.005)
        self.ready_at = time.monotonic()
        return self.ready_at - self.started_at

    def cpu(self) -> float:
        return proc_cpu_seconds(self.pid)

    async def kill9(self) -> None:
        """SIGKILL: no shutdown, no flush; only what was committed survives."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    def rss_mb(self) -> float:
        return proc_rss_mb(self.pid)

    async def stop(self, *, within: float = 20.0) -> int | None:
        if self.proc is None or self.proc.returncode is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGINT)
        try:
            return await asyncio.wait_for(self.proc.wait(), within)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()


# --------------------------------------------------------------------------- numbers


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ratio(a: float, b: float) -> float:
    if not b or math.isnan(a) or math.isnan(b):
        return math.nan
    return a / b


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.2g}"
        return f"{value:,.{digits}f}"
    return str(value)


def _numeric(cell: str) -> bool:
    return cell.lstrip("≥-").replace(",", "").replace(".", "").rstrip("x").isdigit() or cell == "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (numbers right-aligned), readable in a terminal too."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        padded = [
            c.rjust(w) if n and _numeric(c) else c.ljust(w)
            for c, w in zip(row, widths, strict=True)
        ]
        lines.append("| " + " | ".join(padded) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        info["commit"] = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    return info


def write_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{name}-{stamp}.json"
    body = {"benchmark": name, "at": stamp, "machine": machine(), **payload}
    path.write_text(json.dumps(body, indent=2, default=str) + "\n")
    (RESULTS / f"{name}-latest.json").write_text(path.read_text())
    return path
