"""Bot processes in webhook mode, as several of them run behind one webhook (issue 12): each
on its own loopback port, all on one database, all answering through one Bot API stand-in."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import httpx

from tests.processes import BotProcess
from tests.standin import StandinServer

SECRET = "s3cr3t"
WEBHOOK_URL = "https://example.invalid/hook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WebhookProcess(BotProcess):
    """`python -m bot` with WEBHOOK_URL, listening on its own port; ready once its /healthz
    answers (the webhook is registered and its server listens)."""

    def __init__(
        self,
        server: StandinServer,
        database: Path | str,
        workdir: Path,
        *,
        env: dict[str, str] | None = None,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        super().__init__(
            server,
            database,
            workdir=workdir,
            env={
                "WEBHOOK_URL": WEBHOOK_URL,
                "WEBHOOK_SECRET": SECRET,
                "PORT": str(self.port),
                "LISTEN_ADDRESS": "127.0.0.1",
                **(env or {}),
            },
        )
        if isinstance(database, Path):  # a SQLite file: keep each process's log apart
            self.log_path = workdir / "bot.log"

    async def ready(self) -> bool:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                answer = await client.get(f"http://127.0.0.1:{self.port}/healthz")
        except httpx.HTTPError:
            return False
        return answer.status_code == 200


async def deliver(
    port: int, update: dict[str, Any], *, client: httpx.AsyncClient | None = None
) -> int:
    """POST one update as Telegram does; the HTTP status (0: no answer, e.g. killed).
    ``client``: a shared one (many deliveries), else one for this call."""
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    url = f"http://127.0.0.1:{port}/hook"
    try:
        if client is not None:
            answer = await client.post(url, content=json.dumps(update), headers=headers)
        else:
            async with httpx.AsyncClient(timeout=10) as own:
                answer = await own.post(url, content=json.dumps(update), headers=headers)
    except (httpx.HTTPError, OSError):
        return 0
    return answer.status_code


async def deliver_until_acknowledged(
    ports: list[int], update: dict[str, Any], *, start: int = 0, within: float = 60.0
) -> int:
    """What Telegram does: resend the update, to the next process in turn, until one answers
    200. Returns the index of the port that acknowledged it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    turn = start
    while loop.time() < deadline:
        port = ports[turn % len(ports)]
        if await deliver(port, update) == 200:
            return turn % len(ports)
        turn += 1
        await asyncio.sleep(0.05)
    raise AssertionError(f"update {update.get('update_id')} was never acknowledged")
