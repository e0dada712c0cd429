"""/healthz and /metrics in-process against a database that fails or hangs (the process-level
tests are tests/test_ingress.py and tests/test_webhook.py), the webhook's health as Telegram's
getWebhookInfo reports it, and the LISTEN_ADDRESS / METRICS_PORT settings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.config import ConfigError, load_settings
from bot.storage.db import Database
from bot.web import Endpoints, build_web_app
from bot.webhook import UNREACHABLE_AFTER, WebhookLink
from tests.harness import TEST_TOKEN
from tests.standin import FakeBotApi, Fault


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "bot.sqlite3")
    yield db
    await db.close()


async def serve(
    database: Callable[[], Database], link: Callable[[], str | None] = lambda: None
) -> TestClient[Any, Any]:
    endpoints = Endpoints(
        bot=Bot(TEST_TOKEN),
        database=database,
        clock=lambda: datetime(2026, 12, 1, tzinfo=UTC),
        link_health=link,
    )
    client: TestClient[Any, Any] = TestClient(TestServer(build_web_app(endpoints)))
    await client.start_server()
    return client


async def test_healthz_is_503_with_a_reason_when_the_database_fails(database: Database) -> None:
    client = await serve(lambda: database)
    try:
        assert (await client.get("/healthz")).status == 200
        await database.close()
        answer = await client.get("/healthz")
        assert answer.status == 503
        assert await answer.text() == "database failed: RuntimeError\n"
        page = await client.get("/metrics")  # still served, with the last known gauges
        assert page.status == 200 and "dispute_helper_updates_total" in await page.text()
    finally:
        await client.close()


async def test_healthz_is_503_when_the_database_hangs(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def stuck(*_: Any) -> None:
        await asyncio.sleep(60)

    monkeypatch.setattr(database, "fetchone", stuck)
    client = await serve(lambda: database)
    try:
        answer = await client.get("/healthz")
        assert answer.status == 503
        assert await answer.text() == "database did not answer within 2 s\n"
    finally:
        await client.close()


async def test_healthz_reports_the_link_and_the_database_before_the_bot_is_up(
    database: Database,
) -> None:
    def not_open() -> Database:
        raise RuntimeError("the database is not open yet")

    for db, link, expected in [
        (lambda: database, lambda: "polling stalled: x", "polling stalled: x\n"),
        (not_open, lambda: None, "database failed: RuntimeError\n"),
    ]:
        client = await serve(db, link)
        try:
            answer = await client.get("/healthz")
            assert (answer.status, await answer.text()) == (503, expected)
        finally:
            await client.close()


# --- the webhook's health ----------------------------------------------------------------


async def test_webhook_health_follows_what_telegram_reports() -> None:
    api = FakeBotApi()
    request = HTTPXRequest(httpx_kwargs={"transport": api.transport()})
    bot = Bot(TEST_TOKEN, request=request)
    now = [1_000.0]  # far before any real date Telegram reports
    link = WebhookLink(
        bot, "https://example.invalid/hook", "s", interval=0.02, clock=lambda: now[0]
    )
    assert link.health() == "webhook is not registered"
    await bot.initialize()
    await link.start()
    try:

        async def settled(expected: Callable[[str | None], bool]) -> str | None:
            """The health once it is as expected, after at least two fresh checks."""
            for _ in range(200):
                checks = api.counts["getWebhookInfo"]
                await asyncio.sleep(0.05)
                fresh = api.counts["getWebhookInfo"] >= checks + 2
                if fresh and expected(reason := link.health()):
                    return reason
            raise AssertionError(link.health())

        assert api.webhook_url == "https://example.invalid/hook"
        assert await settled(lambda r: r is None) is None
        api.webhook_error = ("Connection refused", 3)  # deliveries fail now
        reason = await settled(lambda r: r is not None)
        assert reason == "Telegram cannot deliver updates: Connection refused (3 pending)"
        now[0] = 4_000_000_000.0  # a request arrived after that error: it works again
        link.received()
        assert await settled(lambda r: r is None) is None
        api.webhook_error = None
        api.webhook_url = ""  # someone deleted it (a polling instance, by hand)
        reason = await settled(lambda r: r is not None)
        assert reason is not None and "no longer registered" in reason
        api.webhook_url = "https://example.invalid/hook"
        await settled(lambda r: r is None)
        api.fault = lambda m, p: Fault(502, "Bad Gateway") if m == "getWebhookInfo" else None
        await asyncio.sleep(0.1)
        now[0] += UNREACHABLE_AFTER + 1
        reason = link.health()
        assert reason is not None and reason.startswith("cannot reach the Bot API")
    finally:
        await link.stop()
        await bot.shutdown()


# --- settings ----------------------------------------------------------------------------


def test_listen_address_and_metrics_port_settings() -> None:
    base = {"TELEGRAM_BOT_TOKEN": TEST_TOKEN}
    settings = load_settings(base, dotenv=None)
    assert (settings.listen_address, settings.metrics_port) == (None, None)
    settings = load_settings({**base, "LISTEN_ADDRESS": "::1", "METRICS_PORT": "9100"}, dotenv=None)
    assert (settings.listen_address, settings.metrics_port) == ("::1", 9100)
    for env, variable in [
        ({"METRICS_PORT": "0"}, "METRICS_PORT"),
        ({"METRICS_PORT": "http"}, "METRICS_PORT"),
        ({"LISTEN_ADDRESS": "0.0.0.0:8080"}, "LISTEN_ADDRESS"),
        ({"LISTEN_ADDRESS": "http://localhost"}, "LISTEN_ADDRESS"),
    ]:
        with pytest.raises(ConfigError) as info:
            load_settings({**base, **env}, dotenv=None)
        assert info.value.variable == variable
