"""Updates parsed one at a time (bot/updates.py): what python-telegram-bot cannot read is
skipped with one WARNING that holds no user content, and the offset still moves past it."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from telegram import Bot

from bot import metrics
from bot.updates import MAX_DEPTH, loads_bounded, parse_batch, parse_update
from tests import standin
from tests.harness import TEST_TOKEN


def skipped() -> float:
    value = metrics.REGISTRY.get_sample_value("dispute_helper_unparseable_updates_total")
    return value or 0.0


def good(update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, **standin.text_update(standin.user(5, "en"), "hi")}


def test_a_batch_keeps_what_parses_and_confirms_everything(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = Bot(TEST_TOKEN)
    no_type = good(11)
    del no_type["message"]["chat"]["type"]
    no_type["message"]["text"] = "Tajna"
    items: list[Any] = [good(10), no_type, "garbage", {"update_id": "12"}, good(13), {}]
    before = skipped()
    with caplog.at_level(logging.WARNING, "bot.updates"):
        updates, offset = parse_batch(items, bot)
    assert [u.update_id for u in updates] == [10, 13]
    assert offset == 14
    assert skipped() == before + 4
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.updates"]
    assert lines[0].startswith("skipped update 11 (message): ") and lines[0].endswith("(TypeError)")
    assert "skipped update without an update_id (str)" in lines[1]
    assert all("Tajna" not in line for line in lines) and len(lines) == 4


def test_a_batch_of_only_unreadable_updates_still_moves_the_offset() -> None:
    bad = good(40)
    bad["message"]["date"] = "yesterday"
    assert parse_batch([bad], Bot(TEST_TOKEN)) == ([], 41)
    assert parse_batch([{"message": {}}], Bot(TEST_TOKEN)) == ([], None)
    assert parse_batch([], Bot(TEST_TOKEN)) == ([], None)


def test_forged_field_names_do_not_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "bot.updates"):
        assert (
            parse_update({"update_id": 3, "Tajna text": {}, "message": 1}, Bot(TEST_TOKEN)) is None
        )
    assert "Tajna" not in caplog.text and "skipped update 3 (message)" in caplog.text


def nested(depth: int, inner: str = '"deep"') -> str:
    return "[" * depth + inner + "]" * depth


def test_json_nested_too_deep_for_python_still_parses() -> None:
    """json.loads raises RecursionError from about 1,000 levels (a 2 kB body): the update
    around such a value must still be read, with the depths beyond MAX_DEPTH dropped."""
    tricky = json.dumps('a]]}{\\"[')  # brackets and escapes inside a string do not count
    text = '{"update_id": 9, "x": ' + nested(100_000, tricky) + ', "y": "[{"}'
    with pytest.raises(RecursionError):
        json.loads(text)
    data = loads_bounded(text)
    assert data["update_id"] == 9 and data["y"] == "[{"
    assert json.dumps(data["x"]).count("[") == MAX_DEPTH - 1  # then null
    assert loads_bounded('{"a": [1, {"b": "]["}]}') == {"a": [1, {"b": "]["}]}  # the fast path
    for malformed in ('{"a": [[[', '{"a": ' + "[" * 5000, '{"a": ' + nested(5000)[:-1] + "}"):
        with pytest.raises(ValueError):
            loads_bounded(malformed)


def test_a_getupdates_answer_nested_too_deep_is_read(caplog: pytest.LogCaptureFixture) -> None:
    from bot.meter import MeteredRequest

    batch = (
        '{"ok": true, "result": [{"update_id": 20, "message": {"x": ' + nested(50_000) + "}}]}"
    ).encode()
    assert MeteredRequest.parse_json_payload(batch)["result"][0]["update_id"] == 20
    with caplog.at_level(logging.DEBUG), pytest.raises(Exception, match="Invalid server response"):
        MeteredRequest.parse_json_payload(b'{"ok": true, "result": [{"text": "Tajna"')
    assert "Tajna" not in caplog.text  # PTB logged the whole body: every pending message
