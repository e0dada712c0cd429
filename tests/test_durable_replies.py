"""No reply before its state is durable (issue 15 §2), tested on the real process.

For every handler that moves a buyer or tells them something was saved: walk a buyer to just
before the move, SIGKILL `python -m bot` once its reply has reached the Bot API stand-in
(before the stand-in even answers the call, so nothing the bot had not committed by then
survives), start it again on the same database, and answer the reply the buyer saw. The answer
must be taken as the answer to that reply: the buyer continues where they were.

Every move has its own buyer, and one kill serves them all: each reply is held at the stand-in
(`FakeBotApi.trap`) until the last has arrived, then the process is killed.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import translator
from tests import standin
from tests.processes import BotProcess
from tests.standin import FakeBotApi, Sent, StandinServer
from tests.test_process import _reply_with, press, say

pytestmark = pytest.mark.slow

ORDER = "8123456789012345"
OTHER_ORDER = "8123456789099999"
NOT_WAITING = "I'm not waiting for anything from you right now"


@dataclass
class Buyer:
    """One buyer of one bot process, as a test drives them."""

    api: FakeBotApi
    bot: BotProcess
    user: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.user["id"])

    async def say(self, text: str, expect: str) -> Sent:
        return await say(self.api, self.user, text, expect)

    async def press(self, label: str, expect: str) -> Sent:
        return await press(self.api, self.user, label, expect)

    async def forward(self, text: str, expect: str) -> Sent:
        before = len(self.api.sent)
        self.api.push_update(standin.forwarded(standin.text_update(self.user, text)))
        return await self.api.wait_sent(_reply_with(self.api, self.user, before, expect), 20)

    def latest_button(self, label: str) -> tuple[str, Sent]:
        for sent in reversed(self.api.sent_to(self.id)):
            for text, data in sent.buttons:
                if label in text:
                    return data, sent
        raise AssertionError(f"no button {label!r} was shown")

    def dispute_id(self) -> int:
        with sqlite3.connect(self.bot.db_path) as conn:
            row = conn.execute("SELECT id FROM disputes WHERE user_id = ?", (self.id,)).fetchone()
        assert row is not None
        return int(row[0])


# --- getting a buyer to a place --------------------------------------------------------------
async def to_item_step(b: Buyer) -> None:
    await b.say("/new", "Step 1 of 10")
    await b.say(ORDER, "Step 2 of 10")


async def to_amount_step(b: Buyer) -> None:
    await to_item_step(b)
    await b.say("Desk lamp", "Step 3 of 10")


async def to_received_step(b: Buyer) -> None:
    await to_amount_step(b)
    await b.say("$25", "Step 4 of 10")
    await b.say("30", "Step 5 of 10")


async def to_facts(b: Buyer) -> None:
    """Up to the first fact for the English text (the tracking number)."""
    await to_received_step(b)
    await b.press("No, I did not", "Step 6 of 10")
    await b.press("No tracking", "When did the seller ship")
    await b.press("Skip", "Step 8 of 14")
    await b.say("Tracking has not moved for a month.", "Step 9 of 14")


async def to_summary(b: Buyer) -> None:
    await to_facts(b)
    await b.press("Skip the rest", "Step 13 of 14")
    await b.press("Skip, I have none", "Step 14 of 14")


async def to_opened(b: Buyer) -> None:
    await to_summary(b)
    await b.press("Confirm", "How to open it")
    await b.press("today", "seller must answer")


# --- the moves: what the buyer does, and the reply the bot is killed at ----------------------
@dataclass(frozen=True)
class Move:
    setup: Callable[[Buyer], Awaitable[None]]
    update: Callable[[Buyer], dict[str, Any]]  # the buyer's update that makes the move
    reply: str  # text of the reply the bot is killed at
    after: Callable[[Buyer], Awaitable[None]]  # answer it after the restart, check it counts


def typed(text: str) -> Callable[[Buyer], dict[str, Any]]:
    return lambda b: standin.text_update(b.user, text)


def pressed(label: str) -> Callable[[Buyer], dict[str, Any]]:
    def update(b: Buyer) -> dict[str, Any]:
        data, message = b.latest_button(label)
        return standin.callback_update(b.user, data, message)

    return update


async def nothing(b: Buyer) -> None:
    pass


async def nothing_but_new(b: Buyer) -> None:
    await b.say("/new", "Step 1 of 10")


async def answers_order(b: Buyer) -> None:
    await b.say(ORDER, "Step 2 of 10")


async def answers_other_order(b: Buyer) -> None:
    await b.say(OTHER_ORDER, "Step 2 of 10")


async def answers_item(b: Buyer) -> None:
    await b.say("Desk lamp", "Step 3 of 10")


async def answers_amount(b: Buyer) -> None:
    await b.say("$25", "Step 4 of 10")


async def answers_reason(b: Buyer) -> None:
    await b.press("Package was returned", "When did the seller ship")


async def edits_item(b: Buyer) -> None:
    await b.press("Item", "What is the item?")


async def answers_edited_item(b: Buyer) -> None:
    summary = await b.say("Floor lamp", "Step 14 of 14")
    assert "Floor lamp" in summary.text and "Confirm" in str(summary.buttons)


async def continues_existing(b: Buyer) -> None:
    await b.press("Continue", "Step 2 of 10")
    await answers_item(b)


async def marks_opened(b: Buyer) -> None:
    await b.press("today", "seller must answer")


async def opened_survived(b: Buyer) -> None:
    await b.say(f"/status {ORDER}", "opened, waiting for the seller")


async def to_stage_question(b: Buyer) -> None:
    await to_opened(b)
    await b.say(f"/status {ORDER}", "opened, waiting for the seller")
    await b.press("Seller rejected", "Record it?")


async def stage_survived(b: Buyer) -> None:
    card = await b.say(f"/status {ORDER}", "seller rejected")
    assert "Escalated to AliExpress" in str(card.buttons)


async def mute_survived(b: Buyer) -> None:
    with sqlite3.connect(b.bot.db_path) as conn:
        muted, pending = conn.execute(
            "SELECT d.muted, (SELECT COUNT(*) FROM reminders r WHERE r.dispute_id = d.id "
            "AND r.state = 'pending') FROM disputes d WHERE d.user_id = ?",
            (b.id,),
        ).fetchone()
    assert (muted, pending) == (1, 0)
    await b.press("Unmute", "are on again")


async def to_parked_draft(b: Buyer) -> None:
    """A draft left at step 3 for a new one, then the new one cancelled: /status offers the
    parked draft with "Continue it"."""
    await to_amount_step(b)
    await b.say("/new", "unfinished dispute")
    await b.press("Start a new one", "Step 1 of 10")
    await b.say("/cancel", "Cancelled")
    card = await b.say(f"/status {ORDER}", "Desk lamp")
    assert "Continue it" in str(card.buttons)


async def to_evidence_step(b: Buyer) -> None:
    await to_facts(b)
    await b.press("Skip the rest", "Step 13 of 14")


def photo(b: Buyer) -> dict[str, Any]:
    return standin.photo_update(b.user, "tracking-shot")


async def evidence_survived(b: Buyer) -> None:
    summary = await b.press("Done", "Step 14 of 14")
    assert "1 file" in summary.text


async def watched(b: Buyer) -> None:
    await b.say(f"/status {ORDER}", "watching the protection timer")


async def speaks_russian(b: Buyer) -> None:
    ru = translator("ru")
    await b.say("/help", ru._("open a dispute step by step"))


async def zone_survived(b: Buyer) -> None:
    await b.say("/timezone", "Your time zone is Europe/Berlin")


async def hours_survived(b: Buyer) -> None:
    await b.say("/timezone", "between 10:00 and 23:00")


async def data_gone(b: Buyer) -> None:
    await b.say("/status", "You have no orders with me yet")
    await b.say("$25", NOT_WAITING)


async def draft_gone(b: Buyer) -> None:
    await b.say("$25", NOT_WAITING)
    await b.say("/status", "You have no orders with me yet")


async def to_deletedata_question(b: Buyer) -> None:
    await to_amount_step(b)
    await b.say("/deletedata", "It cannot be undone")


async def to_timezone_menu(b: Buyer) -> None:
    await b.say("/timezone", "When may reminders arrive")


async def to_language_menu(b: Buyer) -> None:
    await b.say("/language", "Choose your language")


async def to_start_menu(b: Buyer) -> None:
    await b.say("/start", "What would you like to do?")


async def to_fresh_offer(b: Buyer) -> None:
    await to_item_step(b)
    await b.say("/new", "unfinished dispute")


async def to_edit_menu(b: Buyer) -> None:
    await to_summary(b)
    await b.press("Edit", "What would you like to change?")


async def to_instructions(b: Buyer) -> None:
    await to_summary(b)
    await b.press("Confirm", "How to open it")


async def to_item_offer(b: Buyer) -> None:
    """A case opened for the order's desk lamp; /new with the same order offers it, or a case
    for another item of the order."""
    await to_opened(b)
    await b.say("/new", "Step 1 of 10")
    await b.say(ORDER, "You already have a case for order")


async def answers_second_item(b: Buyer) -> None:
    await b.say("Blue mug", "Step 3 of 10")


async def to_timer_card(b: Buyer) -> None:
    await to_opened(b)
    await b.say(f"/status {ORDER}", "default: the usual rules")


async def to_timer_question(b: Buyer) -> None:
    await to_timer_card(b)
    await b.press("Enter the seller's timer", "What does the dispute page show")


async def answers_timer(b: Buyer) -> None:
    await b.say("4 d 23 h", "Noted from your page")


async def timer_survived(b: Buyer) -> None:
    with sqlite3.connect(b.bot.db_path) as conn:
        own, step = conn.execute(
            "SELECT own_deadlines, wizard_step FROM disputes WHERE user_id = ?", (b.id,)
        ).fetchone()
    assert (own, step) == ("seller_deadline", None)
    await b.say(f"/status {ORDER}", "from your page")


def mute_update(b: Buyer) -> dict[str, Any]:
    return standin.callback_update(b.user, f"mute:{b.dispute_id()}")


# --- the claim's facts and the negotiation assistant ------------------------------------------
SELLER_SAYS = "Please close the dispute and I will send you a new one. Or take a coupon."


async def answers_tracking_status(b: Buyer) -> None:
    # The tracking number counted: a status now asks for its date, not for a number again.
    await b.say("Arrived at sorting center", "When was that status")


async def skips_evidence(b: Buyer) -> None:
    await b.press("Skip, I have none", "Step 14 of 14")


async def to_card(b: Buyer) -> None:
    await to_opened(b)
    await b.say(f"/status {ORDER}", "opened, waiting for the seller")


async def to_seller_prompt(b: Buyer) -> None:
    await to_card(b)
    await b.press("The seller wrote to me", "the seller's message")


async def to_offer_options(b: Buyer) -> None:
    await to_card(b)
    await b.press("The seller made an offer", "Which option is it?")


async def to_offer_amount(b: Buyer) -> None:
    await to_offer_options(b)
    await b.press("Keep the item, partial refund", "How much does the offer refund")


async def pastes_seller_message(b: Buyer) -> None:
    await b.say(SELLER_SAYS, "Reply to paste")


async def message_read_survived(b: Buyer) -> None:
    await b.say(f"/status {ORDER}", "the seller's message read: 2 tricks found")


async def types_offer_amount(b: Buyer) -> None:
    await b.say("5", "The seller's offer, order")


async def offer_checked_survived(b: Buyer) -> None:
    await b.say(f"/status {ORDER}", "the seller's offer checked")


def forwarded_seller_message(b: Buyer) -> dict[str, Any]:
    return standin.forwarded(standin.text_update(b.user, SELLER_SAYS))


async def to_two_open_cases_and_a_forwarded_message(b: Buyer) -> None:
    await to_opened(b)
    await b.say("/new", "Step 1 of 10")
    await b.say(OTHER_ORDER, "Step 2 of 10")
    await answers_item(b)
    await answers_amount(b)
    await b.say("30", "Step 5 of 10")
    await b.press("No, I did not", "Step 6 of 10")
    await b.press("No tracking", "When did the seller ship")
    await b.press("Skip", "Step 8 of 14")
    await b.say("Tracking has not moved for a month.", "Step 9 of 14")
    await b.press("Skip the rest", "Step 13 of 14")
    await b.press("Skip, I have none", "Step 14 of 14")
    await b.press("Confirm", "How to open it")
    await b.press("today", "seller must answer")
    await b.forward(SELLER_SAYS, "Which order")


async def other_message_read_survived(b: Buyer) -> None:
    await b.say(f"/status {OTHER_ORDER}", "the seller's message read: 2 tricks found")


async def prompt_left(b: Buyer) -> None:
    await b.say(SELLER_SAYS, NOT_WAITING)  # the prompt is over: nothing reads it now


MOVES: dict[str, Move] = {
    "/new": Move(nothing, typed("/new"), "Step 1 of 10", answers_order),
    "menu: open a dispute": Move(
        to_start_menu, pressed("Open a dispute"), "Step 1 of 10", answers_order
    ),
    "/new with a draft: the offer": Move(
        to_item_step, typed("/new"), "unfinished dispute", continues_existing
    ),
    "offer: start a new one": Move(
        to_fresh_offer, pressed("Start a new one"), "Step 1 of 10", answers_other_order
    ),
    "wizard: the order number": Move(nothing_but_new, typed(ORDER), "Step 2 of 10", answers_item),
    "wizard: a typed answer": Move(
        to_item_step, typed("Desk lamp"), "Step 3 of 10", answers_amount
    ),
    "wizard: a button answer": Move(
        to_received_step, pressed("No, I did not"), "Step 6 of 10", answers_reason
    ),
    "wizard: evidence saved": Move(to_evidence_step, photo, "Saved. 1 file", evidence_survived),
    "wizard: just watch the timer": Move(
        to_received_step, pressed("just watch"), "keep an eye on order", watched
    ),
    "wizard: back": Move(to_amount_step, pressed("Back"), "Step 2 of 10", answers_item),
    "/status card: continue it": Move(
        to_parked_draft, pressed("Continue it"), "Step 3 of 10", answers_amount
    ),
    "summary: edit": Move(
        to_summary, pressed("Edit"), "What would you like to change?", edits_item
    ),
    "edit: pick a field": Move(
        to_edit_menu, pressed("Item"), "What is the item?", answers_edited_item
    ),
    "summary: confirm": Move(to_summary, pressed("Confirm"), "How to open it", marks_opened),
    "instructions: opened today": Move(
        to_instructions, pressed("today"), "seller must answer", opened_survived
    ),
    "card: a lifecycle move": Move(
        to_stage_question, pressed("Yes, record it"), "✅ Seller rejected", stage_survived
    ),
    "reminder: mute": Move(to_opened, mute_update, "are off", mute_survived),
    "offer: another item of this order": Move(
        to_item_offer,
        pressed("Another item of this order"),
        "A new case for another item",
        answers_second_item,
    ),
    "card: enter the page's timer": Move(
        to_card,
        pressed("Enter the seller's timer"),
        "What does the dispute page show",
        answers_timer,
    ),
    "timer: what the page shows": Move(
        to_timer_question, typed("4 d 23 h"), "Noted from your page", timer_survived
    ),
    "/cancel": Move(to_amount_step, typed("/cancel"), "Cancelled", draft_gone),
    "/language": Move(to_language_menu, pressed("Русский"), "по-русски", speaks_russian),
    "/timezone Area/City": Move(
        nothing, typed("/timezone Europe/Berlin"), "Done: your time zone", zone_survived
    ),
    "/timezone: waking hours": Move(
        to_timezone_menu, pressed("10:00"), "Done: reminders will come", hours_survived
    ),
    "/deletedata": Move(
        to_deletedata_question, pressed("Yes, delete"), "deleted all your data", data_gone
    ),
    "wizard: a fact for the English text": Move(
        to_facts,
        typed("LP00123456789"),
        "What is the last tracking status",
        answers_tracking_status,
    ),
    "wizard: skip the rest of the facts": Move(
        to_facts, pressed("Skip the rest"), "Step 13 of 14", skips_evidence
    ),
    "card: the seller wrote to me": Move(
        to_card, pressed("The seller wrote to me"), "the seller's message", pastes_seller_message
    ),
    "the seller's message read": Move(
        to_seller_prompt, typed(SELLER_SAYS), "Reply to paste", message_read_survived
    ),
    "a seller's message forwarded outside any prompt": Move(
        to_opened, forwarded_seller_message, "Reply to paste", message_read_survived
    ),
    "offer: a partial option asks its amount": Move(
        to_offer_options,
        pressed("Keep the item, partial refund"),
        "How much does the offer refund",
        types_offer_amount,
    ),
    "offer: checked": Move(
        to_offer_amount, typed("5"), "The seller's offer, order", offer_checked_survived
    ),
    "offer: a full refund is checked at once": Move(
        to_offer_options,
        pressed("Keep the item, full refund"),
        "The seller's offer, order",
        offer_checked_survived,
    ),
    "prompt: back to the card": Move(
        to_seller_prompt, pressed("Back to the card"), "opened, waiting for the seller", prompt_left
    ),
    "a forwarded message: the order picked": Move(
        to_two_open_cases_and_a_forwarded_message,
        pressed(OTHER_ORDER[-8:]),
        "Reply to paste",
        other_message_read_survived,
    ),
}


def replied(b: Buyer, move: Move) -> Callable[[str, dict[str, Any]], bool]:
    """The call that shows `b` the reply `move` is about."""
    return lambda method, params: (
        method in ("sendMessage", "editMessageText")
        and params.get("chat_id") == b.id
        and move.reply in str(params.get("text"))
    )


async def every_move_through_one_kill(db_path: Path) -> dict[str, str]:
    """Each move by its own buyer of one bot process. Every reply is held at the stand-in,
    unanswered, until all have arrived; then the bot is SIGKILLed, started again, and each
    buyer answers the reply they saw. One kill for every move, each exactly as if the kill
    had come at its own reply: a held call never returns, so nothing after it runs."""
    outcome = dict.fromkeys(MOVES, "not reached")
    async with StandinServer(FakeBotApi()) as server:
        api = server.api
        bot = BotProcess(server, db_path)
        buyers = {
            name: Buyer(api, bot, standin.user(4300 + i, "en")) for i, name in enumerate(MOVES)
        }
        await bot.start()
        try:
            for name, move in MOVES.items():
                try:
                    await move.setup(buyers[name])
                except Exception as error:  # one broken setup must not hide the other moves
                    outcome[name] = f"setup failed: {error!r}"
            ready = [name for name in MOVES if outcome[name] == "not reached"]
            arrived: set[str] = set()
            all_in = asyncio.Event()

            async def hold(name: str) -> None:
                arrived.add(name)
                if arrived == set(ready):
                    await bot.kill9()
                    all_in.set()
                await all_in.wait()

            for name in ready:
                api.trap(replied(buyers[name], MOVES[name]), functools.partial(hold, name))
                api.push_update(MOVES[name].update(buyers[name]))
            try:
                await asyncio.wait_for(all_in.wait(), 30)
            except TimeoutError:
                for name in set(ready) - arrived:
                    outcome[name] = "its reply never reached the stand-in"
                await bot.kill9()
                all_in.set()
            assert not bot.alive

            await bot.start()
            for name in sorted(arrived, key=list(MOVES).index):
                try:
                    await MOVES[name].after(buyers[name])
                    outcome[name] = "ok"
                except Exception as error:
                    outcome[name] = f"after the restart: {error!r}"
        finally:
            if bot.alive:
                await bot.kill9()
            api._updates_event.set()  # end the stand-in's pending long polls
    return outcome


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Run once for the module: one kill serves every move (about 2 s a move otherwise)."""
    return asyncio.run(every_move_through_one_kill(tmp_path_factory.mktemp("durable") / "db"))


@pytest.mark.parametrize("name", list(MOVES))
def test_a_reply_the_buyer_saw_survives_kill_9(name: str, outcomes: dict[str, str]) -> None:
    assert outcomes[name] == "ok", outcomes[name]
