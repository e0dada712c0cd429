"""Settings, the command line, and the promise that the token never reaches a log line."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bot.config import ConfigError, load_settings
from bot.logsetup import REDACTED, configure_logging
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


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL"),
        ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"PORT": "99999"}, "PORT"),
        ({"REMINDER_HOURS": "21-9"}, "REMINDER_HOURS"),
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
