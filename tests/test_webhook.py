"""Webhook mode as a real process (`python -m bot`), on loopback only (LISTEN_ADDRESS).

The bot registers its webhook with the secret token, serves the path of WEBHOOK_URL, answers
updates that carry the right `X-Telegram-Bot-Api-Secret-Token`, and refuses (HTTP 403, nothing
processed) any request without it or with a wrong one. Malformed JSON is a 400, a body over
1 MB is refused before it is read whole, an update python-telegram-bot cannot parse gets a 200
and one log line. /healthz and /metrics answer on the same port. Misconfigured webhooks do not
start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests import standin
from tests.harness import TEST_TOKEN
from tests.standin import FakeBotApi, Fault, StandinServer
from tests.webhooks import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t"
WEBHOOK_URL = "https://example.invalid/hook"
pytestmark = pytest.mark.slow


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))},
        "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


@dataclass
class WebhookBot:
    api: FakeBotApi
    port: int
    metrics_port: int
    log_path: Path
    pid: int

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")


@pytest.fixture
async def webhook_bot(tmp_path: Path) -> AsyncIterator[WebhookBot]:
    port, metrics_port = free_port(), free_port()
    log_path = tmp_path / "bot.log"
    async with StandinServer(FakeBotApi()) as server:
        env = bot_env(
            tmp_path,
            TELEGRAM_API_BASE_URL=server.base_url,
            WEBHOOK_URL=WEBHOOK_URL,
            PORT=str(port),
            WEBHOOK_SECRET=SECRET,
            LISTEN_ADDRESS="127.0.0.1",
            METRICS_PORT=str(metrics_port),
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
            yield WebhookBot(server.api, port, metrics_port, log_path, proc.pid)
            proc.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(proc.wait(), 30) == 0
            # Shut down in order: the database was closed (its WAL file goes with the last
            # connection), and no HTTP session was left open.
            assert not (tmp_path / "bot.sqlite3-wal").exists()
            assert "Unclosed" not in log_path.read_text()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def post(
    port: int, update: dict[str, Any] | bytes, secret: str | None, path: str = "/hook"
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(100):  # the server may still be binding right after setWebhook
            try:
                return await client.post(
                    f"http://127.0.0.1:{port}{path}", content=body, headers=headers
                )
            except httpx.ConnectError:
                await asyncio.sleep(0.05)
    raise AssertionError("the webhook server never accepted a connection")


async def test_webhook_answers_only_requests_with_the_secret(webhook_bot: WebhookBot) -> None:
    api, port, log_path = webhook_bot.api, webhook_bot.port, webhook_bot.log_path
    (_, params) = next(call for call in api.calls if call[0] == "setWebhook")
    assert params["url"] == WEBHOOK_URL
    assert params["secret_token"] == SECRET
    # Only the kinds of update the bot handles (a buyer's Business chats never arrive).
    assert "message" in params["allowed_updates"]
    assert "business_message" not in params["allowed_updates"]

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


async def raw_post(port: int, headers: str, chunks: list[bytes]) -> int:
    """POST /hook over a bare socket: the headers, then `chunks` sent while the answer is read
    (the server may answer and close before the body is all sent). The answer's status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        "POST /hook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n{headers}\r\n"
    )

    async def send() -> None:
        try:
            writer.write(head.encode())
            for chunk in chunks:
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass  # refused and closed mid-body: what a refusal looks like

    sender = asyncio.create_task(send())
    try:
        status_line = await asyncio.wait_for(reader.readline(), 15)
    finally:
        sender.cancel()
        writer.close()
    return int(status_line.split()[1])


