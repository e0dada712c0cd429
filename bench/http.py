"""CPU per Bot API call of the HTTP layer alone: PTB's HTTPXRequest against bot/http.py's.

Why the bot talks to the Bot API through aiohttp (bot/http.py): this measures the one thing
that choice is about. A server in a separate process on loopback answers every POST at once
with a sendMessage result (a message with an inline keyboard, as Telegram echoes it); this
process sends N calls through each request class's `post` (PTB's path: parameters encoded, the
answer's JSON parsed), C at a time, and reports its own CPU time per call. The server's CPU is
not counted. Variants run alternately, `--rounds` times each; the table shows the median and
the range.

    .venv/bin/python -m bench.http                    # about 30 s
    .venv/bin/python -m bench.http --calls 20000 --concurrency 1,8,32
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bench.common import table, write_results
from bot.http import AiohttpRequest
from bot.meter import MeteredRequest

TOKEN = "123456789:AAHbench-token_for-offline-runs-0123456789"

SERVER = r"""
import asyncio, json, sys
keyboard = {"inline_keyboard": [[{"text": "Back", "callback_data": "w:back"},
                                 {"text": "Cancel", "callback_data": "w:cancel"}]]}
message = {"message_id": 1, "date": 1700000000, "text": "x" * 300, "reply_markup": keyboard,
           "chat": {"id": 1, "type": "private", "first_name": "A"}}
body = json.dumps({"ok": True, "result": message}).encode()
answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
          % len(body)) + body

async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            writer.write(answer)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass

async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""

VARIANTS: dict[str, Callable[[int], BaseRequest]] = {
    "httpx (PTB's HTTPXRequest)": lambda pool: HTTPXRequest(connection_pool_size=pool),
    "aiohttp (bot/http.py)": lambda pool: AiohttpRequest(connection_pool_size=pool),
    # What the bot runs: the same client with every call counted (bot/meter.py).
    "aiohttp + meter": lambda pool: MeteredRequest(AiohttpRequest(connection_pool_size=pool)),
}


def reply_data() -> RequestData:
    """A typical reply: Russian HTML text and a keyboard of four buttons."""
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"Вариант {i}", callback_data=f"w:r:{i}")] for i in range(2)]
        + [[InlineKeyboardButton("◀ Назад", callback_data="w:back")]]
        + [[InlineKeyboardButton("Отмена", callback_data="w:cancel")]]
    )
    text = "<b>Шаг 3 из 10.</b> Сколько вы заплатили? Например: 12.50 USD или 990 ₽. " * 3
    return RequestData(
        [
            RequestParameter.from_input("chat_id", 123456789),
            RequestParameter.from_input("text", text),
            RequestParameter.from_input("parse_mode", "HTML"),
            RequestParameter.from_input("reply_markup", keyboard),
        ]
    )


async def one_round(make: Callable[[int], BaseRequest], url: str, calls: int, c: int) -> float:
    request = make(c)
    await request.initialize()
    try:
        left = calls

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                result = await request.post(url, reply_data())
                assert isinstance(result, dict) and result["message_id"] == 1

        await asyncio.gather(*(worker() for _ in range(c)))  # warm-up: connections, caches
        left = calls
        cpu = time.process_time()
        await asyncio.gather(*(worker() for _ in range(c)))
        return (time.process_time() - cpu) / calls
    finally:
        await request.shutdown()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVER, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert server.stdout is not None
        port = int(await server.stdout.readline())
        url = f"http://127.0.0.1:{port}/bot{TOKEN}/sendMessage"
        results: dict[str, dict[int, list[float]]] = {v: {} for v in VARIANTS}
        for c in args.concurrency:
            for _ in range(args.rounds):
                for name, make in VARIANTS.items():
                    per_call = await one_round(make, url, args.calls, c)
                    results[name].setdefault(c, []).append(per_call)
        return {
            "calls": args.calls,
            "rounds": args.rounds,
            "us_per_call": {
                name: {str(c): [round(v * 1e6, 1) for v in vs] for c, vs in by_c.items()}
                for name, by_c in results.items()
            },
        }
    finally:
        server.terminate()
        await server.wait()


def report(r: dict[str, Any]) -> None:
    rows = []
    for name, by_c in r["us_per_call"].items():
        for c, values in by_c.items():
            rows.append(
                [
                    name,
                    c,
                    f"{statistics.median(values):,.0f}",
                    f"{min(values):,.0f}-{max(values):,.0f}",
                ]
            )
    print(
        f"\nCPU of this process per Bot API call ({r['calls']} calls per round, "
        f"{r['rounds']} rounds, median and range)\n"
    )
    print(table(["request class", "in flight", "us/call", "range"], rows))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=4000, help="calls per round (4000)")
    parser.add_argument(
        "--concurrency",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1, 32],
        help="calls in flight, comma-separated (1,32)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (3)")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()  # as `python -m bot` runs
    except ImportError:
        pass
    r = asyncio.run(run(args))
    report(r)
    write_results("http", {"options": vars(args), **r})


if __name__ == "__main__":
    main()
