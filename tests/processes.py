"""`python -m bot` as a real process against the Bot API stand-in over loopback HTTP, for the
process-level tests (kill -9, faults, webhook-free runs)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.harness import TEST_TOKEN
from tests.standin import StandinServer

ROOT = Path(__file__).resolve().parent.parent
SETMYCOMMANDS_PER_START = 5  # post_init registers the command menus: the bot is ready


class BotProcess:
    """`python -m bot` on `db_path`, talking to `server`; its output goes to `log_path`.

    `db_path`: a SQLite file, or a postgresql:// URL (DATABASE_URL; `workdir` then holds the
    log). `command`: another program to run instead, e.g. an installed `dispute-helper`
    script; it then gets no PYTHONPATH, so it runs what was installed, not this checkout.
    """

    def __init__(
        self,
        server: StandinServer,
        db_path: Path | str,
        *,
        env: dict[str, str] | None = None,
        command: Sequence[str] | None = None,
        workdir: Path | None = None,
    ) -> None:
        self.server = server
        self.database_url = db_path if isinstance(db_path, str) else None
        if isinstance(db_path, str):
            assert workdir is not None, "a bot on PostgreSQL needs a workdir for its log"
            db_path = workdir / "unused.sqlite3"
        self.db_path = db_path
        self.log_path = db_path.with_suffix(".log")
        self.env = env or {}
        self.command = list(command) if command else [sys.executable, "-m", "bot"]
        self.own_checkout = command is None
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> float:
        """Spawn and wait until ready; returns the seconds it took."""
        started = time.monotonic()
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TELEGRAM_") and (self.own_checkout or k != "PYTHONPATH")
        }
        env = {
            **inherited,
            "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_BASE_URL": self.server.base_url,
            "DATABASE_PATH": str(self.db_path),
            **({"DATABASE_URL": self.database_url} if self.database_url else {}),
            "LOG_LEVEL": "INFO",
            **({"PYTHONPATH": str(ROOT)} if self.own_checkout else {}),
            **self.env,
        }
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *self.command,
                env=env,
                cwd=self.db_path.parent,
                stdout=log,
                stderr=log,
            )
        self.starts += 1
        while not await self.ready():
            if self.proc.returncode is not None or time.monotonic() - started > 30:
                raise AssertionError("the bot did not get ready:\n" + self.log_tail())
            await asyncio.sleep(0.02)
        return time.monotonic() - started

    async def ready(self) -> bool:
        """post_init is over (it logs "bot ready" last, after the menus and the reminder bot's
        getMe), once per start of this process."""
        if self.server.api.counts["setMyCommands"] < SETMYCOMMANDS_PER_START * self.starts:
            return False
        return self.log_path.read_text(errors="replace").count("bot ready") >= self.starts

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
        try:
            return await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            raise AssertionError("the bot did not stop on SIGINT:\n" + self.log_tail()) from None

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]
