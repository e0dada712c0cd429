"""Webhook mode as a real process (`python -m bot`), on loopback only.

The bot registers its webhook with the secret token, serves the path of WEBHOOK_URL, answers
updates that carry the right `X-Telegram-Bot-Api-Secret-Token`, and refuses (HTTP 403, nothing
processed) any request without it or with a wrong one. Misconfigured webhooks do not start.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import standin
from tests.harness import TEST_TOKEN
from tests.standin import FakeBotApi, StandinServer

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t"
WEBHOOK_URL = "https://example.invalid/hook"
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))},
        "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


@pytest.fixture
async def webhook_bot(tmp_path: Path) -> AsyncIterator[tuple[FakeBotApi, int, Path]]:
    port = free_port()
    log_path = tmp_path / "bot.log"
    async with StandinServer(FakeBotApi()) as server:
        env = bot_env(
            tmp_path,
            TELEGRAM_API_BASE_URL=server.base_url,
            WEBHOOK_URL=WEBHOOK_URL,
            PORT=str(port),
            WEBHOOK_SECRET=SECRET,
        )
        with log_path.open("ab") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", env=env, cwd=tmp_path, stdout=log, stderr=log
            )
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while not server.api.counts["setWebhook"]:
                if loop.time() > deadline or proc.returncode is not None:
                    raise TimeoutError(log_path.read_text()[-3000:])
                await asyncio.sleep(0.05)
            yield server.api, port, log_path
            proc.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(proc.wait(), 30) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def post(port: int, update: dict[str, Any], secret: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(100):  # the server may still be binding right after setWebhook
            try:
                return await client.post(
                    f"http://127.0.0.1:{port}/hook", content=json.dumps(update), headers=headers
                )
            except httpx.ConnectError:
                await asyncio.sleep(0.05)
    raise AssertionError("the webhook server never accepted a connection")


async def test_webhook_answers_only_requests_with_the_secret(
    webhook_bot: tuple[FakeBotApi, int, Path],
) -> None:
    api, port, log_path = webhook_bot
    (_, params) = next(call for call in api.calls if call[0] == "setWebhook")
    assert params["url"] == WEBHOOK_URL
    assert params["secret_token"] == SECRET

    forger = standin.user(8101, "en", "Mallory")
    refused = [
        await post(port, {"update_id": 1, **standin.text_update(forger, "/start")}, None),
        await post(port, {"update_id": 2, **standin.text_update(forger, "/start")}, "wrong"),
        await post(port, {"update_id": 3, **standin.text_update(forger, "/start")}, ""),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]

    buyer = standin.user(8102, "en", "Anna")
    accepted = await post(port, {"update_id": 4, **standin.text_update(buyer, "/start")}, SECRET)
    assert accepted.status_code == 200
    reply = await api.wait_sent(
        lambda s: s.chat_id == buyer["id"] and s.method == "sendMessage", within=20
    )
    assert reply.text
    await asyncio.sleep(0.3)  # had the forged updates been queued, they would be answered by now
    assert api.sent_to(forger["id"]) == []
    assert not any(method == "getUpdates" for method, _ in api.calls)  # no polling

    log_text = log_path.read_text()
    assert TEST_TOKEN not in log_text and TEST_TOKEN.split(":")[1] not in log_text
    assert "setWebhook" in log_text  # DEBUG was on and logged the call's parameters...
    assert SECRET not in log_text  # ...with the webhook secret redacted


@pytest.mark.parametrize(
    ("extra", "variable"),
    [
        ({"WEBHOOK_URL": WEBHOOK_URL}, "WEBHOOK_SECRET"),  # no secret: anyone could forge
        ({"WEBHOOK_URL": WEBHOOK_URL, "WEBHOOK_SECRET": "has space"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_URL": "http://example.invalid/hook", "WEBHOOK_SECRET": SECRET}, "WEBHOOK_URL"),
    ],
)
async def test_misconfigured_webhook_does_not_start(
    tmp_path: Path, extra: dict[str, str], variable: str
) -> None:
    env = bot_env(tmp_path, TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot", **extra)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{variable}:"), lines
