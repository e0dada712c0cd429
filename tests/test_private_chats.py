"""Private chats only (issue 15 §7): in groups, supergroups and channels the bot shows nobody's
data; it says at most one line pointing to the private chat, and leaves."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.app import GROUP_PRIVATE
from bot.i18n import translator
from bot.views.general import bot_description, bot_short_description, command_list
from tests import standin
from tests.harness import Buyer, Harness
from tests.processes import BotProcess
from tests.standin import BOT_USER, Sent, StandinServer
from tests.test_process import say

ORDER = "8123456789012345"
LINK = "https://t.me/" + BOT_USER["username"]
GROUP = standin.group_chat(-1001000000001, "supergroup", "AliExpress buyers")
SMALL_GROUP = standin.group_chat(-4000000001, "group", "Family")
CHANNEL = standin.group_chat(-1002000000002, "channel", "Deals")
ONE_LINE = {
    "en": "I work in private chats only, so that nobody else sees your orders: " + LINK,
    "ru": "Я работаю только в личных сообщениях, чтобы ваши заказы не видел никто другой: " + LINK,
}


async def with_an_order(buyer: Buyer) -> None:
    """A buyer with a case (order number, item title) the bot could leak."""
    await buyer.say("/new")
    await buyer.say(ORDER)
    await buyer.say("Secret lamp")


def left(sent: list[Sent], chat: dict[str, Any]) -> bool:
    return any(s.method == "leaveChat" and s.chat_id == chat["id"] for s in sent)


async def users_rows(bot: Harness) -> int:
    assert bot.app is not None
    row = await bot.app.services.db.fetchone("SELECT COUNT(*) FROM users")
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("chat", [GROUP, SMALL_GROUP], ids=["supergroup", "group"])
@pytest.mark.parametrize(
    "command", ["/start", "/status", f"/status {ORDER}", "/deletedata", "/new", "/help", "/foo"]
)
async def test_a_command_in_a_group_gets_one_line_and_the_bot_leaves(
    bot: Harness, command: str, chat: dict[str, Any], language: str
) -> None:
    buyer = bot.buyer(501, language)
    await with_an_order(buyer)
    sent = await buyer.send(standin.text_update(buyer.user, command, chat=chat))
    messages = [s for s in sent if s.method != "leaveChat"]
    assert [(s.chat_id, s.method, s.text, s.reply_markup) for s in messages] == [
        (chat["id"], "sendMessage", ONE_LINE[language], None)
    ]
    assert left(sent, chat)
    # Nothing of the buyer's went anywhere, and the wizard did not move.
    [answer] = await buyer.say("$25")
    assert translator(language)._("Step %(n)s of %(total)s", n=4, total=10) in answer.text


async def test_a_command_for_another_bot_and_plain_text_get_no_answer(bot: Harness) -> None:
    buyer = bot.buyer(502)
    for text in ("/start@some_other_bot", "hello everyone", "8123456789012345"):
        sent = await buyer.send(standin.text_update(buyer.user, text, chat=GROUP))
        assert [s.method for s in sent] == ["leaveChat"], text
    sent = await buyer.send(
        standin.text_update(buyer.user, f"/status@{BOT_USER['username']}", chat=GROUP)
    )
    assert [s.text for s in sent if s.method == "sendMessage"] == [ONE_LINE["en"]]


async def test_an_edited_message_in_a_group_is_not_answered(bot: Harness) -> None:
    buyer = bot.buyer(503)
    update = standin.text_update(buyer.user, "/status", chat=GROUP)
    update["message"]["edit_date"] = update["message"]["date"]
    sent = await buyer.send({"edited_message": update["message"]})
    assert [s.method for s in sent] == ["leaveChat"]


async def test_a_channel_post_is_never_answered(bot: Harness) -> None:
    for text in ("/start", "/status", "New deals today!"):
        sent = await bot.send(standin.channel_post_update(text, CHANNEL))
        assert [(s.method, s.chat_id) for s in sent] == [("leaveChat", CHANNEL["id"])], text
    post = standin.channel_post_update("edited", CHANNEL)
    sent = await bot.send({"edited_channel_post": post["channel_post"]})
    assert [s.method for s in sent] == ["leaveChat"]


@pytest.mark.parametrize("chat", [GROUP, SMALL_GROUP, CHANNEL], ids=["supergroup", "group", "ch"])
@pytest.mark.parametrize("status", ["member", "administrator"])
async def test_added_to_a_group_or_channel_it_leaves_silently(
    bot: Harness, chat: dict[str, Any], status: str
) -> None:
    buyer = bot.buyer(504, "ru")
    sent = await buyer.send(standin.my_chat_member_update(buyer.user, chat, "left", status))
    assert [(s.method, s.chat_id) for s in sent] == [("leaveChat", chat["id"])]
    assert await users_rows(bot) == 0  # a stranger in a group costs no row


@pytest.mark.parametrize("status", ["left", "kicked"])
async def test_removed_from_a_group_it_does_nothing(bot: Harness, status: str) -> None:
    buyer = bot.buyer(505)
    sent = await buyer.send(standin.my_chat_member_update(buyer.user, GROUP, "member", status))
    assert sent == []


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("data", ["del:yes", "menu:status", "menu:new", "st:1", "lang:ru", "zzz"])
async def test_a_button_pressed_in_a_group_gets_only_a_short_answer(
    bot: Harness, data: str, language: str
) -> None:
    buyer = bot.buyer(506, language)
    await with_an_order(buyer)
    sent = await buyer.send(standin.callback_update(buyer.user, data, chat=GROUP))
    assert [(s.method, s.params.get("text")) for s in sent] == [
        ("answerCallbackQuery", translator(language)._("I work in private chats only."))
    ]
    # Nothing was done: the case is still there, and still where it was.
    [answer] = await buyer.say("$25")
    assert translator(language)._("Step %(n)s of %(total)s", n=4, total=10) in answer.text


async def test_private_chats_are_answered_as_before(bot: Harness) -> None:
    buyer = bot.buyer(507)
    [greeting] = await buyer.say("/start")
    assert "Hello, Anna!" in greeting.text and greeting.buttons
    assert "Step 1 of 10" in (await buyer.say("/new"))[-1].text


async def test_command_menus_are_for_private_chats_only(bot: Harness) -> None:
    scoped = bot.api.scoped_commands
    assert {key for key in scoped} == {
        ("all_private_chats", code) for code in ("", "ru", "uk", "be", "kk")
    }, "no menu for groups or the default scope"
    english = [c["command"] for c in command_list(translator("en"))]
    assert [c["command"] for c in scoped[("all_private_chats", "")]] == english
    for code in ("ru", "uk", "be", "kk"):
        assert scoped[("all_private_chats", code)] == [
            {"command": c.command, "description": c.description}
            for c in command_list(translator("ru"))
        ]
    deleted = [
        (p.get("scope"), p.get("language_code"))
        for method, p in bot.api.calls
        if method == "deleteMyCommands"
    ]
    assert sorted(str(code) for _, code in deleted) == sorted(["None", "ru", "uk", "be", "kk"])
    assert all(scope is None for scope, _ in deleted)  # the default scope: groups' fallback


async def test_descriptions_are_set_per_language_within_telegrams_limits(bot: Harness) -> None:
    api = bot.api
    assert set(api.descriptions) == set(api.short_descriptions) == {"", "ru", "uk", "be", "kk"}
    for code, language in (("", "en"), ("ru", "ru"), ("uk", "ru"), ("be", "ru"), ("kk", "ru")):
        t = translator(language)
        assert api.descriptions[code] == bot_description(t)
        assert api.short_descriptions[code] == bot_short_description(t)
        assert 0 < len(api.descriptions[code]) <= 512
        assert 0 < len(api.short_descriptions[code]) <= 120
    assert "private chats only" in api.descriptions[""]
    assert "только в личных сообщениях" in api.descriptions["ru"]
    assert api.short_descriptions["ru"] != api.short_descriptions[""]


async def test_the_line_is_in_the_language_the_buyer_chose(bot: Harness) -> None:
    buyer = bot.buyer(508, "en")  # an English Telegram, but they picked Russian
    await buyer.say("/language")
    await buyer.press("Русский")
    sent = await buyer.send(standin.text_update(buyer.user, "/status", chat=GROUP))
    assert [s.text for s in sent if s.method == "sendMessage"] == [ONE_LINE["ru"]]
    press = await buyer.send(standin.callback_update(buyer.user, "st:1", chat=GROUP))
    assert buyer.answers(press) == ["Я работаю только в личных сообщениях."]


async def test_an_error_on_a_group_update_is_not_apologised_for_there(bot: Harness) -> None:
    """The apology shows the buyer's current step: it must never go to a group, even when
    something fails before the private-chat guard has run."""

    async def broken(update: object, context: object) -> None:
        raise RuntimeError("database is locked")

    from telegram import Update as TelegramUpdate
    from telegram.ext import TypeHandler

    buyer = bot.buyer(509)
    await with_an_order(buyer)
    assert bot.app is not None
    bot.app.add_handler(TypeHandler(TelegramUpdate, broken), group=-11)
    sent = await buyer.send(standin.text_update(buyer.user, "/status", chat=GROUP))
    assert [s.text for s in sent if s.method == "sendMessage"] == [ONE_LINE["en"]]
    assert not [s for s in sent if s.chat_id == buyer.id]


@pytest.mark.slow
async def test_the_real_process_keeps_to_private_chats(
    server: StandinServer, tmp_path: Path
) -> None:
    """`python -m bot` as deployed: menus and descriptions at start-up; in a group one line and
    leaving; a channel post and being added: leaving, silently; the private chat unaffected."""
    api = server.api
    bot = BotProcess(server, tmp_path / "bot.sqlite3")
    user = standin.user(510, "ru")
    await bot.start()
    try:
        await say(api, user, "/new", "Шаг 1 из 10")
        await say(api, user, ORDER, "Шаг 2 из 10")
        before = len(api.sent)
        api.push_update(standin.text_update(user, f"/status {ORDER}", chat=GROUP))
        api.push_update(standin.channel_post_update("/start", CHANNEL))
        api.push_update(standin.my_chat_member_update(user, SMALL_GROUP, "left", "member"))
        await say(api, user, "Настольная лампа", "Шаг 3 из 10")
        for chat in (GROUP, CHANNEL, SMALL_GROUP):
            await api.wait_sent(lambda s, c=chat: s.method == "leaveChat" and s.chat_id == c["id"])
        outside = [s for s in api.sent[before:] if s.chat_id is not None and s.chat_id < 0]
        assert sorted((s.method, s.chat_id, s.text) for s in outside) == sorted(
            [
                ("sendMessage", GROUP["id"], ONE_LINE["ru"]),
                ("leaveChat", GROUP["id"], ""),
                ("leaveChat", CHANNEL["id"], ""),
                ("leaveChat", SMALL_GROUP["id"], ""),
            ]
        )
        assert set(api.descriptions) == {"", "ru", "uk", "be", "kk"}
        assert {scope for scope, _ in api.scoped_commands} == {"all_private_chats"}
    finally:
        if bot.alive:
            await bot.kill9()


async def test_the_operators_alert_chat_is_neither_left_nor_talked_in(bot: Harness) -> None:
    """ERROR_CHAT_ID may be a group or channel the operator added the bot to for alerts."""
    from bot.handlers.private import PrivateOnly

    assert bot.app is not None
    [guard] = [h for h in bot.app.handlers[GROUP_PRIVATE] if isinstance(h.callback, PrivateOnly)]
    ops = standin.group_chat(-1009000000001, "supergroup", "Ops")
    alerts = {**standin.group_chat(-1009000000002, "channel", "Alerts"), "username": "ops_alerts"}
    guard.callback = PrivateOnly(stay_in=[ops["id"], "@Ops_Alerts"])
    buyer = bot.buyer(511)
    for chat in (ops, alerts):
        assert (
            await buyer.send(standin.my_chat_member_update(buyer.user, chat, "left", "member"))
            == []
        )
        assert await buyer.send(standin.text_update(buyer.user, "/status", chat=chat)) == []
        assert await bot.send(standin.channel_post_update("/start", chat)) == []
    press = await buyer.send(standin.callback_update(buyer.user, "del:yes", chat=ops))
    assert [s.method for s in press] == []
    # Any other group is still left.
    sent = await buyer.send(standin.my_chat_member_update(buyer.user, GROUP, "left", "member"))
    assert [s.method for s in sent] == ["leaveChat"]


def business_message(sender: dict[str, Any], text: str, chat: dict[str, Any]) -> dict[str, Any]:
    """A message `sender` wrote in one of their own private chats with somebody else, which
    Telegram hands to a bot their Business account is connected to."""
    message = standin.text_update(sender, text, chat=chat)["message"]
    return {"business_message": {**message, "business_connection_id": "biz-1"}}


@pytest.mark.slow
async def test_a_buyers_business_chats_never_reach_the_bot(
    server: StandinServer, tmp_path: Path
) -> None:
    """A private chat is not always the buyer's chat with the bot: with Telegram Business, a
    buyer who connects the bot to their account has their chats with customers delivered as
    `business_message` updates, in chats of type "private". Answering one posts into that chat,
    on the buyer's behalf (PTB's reply passes business_connection_id): /new there told the
    customer "You have an unfinished dispute for order 8123…". The bot asks Telegram only for
    the kinds of update it handles, so those never arrive."""
    api = server.api
    bot = BotProcess(server, tmp_path / "bot.sqlite3")
    user = standin.user(512, "en")
    customer_chat = {"id": 90512, "type": "private", "first_name": "Customer"}
    await bot.start()
    try:
        await say(api, user, "/new", "Step 1 of 10")
        await say(api, user, ORDER, "Step 2 of 10")
        for text in ("/new", "/status", f"/status {ORDER}", "/start"):
            api.push_update(business_message(user, text, customer_chat))
        await say(api, user, "/help", "Dispute Helper")  # everything before it was handled
        await asyncio.sleep(0.5)
        assert api.sent_to(customer_chat["id"]) == []
        asked = [p.get("allowed_updates") for m, p in api.calls if m == "getUpdates"]
        assert asked and all(isinstance(a, list) and "business_message" not in a for a in asked)
    finally:
        if bot.alive:
            await bot.kill9()


async def test_the_guard_itself_never_answers_a_business_update(bot: Harness) -> None:
    """Even when a Bot API server delivers Business updates it was not asked for, the guard
    stops them: no reply into the buyer's chat with their customer, before or mid-wizard."""
    buyer = bot.buyer(513, "en")
    await with_an_order(buyer)
    customer_chat = {"id": 90513, "type": "private", "first_name": "Customer"}
    for text in ("/new", "/status", "/start", "8123456789012345"):
        assert await buyer.send(business_message(buyer.user, text, customer_chat)) == []
    edited = business_message(buyer.user, "/new", customer_chat)
    assert await buyer.send({"edited_business_message": edited["business_message"]}) == []
    # A message in the buyer's own chat that carries a business connection is not answered either.
    own = standin.text_update(buyer.user, "/status")
    own["message"]["business_connection_id"] = "biz-1"
    assert await buyer.send(own) == []
    assert bot.api.sent_to(customer_chat["id"]) == []
