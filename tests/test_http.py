"""The production HTTP path (bot/http.py's AiohttpRequest) against the stand-in on loopback.

What the rest of the bot relies on: the Bot API receives exactly the parameters it received
through PTB's HTTPXRequest (text, keyboards, uploads), and every way a call can fail becomes
the error PTB expects (TimedOut, NetworkError, RetryAfter, ...) without the token in it.
"""

from __future__ import annotations

import asyncio
import socket
import traceback
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.http import AiohttpRequest
from bot.meter import MeteredRequest
from tests.harness import TEST_TOKEN, Harness, make_settings
from tests.standin import FakeBotApi, Fault, StandinServer

CHAT = 4242


@pytest.fixture
async def server() -> AsyncIterator[StandinServer]:
    async with StandinServer(FakeBotApi()) as srv:
        yield srv


async def _bot(request: BaseRequest, base_url: str) -> Bot:
    bot = Bot(TEST_TOKEN, base_url=base_url, request=request, get_updates_request=request)
    await bot.initialize()
    return bot


async def _everyday_calls(bot: Bot) -> None:
    """One of each kind of call the bot makes: HTML text with a keyboard (Cyrillic, emoji,
    characters that need escaping in a form), a callback answer, an edit, an upload."""
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Назад ◀", callback_data="w:back")],
            [InlineKeyboardButton("Да & нет = 100% 🙂", callback_data="w:r:1?x=2#y")],
        ]
    )
    text = "<b>Шаг 3 из 10.</b> Сумма: 12.50 USD + 5 € — «ок»?\nвторая строка"
    await bot.send_message(CHAT, text, parse_mode="HTML", reply_markup=keyboard)
    await bot.answer_callback_query("cbq-1", text="Готово", show_alert=False)
    await bot.edit_message_text("изменено", chat_id=CHAT, message_id=77, reply_markup=keyboard)
    ics = b"BEGIN:VCALENDAR\r\nSUMMARY:\xd0\xa1\xd1\x80\xd0\xbe\xd0\xba\r\nEND:VCALENDAR\r\n"
    await bot.send_document(
        CHAT,
        InputFile(ics, filename="dispute 8030.ics"),
        caption="Сроки спора",
        reply_markup=keyboard,
    )


async def test_the_bot_api_receives_what_httpx_would_send(server: StandinServer) -> None:
    received: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name, request in (
        ("httpx", HTTPXRequest(connection_pool_size=2)),
        ("aiohttp", AiohttpRequest(connection_pool_size=2)),
    ):
        server.api.calls.clear()
        bot = await _bot(request, server.base_url)
        try:
            await _everyday_calls(bot)
        finally:
            await bot.shutdown()
        received[name] = [(m, p) for m, p in server.api.calls if m != "getMe"]

    assert [m for m, _ in received["aiohttp"]] == [
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
        "sendDocument",
    ]
    assert received["aiohttp"] == received["httpx"]
    document = received["aiohttp"][3][1]["document"]
    assert document["filename"] == "dispute 8030.ics"
    assert "Срок".encode() in document["content"]
    assert server.token_seen == {f"bot{TEST_TOKEN}"}


async def _failing(
    server: StandinServer,
    fault: Callable[[str, dict[str, Any]], Fault | None] | None,
    **request_kwargs: Any,
) -> Bot:
    bot = await _bot(AiohttpRequest(**request_kwargs), server.base_url)
    server.api.fault = fault
    return bot


async def test_a_slow_answer_is_a_time_out(server: StandinServer) -> None:
    bot = await _failing(server, lambda m, p: Fault(delay=1.0), read_timeout=0.1)
    try:
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "hello")
        server.api.fault = None  # the pool is usable afterwards
        assert (await bot.send_message(CHAT, "again")).text == "again"
    finally:
        await bot.shutdown()


async def test_a_full_pool_times_out_without_sending(server: StandinServer) -> None:
    bot = await _failing(server, lambda m, p: Fault(delay=0.5), connection_pool_size=1)
    try:
        first = asyncio.create_task(bot.send_message(CHAT, "first"))
        await asyncio.sleep(0.1)
        with pytest.raises(TimedOut, match="Pool timeout"):
            await bot.send_message(CHAT, "second", pool_timeout=0.05)
        assert (await first).text == "first"
        assert [p["text"] for m, p in server.api.calls if m == "sendMessage"] == ["first"]
    finally:
        await bot.shutdown()


async def test_a_dropped_connection_is_a_network_error(server: StandinServer) -> None:
    drops = iter([True])
    bot = await _failing(server, lambda m, p: Fault(drop=True) if next(drops, False) else None)
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(CHAT, "hello")
        assert not isinstance(caught.value, TimedOut)
        assert TEST_TOKEN not in str(caught.value)
        assert TEST_TOKEN.split(":")[1] not in str(caught.value)
        # The next call opens a fresh connection and goes through.
        assert (await bot.send_message(CHAT, "again")).text == "again"
    finally:
        await bot.shutdown()


async def test_http_errors_are_returned_to_ptb_not_raised(server: StandinServer) -> None:
    bot = await _failing(server, lambda m, p: Fault(status=429, retry_after=7))
    try:
        with pytest.raises(RetryAfter, match="Retry in 7"):
            await bot.send_message(CHAT, "hello")
        server.api.fault = lambda m, p: Fault(status=502)
        with pytest.raises(NetworkError, match=r"Bad Gateway|502"):
            await bot.send_message(CHAT, "hello")
    finally:
        await bot.shutdown()


