"""`python -m bot` as a real process against the Bot API stand-in over loopback HTTP, for the
process-level tests (kill -9, faults, webhook-free runs)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.harness import TEST_TOKEN
from tests.standin import StandinServer

ROOT = Path(__file__).resolve().parent.parent
SETMYCOMMANDS_PER_START = 5  # post_init registers the command menus: the bot is ready


class BotProcess:
    """`python -m bot` on `db_path`, talking to `server`; its output goes to `log_path`."""

    def __init__(
        self, server: StandinServer, db_path: Path, *, env: dict[str, str] | None = None
    ) -> None:
        self.server = server
        self.db_path = db_path
        self.log_path = db_path.with_suffix(".log")
        self.env = env or {}
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> float:
        """Spawn and wait until ready; returns the seconds it took."""
        started = time.monotonic()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
            "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_BASE_URL": self.server.base_url,
            "DATABASE_PATH": str(self.db_path),
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
            **self.env,
        }
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                env=env,
                cwd=self.db_path.parent,
                stdout=log,
                stderr=log,
            )
        self.starts += 1
        api = self.server.api
        while api.counts["setMyCommands"] < SETMYCOMMANDS_PER_START * self.starts:
            if self.proc.returncode is not None or time.monotonic() - started > 30:
                raise AssertionError("the bot did not get ready:\n" + self.log_tail())
            await asyncio.sleep(0.02)
        return time.monotonic() - started

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        return await asyncio.wait_for(self.proc.wait(), 30)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]
