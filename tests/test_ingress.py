"""How updates get in, tested on the bot as a real process (`python -m bot`, polling) against
the stand-in over loopback: an update python-telegram-bot cannot parse stops nothing, a network
outage is a WARNING per retry, /healthz and /metrics tell an operator the truth, and a start
that fails says which setting to fix and leaves no HTTP session open (issue 15 §1 and §8,
issue 10 §2).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests import standin
from tests.harness import TEST_TOKEN
from tests.processes import ROOT, BotProcess
from tests.standin import Fault, StandinServer
from tests.webhooks import free_port

pytestmark = pytest.mark.slow

# What a buyer wrote, and their name: none of it may reach the log or an endpoint.
SECRET_TEXT = "Tajna-8123-order"
SECRET_NAME = "Zinaida"


def bad_updates(sender: dict[str, Any]) -> list[dict[str, Any]]:
    """Updates PTB 22 cannot parse, as seen from a Bot API newer than the library."""
    base = standin.text_update(sender, f"/start {SECRET_TEXT}")["message"]
    poll = {  # a poll without `allows_revoting`
        "id": "5000",
        "question": f"Which one? {SECRET_TEXT}",
        "options": [{"text": SECRET_NAME, "voter_count": 1}],
        "total_voter_count": 1,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
    }
    return [
        # A buyer sends the bot a poll (`poll` updates themselves are not asked for).
        {
            "message": {
                **{k: v for k, v in base.items() if k not in ("text", "entities")},
                "poll": poll,
            }
        },
        {"message": {**base, "chat": {"id": sender["id"], "first_name": SECRET_NAME}}},
        {"message": {**base, "date": "yesterday"}},
    ]


async def until(condition: Callable[[], bool], within: float, what: str, bot: BotProcess) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within} s\n{bot.log_tail()}")
        await asyncio.sleep(0.05)


async def get(port: int, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(100):  # the server may still be binding
            try:
                return await client.get(f"http://127.0.0.1:{port}{path}")
            except httpx.ConnectError:
                await asyncio.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page; parsing it at all checks the format."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_an_unparseable_update_is_skipped_and_the_rest_of_its_batch_is_answered(
    server: StandinServer, tmp_path: Path, procs: list[BotProcess]
) -> None:
    api = server.api
    bot = BotProcess(server, tmp_path / "bot.sqlite3")
    procs.append(bot)
    await bot.start()
    first, stranger, last, later = (
        standin.user(6001, "en", "Anna"),
        standin.user(6002, "ru", SECRET_NAME),
        standin.user(6003, "ru", "Boris"),
        standin.user(6004, "en", "Carl"),
    )
    api.hold_updates()  # the whole batch is served by one getUpdates
    await asyncio.sleep(0.3)
    api.push_update(standin.text_update(first, "/start"))
    bad_ids = [api.push_update(update)["update_id"] for update in bad_updates(stranger)]
    api.push_update(standin.text_update(last, "/start"))
    api.release_updates()
    for buyer in (first, last):
        await api.wait_sent(lambda s, b=buyer: s.chat_id == b["id"], within=20)

    api.push_update(standin.text_update(later, "/start"))  # polling goes on
    await api.wait_sent(lambda s: s.chat_id == later["id"], within=20)
    offsets = [int(p.get("offset") or 0) for m, p in api.calls if m == "getUpdates"]
    assert max(offsets) > max(bad_ids)  # Telegram was told to drop them

    log_text = bot.log_path.read_text()
    for update_id in bad_ids:
        lines = [line for line in log_text.splitlines() if f"skipped update {update_id} " in line]
        assert len(lines) == 1 and " WARNING " in lines[0], log_text[-3000:]
    assert SECRET_TEXT not in log_text and SECRET_NAME not in log_text
    assert "Traceback" not in log_text
    assert "listening on" not in log_text  # no METRICS_PORT: no server
    assert bot.proc is not None
    bot.proc.send_signal(signal.SIGTERM)  # as a supervisor stops it
    assert await asyncio.wait_for(bot.proc.wait(), 30) == 0
    assert not bot.db_path.with_name("bot.sqlite3-wal").exists()  # database closed cleanly
    assert "Unclosed" not in bot.log_path.read_text()


async def test_an_update_nested_too_deep_for_python_stops_nothing(
    server: StandinServer, tmp_path: Path, procs: list[BotProcess]
) -> None:
    """JSON nested deeper than Python's parser follows (RecursionError from about 1,000
    levels) in one update of a batch: before, every getUpdates failed from then on (a
    traceback per retry, nobody answered again). Now the batch is read, the depths dropped."""
    api = server.api
    bot = BotProcess(server, tmp_path / "bot.sqlite3")
    procs.append(bot)
    await bot.start()
    first, deep, last = (standin.user(6101, "en"), standin.user(6102, "en"), standin.user(6103))
    api.hold_updates()  # the whole batch is served by one getUpdates
    await asyncio.sleep(0.3)
    api.push_update(standin.text_update(first, "/start"))
    nested = api.raw_json("[" * 100_000 + "]" * 100_000)
    message = {**standin.text_update(deep, "/help")["message"], "future_field": nested}
    api.push_update({"message": message})
    api.push_update(standin.text_update(last, "/start"))
    api.release_updates()
    for buyer in (first, deep, last):
        await api.wait_sent(lambda s, b=buyer: s.chat_id == b["id"], within=20)
    log_text = bot.log_path.read_text()
    assert "Traceback" not in log_text and "getUpdates failed" not in log_text, log_text[-2000:]


async def test_healthz_and_metrics_in_polling_mode(
    server: StandinServer, tmp_path: Path, procs: list[BotProcess]
) -> None:
    api = server.api
    port = free_port()
    bot = BotProcess(server, tmp_path / "bot.sqlite3", env={"METRICS_PORT": str(port)})
    procs.append(bot)
    await bot.start()
    listening = f"listening on 127.0.0.1:{port} (METRICS_PORT)"  # loopback by default
    await until(lambda: listening in bot.log_tail(), 10, "the metrics server", bot)
    # The port is bound first thing; healthy once polling runs (503 "not running" until then).
    await until(lambda: "receiving updates by polling" in bot.log_tail(), 10, "polling", bot)

    health = await get(port, "/healthz")
    assert (health.status_code, health.text) == (200, "ok\n")
    buyer = standin.user(5_550_001_234_567, "en", SECRET_NAME)  # no number's substring
    api.push_update(standin.text_update(buyer, f"/start {SECRET_TEXT}"))
    api.push_update(bad_updates(buyer)[2])
    await api.wait_sent(lambda s: s.chat_id == buyer["id"] and s.method == "sendMessage")
    await until(lambda: "skipped update" in bot.log_tail(), 10, "the skip", bot)

    page = await get(port, "/metrics")
    assert page.headers["content-type"].startswith("text/plain")
    values = samples(page.text)
    assert values[("dispute_helper_updates_total", (("kind", "message"),))] >= 1
    assert values[("dispute_helper_unparseable_updates_total", ())] == 1
    ok = (("method", "sendMessage"), ("outcome", "ok"))
    assert values[("dispute_helper_bot_api_calls_total", ok)] >= 1
    polls = (("method", "getUpdates"), ("outcome", "ok"))
    assert values[("dispute_helper_bot_api_calls_total", polls)] >= 1
    assert values[("dispute_helper_database_bytes", ())] > 0  # read from the database
    assert values[("dispute_helper_last_updates_request_timestamp_seconds", ())] > time.time() - 60
    assert not re.search(rf"(?<![\d.]){buyer['id']}(?!\d)", page.text)
    for private in (SECRET_TEXT, SECRET_NAME, TEST_TOKEN.split(":")[1]):
        assert private not in page.text

    # getUpdates stops answering: within the long poll (10 s) plus the margin (10 s), 503.
    api.hold_updates()
    stalled = time.monotonic()
    while (health := await get(port, "/healthz")).status_code == 200:
        assert time.monotonic() - stalled < 40, "still healthy 40 s after polling stalled"
        await asyncio.sleep(0.5)
    assert health.status_code == 503
    assert health.text.startswith("polling stalled") and health.text.count("\n") == 1
    api.release_updates()  # and it recovers
    recovered = time.monotonic()
    while (health := await get(port, "/healthz")).status_code != 200:
        assert time.monotonic() - recovered < 30, health.text
        await asyncio.sleep(0.5)
    assert await bot.terminate() == 0
    assert not bot.db_path.with_name("bot.sqlite3-wal").exists()  # database closed cleanly


async def test_network_down_while_polling_is_a_warning_per_retry_without_traceback(
    server: StandinServer, tmp_path: Path, procs: list[BotProcess]
) -> None:
    api = server.api
    bot = BotProcess(server, tmp_path / "bot.sqlite3")
    procs.append(bot)
    await bot.start()
    await until(lambda: api.counts["getUpdates"] > 0, 10, "polling", bot)
    await server.disconnect()  # connections dropped, new ones refused
    retry = re.compile(
        r" WARNING bot\.polling: getUpdates failed \(.+\); retrying in (\d+\.\d) s$", re.M
    )
    await until(lambda: len(retry.findall(bot.log_tail(10**6))) >= 3, 20, "three retries", bot)
    await server.start()  # back on the same port
    buyer = standin.user(6201, "en")
    api.push_update(standin.text_update(buyer, "/start"))
    await api.wait_sent(lambda s: s.chat_id == buyer["id"], within=40)
    assert await bot.terminate() == 0

    log_text = bot.log_path.read_text()
    waits = [float(wait) for wait in retry.findall(log_text)]
    assert waits[:3] == [1.0, 2.0, 4.0], waits  # the back-off, one line per retry
    assert "Traceback" not in log_text
    assert "update None" not in log_text and "unhandled error" not in log_text


# --- start-up failures --------------------------------------------------------------------


async def spawn(
    server: StandinServer, tmp_path: Path, database: Path | None = None
) -> tuple[asyncio.subprocess.Process, asyncio.Task[bytes]]:
    """`python -m bot` on the stand-in; its stderr (read to the end) by the task."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
        "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_PATH": str(database or tmp_path / "bot.sqlite3"),
        "PYTHONPATH": str(ROOT),
        "PYTHONDEVMODE": "1",  # ResourceWarnings (unclosed sockets) shown too
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    return proc, asyncio.create_task(proc.stderr.read())


