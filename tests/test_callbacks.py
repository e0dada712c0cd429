"""Typed callback data: every namespace packs and parses back, refuses what it never sends,
and is taken by exactly one registered handler; stale presses get one answer."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.ext import CallbackQueryHandler

from bot.app import handler_table
from bot.callbacks import (
    MAX_CALLBACK_BYTES,
    MAX_ID,
    NAMESPACES,
    CaseAction,
    ChooseHours,
    ChooseLanguage,
    ChooseZone,
    DeleteData,
    EnterTimer,
    Menu,
    OpenCard,
    ResumeCase,
    WizardPress,
)
from bot.domain.lifecycle import Action
from bot.domain.parsing import ParseError, ParseErrorCode
from bot.handlers.dispatch import Press
from bot.handlers.wizard import WizardRouter
from bot.i18n import translator
from bot.views import errors
from tests.harness import Harness

EXAMPLES = [
    WizardPress(12, "received", "nr"),
    ResumeCase(3),
    OpenCard(MAX_ID),
    CaseAction(5, Action.SELLER_ACCEPTED),
    CaseAction(5, Action.SELLER_ACCEPTED, confirmed=True),
    Menu("status"),
    ChooseLanguage("ru"),
    ChooseZone.of("America/Los_Angeles"),
    ChooseHours(9, 21),
    DeleteData("yes"),
]


@pytest.mark.parametrize("data", EXAMPLES, ids=lambda d: d.pack())
def test_pack_and_parse_are_inverse_and_fit_telegram(data: object) -> None:
    assert dataclasses.is_dataclass(data)
    packed = data.pack()  # type: ignore[attr-defined]
    assert packed.isascii() and len(packed.encode()) <= MAX_CALLBACK_BYTES
    assert type(data).parse(packed) == data  # type: ignore[attr-defined]


def test_the_wire_format_is_what_buttons_in_chats_already_carry() -> None:
    """Buttons sent before this code existed keep working: same strings."""
    assert CaseAction(5, Action.SELLER_ACCEPTED, True).pack() == "lc:5:s_acc:y"
    assert ResumeCase(3).pack() == "wx:3:continue"
    assert ChooseZone.of("Europe/Berlin").pack() == "tz:Europe.Berlin"
    assert WizardPress(0, "order", "cancel").pack() == "w:0:order:cancel"


@pytest.mark.parametrize(
    "data",
    [
        "st:",
        "st:1:2",
        "st:-1",
        "st:²",
        "st:٣",
        f"st:{MAX_ID + 1}",
        "lc:5",
        "lc:5:nonsense",
        "lc:5:s_acc:n",
        "wx:3",
        "wx:3:stop",
        "menu:nothing",
        "lang:xx",
        "tz:Mars.Olympus",
        "hrs:3:4",
        "hrs:²:21",
        "del:maybe",
        "x" * 65,
        "",
    ],
)
def test_what_the_bot_never_sends_does_not_parse(data: str) -> None:
    assert all(namespace.parse(data) is None for namespace in NAMESPACES)


@given(st.text(max_size=80))
def test_any_string_parses_as_at_most_one_namespace_and_never_raises(data: str) -> None:
    assert sum(namespace.parse(data) is not None for namespace in NAMESPACES) <= 1


def test_a_field_that_cannot_travel_is_refused_when_packing() -> None:
    with pytest.raises(ValueError):
        WizardPress(1, "order", "a:b").pack()
    with pytest.raises(ValueError):
        WizardPress(1, "order", "x" * 70).pack()
    with pytest.raises(ValueError):
        WizardPress(1, "order", "ё").pack()


async def test_every_namespace_has_its_handler_in_the_one_table(bot: Harness) -> None:
    """app.py's table takes every namespace: a well-formed press never reaches the
    stale-button fallback for want of a handler."""
    assert bot.app is not None
    table = handler_table(bot.app, None)
    taken = {h.data_type for _, h in table if isinstance(h, Press)}
    router = [h for _, h in table if isinstance(h, WizardRouter)]
    assert len(router) == 1
    assert set(NAMESPACES) - taken == {WizardPress, ResumeCase, EnterTimer}  # the router's own
    _, last = table[-1]
    assert isinstance(last, CallbackQueryHandler) and last.pattern is None  # the one fallback


def test_every_parse_error_has_its_sentence() -> None:
    for language in ("en", "ru"):
        t = translator(language)
        for code in ParseErrorCode:
            assert errors.parse_error_text(t, ParseError(code)), code
