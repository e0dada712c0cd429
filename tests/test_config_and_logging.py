"""Settings, the command line, and the promise that the token never reaches a log line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from telegram import Update

from bot.config import ConfigError, load_settings
from bot.logsetup import REDACTED, configure_logging
from tests import standin
from tests.harness import TEST_TOKEN, Harness, make_settings
from tests.standin import FakeBotApi, Fault

ROOT = Path(__file__).resolve().parent.parent


def _run_bot(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env},
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_missing_token_is_one_line_exit_2(tmp_path: Path) -> None:
    result = _run_bot({"PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_malformed_token_is_one_line_exit_2(tmp_path: Path) -> None:
    result = _run_bot({"TELEGRAM_BOT_TOKEN": "not-a-token", "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("TELEGRAM_BOT_TOKEN")
    assert "not-a-token" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_help_lists_the_settings(tmp_path: Path) -> None:
    result = _run_bot({"PYTHONPATH": str(ROOT)}, "--help", cwd=tmp_path)
    assert result.returncode == 0
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
        "DATABASE_PATH",
        "DEFAULT_TIMEZONE",
        "LOG_LEVEL",
    ):
        assert name in result.stdout


def test_settings_defaults_and_file_url() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TEST_TOKEN}, dotenv=None)
    assert settings.api_base_url == "https://api.telegram.org/bot"
    assert settings.api_file_url == "https://api.telegram.org/file/bot"
    assert str(settings.database_path) == "data/bot.sqlite3"
    assert settings.log_level == "INFO" and settings.default_timezone is None
    local = load_settings(
        {"TELEGRAM_BOT_TOKEN": TEST_TOKEN, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot"},
        dotenv=None,
    )
    assert local.api_file_url == "http://127.0.0.1:8081/file/bot"
    assert TEST_TOKEN not in repr(local)


def test_dotenv_is_read_and_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"# comment\nexport TELEGRAM_BOT_TOKEN='{TEST_TOKEN}'\nLOG_LEVEL=debug\n"
        "DEFAULT_TIMEZONE=Asia/Almaty\n"
    )
    settings = load_settings({"LOG_LEVEL": "WARNING"}, dotenv=dotenv)
    assert settings.token == TEST_TOKEN
    assert settings.log_level == "WARNING" and settings.default_timezone == "Asia/Almaty"


def test_dotenv_reads_as_users_write_it(tmp_path: Path) -> None:
    """Inline comments, quotes (a # inside them kept), `export`, spaces around `=`, a key
    without a value: the hand-written parser kept "value  # comment" as the value."""
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"TELEGRAM_BOT_TOKEN={TEST_TOKEN}   # from @BotFather\n"
        "export LOG_LEVEL = warning\n"
        'DATABASE_PATH="/srv/bot data/bot#1.sqlite3"  # quoted: the # is part of it\n'
        "REMINDER_HOURS='8-22' # single quotes\n"
        "DEFAULT_TIMEZONE\n"
        "\n"
        "WEBHOOK_SECRET=\n",
        encoding="utf-8",
    )
    settings = load_settings({}, dotenv=dotenv)
    assert settings.token == TEST_TOKEN
    assert settings.log_level == "WARNING"
    assert str(settings.database_path) == "/srv/bot data/bot#1.sqlite3"
    assert settings.reminder_hours == (8, 22)
    assert settings.default_timezone is None and settings.webhook_secret is None


def test_dotenv_that_cannot_be_read_is_one_clear_error(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"TELEGRAM_BOT_TOKEN=\xff\xfe\n")
    with pytest.raises(ConfigError) as info:
        load_settings({"TELEGRAM_BOT_TOKEN": TEST_TOKEN}, dotenv=dotenv)
    assert str(info.value) == f"{dotenv}: cannot be read: not UTF-8 text"
    # A missing file is simply no file.
    assert load_settings({"TELEGRAM_BOT_TOKEN": TEST_TOKEN}, dotenv=tmp_path / "none").token


@pytest.mark.parametrize(
    ("token", "valid"),
    [
        ("12345:" + "a" * 30, True),
        ("12345678901234567890:" + "A-_9" * 15, True),  # 20 digits, 60 characters
        ("1234:" + "a" * 30, False),  # 4 digits
        ("123456789012345678901:" + "a" * 30, False),  # 21 digits
        ("12345:" + "a" * 29, False),
        ("12345:" + "a" * 61, False),
        ("12345:" + "a" * 29 + "!", False),
        ("12345" + "a" * 31, False),  # no colon
        ("١٢٣٤٥:" + "a" * 30, False),  # digits, but not ASCII ones
        (TEST_TOKEN + "\n" + "x", False),
    ],
)
def test_token_message_states_the_rule_it_enforces(token: str, valid: bool) -> None:
    if valid:
        assert load_settings({"TELEGRAM_BOT_TOKEN": token}, dotenv=None).token == token
        return
    with pytest.raises(ConfigError) as info:
        load_settings({"TELEGRAM_BOT_TOKEN": token}, dotenv=None)
    assert str(info.value) == (
        "TELEGRAM_BOT_TOKEN: is malformed; expected 5 to 20 digits, a colon, then 30 to 60 "
        "characters of A-Z a-z 0-9 _ -, as @BotFather gives it"
    )
    assert token not in str(info.value)


def test_operator_settings_error_chat_log_format_and_http_client() -> None:
    base = {"TELEGRAM_BOT_TOKEN": TEST_TOKEN}
    defaults = load_settings(base, dotenv=None)
    assert (defaults.error_chat_id, defaults.log_format, defaults.http_client) == (
        None,
        "text",
        "aiohttp",
    )
    chosen = load_settings(
        {
            **base,
            "ERROR_CHAT_ID": "-1001234567890",
            "LOG_FORMAT": "JSON",
            "BOT_HTTP_CLIENT": "httpx",
        },
        dotenv=None,
    )
    assert chosen.error_chat_id == -1001234567890
    assert (chosen.log_format, chosen.http_client) == ("json", "httpx")
    assert load_settings({**base, "ERROR_CHAT_ID": "@ops_alerts"}, dotenv=None).error_chat_id == (
        "@ops_alerts"
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL"),
        ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"PORT": "99999"}, "PORT"),
        ({"REMINDER_HOURS": "21-9"}, "REMINDER_HOURS"),
        ({"ERROR_CHAT_ID": "ops team"}, "ERROR_CHAT_ID"),
        ({"ERROR_CHAT_ID": "12.5"}, "ERROR_CHAT_ID"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"BOT_HTTP_CLIENT": "requests"}, "BOT_HTTP_CLIENT"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"TELEGRAM_BOT_TOKEN": TEST_TOKEN, **env}, dotenv=None)
    assert info.value.variable == variable and str(info.value).startswith(variable)


async def test_token_never_logged_even_at_debug_with_errors(tmp_path: Path) -> None:
    """DEBUG logging on, requests that fail with network errors and 5xx: no line holds the token."""
    stream = io.StringIO()
    configure_logging("DEBUG", [TEST_TOKEN], stream=stream)
    api = FakeBotApi()
    calls = {"n": 0}

    def flaky(method: str, params: dict[str, object]) -> Fault | None:
        calls["n"] += 1
        if method == "sendMessage":
            return (
                Fault(drop=True) if calls["n"] % 2 else Fault(status=502, description="Bad Gateway")
            )
        return None

    harness = Harness(
        tmp_path / "db.sqlite3", api=api, settings=make_settings(tmp_path / "db.sqlite3")
    )
    try:
        await harness.start()
        api.fault = flaky
        buyer = harness.buyer(5)
        await buyer.say("/start")
        await buyer.say("/help")
        # A failure raised straight from the HTTP layer, logged with its traceback.
        try:
            async with httpx.AsyncClient(transport=api.transport()) as client:
                api.fault = lambda m, p: Fault(drop=True)
                await client.post(
                    f"http://standin.invalid/bot{TEST_TOKEN}/sendMessage",
                    data={"chat_id": 1, "text": "x"},
                )
        except httpx.HTTPError:
            logging.getLogger("test").exception("request to %s failed", f"/bot{TEST_TOKEN}/x")
    finally:
        api.fault = None
        await harness.stop()
        logging.getLogger().handlers.clear()
    output = stream.getvalue()
    secret = TEST_TOKEN.split(":", 1)[1]
    assert "sendMessage" in output  # requests were logged ...
    assert REDACTED in output  # ... with the token replaced
    assert TEST_TOKEN not in output and secret not in output
    assert "Traceback" in output  # the exception path was exercised


def test_rules_are_overridable_from_the_environment(tmp_path: Path) -> None:
    from datetime import timedelta

    from bot.app import build_application

    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
            "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
            "DISPUTE_RULES": "negotiation_before_escalation=15d; protection_reminders=5d,2d",
        },
        dotenv=None,
    )
    rules = build_application(settings).services.rules
    assert rules.negotiation_before_escalation == timedelta(days=15)
    assert rules.protection_reminders == (timedelta(days=5), timedelta(days=2))
    assert rules.seller_answer == timedelta(days=5)  # untouched rules keep their defaults
    for bad in ("no_such_rule=3d", "seller_answer=soon", "seller_answer"):
        with pytest.raises(ConfigError) as info:
            load_settings({"TELEGRAM_BOT_TOKEN": TEST_TOKEN, "DISPUTE_RULES": bad}, dotenv=None)
        assert info.value.variable == "DISPUTE_RULES"


async def test_json_logs_parse_line_by_line_without_the_token(tmp_path: Path) -> None:
    """LOG_FORMAT=json at DEBUG, through the real update path (queue -> per-chat processor):
    every line is one JSON object, lines written while an update is handled name it, a
    traceback travels inside its line, and the token is nowhere."""
    stream = io.StringIO()
    configure_logging("DEBUG", [TEST_TOKEN], stream=stream, fmt="json")
    api = FakeBotApi()
    buyer_id = 5151

    def refuse_the_buyer(method: str, params: dict[str, object]) -> Fault | None:
        if method == "sendMessage" and params.get("chat_id") == buyer_id:
            return Fault(status=400, description="Bad Request: chat not found")
        return None

    harness = Harness(tmp_path / "db.sqlite3", api=api)
    try:
        await harness.start()
        assert harness.app is not None
        api.fault = refuse_the_buyer
        sender = standin.user(buyer_id, "en")
        data = {**standin.text_update(sender, "/help"), "update_id": 4242}
        update = Update.de_json(data, harness.app.bot)
        await harness.app.update_queue.put(update)
        for _ in range(500):  # the reply fails, then the apology: the last thing logged
            if "could not tell chat" in stream.getvalue():
                break
            await asyncio.sleep(0.02)
        try:
            raise RuntimeError(f"request to https://api.telegram.org/bot{TEST_TOKEN}/getMe")
        except RuntimeError:
            logging.getLogger("test").exception("failed with %s", TEST_TOKEN)
    finally:
        api.fault = None
        await harness.stop()
        logging.getLogger().handlers.clear()
    lines = stream.getvalue().splitlines()
    records = [json.loads(line) for line in lines]  # every line parses on its own
    assert len(records) > 10
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys()
        assert record["time"].endswith("Z")
    assert any(r["level"] == "DEBUG" for r in records)
    [error] = [r for r in records if r["message"].startswith("unhandled error")]
    assert error["level"] == "ERROR" and error["logger"] == "bot.handlers.common"
    assert error["update_id"] == 4242 and error["chat_id"] == buyer_id
    assert error["latency_ms"] >= 0
    assert error["exc"].startswith("Traceback") and "BadRequest" in error["exc"]
    [failed] = [r for r in records if r["logger"] == "test"]
    assert failed["message"] == f"failed with {REDACTED}" and "Traceback" in failed["exc"]
    assert "update_id" not in failed  # logged outside any update
    output = stream.getvalue()
    assert TEST_TOKEN not in output and TEST_TOKEN.split(":", 1)[1] not in output
