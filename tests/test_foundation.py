"""Foundation, end to end: greeting, language, help, privacy, unknown input, command menu."""

from __future__ import annotations

from pathlib import Path

from tests.harness import FakeClock, Harness, texts


async def test_start_greets_in_english_with_main_menu(bot: Harness) -> None:
    buyer = bot.buyer(language_code="en-US", first_name="Anna")
    replies = await buyer.say("/start")
    assert len(replies) == 1
    assert replies[0].text.startswith("Hello, Anna!")
    assert "not AliExpress" in replies[0].text
    labels = [label for label, _ in replies[0].buttons]
    assert any("Open a dispute" in label for label in labels)
    assert any("Help" in label for label in labels)


async def test_start_greets_in_russian_for_russian_speaking_codes(bot: Harness) -> None:
    for user_id, code in ((11, "ru"), (12, "uk"), (13, "be"), (14, "kk")):
        buyer = bot.buyer(user_id, language_code=code, first_name="Иван")
        [reply] = await buyer.say("/start")
        assert reply.text.startswith("Здравствуйте, Иван!"), code
        assert "не AliExpress" in reply.text


async def test_start_without_language_code_is_english(bot: Harness) -> None:
    [reply] = await bot.buyer(21, language_code=None).say("/start")
    assert reply.text.startswith("Hello")


async def test_first_name_is_escaped_in_html(bot: Harness) -> None:
    [reply] = await bot.buyer(22, first_name="<b>x</b>").say("/start")
    assert "&lt;b&gt;x&lt;/b&gt;" in reply.text


async def test_language_switch_persists_across_restart(db_path: Path, clock: FakeClock) -> None:
    harness = Harness(db_path, clock=clock)
    await harness.start()
    buyer = harness.buyer(31, language_code="en")
    [prompt] = await buyer.say("/language")
    assert "Choose your language" in prompt.text
    assert {label for label, _ in prompt.buttons} == {"English", "Русский"}
    replies = await buyer.press("Русский")
    assert any("Готово" in t for t in texts(replies))
    await harness.stop()

    # A new Application on the same database file: the choice is remembered.
    restarted = Harness(db_path, clock=clock, api=harness.api)
    await restarted.start()
    try:
        [reply] = await restarted.buyer(31, language_code="en").say("/help")
        assert "Помощник по спорам" in reply.text
        await restarted.buyer(31, language_code="en").say("/language")
        await restarted.buyer(31).press("English")
        [reply] = await restarted.buyer(31, language_code="ru").say("/help")
        assert "Dispute Helper" in reply.text
    finally:
        await restarted.stop()


async def test_help_lists_every_command_and_what_the_bot_is(bot: Harness) -> None:
    for code, not_aliexpress in (
        ("en", "not AliExpress and not a lawyer"),
        ("ru", "не AliExpress и не юрист"),
    ):
        [reply] = await bot.buyer(40 + len(code), language_code=code).say("/help")
        for command in (
            "/new",
            "/status",
            "/cancel",
            "/language",
            "/timezone",
            "/privacy",
            "/deletedata",
        ):
            assert command in reply.text, (code, command)
        assert not_aliexpress in reply.text


async def test_privacy_says_what_is_stored_and_how_to_delete(bot: Harness) -> None:
    [reply] = await bot.buyer(50).say("/privacy")
    assert "file ids" in reply.text and "/deletedata" in reply.text
    [reply] = await bot.buyer(51, language_code="ru").say("/privacy")
    assert "/deletedata" in reply.text and "храню" in reply.text


async def test_unknown_command_gets_a_useful_answer(bot: Harness) -> None:
    [reply] = await bot.buyer(60).say("/frobnicate now")
    assert "/frobnicate" in reply.text and "/help" in reply.text
    [reply] = await bot.buyer(61, language_code="ru").say("/frobnicate")
    assert "Не знаю команду /frobnicate" in reply.text


async def test_text_outside_any_flow_is_never_met_with_silence(bot: Harness) -> None:
    buyer = bot.buyer(70)
    for update in (
        "hello?",
        "🙂" * 10,
        "א" * 4096,
    ):
        replies = await buyer.say(update)
        assert len(replies) == 1 and "/new" in replies[0].text


async def test_stale_or_forged_button_is_out_of_date(bot: Harness) -> None:
    buyer = bot.buyer(80)
    for data in ("zzz", "lang:xx", "menu:nothing", "w:999:1:x", "", "x" * 64, "w:0:order:back"):
        sent = await buyer.press_data(data)
        assert buyer.answers(sent) == ["This button is out of date."], data


async def test_command_menu_registered_for_both_languages(bot: Harness) -> None:
    menus = bot.api.commands
    assert {"", "ru", "uk", "be", "kk"} <= set(menus)
    english = {c["command"]: c["description"] for c in menus[""]}
    russian = {c["command"]: c["description"] for c in menus["ru"]}
    assert set(english) == set(russian) >= {"new", "status", "help", "language", "deletedata"}
    assert english["help"] != russian["help"]


async def test_error_handler_tells_the_buyer_in_their_language(bot: Harness) -> None:
    async def broken(update: object, context: object) -> None:
        raise RuntimeError("internal detail 42")

    from telegram.ext import CommandHandler

    assert bot.app is not None
    bot.app.add_handler(CommandHandler("boom", broken), group=-1)
    replies = await bot.buyer(90, language_code="ru").say("/boom")
    assert any("ваши данные в сохранности" in t.lower() for t in texts(replies))
    assert not any("internal detail" in t for t in texts(replies))  # no internals reach the buyer
