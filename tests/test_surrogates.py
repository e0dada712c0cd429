"""Lone surrogates (issue 15 §8): buyer text carrying "\\ud800" is never echoed back as such.

JSON from Telegram can carry a lone UTF-16 surrogate; Python parses it into a `str` that no
UTF-8 encoder takes. Telegram refuses a request that carries one (the reply is lost), SQLite
refuses to store one, and aiohttp cannot put one in a multipart form. The bot replaces each with
U+FFFD as the update comes in (bot/handlers/inbound.py); here the stand-in refuses, as Telegram
does, every call with a lone surrogate in it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from telegram import Update

from bot.handlers.inbound import REPLACEMENT, clean_text, repair
from bot.i18n import translator
from tests import standin
from tests.harness import Buyer, Harness
from tests.standin import Fault

LONE = "\ud800"
SORRY = ("Sorry, something went wrong", "Извините, у меня что-то пошло не так")


def has_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_lone_surrogate(v) for v in value)
    return False


@pytest.fixture
def refusals(bot: Harness) -> list[str]:
    """Make the stand-in refuse, as Telegram does, any call carrying a lone surrogate."""
    refused: list[str] = []

    def as_telegram(method: str, params: dict[str, Any]) -> Fault | None:
        if has_lone_surrogate(params):
            refused.append(f"{method}: {params}")
            return Fault(status=400, description="Bad Request: strings must be encoded in UTF-8")
        return None

    bot.api.fault = as_telegram
    return refused


def assert_clean(bot: Harness, refused: list[str]) -> None:
    assert refused == []
    assert not [s for s in bot.api.sent if s.text.startswith(SORRY)], "the error handler ran"


# --- the repair itself -------------------------------------------------------------------------
def test_clean_text_replaces_lone_surrogates_only() -> None:
    assert clean_text(LONE) == REPLACEMENT
    assert clean_text("a\udfffb\ud83d") == f"a{REPLACEMENT}b{REPLACEMENT}"
    for fine in ("plain", "Привет 😀👨‍👩‍👧", ""):
        assert clean_text(fine) is fine  # nothing to do: the same object, no copy
    text = "x\ud800\U0001f600y"
    # One UTF-16 unit for one: entity offsets Telegram computed still fit.
    assert len(clean_text(text).encode("utf-16-le")) == len(
        text.encode("utf-16-le", "surrogatepass")
    )


def _poison(value: Any, key: str = "") -> Any:
    """Every free-text string of an update gets a lone surrogate (not the enum-like fields)."""
    if isinstance(value, dict):
        return {k: _poison(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, key) for v in value]
    if isinstance(value, str) and key not in ("type", "status"):
        return value + LONE
    return value


SAMPLES = {
    "text": standin.text_update(standin.user(1, first_name="Ann"), "/status 8123"),
    "photo": standin.photo_update(standin.user(1), "u1", caption="cap", media_group_id="g"),
    "document": standin.document_update(
        standin.user(1), "u2", mime_type="image/png", file_name="shot.png", size=10
    ),
    "button": standin.callback_update(standin.user(1), "w:1:item:skip"),
    "group": standin.text_update(standin.user(1), "/start", chat=standin.group_chat()),
    "channel": standin.channel_post_update("news"),
    "member": standin.my_chat_member_update(standin.user(1), standin.group_chat()),
}


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_repair_reaches_every_string_of_an_update(kind: str) -> None:
    data = _poison({**SAMPLES[kind], "update_id": 1})
    if "message" in data:  # and a nested message: the one it replies to
        data["message"]["reply_to_message"] = _poison(standin.text_update(standin.user(2), "q"))[
            "message"
        ]
    update = Update.de_json(data, None)
    assert has_lone_surrogate(update.to_dict())
    assert repair(update) > 0
    repaired = update.to_dict()
    assert not has_lone_surrogate(repaired)
    json.dumps(repaired, ensure_ascii=False).encode("utf-8")  # what Telegram would accept
    # Exactly as if Telegram had sent U+FFFD: nothing else changed.
    expected = json.loads(json.dumps(data).replace("\\ud800", REPLACEMENT))
    assert repaired == Update.de_json(expected, None).to_dict()


# --- end to end: nothing is lost, nothing is refused -----------------------------------------
@pytest.mark.parametrize("language", ["en", "ru"])
async def test_a_title_and_description_with_a_lone_surrogate_are_kept_and_shown(
    bot: Harness, refusals: list[str], language: str
) -> None:
    t = translator(language)
    buyer = bot.buyer(701, language)
    await buyer.say("/new")
    await buyer.say("8123456789012345")
    [step3] = await buyer.say(f"Lamp {LONE} desk")
    assert t._("Step %(n)s of %(total)s", n=3, total=10) in step3.text
    await buyer.say("$25")
    await buyer.say("30")
    await buyer.press(t._("No, I did not receive it"))
    await buyer.press(t._("Held at customs"))
    await buyer.press(t._("Skip"))
    await buyer.say(f"Stuck at customs {LONE} for weeks.")
    await buyer.press(t._("Skip the rest"))
    summary = (await buyer.press(t._("Skip, I have none")))[-1]
    assert f"Lamp {REPLACEMENT} desk" in summary.text
    assert f"Stuck at customs {REPLACEMENT} for weeks." in summary.text
    [orders] = await buyer.say("/status")
    assert f"Lamp {REPLACEMENT}" in orders.text and f"Lamp {REPLACEMENT}" in str(orders.buttons)
    [card] = await buyer.say("/status 8123456789012345")
    assert f"Lamp {REPLACEMENT} desk" in card.text
    assert_clean(bot, refusals)


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_echoed_arguments_and_names_never_carry_a_lone_surrogate(
    bot: Harness, refusals: list[str], language: str
) -> None:
    t = translator(language)
    buyer = bot.buyer(702, language, first_name=f"Ann{LONE}")
    [greeting] = await buyer.say("/start")
    assert t._("Hello, %(name)s!", name=f"Ann{REPLACEMENT}") in greeting.text
    [unknown] = await buyer.say(f"/foo{LONE}")
    assert f"/foo{REPLACEMENT}" in unknown.text
    [status] = await buyer.say(f"/status 12{LONE}")
    assert f"12{REPLACEMENT}" in status.text
    zone = await buyer.say(f"/timezone Mars/Olympus{LONE}")
    assert f"Mars/Olympus{REPLACEMENT}" in zone[0].text
    [outside] = await buyer.say(f"hello {LONE}")
    assert "/new" in outside.text
    assert_clean(bot, refusals)


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_evidence_captions_and_file_names_with_a_lone_surrogate_are_stored(
    bot: Harness, refusals: list[str], language: str
) -> None:
    t = translator(language)
    buyer = bot.buyer(703, language)
    await buyer.say("/new")
    await buyer.say("8123456789012345")
    await buyer.press(t._("Skip"))
    await buyer.say("$25")
    await buyer.say("30")
    await buyer.press(t._("Yes, I received it"))
    await buyer.press(t._("Wrong item"))
    await buyer.press(t._("No, not yet"))
    await buyer.press(t._("Keep the item, full refund"))
    await buyer.say("They sent a blue one instead of the red one I ordered.")
    await buyer.press(t._("Skip the rest"))
    [saved] = await buyer.photo("p1", caption=f"front {LONE}")
    assert t.ngettext("Saved. %(n)s file so far.", "Saved. %(n)s files so far.", 1) in saved.text
    update = standin.document_update(
        buyer.user, "d1", mime_type="image/png", file_name=f"shot{LONE}.png", size=1000
    )
    [saved] = await buyer.send(update)
    assert t.ngettext("Saved. %(n)s file so far.", "Saved. %(n)s files so far.", 2) in saved.text
    assert bot.app is not None
    rows = await bot.app.services.db.fetchall("SELECT caption, file_name FROM evidence")
    assert sorted((r[0] or "", r[1] or "") for r in rows) == [
        ("", f"shot{REPLACEMENT}.png"),
        (f"front {REPLACEMENT}", ""),
    ]
    assert_clean(bot, refusals)


@pytest.mark.parametrize("data", [f"w:{LONE}", f"st:1{LONE}", f"lang:{LONE}", LONE, f"del:{LONE}"])
async def test_button_data_with_a_lone_surrogate_is_out_of_date(
    bot: Harness, refusals: list[str], data: str
) -> None:
    buyer: Buyer = bot.buyer(704)
    await buyer.say("/new")
    sent = await buyer.press_data(data)
    assert buyer.answers(sent) == ["This button is out of date."]
    assert_clean(bot, refusals)