async def start_and_fail(
    server: StandinServer, tmp_path: Path, database: Path | None = None
) -> tuple[int, str]:
    proc, stderr = await spawn(server, tmp_path, database)
    code = await asyncio.wait_for(proc.wait(), 60)
    return code, (await stderr).decode()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, "TELEGRAM_API_BASE_URL: http://127.0.0.1:"),
        (401, "TELEGRAM_BOT_TOKEN: Telegram rejected this token"),
    ],
)
async def test_a_rejected_start_names_the_setting_and_closes_its_sessions(
    server: StandinServer, tmp_path: Path, status: int, expected: str
) -> None:
    description = "Not Found" if status == 404 else "Unauthorized"
    server.api.fault = lambda m, p: Fault(status, description) if m == "getMe" else None
    code, stderr = await start_and_fail(server, tmp_path)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), stderr
    assert "Unclosed" not in stderr
    if status == 404:
        assert "404" in lines[0] and "/bot" in lines[0] and TEST_TOKEN not in lines[0]


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (405, "<html><center><h1>405 Not Allowed</h1></center><hr>nginx</html>", 2),
        (403, "<h1>Forbidden</h1>", 2),
        (200, "<!doctype html><html><body>a web app</body></html>", 2),
        (200, '{"hello": "world"}', 2),
        (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", 1),
    ],
    ids=["405-html", "403-html", "200-html", "200-other-json", "502-html"],
)
async def test_a_base_url_that_is_no_bot_api_is_one_line_naming_it(
    tmp_path: Path, status: int, body: str, code: int
) -> None:
    """TELEGRAM_API_BASE_URL pointing at some other web server: before, only a 404 named the
    setting; a 405 from nginx, a 403 or a web app's page was "cannot start: Method Not
    Allowed (405). Parsing the server response b'<html>...' failed", exit 1, the page's HTML
    in the line; another server's JSON a KeyError. Now one line naming the setting, exit 2
    (1 for a 5xx, which may be Telegram's own proxy during an outage), no body."""
    from aiohttp import web

    async def answer(request: web.Request) -> web.Response:
        kind = "application/json" if body.startswith("{") else "text/html"
        return web.Response(status=status, text=body, content_type=kind)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        server = StandinServer(standin.FakeBotApi(), port=port)  # its URL only: not started
        exit_code, stderr = await start_and_fail(server, tmp_path)
    finally:
        await runner.cleanup()
    lines = stderr.strip().splitlines()
    assert exit_code == code and len(lines) == 1, stderr
    assert "TELEGRAM_API_BASE_URL: http://127.0.0.1:" in lines[0], stderr
    assert f"answered {status} " in lines[0] and "<" not in lines[0] and "hello" not in lines[0]
    assert "Unclosed" not in stderr


