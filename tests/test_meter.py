"""The Bot API call meter (bot/meter.py): every call counted by method and outcome, labels a
closed set, every client of the app wrapped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, RequestData

from bot import metrics
from bot.app import build_application
from bot.meter import MeteredRequest, metered
from tests.harness import make_settings

URL = "https://api.telegram.org/botTOKEN"


def calls(method: str, outcome: str) -> float:
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            if sample.name == "dispute_helper_bot_api_calls_total" and sample.labels == {
                "method": method,
                "outcome": outcome,
            }:
                return sample.value
    return 0.0


class Canned(BaseRequest):
    """Answers each call with the next status, or raises the next exception."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.urls: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return 7.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        self.urls.append(url)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if answer == 200:
            return 200, b'{"ok": true, "result": true}'
        extra = ', "parameters": {"retry_after": 3}' if answer == 429 else ""
        return answer, b'{"ok": false, "error_code": %d, "description": "x"%s}' % (
            answer,
            extra.encode(),
        )


@pytest.mark.parametrize(
    ("answer", "outcome", "raised"),
    [
        (200, "ok", None),
        (429, "429", RetryAfter),
        (400, "4xx", BadRequest),
        (403, "4xx", Forbidden),
        (502, "5xx", NetworkError),
        (TimedOut(), "timeout", TimedOut),
        (NetworkError("down"), "network", NetworkError),
        (OSError("reset"), "network", NetworkError),
    ],
)
async def test_the_meter_counts_each_call_by_method_and_outcome(
    answer: int | Exception, outcome: str, raised: type[Exception] | None
) -> None:
    request = MeteredRequest(Canned(answer))
    before = calls("sendMessage", outcome)
    if raised is None:
        assert await request.post(f"{URL}/sendMessage") is True
    else:
        with pytest.raises(raised):
            await request.post(f"{URL}/sendMessage")
    assert calls("sendMessage", outcome) == before + 1
    assert request.read_timeout == 7.0  # the wrapped client's, which PTB reads for getUpdates
    if isinstance(answer, int):
        assert request.last_status("sendMessage") == answer


async def test_the_meter_keeps_its_labels_a_closed_set() -> None:
    request = metered(Canned(200, 200, 200))
    assert metered(request) is request  # wrapping twice would count twice
    before = calls("other", "ok"), calls("file", "ok")
    await request.post(f"{URL}/sendMessage%20123")  # not a method name: "other"
    await request.post(f"{URL}/send-4242")
    await request.retrieve("https://api.telegram.org/file/botTOKEN/photos/file_1.jpg")
    assert (calls("other", "ok"), calls("file", "ok")) == (before[0] + 2, before[1] + 1)


def test_every_bot_api_client_of_the_app_is_metered(tmp_path: Path) -> None:
    application = build_application(make_settings(tmp_path / "bot.sqlite3"))
    reminder_bot = application.services.reminder_bot
    assert reminder_bot is not None
    assert isinstance(application.bot.request, MeteredRequest)  # replies
    assert isinstance(application.bot._request[0], MeteredRequest)  # getUpdates
    assert isinstance(reminder_bot.request, MeteredRequest)  # reminders (it never polls)