def chunked(size: int, piece: int = 64 * 1024) -> list[bytes]:
    data = b"x" * piece
    return [b"%x\r\n%s\r\n" % (piece, data) for _ in range(size // piece)] + [b"0\r\n\r\n"]


async def test_webhook_refuses_malformed_and_oversized_bodies(webhook_bot: WebhookBot) -> None:
    port = webhook_bot.port
    assert (await post(port, b"{not json", SECRET)).status_code == 400
    assert (await post(port, b"[1, 2]", SECRET)).status_code == 400
    assert (await post(port, b"\xff\xfe{}", SECRET)).status_code == 400
    assert (await post(port, b"x" * (2 << 20), "wrong")).status_code == 403

    two_mb = 2 << 20
    # Content-Length says 2 MB: refused from the headers alone, no body sent at all.
    assert await raw_post(port, f"Content-Length: {two_mb}\r\n", []) == 413
    # Chunked, no length given: refused once 1 MB has arrived.
    assert await raw_post(port, "Transfer-Encoding: chunked\r\n", chunked(two_mb)) == 413

    before = webhook_bot.rss_kib()
    for _ in range(10):  # 40 MB offered in all
        assert await raw_post(port, "Transfer-Encoding: chunked\r\n", chunked(two_mb)) == 413
        body = [b"x" * two_mb]
        assert await raw_post(port, f"Content-Length: {two_mb}\r\n", body) == 413
    grown = webhook_bot.rss_kib() - before
    assert grown < 8 * 1024, f"RSS grew by {grown} KiB"

    buyer = standin.user(8201, "en")  # still serving
    accepted = await post(port, {"update_id": 50, **standin.text_update(buyer, "/start")}, SECRET)
    assert accepted.status_code == 200
    await webhook_bot.api.wait_sent(lambda s: s.chat_id == buyer["id"], within=20)


async def send_raw(port: int, data: bytes) -> bytes:
    """Bytes to the webhook's port as any client on the internet may send them; the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 15)
    finally:
        writer.close()


async def test_broken_requests_are_no_errors_in_the_log(webhook_bot: WebhookBot) -> None:
    """Before, each of these logged an ERROR with a traceback of about ten lines (and a body
    that did not inflate was a 500): a scanner sending garbage to the public port filled the
    log, and woke whoever alerts on ERROR."""
    port, log_path = webhook_bot.port, webhook_bot.log_path
    start = len(log_path.read_text().splitlines())
    garbage = [  # no secret needed: aiohttp fails on these before any handler runs
        b"GET / HTTP/1.1\r\nHost bot\r\n\r\n",
        b"GET / HTTP/1.1\r\nX-A: " + b"a" * 10_000 + b"\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /hook HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ]
    for data in garbage:
        assert (await send_raw(port, data)).startswith(b"HTTP/1.0 400 ")
    head = (
        "POST /hook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
    ).encode()
    deflated = head + b"Content-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!"
    assert (await send_raw(port, deflated)).startswith(b"HTTP/1.1 400 ")  # was a 500
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head + b"Content-Length: 100\r\n\r\n" + b'{"update_id": 1')  # then gone
    await writer.drain()
    writer.close()
    buyer = standin.user(8304, "en")  # and the webhook still serves
    good = {"update_id": 780, **standin.text_update(buyer, "/start")}
    assert (await post(port, good, SECRET)).status_code == 200
    await webhook_bot.api.wait_sent(lambda s: s.chat_id == buyer["id"], within=20)
    lines = log_path.read_text().splitlines()[start:]
    assert not [line for line in lines if " ERROR " in line], lines
    warnings = [line for line in lines if " WARNING " in line]
    assert len(warnings) == 2 and all("could not read a request's body" in w for w in warnings)


async def test_a_connection_that_never_completes_a_request_is_closed(
    webhook_bot: WebhookBot,
) -> None:
    """Slowloris: connections that send a request head a byte at a time. aiohttp closed them
    only after an hour (its keep-alive time-out, the one timer that covers a request not yet
    complete), so a thousand of them took every file descriptor of a process limited to 1024
    and Telegram's deliveries were refused. Now the idle time-out is 15 s."""
    connections = [await asyncio.open_connection("127.0.0.1", webhook_bot.port) for _ in range(20)]
    for _, writer in connections:
        writer.write(b"POST /hook HTTP/1.1\r\nHost: bot\r\n")  # and never the rest
        await writer.drain()

    async def trickle_until_closed(reader: asyncio.StreamReader, writer: Any) -> float:
        opened = asyncio.get_running_loop().time()
        while not reader.at_eof():
            with contextlib.suppress(ConnectionError):
                writer.write(b"X-Slow: 1\r\n")
                await writer.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader.read(), 1.0)
        return asyncio.get_running_loop().time() - opened

    lived = await asyncio.wait_for(
        asyncio.gather(*(trickle_until_closed(r, w) for r, w in connections)),
        40,
    )
    assert max(lived) < 25, lived  # 15 s, and the checks' own pace
    for _, writer in connections:
        writer.close()


async def test_webhook_skips_an_unparseable_update_with_200_and_one_log_line(
    webhook_bot: WebhookBot,
) -> None:
    api, port = webhook_bot.api, webhook_bot.port
    bad = standin.text_update(standin.user(8301, "ru", "Zinaida"), "Tajna-8123-order")
    bad["message"]["date"] = "yesterday"
    assert (await post(port, {"update_id": 777, **bad}, SECRET)).status_code == 200
    buyer = standin.user(8302, "en")  # DEBUG logging is on: PTB logs this one in full
    good = {"update_id": 778, **standin.text_update(buyer, "/start")}
    assert (await post(port, good, SECRET)).status_code == 200
    await api.wait_sent(lambda s: s.chat_id == buyer["id"], within=20)
    log_text = webhook_bot.log_path.read_text()
    lines = [line for line in log_text.splitlines() if "skipped update" in line]
    assert len(lines) == 1 and "skipped update 777 (message)" in lines[0], lines
    assert " WARNING " in lines[0]
    assert "Tajna" not in log_text and "Zinaida" not in log_text


async def test_webhook_reads_an_update_nested_too_deep_for_python(
    webhook_bot: WebhookBot,
) -> None:
    """Valid JSON nested deeper than Python's parser follows: before, a 500 with a traceback,
    which Telegram would send again and again."""
    buyer = standin.user(8303, "en")
    update = {"update_id": 779, **standin.text_update(buyer, "/help")}
    body = json.dumps(update)[:-1] + ', "future": ' + "[" * 5000 + "]" * 5000 + "}"
    assert (await post(webhook_bot.port, body.encode(), SECRET)).status_code == 200
    await webhook_bot.api.wait_sent(lambda s: s.chat_id == buyer["id"], within=20)
    assert "RecursionError" not in webhook_bot.log_path.read_text()


async def test_webhook_mode_serves_healthz_and_metrics_on_its_port(webhook_bot: WebhookBot) -> None:
    api, port = webhook_bot.api, webhook_bot.port
    assert "listening on 127.0.0.1:" in webhook_bot.log_path.read_text()  # LISTEN_ADDRESS
    assert api.webhook_url == WEBHOOK_URL
    async with httpx.AsyncClient(timeout=10) as client:
        health = await client.get(f"http://127.0.0.1:{port}/healthz")
        assert (health.status_code, health.text) == (200, "ok\n")
        buyer = standin.user(5_550_002_345_678, "en", "Zinaida")  # in no metric
        await post(port, {"update_id": 90, **standin.text_update(buyer, "/start")}, SECRET)
        await api.wait_sent(lambda s: s.chat_id == buyer["id"], within=20)
        page = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert page.status_code == 200
    values = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(page.text)
        for sample in family.samples
    }
    assert values[("dispute_helper_updates_total", (("kind", "message"),))] >= 1
    registered = (("method", "setWebhook"), ("outcome", "ok"))
    assert values[("dispute_helper_bot_api_calls_total", registered)] == 1
    assert values[("dispute_helper_last_updates_request_timestamp_seconds", ())] > 0
    assert not re.search(r"(?<![\d.])5550002345678(?!\d)", page.text)
    assert "Zinaida" not in page.text
    assert api.counts["getWebhookInfo"] >= 1  # the link is being watched
    # METRICS_PORT serves them too (e.g. a port the router does not expose), not the webhook.
    metrics_port = webhook_bot.metrics_port
    assert (
        f"listening on 127.0.0.1:{metrics_port} (METRICS_PORT)" in webhook_bot.log_path.read_text()
    )
    async with httpx.AsyncClient(timeout=10) as client:
        health = await client.get(f"http://127.0.0.1:{metrics_port}/healthz")
        assert (health.status_code, health.text) == (200, "ok\n")
        assert (await client.get(f"http://127.0.0.1:{metrics_port}/metrics")).status_code == 200
    assert (await post(metrics_port, {"update_id": 91}, SECRET)).status_code == 404


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


async def test_a_webhook_url_telegram_refuses_is_one_line_naming_it(tmp_path: Path) -> None:
    async with StandinServer(FakeBotApi()) as server:
        server.api.fault = lambda m, p: (
            Fault(
                400, "Bad Request: bad webhook: Failed to resolve host: Name or service not known"
            )
            if m == "setWebhook"
            else None
        )
        env = bot_env(
            tmp_path,
            TELEGRAM_API_BASE_URL=server.base_url,
            WEBHOOK_URL=WEBHOOK_URL,
            PORT=str(free_port()),
            WEBHOOK_SECRET=SECRET,
            LISTEN_ADDRESS="127.0.0.1",
            LOG_LEVEL="WARNING",
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
        )
        _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    lines = stderr.decode().strip().splitlines()
    assert lines == [  # PTB's wording of Telegram's description
        "WEBHOOK_URL: Telegram refused it: Bad webhook: failed to resolve host: "
        "name or service not known"
    ], lines