async def test_a_port_in_use_is_one_line_before_telegram_is_contacted(
    server: StandinServer, tmp_path: Path
) -> None:
    """METRICS_PORT taken: one line naming it, exit 2. The ports are bound first: before,
    the bot started whole (menus registered, the reminder dispatcher running, "bot ready"
    logged) and only then found its port taken."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        os.environ["METRICS_PORT"] = str(port)
        try:
            code, stderr = await start_and_fail(server, tmp_path)
        finally:
            del os.environ["METRICS_PORT"]
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == 1, stderr
    assert lines[0].startswith(f"METRICS_PORT: cannot listen on 127.0.0.1:{port} ")
    assert not server.api.calls  # Telegram was never called
    assert "Unclosed" not in stderr


async def test_the_open_files_limit_is_raised_to_the_hard_one(
    server: StandinServer, tmp_path: Path
) -> None:
    """Each connection and each Bot API call holds a file descriptor; a soft limit of 1024
    (common) is soon reached by clients holding connections open. The bot raises the soft
    limit to the hard one at start."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 256:
        pytest.skip("the hard limit is too low to tell")

    def low_soft_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
        "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        preexec_fn=low_soft_limit,
    )
    try:
        for _ in range(600):
            if server.api.counts["getUpdates"] or proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
        limits = await asyncio.to_thread(Path(f"/proc/{proc.pid}/limits").read_text)
        [line] = [x for x in limits.splitlines() if x.startswith("Max open files")]
        soft = line.split()[3]
        expected = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
        assert soft in (expected, str(1 << 20)), line
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)