async def test_nobody_listening_is_a_network_error_without_the_token() -> None:
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{TEST_TOKEN}/getMe")
        assert TEST_TOKEN.split(":")[1] not in str(caught.value)
    finally:
        await request.shutdown()


async def test_calls_need_an_initialized_request(server: StandinServer) -> None:
    request = AiohttpRequest()
    url = f"{server.base_url}{TEST_TOKEN}/getMe"
    # PTB wraps what a request class raises outside its own errors, as with HTTPXRequest.
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(url)
    await request.initialize()
    session = request._session
    await request.initialize()  # idempotent: still one session
    assert request._session is session
    assert (await request.post(url))["is_bot"] is True
    await request.shutdown()
    await request.shutdown()
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(url)
    with pytest.raises(ValueError):
        AiohttpRequest(connection_pool_size=0)


async def test_a_proxy_from_the_environment_is_used(
    server: StandinServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY (as httpx honours it): the stand-in plays the proxy for a host that does not
    resolve, so the call can only succeed through it; NO_PROXY exempts a host."""
    for name in ("http_proxy", "https_proxy", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)  # urllib prefers the lowercase ones
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.port}")
    monkeypatch.setenv("NO_PROXY", "exempt.invalid")
    bot = await _bot(AiohttpRequest(), "http://api.telegram.invalid/bot")
    try:
        assert (await bot.send_message(CHAT, "via the proxy")).text == "via the proxy"
    finally:
        await bot.shutdown()
    exempt = Bot(TEST_TOKEN, base_url="http://exempt.invalid/bot", request=AiohttpRequest())
    with pytest.raises(NetworkError):
        await exempt.initialize()  # tried directly: the name does not resolve
    await exempt.shutdown()


class _FailingSession:
    """Stands in for the aiohttp session: every request fails with `error`."""

    closed = False

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def request(self, *args: Any, **kwargs: Any) -> _FailingSession:
        return self

    async def __aenter__(self) -> None:
        raise self.error

    async def __aexit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize(
    ("make_error", "expected"),
    [
        # aiohttp's own wording, with the URL in it, for a connect that timed out ...
        (lambda url: aiohttp.ConnectionTimeoutError(f"Connection timeout to host {url}"), TimedOut),
        # ... and for a connection that broke while the request was being sent.
        (lambda url: aiohttp.ClientOSError(f"Can not write request body for {url}"), NetworkError),
    ],
)
async def test_errors_quoting_the_url_do_not_carry_the_token(
    make_error: Callable[[str], BaseException], expected: type[Exception]
) -> None:
    url = f"https://api.telegram.org/bot{TEST_TOKEN}/sendMessage"
    request = AiohttpRequest()
    await request.initialize()
    real = request._session
    assert real is not None
    request._session = _FailingSession(make_error(url))  # type: ignore[assignment]
    try:
        with pytest.raises(expected) as caught:
            await request.post(url)
    finally:
        await real.close()
    everything = "".join(traceback.format_exception(caught.value))
    secret = TEST_TOKEN.split(":")[1]
    assert secret not in everything
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert "api.telegram.org/bot<token>/sendMessage" in str(caught.value)  # still useful
    # The pool's permit came back: the next call does not wait for it.
    request._session = _FailingSession(make_error(url))  # type: ignore[assignment]
    with pytest.raises(expected):
        await request.post(url, pool_timeout=0.01)


async def test_a_buyer_walks_the_wizard_with_httpx_as_the_client(tmp_path: Path) -> None:
    """BOT_HTTP_CLIENT=httpx: python-telegram-bot's own HTTPXRequest carries every call, and a
    buyer sees the same wizard as with the default client (Cyrillic, buttons, edits)."""
    settings = make_settings(tmp_path / "bot.sqlite3", http_client="httpx")
    async with Harness(tmp_path / "bot.sqlite3", settings=settings) as harness:
        assert harness.app is not None
        # Metered (bot/meter.py) around PTB's own client, for both bots.
        for bot in (harness.app.bot, harness.app.services.reminder_bot):
            assert bot is not None
            request = bot.request
            assert isinstance(request, MeteredRequest)
            assert isinstance(request.inner, HTTPXRequest)
        buyer = harness.buyer(31, "ru", "Ольга")
        [greeting] = await buyer.say("/start")
        assert greeting.text.startswith("Здравствуйте, Ольга!")
        replies = await buyer.say("/new")
        assert "Шаг 1 из 10" in replies[-1].text
        await buyer.say("Order ID: 8123 4567 8901 2345")
        replies = await buyer.press("Пропустить")
        assert "Шаг 3 из 10" in replies[-1].text
        replies = await buyer.say("1 234,56 ₽")
        assert "Шаг 4 из 10" in replies[-1].text
        replies = await buyer.say("23")
        assert "Шаг 5 из 10" in replies[-1].text
        await harness.restart()  # the step survives, as with the default client
        replies = await buyer.press("Нет")
        assert "Шаг 6 из 10" in replies[-1].text
