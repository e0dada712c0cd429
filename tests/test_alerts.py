"""ERROR_CHAT_ID: an unhandled error reaches the operator once a minute per kind, without a
word the buyer wrote, through the bot's own path (the stand-in records what it sent)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from bot import metrics
from bot.alerts import BUYER_TEXT, AlertGate, without_buyer_text
from tests import standin
from tests.harness import TEST_TOKEN, FakeClock, Harness, make_settings
from tests.standin import FakeBotApi, Fault, Sent

OPS_CHAT = -1001234567890
BUYER = 1001
SECRET = "Lenina street 5, flat 12"


def _errors() -> float:
    value = metrics.REGISTRY.get_sample_value(
        "dispute_helper_errors_total", {"exception": "BadRequest"}
    )
    return value or 0.0


def _fail_replies_to_buyer(method: str, params: dict[str, Any]) -> Fault | None:
    """Telegram refuses every message to the buyer, quoting what the buyer wrote (as its
    "can't parse entities" errors quote the offending text)."""
    if method == "sendMessage" and params.get("chat_id") == BUYER:
        return Fault(status=400, description=f'Bad Request: can\'t parse entities: "{SECRET}"')
    return None


def _reports(api: FakeBotApi) -> list[Sent]:
    return [s for s in api.sent if s.chat_id == OPS_CHAT]


async def test_an_error_reaches_error_chat_once_a_minute_per_kind(tmp_path: Path) -> None:
    clock = FakeClock()
    api = FakeBotApi()
    settings = make_settings(tmp_path / "bot.sqlite3", error_chat_id=OPS_CHAT)
    before = _errors()
    async with Harness(tmp_path / "bot.sqlite3", clock=clock, api=api, settings=settings) as bot:
        buyer = bot.buyer(BUYER, "en", "Anna")
        api.fault = _fail_replies_to_buyer
        await buyer.say(f"/help {SECRET}")

        [report] = _reports(api)
        assert report.method == "sendMessage"
        assert (
            "Unhandled error" in report.text and "bot.handlers.common.help_command" in report.text
        )
        assert "BadRequest" in report.text and "parse entities" in report.text
        update_id = api.next_update_id() - 1  # the harness numbers updates from this counter
        assert f"update {update_id} (message)" in report.text
        for word in ("Lenina", "street", "flat", "12"):
            assert word not in report.text
        assert BUYER_TEXT in report.text

        # The same kind again within the minute: counted, logged, not reported.
        clock.advance(timedelta(seconds=30))
        await buyer.say("/help")
        assert len(_reports(api)) == 1
        # Another kind (another handler) is reported at once.
        await buyer.say("/privacy")
        reports = _reports(api)
        assert len(reports) == 2 and "privacy" in reports[1].text
        # A minute after the first report, the first kind is reported again, with the count of
        # what was held back.
        clock.advance(timedelta(seconds=31))
        await buyer.say("/help")
        reports = _reports(api)
        assert len(reports) == 3 and "help_command" in reports[2].text
        assert "1 more of this kind held back" in reports[2].text
        assert _errors() - before == 4
        assert all(TEST_TOKEN.split(":")[1] not in s.text for s in reports)


async def test_without_error_chat_errors_are_only_counted(tmp_path: Path) -> None:
    api = FakeBotApi()
    before = _errors()
    async with Harness(tmp_path / "bot.sqlite3", api=api) as bot:
        api.fault = _fail_replies_to_buyer
        await bot.buyer(BUYER).say("/help")
        assert _errors() - before == 1
        assert {s.chat_id for s in api.sent if s.method == "sendMessage"} <= {BUYER}


async def test_a_report_that_cannot_be_sent_does_not_stop_the_apology(tmp_path: Path) -> None:
    """Telegram refuses the report (the bot was removed from the operator's chat): the buyer
    still gets the apology, and the bot goes on."""
    api = FakeBotApi()
    settings = make_settings(tmp_path / "bot.sqlite3", error_chat_id=OPS_CHAT)

    def faults(method: str, params: dict[str, Any]) -> Fault | None:
        if params.get("chat_id") == OPS_CHAT:
            return Fault(status=403, description="Forbidden: bot was kicked from the group")
        if method == "sendMessage" and "Dispute Helper" in str(params.get("text")):
            return Fault(status=400, description="Bad Request: message is too long")
        return None

    async with Harness(tmp_path / "bot.sqlite3", api=api, settings=settings) as bot:
        api.fault = faults
        buyer = bot.buyer(BUYER)
        await buyer.say("/help")
        assert "Sorry, something went wrong" in buyer.last.text
        api.fault = None
        await buyer.say("/help")
        assert "Dispute Helper" in buyer.last.text


def test_buyer_text_is_taken_out_whole_quoted_and_word_by_word() -> None:
    sender = standin.user(BUYER, "ru", "Ольга")
    text = "Заказ 8123456789012345\nне пришёл, трек LP00123"
    update = Update.de_json({**standin.text_update(sender, text), "update_id": 9}, None)
    message = (
        f"cannot parse {text!r}; first line {text.splitlines()[0]}; "
        "track lp00123 of Ольга; int() of 'xyz'"
    )
    cleaned = without_buyer_text(message, update)
    for fragment in ("8123456789012345", "пришёл", "LP00123", "lp00123", "Ольга", "Заказ"):
        assert fragment not in cleaned, fragment
    assert cleaned.startswith("cannot parse ") and "int() of 'xyz'" in cleaned
    assert without_buyer_text("plain", None) == "plain"


def test_gate_admits_one_per_interval_per_kind() -> None:
    gate = AlertGate()
    start = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert gate.admit("a", start) == 0
    assert gate.admit("a", start + timedelta(seconds=59)) is None
    assert gate.admit("a", start + timedelta(seconds=59)) is None
    assert gate.admit("b", start + timedelta(seconds=1)) == 0
    assert gate.admit("a", start + timedelta(seconds=60)) == 2
    assert gate.admit("a", start + timedelta(seconds=61)) is None