async def test_a_signal_during_the_start_stops_it_cleanly(
    server: StandinServer, tmp_path: Path
) -> None:
    server.api.fault = lambda m, p: Fault(delay=20) if m == "getMe" else None
    proc, stderr = await spawn(server, tmp_path)
    for _ in range(600):  # up to 30 s for the interpreter and the imports
        if server.api.counts["getMe"] or proc.returncode is not None:
            break
        await asyncio.sleep(0.05)
    assert server.api.counts["getMe"], (await stderr).decode()
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), 10) == 0  # not after getMe's 20 s
    output = (await stderr).decode()
    assert "Traceback" not in output and "Unclosed" not in output, output


async def test_a_start_without_network_says_so_and_closes_its_sessions(
    server: StandinServer, tmp_path: Path
) -> None:
    await server.disconnect()
    code, stderr = await start_and_fail(server, tmp_path)
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cannot start:"), stderr
    assert "Unclosed" not in stderr and TEST_TOKEN.split(":")[1] not in stderr


@pytest.mark.parametrize("case", ["a directory", "under a file", "not a database"])
async def test_a_database_that_cannot_be_opened_is_one_line_naming_database_path(
    server: StandinServer, tmp_path: Path, case: str
) -> None:
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "notes.txt").write_text("not SQLite, whatever the name says " * 10)
    database = {
        "a directory": tmp_path,
        "under a file": tmp_path / "a-file" / "bot.sqlite3",
        "not a database": tmp_path / "notes.txt",
    }[case]
    code, stderr = await start_and_fail(server, tmp_path, database)
    assert code == 2
    lines = stderr.strip().splitlines()
    # bot/storage/instance.py checks the path before the runner starts: one line, naming both.
    assert len(lines) == 1 and lines[0].startswith("DATABASE_PATH: ") and str(database) in lines[0]
    assert "Unclosed" not in stderr
