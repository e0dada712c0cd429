"""The dispute wizard: one persistent ConversationHandler, steps 1 to 12 of PRODUCT.md.

Design
------
The dispute row is the source of truth. Its `wizard_step` says where the buyer is
(`"amount"`, or `"amount+e"` while editing one field from the summary); the conversation
state mirrors it only to route updates to this handler. Each answer is validated by the pure
domain code, then the dispute, its conversation state and an event are written in ONE
transaction, and only then does the bot reply: once the buyer sees the next question, their
answer survives `kill -9`.

Durability rule (see bot/handlers/__init__.py): the conversation state a handler returns must
already be in the `conversations` table when the reply goes out. PTB's ConversationHandler
keeps it in memory and its persistence writes it only later (`update_persistence`), so a
`kill -9` after the reply would lose it and the buyer's answer would reach no step. `_persist`
writes it with the dispute; a move without a dispute row (step 1 after /new, the "continue or
start a new one" offer) writes it with `_save_state` first.

Every state shares the same four handlers (text, button, media, anything else); the step
table below decides what each means. Buttons carry `w:<dispute id>:<step>:<value>` and are
checked against the buyer's own current draft and step on every press, so an old button, a
button from another dispute, or forged data is "out of date", never acted on.

```mermaid
stateDiagram-v2
    [*] --> order: /new
    order --> item
    item --> amount: title or Skip
    amount --> protection
    protection --> received: days, date or "I don't know"
    received --> reason
    reason --> confirmed: received
    confirmed --> confirmed_at: Yes
    confirmed --> refund: No
    confirmed_at --> refund
    reason --> shipped: not received
    shipped --> description: date or Skip (full refund only)
    refund --> partial: partial options
    refund --> description: full options
    partial --> description
    description --> evidence
    evidence --> summary: Done
    summary --> edit: Edit
    edit --> order: pick a field (then back to summary)
    summary --> opened: Confirm (instructions)
    opened --> opened_at: another date
    opened --> [*]: today / later
    opened_at --> [*]
    summary --> [*]: Cancel
```
"""

from __future__ import annotations

import asyncio
import html
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import BotContext
from bot.domain import claim, eligibility, lifecycle, parsing
from bot.domain.models import (
    Branch,
    Dispute,
    Event,
    EvidenceKind,
    RefundOption,
    Stage,
    reasons_for,
    refund_options_for,
)
from bot.domain.rules import Rules
from bot.handlers import messages
from bot.handlers.cases import save_case
from bot.handlers.common import stale_button
from bot.handlers.texts import branch_label, evidence_checklist, reason_label, refund_label
from bot.i18n import Translator, default_currency
from bot.keyboards import button, callback, parse_callback, parse_id
from bot.storage.repositories import ConversationWrite, write_conversation

log = logging.getLogger(__name__)

CONVERSATION = "wizard"
NAMESPACE = "w"
EDIT_SUFFIX = "+e"
TOTAL_STEPS = 10
MAX_EVIDENCE = 30  # AliExpress's form takes a handful; 30 covers any real case with room

# Steps, in the order a buyer meets them. `number` is what "Step N of 10" shows.
ORDER, ITEM, AMOUNT, PROTECTION, RECEIVED = "order", "item", "amount", "protection", "received"
REASON, CONFIRMED, CONFIRMED_AT, REFUND, PARTIAL = (
    "reason",
    "confirmed",
    "confirmed_at",
    "refund",
    "partial",
)
DESCRIPTION, EVIDENCE, SUMMARY, EDIT = "description", "evidence", "summary", "edit"
OPENED, OPENED_AT, EXISTING = "opened", "opened_at", "existing"
SHIPPED = "shipped"  # not-received branch: when the seller shipped (optional)

STEP_NUMBER = {
    ORDER: 1,
    ITEM: 2,
    AMOUNT: 3,
    PROTECTION: 4,
    RECEIVED: 5,
    REASON: 6,
    SHIPPED: 6,
    CONFIRMED: 6,
    CONFIRMED_AT: 6,
    REFUND: 7,
    PARTIAL: 7,
    DESCRIPTION: 8,
    EVIDENCE: 9,
    SUMMARY: 10,
    EDIT: 10,
}
ALL_STEPS = (*STEP_NUMBER, OPENED, OPENED_AT, EXISTING)
# Fields the buyer can change from the summary, and the step that asks for each.
EDITABLE = (
    ORDER,
    ITEM,
    AMOUNT,
    PROTECTION,
    RECEIVED,
    REASON,
    SHIPPED,
    CONFIRMED,
    REFUND,
    PARTIAL,
    DESCRIPTION,
    EVIDENCE,
)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a buyer is: the step, and whether they came from the summary to edit it."""

    step: str
    editing: bool = False

    @classmethod
    def parse(cls, value: str | None) -> Position:
        if not value:
            return cls(ORDER)
        step, _, flag = value.partition("+")
        return cls(step if step in ALL_STEPS else SUMMARY, editing=bool(flag))

    def __str__(self) -> str:
        return self.step + (EDIT_SUFFIX if self.editing else "")


class Stay(Exception):
    """The answer was not accepted: tell the buyer why and keep them where they are."""

    def __init__(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.keyboard = keyboard


@dataclass
class Turn:
    """One update's worth of wizard context: who, where, and how to talk back."""

    update: Update
    context: BotContext
    draft: Dispute | None
    pos: Position

    @property
    def t(self) -> Translator:
        return self.context.t

    @property
    def user_id(self) -> int:
        assert self.update.effective_user is not None
        return self.update.effective_user.id

    @property
    def chat_id(self) -> int:
        assert self.update.effective_chat is not None
        return self.update.effective_chat.id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.context.timezone)

    @property
    def rules(self) -> Rules:
        """The deadline rules in force (the built-in table with DISPUTE_RULES applied)."""
        return self.context.services.rules

    def now(self) -> datetime:
        return self.context.now()


# --- loading and saving ------------------------------------------------------------------------
async def current_draft(context: BotContext, user_id: int) -> Dispute | None:
    """The buyer's dispute that is in the wizard, if any (at most one at a time)."""
    candidates = [
        d
        for d in await context.db.disputes.list_for_user(user_id, include_closed=False)
        if d.wizard_step is not None
    ]
    return max(candidates, key=lambda d: d.updated_at or d.created_at or datetime.min, default=None)


def _conversation(turn: Turn, state: str | None) -> ConversationWrite:
    return ConversationWrite(CONVERSATION, (turn.chat_id, turn.user_id), state)


async def _persist(
    turn: Turn,
    d: Dispute,
    pos: Position | None,
    event: str,
    detail: dict[str, object] | None = None,
    *,
    awaiting: Position | None = None,
) -> Dispute:
    """Write the answer, the new position and an event in one transaction, BEFORE replying.

    The conversation state written is `pos` (None: the wizard is left), or `awaiting` when the
    buyer leaves `d` for another step outside it (step 1 of a new dispute)."""
    d = replace(d, wizard_step=str(pos) if pos else None)
    ev = Event(dispute_id=d.id or 0, at=turn.now(), actor="buyer", kind=event, detail=detail or {})
    state = awaiting or pos
    conversation = _conversation(turn, str(state) if state else None)
    previous = turn.draft if d.id is not None else None
    return await save_case(turn.context, d, previous=previous, event=ev, conversation=conversation)


async def _save_state(turn: Turn, state: str | None) -> None:
    """Commit the conversation state alone (no dispute row changes), BEFORE replying."""
    write = _conversation(turn, state)
    await turn.context.db.run(lambda conn: write_conversation(conn, write))


# --- prompts -----------------------------------------------------------------------------------
def _nav(
    turn: Turn, d: Dispute | None, step: str, *, back: bool = True
) -> list[InlineKeyboardButton]:
    did = d.id if d and d.id else 0
    row = []
    if back and step != ORDER:
        row.append(button("⬅️ " + turn.t._("Back"), NAMESPACE, did, step, "back"))
    row.append(button("✖️ " + turn.t._("Cancel"), NAMESPACE, did, step, "cancel"))
    return row


def _choice(
    turn: Turn, d: Dispute | None, step: str, label: str, value: str
) -> InlineKeyboardButton:
    did = d.id if d and d.id else 0
    return button(label, NAMESPACE, did, step, value)


def _header(turn: Turn, step: str) -> str:
    number = STEP_NUMBER.get(step)
    if number is None:
        return ""
    return "<i>" + turn.t._("Step %(n)s of %(total)s", n=number, total=TOTAL_STEPS) + "</i>\n"


def prompt(turn: Turn, d: Dispute | None, pos: Position) -> tuple[str, InlineKeyboardMarkup]:
    """The question for a step, with its buttons, Back and Cancel."""
    t, step = turn.t, pos.step
    rows: list[list[InlineKeyboardButton]] = []
    body: str
    if step == ORDER:
        body = t._(
            "Send the AliExpress order number. You'll find it on the order page (Orders → "
            "the order → Order ID); you can paste it as it is, e.g. "
            "<code>8123 4567 8901 2345</code>."
        )
    elif step == ITEM:
        body = t._(
            "What is the item? A short title helps you tell your orders apart, e.g. "
            "<i>Bluetooth headphones</i>. If there's only one item in the order, you can skip this."
        )
        rows.append([_choice(turn, d, step, t._("Skip"), "skip")])
    elif step == AMOUNT:
        currency = default_currency(t.language)
        body = t._(
            "How much did you actually pay for this item, shipping included, after all "
            "discounts? It's on the order page.\n\nSend the amount, e.g. <code>12.50</code>. "
            "I'll take it as %(currency)s unless you write another currency: "
            "<code>11.73 USD</code>, <code>€9.99</code>, <code>1 234,56 ₽</code>.",
            currency=currency,
        )
    elif step == PROTECTION:
        body = t._(
            "How long is buyer protection still running? The order page shows a countdown "
            "(AliExpress counts it in Pacific time, PST).\n\nSend the days left, e.g. "
            "<code>23</code>, or the end date, e.g. <code>15.12.2026</code>."
        )
        rows.append([_choice(turn, d, step, t._("I don't know"), "unknown")])
    elif step == RECEIVED:
        body = t._("Did you receive the item?")
        rows.append(
            [
                _choice(turn, d, step, branch_label(t, Branch.RECEIVED), Branch.RECEIVED),
                _choice(turn, d, step, branch_label(t, Branch.NOT_RECEIVED), Branch.NOT_RECEIVED),
            ]
        )
        if d is not None and d.protection_end is not None and not pos.editing:
            # Not a problem yet: keep the order and its protection reminders, no dispute.
            rows.append(
                [
                    _choice(
                        turn,
                        d,
                        step,
                        "⏰ " + t._("Not yet, just watch the protection timer"),
                        "track",
                    )
                ]
            )
    elif step == REASON:
        assert d is not None and d.branch is not None
        body = t._("What is the problem? Pick the closest one; you'll describe the details later.")
        rows.extend([_choice(turn, d, step, reason_label(t, r), r)] for r in reasons_for(d.branch))
    elif step == SHIPPED:
        body = t._(
            "When did the seller ship the order? The order page shows the shipping date. Send "
            "the date, e.g. <code>10.11.2026</code>, or <code>12 days ago</code>. If you "
            "don't know, skip this."
        )
        rows.append([_choice(turn, d, step, t._("Skip"), "skip")])
    elif step == CONFIRMED:
        body = t._(
            'Did you confirm receipt of this order on AliExpress (the "Confirm receipt" '
            "button)? After confirming, a dispute can be opened for about %(window)s more.",
            window=t.duration(turn.rules.receipt_confirmation_window),
        )
        rows.append(
            [
                _choice(turn, d, step, t._("Yes, I confirmed"), "yes"),
                _choice(turn, d, step, t._("No, not yet"), "no"),
            ]
        )
    elif step == CONFIRMED_AT:
        body = t._(
            "When did you confirm receipt? Send the date, e.g. <code>15.11.2026</code>, or "
            "<code>3 days ago</code>."
        )
        rows.append(
            [
                _choice(turn, d, step, t._("Today"), "today"),
                _choice(turn, d, step, t._("Yesterday"), "yesterday"),
            ]
        )
    elif step == REFUND:
        body = t._(
            "What do you ask for?\n\nMost buyers keep the item: a return is shipped at your "
            "own cost (to China often about $20, more than many items are worth) and has to "
            "be posted within about %(window)s of the seller agreeing.",
            window=t.duration(turn.rules.return_post_window),
        )
        assert d is not None and d.branch is not None
        rows.extend(
            [_choice(turn, d, step, refund_label(t, o), o)] for o in refund_options_for(d.branch)
        )
    elif step == PARTIAL:
        assert d is not None and d.amount_paid is not None
        body = t._(
            "How much do you ask back? It must be more than zero and less than the %(paid)s "
            "you paid, e.g. <code>5</code>.",
            paid=t.money(d.amount_paid),
        )
    elif step == DESCRIPTION:
        body = t._(
            "Describe the problem in your own words, in any language: what you ordered, what "
            "you got (or what happened to the parcel), and what is wrong. Two or three "
            "sentences are enough."
        )
        if d is not None and d.branch is Branch.NOT_RECEIVED:
            body = (
                t._(
                    "For a parcel that did not arrive, AliExpress offers only one option: a full "
                    "refund, no return. I've chosen it for you."
                )
                + "\n\n"
                + body
            )
    elif step == EVIDENCE:
        assert d is not None
        items = "\n".join("• " + line for line in evidence_checklist(t, d.reason))
        body = (
            t._(
                "Now send the evidence: photos, videos, screenshots, as many as you need. "
                "What helps most for this reason:"
            )
            + "\n"
            + items
            + "\n\n"
            + t._(
                "AliExpress accepts photos as JPG, PNG, BMP or GIF up to 2 MB each, and videos "
                "up to 500 MB. When you're done, press Done."
            )
        )
        done = _choice(turn, d, step, "✅ " + t._("Done"), "done")
        if d.branch is Branch.NOT_RECEIVED:
            rows.append([done, _choice(turn, d, step, t._("Skip, I have none"), "done")])
        else:
            rows.append([done])
    elif step == EDIT:
        assert d is not None
        body = t._("What would you like to change?")
        labels = {
            ORDER: t._("Order number"),
            ITEM: t._("Item"),
            AMOUNT: t._("Amount paid"),
            PROTECTION: t._("Buyer protection"),
            RECEIVED: t._("Received or not"),
            REASON: t._("Reason"),
            SHIPPED: t._("Shipping date"),
            CONFIRMED: t._("Receipt confirmation"),
            REFUND: t._("Refund option"),
            PARTIAL: t._("Partial amount"),
            DESCRIPTION: t._("Description"),
            EVIDENCE: t._("Evidence"),
        }
        fields = [s for s in EDITABLE if _applies(s, d)]
        buttons = [_choice(turn, d, step, labels[s], s) for s in fields]
        rows.extend(buttons[i : i + 2] for i in range(0, len(buttons), 2))
        rows.append([_choice(turn, d, step, "⬅️ " + t._("Back to the summary"), "back")])
        return _header(turn, step) + body, InlineKeyboardMarkup(rows)
    elif step == OPENED_AT:
        body = t._(
            "When did you open it on AliExpress? Send the date, e.g. <code>20.11.2026</code>, "
            "or <code>2 days ago</code>."
        )
        rows.append([_choice(turn, d, step, t._("Yesterday"), "yesterday")])
    else:  # pragma: no cover - every step above has a prompt; SUMMARY/OPENED build their own
        raise ValueError(step)
    if pos.editing and step not in (EDIT,):
        rows.append([_choice(turn, d, step, "⬅️ " + t._("Back to the summary"), "back")])
        rows.append([_choice(turn, d, step, "✖️ " + t._("Cancel"), "cancel")])
    else:
        rows.append(_nav(turn, d, step))
    return _header(turn, step) + body, InlineKeyboardMarkup(rows)


def _applies(step: str, d: Dispute) -> bool:
    """Whether a step is part of this dispute's path (branch- and option-dependent steps)."""
    if step in (CONFIRMED, CONFIRMED_AT):
        return d.branch is Branch.RECEIVED
    if step == SHIPPED:
        return d.branch is Branch.NOT_RECEIVED
    if step == REFUND:
        return d.branch is Branch.RECEIVED
    if step == PARTIAL:
        return d.refund_option is not None and d.refund_option.is_partial
    return True


_ORDER_OF_STEPS = (
    ORDER,
    ITEM,
    AMOUNT,
    PROTECTION,
    RECEIVED,
    REASON,
    SHIPPED,
    CONFIRMED,
    CONFIRMED_AT,
    REFUND,
    PARTIAL,
    DESCRIPTION,
    EVIDENCE,
    SUMMARY,
)


def _next_step(step: str, d: Dispute) -> str:
    index = _ORDER_OF_STEPS.index(step)
    for candidate in _ORDER_OF_STEPS[index + 1 :]:
        if candidate == CONFIRMED_AT and not d.receipt_confirmed:
            continue
        if _applies(candidate, d):
            return candidate
    return SUMMARY


def _previous_step(step: str, d: Dispute) -> str:
    index = _ORDER_OF_STEPS.index(step) if step in _ORDER_OF_STEPS else len(_ORDER_OF_STEPS) - 1
    for candidate in reversed(_ORDER_OF_STEPS[:index]):
        if candidate == CONFIRMED_AT and not d.receipt_confirmed:
            continue
        if _applies(candidate, d):
            return candidate
    return ORDER


def _missing_step(d: Dispute) -> str | None:
    """The first required answer the dispute lacks (after an edit changed what it depends on)."""
    if d.branch is None:
        return RECEIVED
    if d.reason is None or d.reason.branch is not d.branch:
        return REASON
    if d.branch is Branch.RECEIVED and d.receipt_confirmed is None:
        return CONFIRMED
    if d.receipt_confirmed and d.receipt_confirmed_at is None:
        return CONFIRMED_AT
    if d.refund_option is None:
        return REFUND
    if d.refund_option.is_partial and d.refund_amount is None:
        return PARTIAL
    if d.description is None:
        return DESCRIPTION
    return None


def resumable(d: Dispute) -> bool:
    """A case the wizard can take up again: not yet opened on AliExpress."""
    return d.stage in (Stage.DRAFT, Stage.READY)


def resume_position(d: Dispute) -> Position:
    """Where to pick a case up: its saved step, or, for a parked one, the first gap."""
    if d.wizard_step is not None:
        return Position.parse(d.wizard_step)
    if d.stage is Stage.READY:
        return Position(OPENED)
    if d.amount_paid is None:
        return Position(AMOUNT)
    return Position(_missing_step(d) or SUMMARY)


def _after(step: str, d: Dispute, editing: bool) -> Position:
    """Where an accepted answer leads: on, or back to the summary when editing."""
    if editing:
        missing = _missing_step(d)
        if missing is not None:
            return Position(missing, editing=True)
        return Position(SUMMARY)
    return Position(_next_step(step, d))


# --- summary and instructions --------------------------------------------------------------------
def _claim_en(d: Dispute, evidence_count: int) -> str:
    english = Translator("en")
    return claim.build_claim(
        d, english.gettext_func(), english.money, evidence_count=evidence_count
    )


def _claim_local(t: Translator, d: Dispute, evidence_count: int) -> str:
    return claim.build_claim(d, t.gettext_func(), t.money, evidence_count=evidence_count)


async def summary_card(turn: Turn, d: Dispute) -> tuple[str, InlineKeyboardMarkup]:
    t = turn.t
    count = await turn.context.db.evidence.count(d.id or 0)
    text = messages.dispute_card(t, d, turn.tz, turn.now(), evidence_count=count)
    english = _claim_en(d, count)
    text += (
        "\n\n<b>"
        + t._("Text for AliExpress (English):")
        + "</b>\n<code>"
        + html.escape(english)
        + "</code>"
    )
    if t.language != "en":
        text += "\n\n<b>" + t._("What it says:") + "</b>\n" + html.escape(_claim_local(t, d, count))
    warnings = eligibility.eligibility_warnings(
        d, turn.now(), shipped_at=d.shipped_at, rules=turn.rules
    )
    if warnings:
        text += "\n\n" + "\n".join(
            "⚠️ " + messages.eligibility_text(t, w, turn.rules) for w in warnings
        )
    keyboard = InlineKeyboardMarkup(
        [
            [_choice(turn, d, SUMMARY, "✅ " + t._("Confirm"), "confirm")],
            [
                _choice(turn, d, SUMMARY, "✏️ " + t._("Edit"), "edit"),
                _choice(turn, d, SUMMARY, "✖️ " + t._("Cancel"), "cancel"),
            ],
        ]
    )
    return _header(turn, SUMMARY) + text, keyboard


async def instructions(turn: Turn, d: Dispute) -> tuple[str, InlineKeyboardMarkup]:
    t = turn.t
    count = await turn.context.db.evidence.count(d.id or 0)
    text = messages.aliexpress_instructions(t, d, _claim_en(d, count), count, turn.rules)
    keyboard = InlineKeyboardMarkup(
        [
            [
                _choice(
                    turn, d, OPENED, "✅ " + t._("I have opened it on AliExpress today"), "today"
                )
            ],
            [_choice(turn, d, OPENED, "📅 " + t._("I opened it on another date"), "other")],
            [_choice(turn, d, OPENED, "⏳ " + t._("Later"), "later")],
        ]
    )
    if count:
        keyboard = InlineKeyboardMarkup(
            [
                *keyboard.inline_keyboard,
                [_choice(turn, d, OPENED, "🖼 " + t._("Send my evidence back to me"), "files")],
            ]
        )
    return text, keyboard


async def render(turn: Turn, d: Dispute | None, pos: Position) -> tuple[str, InlineKeyboardMarkup]:
    if pos.step == SUMMARY:
        assert d is not None
        return await summary_card(turn, d)
    if pos.step == OPENED:
        assert d is not None
        return await instructions(turn, d)
    return prompt(turn, d, pos)


# --- replying ----------------------------------------------------------------------------------
async def _reply(
    turn: Turn,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    chosen: str | None = None,
    old: str = "replace",
) -> None:
    """Show `text`. For a button press, `old` says what becomes of the pressed message:

    - "replace": it turns into the next question, headed by the answer ("✓ No"). One chat
      message per run of buttons, and one Bot API call fewer than sending a new one.
    - "retire": it stays as it was, its buttons swapped for "✓ answer", and `text` is sent
      as a new message: for content worth keeping in the chat (the summary, the instructions).
    - "keep": it stays untouched (its buttons still work) and `text` is sent below it: for
      an answer that was not accepted.
    A typed answer always gets a new message.
    """
    bot = turn.context.bot
    query = turn.update.callback_query
    pressed = query.message if query is not None else None
    if query is None or not isinstance(pressed, Message) or pressed.text is None:
        jobs: list[Awaitable[Any]] = [bot.send_message(turn.chat_id, text, reply_markup=keyboard)]
        if query is not None:
            jobs.append(query.answer())
        await asyncio.gather(*jobs)
        return
    mark = "✓ " + html.escape(chosen) if chosen else ""
    if old == "replace":
        replaced, _ = await asyncio.gather(
            _edit(pressed, (mark + "\n\n" if mark else "") + text, keyboard), query.answer()
        )
        if not replaced:  # too old to edit: the question still has to reach the buyer
            await bot.send_message(turn.chat_id, text, reply_markup=keyboard)
        return
    jobs = [bot.send_message(turn.chat_id, text, reply_markup=keyboard), query.answer()]
    if old == "retire":
        jobs.append(_edit(pressed, pressed.text_html + ("\n\n" + mark if mark else ""), None))
    await asyncio.gather(*jobs)


async def _edit(message: Message, text: str, keyboard: InlineKeyboardMarkup | None) -> bool:
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except BadRequest:  # too old to edit, deleted, or unchanged
        log.debug("could not edit a prompt", exc_info=True)
        return False
    return True


async def _go(
    turn: Turn,
    d: Dispute | None,
    pos: Position,
    event: str,
    detail: dict[str, object] | None = None,
    *,
    chosen: str | None = None,
    notice: str | None = None,
) -> str:
    """Persist the move, then show the next step. Returns the conversation state."""
    if d is not None:
        d = await _persist(turn, d, pos, event, detail)
    text, keyboard = await render(turn, d, pos)
    if notice:
        text = notice + "\n\n" + text
    # The summary stays in the chat when the instructions follow it.
    await _reply(
        turn, text, keyboard, chosen=chosen, old="retire" if pos.step == OPENED else "replace"
    )
    return str(pos)


async def _stay(turn: Turn, error: Stay) -> None:
    await _reply(turn, error.text, error.keyboard, old="keep")


# --- entry points --------------------------------------------------------------------------------
async def _turn(update: Update, context: BotContext) -> Turn:
    assert update.effective_user is not None
    draft = await current_draft(context, update.effective_user.id)
    pos = Position.parse(draft.wizard_step) if draft else Position(ORDER)
    return Turn(update, context, draft, pos)


async def new(update: Update, context: BotContext) -> str | int | None:
    """/new or the main-menu button: start, or offer to continue the unfinished one."""
    turn = await _turn(update, context)
    t = turn.t
    if update.callback_query:
        await update.callback_query.answer()
    if turn.draft is not None:
        d = turn.draft
        text = t._(
            "You have an unfinished dispute for order %(order)s. Continue where you left off, "
            "or start a new one? (The unfinished one stays in /status.)",
            order=d.order_id,
        )
        keyboard = InlineKeyboardMarkup(
            [
                [_choice(turn, d, EXISTING, "▶️ " + t._("Continue"), "continue")],
                [_choice(turn, d, EXISTING, "🆕 " + t._("Start a new one"), "fresh")],
            ]
        )
        # Entered from outside the conversation, the offer's buttons route only once the
        # conversation state is stored: first the state, then the offer.
        await _save_state(turn, str(turn.pos))
        await context.bot.send_message(turn.chat_id, text, reply_markup=keyboard)
        return str(turn.pos)
    await context.db.users.ensure(turn.user_id)
    # No dispute exists yet: only the conversation state records that we await an order
    # number, and it must be stored before the buyer sees "Step 1 of 10".
    await _save_state(turn, ORDER)
    text, keyboard = prompt(turn, None, Position(ORDER))
    await context.bot.send_message(turn.chat_id, text, reply_markup=keyboard)
    return ORDER


async def on_text(update: Update, context: BotContext) -> str | int | None:
    turn = await _turn(update, context)
    message = update.effective_message
    assert message is not None
    text = message.text or ""
    handler = _TEXT_STEPS.get(turn.pos.step)
    try:
        if handler is None:
            raise Stay(_expects_button(turn))
        return await handler(turn, text)
    except parsing.ParseError as error:
        await _stay(turn, Stay(messages.parse_error_text(turn.t, error)))
    except Stay as stay:
        await _stay(turn, stay)
    return None


async def on_button(update: Update, context: BotContext) -> str | int | None:
    query = update.callback_query
    assert query is not None
    turn = await _turn(update, context)
    fields = parse_callback(query.data, NAMESPACE, 3)
    if fields is None:
        return await _stale(turn)
    dispute_id, step, value = fields
    expected_id = str(turn.draft.id) if turn.draft else "0"
    # EXISTING is the "continue or start anew?" offer, answerable from any step of the draft.
    if dispute_id != expected_id or (step != turn.pos.step and step != EXISTING):
        return await _stale(turn)
    if value == "cancel":
        return await _cancel(turn)
    if value == "back":
        return await _back(turn)
    handler = _BUTTON_STEPS.get(step)
    if handler is None:
        return await _stale(turn)
    try:
        return await handler(turn, value)
    except parsing.ParseError as error:
        await _stay(turn, Stay(messages.parse_error_text(turn.t, error)))
    except Stay as stay:
        await _stay(turn, stay)
    return None


async def on_media(update: Update, context: BotContext) -> str | int | None:
    turn = await _turn(update, context)
    if turn.pos.step != EVIDENCE or turn.draft is None:
        await _stay(turn, Stay(_expects_for_step(turn)))
        return None
    return await _evidence(turn)


async def on_other(update: Update, context: BotContext) -> str | int | None:
    """Stickers, voice, locations, contacts...: say what this step expects instead."""
    turn = await _turn(update, context)
    if turn.pos.step == EVIDENCE:
        await _stay(
            turn,
            Stay(
                turn.t._(
                    "I can only keep photos and videos as evidence. Send a photo or video, "
                    "or press "
                    "Done."
                )
            ),
        )
    else:
        await _stay(turn, Stay(_expects_for_step(turn)))
    return None


async def on_edited(update: Update, context: BotContext) -> None:
    """An edited answer is ambiguous (which step did it answer?): ask for a new message."""
    turn = await _turn(update, context)
    await _stay(
        turn,
        Stay(
            turn.t._("I don't read edited messages: please send the answer again as a new message.")
        ),
    )


async def cancel_command(update: Update, context: BotContext) -> int:
    turn = await _turn(update, context)
    return await _cancel(turn)


async def _stale(turn: Turn) -> str | None:
    """Answer a button that no longer fits; the conversation stays where it is (None)."""
    query = turn.update.callback_query
    if query is not None:
        await stale_button(turn.update, turn.context)
    return None


def _expects_button(turn: Turn) -> str:
    return turn.t._("Please choose one of the buttons above, or send /cancel to stop.")


def _expects_for_step(turn: Turn) -> str:
    t, step = turn.t, turn.pos.step
    if step in _TEXT_STEPS and step not in _BUTTON_STEPS:
        return t._(
            "Please answer with a text message: %(what)s", what=messages.step_expects(t, step)
        )
    if step in _TEXT_STEPS:
        return t._(
            "Please send a text message or use the buttons: %(what)s",
            what=messages.step_expects(t, step),
        )
    return _expects_button(turn)


# --- step handlers: text ------------------------------------------------------------------------
async def _order(turn: Turn, text: str) -> str | None:
    order_id = parsing.parse_order_id(text)
    existing = await turn.context.db.disputes.find_active(turn.user_id, order_id)
    d = turn.draft
    if existing is not None and (d is None or existing.id != d.id):
        return await _offer_existing(turn, existing)
    if d is None:
        if turn.context.buyer.language is None:
            # Reminders reach the buyer later, outside any update: fix the language they
            # are talking in now, or those would fall back to English.
            await turn.context.db.users.set_language(turn.user_id, turn.t.language)
            turn.context.buyer.language = turn.t.language
        d = Dispute(user_id=turn.user_id, order_id=order_id, created_at=turn.now())
        return await _go(turn, d, Position(ITEM), "created", {"order": order_id})
    d = replace(d, order_id=order_id)
    return await _go(
        turn, d, _after(ORDER, d, turn.pos.editing), "answer", {"field": "order", "value": order_id}
    )


async def _offer_existing(turn: Turn, existing: Dispute) -> str | None:
    t = turn.t
    text = t._(
        "You already have a case for order %(order)s (%(stage)s). I keep one active dispute "
        "per order, so let's continue that one.",
        order=existing.order_id,
        stage=messages.stage_text(t, existing),
    )
    rows = []
    if resumable(existing):
        rows.append([button("▶️ " + t._("Continue it"), "wx", existing.id or 0, "continue")])
    rows.append([button("📋 " + t._("Show its status"), "st", existing.id or 0)])
    await _reply(turn, text, InlineKeyboardMarkup(rows), old="keep")
    return None


async def _item(turn: Turn, text: str) -> str | None:
    assert turn.draft is not None
    d = replace(turn.draft, item_title=parsing.parse_item_title(text))
    return await _go(turn, d, _after(ITEM, d, turn.pos.editing), "answer", {"field": "item"})


async def _amount(turn: Turn, text: str) -> str | None:
    assert turn.draft is not None
    paid = parsing.parse_amount(text, default_currency(turn.t.language))
    d = replace(turn.draft, amount_paid=paid)
    notice = None
    if d.refund_amount is not None and (
        d.refund_amount.currency != paid.currency or d.refund_amount.minor >= paid.minor
    ):
        # The partial amount no longer fits what was paid: ask for it again.
        d = replace(d, refund_amount=None)
        notice = turn.t._("The partial amount no longer fits the new price; please enter it again.")
    return await _go(
        turn,
        d,
        _after(AMOUNT, d, turn.pos.editing),
        "answer",
        {"field": "amount", "minor": paid.minor, "currency": paid.currency},
        notice=notice,
    )


async def _protection(turn: Turn, text: str) -> str | None:
    assert turn.draft is not None
    end = parsing.parse_protection(text, turn.now(), turn.tz)
    d = replace(turn.draft, protection_end=end)
    notice = _protection_notice(turn, d)
    return await _go(
        turn,
        d,
        _after(PROTECTION, d, turn.pos.editing),
        "answer",
        {"field": "protection_end", "value": end.isoformat()},
        notice=notice,
    )


def _protection_notice(turn: Turn, d: Dispute) -> str | None:
    warnings = [
        w
        for w in eligibility.eligibility_warnings(d, turn.now(), rules=turn.rules)
        if w
        in (
            eligibility.EligibilityWarning.PROTECTION_OVER,
            eligibility.EligibilityWarning.PROTECTION_ENDING,
        )
    ]
    if not warnings:
        assert d.protection_end is not None
        return turn.t._(
            "Noted: protection ends %(when)s.", when=turn.t.datetime(d.protection_end, turn.tz)
        )
    return "⚠️ " + messages.eligibility_text(turn.t, warnings[0], turn.rules)


async def _confirmed_at(turn: Turn, text: str) -> str | None:
    assert turn.draft is not None
    when = parsing.parse_past_date(text, turn.now(), turn.tz)
    return await _set_confirmed_at(turn, when)


async def _set_confirmed_at(turn: Turn, when: datetime) -> str | None:
    assert turn.draft is not None
    d = replace(turn.draft, receipt_confirmed_at=when)
    notice = None
    for w in eligibility.eligibility_warnings(d, turn.now(), rules=turn.rules):
        if w in (
            eligibility.EligibilityWarning.RECEIPT_WINDOW_CLOSED,
            eligibility.EligibilityWarning.RECEIPT_WINDOW_CLOSING,
        ):
            notice = "⚠️ " + messages.eligibility_text(turn.t, w, turn.rules)
    return await _go(
        turn,
        d,
        _after(CONFIRMED_AT, d, turn.pos.editing),
        "answer",
        {"field": "receipt_confirmed_at", "value": when.isoformat()},
        notice=notice,
    )


async def _shipped(turn: Turn, text: str) -> str | None:
    assert turn.draft is not None
    when = parsing.parse_past_date(text, turn.now(), turn.tz)
    d = replace(turn.draft, shipped_at=when)
    notice = None
    warnings = eligibility.eligibility_warnings(d, turn.now(), shipped_at=when, rules=turn.rules)
    if eligibility.EligibilityWarning.SHIPPED_TOO_RECENTLY in warnings:
        notice = "⚠️ " + messages.eligibility_text(
            turn.t, eligibility.EligibilityWarning.SHIPPED_TOO_RECENTLY, turn.rules
        )
    return await _go(
        turn,
        d,
        _after(SHIPPED, d, turn.pos.editing),
        "answer",
        {"field": "shipped_at", "value": when.isoformat()},
        notice=notice,
    )


async def _partial(turn: Turn, text: str) -> str | None:
    d = turn.draft
    assert d is not None and d.amount_paid is not None and d.refund_option is not None
    try:
        amount = parsing.parse_partial_refund(text, d.amount_paid)
    except parsing.ParseError as error:
        if error.code is parsing.ParseErrorCode.EQUALS_PAID:
            t = turn.t
            raise Stay(
                t._(
                    "%(amount)s is everything you paid, so that is a full refund. Switch to a "
                    "full refund?",
                    amount=t.money(d.amount_paid),
                ),
                InlineKeyboardMarkup(
                    [
                        [_choice(turn, d, PARTIAL, t._("Yes, a full refund"), "full")],
                        [
                            _choice(
                                turn, d, PARTIAL, t._("No, I'll enter a smaller amount"), "retry"
                            )
                        ],
                    ]
                ),
            ) from error
        raise
    d = replace(d, refund_amount=amount)
    return await _go(
        turn,
        d,
        _after(PARTIAL, d, turn.pos.editing),
        "answer",
        {"field": "refund_amount", "minor": amount.minor},
    )


async def _description(turn: Turn, text: str) -> str | None:
    assert turn.draft is not None
    d = replace(turn.draft, description=parsing.parse_description(text))
    return await _go(
        turn, d, _after(DESCRIPTION, d, turn.pos.editing), "answer", {"field": "description"}
    )


async def _evidence_text(turn: Turn, text: str) -> str | None:
    if text.strip().lower().strip(".!") in ("done", "готово", "всё", "все", "ok", "ок"):
        return await _evidence_done(turn)
    raise Stay(
        turn.t._(
            "I can only keep photos and videos as evidence. Send a photo or video, or press Done."
        )
    )


async def _opened_at(turn: Turn, text: str) -> str | int | None:
    when = parsing.parse_past_date(text, turn.now(), turn.tz)
    return await _mark_opened(turn, when)


_TEXT_STEPS: dict[str, Callable[[Turn, str], Awaitable[str | int | None]]] = {
    ORDER: _order,
    ITEM: _item,
    AMOUNT: _amount,
    PROTECTION: _protection,
    CONFIRMED_AT: _confirmed_at,
    SHIPPED: _shipped,
    PARTIAL: _partial,
    DESCRIPTION: _description,
    EVIDENCE: _evidence_text,
    OPENED_AT: _opened_at,
}


# --- step handlers: buttons ---------------------------------------------------------------------
async def _skip(
    turn: Turn, value: str, step: str, field: str, clear: Callable[[Dispute], Dispute]
) -> str | None:
    """Skip on an optional step: `clear` empties its field and the buyer moves on."""
    if value != "skip":
        return await _stale(turn)
    assert turn.draft is not None
    d = clear(turn.draft)
    return await _go(
        turn,
        d,
        _after(step, d, turn.pos.editing),
        "answer",
        {"field": field, "skipped": True},
        chosen=turn.t._("Skip"),
    )


async def _b_item(turn: Turn, value: str) -> str | None:
    return await _skip(turn, value, ITEM, "item", lambda d: replace(d, item_title=None))


async def _b_protection(turn: Turn, value: str) -> str | None:
    if value != "unknown":
        return await _stale(turn)
    assert turn.draft is not None
    d = replace(turn.draft, protection_end=None)
    notice = turn.t._(
        "Without the protection end date I can't remind you before it runs out. You can add "
        "it later with Edit on the summary."
    )
    return await _go(
        turn,
        d,
        _after(PROTECTION, d, turn.pos.editing),
        "answer",
        {"field": "protection_end", "value": None},
        chosen=turn.t._("I don't know"),
        notice=notice,
    )


async def _b_received(turn: Turn, value: str) -> str | int | None:
    if value == "track":
        return await _track_only(turn)
    try:
        branch = Branch(value)
    except ValueError:
        return await _stale(turn)
    d = turn.draft
    assert d is not None
    if d.branch is not branch:
        # The branch decides the reason list and refund options: ask for those again.
        d = replace(
            d,
            branch=branch,
            reason=None,
            receipt_confirmed=None,
            receipt_confirmed_at=None,
            refund_amount=None,
            refund_option=RefundOption.KEEP_FULL if branch is Branch.NOT_RECEIVED else None,
        )
    return await _go(
        turn,
        d,
        _after(RECEIVED, d, turn.pos.editing),
        "answer",
        {"field": "branch", "value": branch.value},
        chosen=branch_label(turn.t, branch),
    )


async def _track_only(turn: Turn) -> str | int | None:
    """The parcel is simply not here yet: keep the order in /status with the protection
    reminders (7, 3 and 1 day before), and open the dispute from its card if it never comes."""
    d = turn.draft
    protection_end = d.protection_end if d is not None else None
    if d is None or protection_end is None or turn.pos.editing:
        return await _stale(turn)
    t = turn.t
    d = await _persist(turn, replace(d, stage=Stage.TRACKING), None, "tracking")
    await _reply(
        turn,
        t._(
            "I'll keep an eye on order %(order)s: buyer protection ends %(when)s, and I'll "
            "remind you 7, 3 and 1 day before. If the parcel does not come, open the dispute "
            'from /status %(order)s ("Open a dispute for it").',
            order=d.order_id,
            when=t.datetime(protection_end, turn.tz),
        ),
        chosen=t._("Not yet, just watch the protection timer"),
    )
    return ConversationHandler.END


async def _b_reason(turn: Turn, value: str) -> str | None:
    d = turn.draft
    assert d is not None and d.branch is not None
    reason = next((r for r in reasons_for(d.branch) if r.value == value), None)
    if reason is None:
        return await _stale(turn)
    d = replace(d, reason=reason)
    return await _go(
        turn,
        d,
        _after(REASON, d, turn.pos.editing),
        "answer",
        {"field": "reason", "value": reason.value},
        chosen=reason_label(turn.t, reason),
    )


async def _b_shipped(turn: Turn, value: str) -> str | None:
    return await _skip(turn, value, SHIPPED, "shipped_at", lambda d: replace(d, shipped_at=None))


async def _b_confirmed(turn: Turn, value: str) -> str | None:
    d = turn.draft
    assert d is not None
    if value not in ("yes", "no"):
        return await _stale(turn)
    confirmed = value == "yes"
    d = replace(
        d,
        receipt_confirmed=confirmed,
        receipt_confirmed_at=d.receipt_confirmed_at if confirmed else None,
    )
    if confirmed:
        # Always ask when: that date opens a 15-day window.
        pos = Position(CONFIRMED_AT, editing=turn.pos.editing)
    else:
        pos = _after(CONFIRMED, d, turn.pos.editing)
    chosen = turn.t._("Yes, I confirmed") if confirmed else turn.t._("No, not yet")
    return await _go(
        turn, d, pos, "answer", {"field": "receipt_confirmed", "value": confirmed}, chosen=chosen
    )


async def _b_confirmed_at(turn: Turn, value: str) -> str | None:
    words = {"today": "today", "yesterday": "yesterday"}
    if value not in words:
        return await _stale(turn)
    when = parsing.parse_past_date(words[value], turn.now(), turn.tz)
    return await _set_confirmed_at(turn, when)


async def _b_refund(turn: Turn, value: str) -> str | None:
    d = turn.draft
    assert d is not None and d.branch is not None
    option = next((o for o in refund_options_for(d.branch) if o.value == value), None)
    if option is None:
        return await _stale(turn)
    d = replace(
        d, refund_option=option, refund_amount=d.refund_amount if option.is_partial else None
    )
    if option.is_partial:
        pos = Position(PARTIAL, editing=turn.pos.editing)
    else:
        pos = _after(REFUND, d, turn.pos.editing)
    return await _go(
        turn,
        d,
        pos,
        "answer",
        {"field": "refund_option", "value": option.value},
        chosen=refund_label(turn.t, option),
    )


async def _b_partial(turn: Turn, value: str) -> str | None:
    d = turn.draft
    assert d is not None and d.refund_option is not None
    if value == "retry":
        text, keyboard = prompt(turn, d, turn.pos)
        await _reply(turn, text, keyboard)
        return None
    if value != "full":
        return await _stale(turn)
    d = replace(d, refund_option=d.refund_option.as_full(), refund_amount=None)
    return await _go(
        turn,
        d,
        _after(PARTIAL, d, turn.pos.editing),
        "answer",
        {"field": "refund_option", "value": d.refund_option.value if d.refund_option else None},
        chosen=turn.t._("Yes, a full refund"),
    )


async def _b_evidence(turn: Turn, value: str) -> str | None:
    if value != "done":
        return await _stale(turn)
    return await _evidence_done(turn)


async def _b_summary(turn: Turn, value: str) -> str | int | None:
    d = turn.draft
    assert d is not None
    t = turn.t
    if value == "edit":
        return await _go(turn, d, Position(EDIT), "edit", chosen=t._("Edit"))
    if value != "confirm":
        return await _stale(turn)
    missing = _missing_step(d)
    if missing is not None:  # defensive: a summary is only shown when nothing is missing
        return await _go(turn, d, Position(missing, editing=True), "answer")
    count = await turn.context.db.evidence.count(d.id or 0)
    d = replace(d, claim_text=_claim_en(d, count))
    if d.stage is Stage.DRAFT:
        transition = lifecycle.apply(d, lifecycle.Action.CONFIRM_DRAFT, turn.now(), turn.rules)
        d = transition.dispute
    return await _go(turn, d, Position(OPENED), "confirmed", chosen=t._("Confirm"))


async def _b_edit(turn: Turn, value: str) -> str | None:
    d = turn.draft
    assert d is not None
    if value not in EDITABLE or not _applies(value, d):
        return await _stale(turn)
    return await _go(turn, d, Position(value, editing=True), "edit_field", {"field": value})


async def _b_opened(turn: Turn, value: str) -> str | int | None:
    d = turn.draft
    assert d is not None
    t = turn.t
    if value == "today":
        return await _mark_opened(turn, turn.now())
    if value == "other":
        return await _go(
            turn, d, Position(OPENED_AT), "answer", chosen=t._("I opened it on another date")
        )
    if value == "files":
        await turn.update.callback_query.answer()  # type: ignore[union-attr]
        await messages.send_evidence(
            turn.context, turn.chat_id, await turn.context.db.evidence.list(d.id or 0)
        )
        return None
    if value == "later":
        d = await _persist(turn, d, None, "postponed")
        await _reply(
            turn,
            t._(
                "All right. Your case for order %(order)s is saved: when you have opened it on "
                "AliExpress, tell me from /status and I'll track the seller's deadlines.",
                order=d.order_id,
            ),
            chosen=t._("Later"),
        )
        return ConversationHandler.END
    return await _stale(turn)


async def _b_opened_at(turn: Turn, value: str) -> str | int | None:
    if value != "yesterday":
        return await _stale(turn)
    return await _mark_opened(turn, parsing.parse_past_date("yesterday", turn.now(), turn.tz))


async def _b_existing(turn: Turn, value: str) -> str | None:
    d = turn.draft
    assert d is not None
    if value == "continue":
        text, keyboard = await render(turn, d, turn.pos)
        await _reply(turn, text, keyboard, chosen=turn.t._("Continue"))
        return str(turn.pos)
    if value == "fresh":
        # Park the unfinished one (it stays a draft in /status) and start from step 1: one
        # transaction parks it and stores that step 1 is awaited, then the prompt goes out.
        await _persist(turn, d, None, "parked", awaiting=Position(ORDER))
        text, keyboard = prompt(turn, None, Position(ORDER))
        await _reply(turn, text, keyboard, chosen=turn.t._("Start a new one"))
        return ORDER
    return await _stale(turn)


_BUTTON_STEPS: dict[str, Callable[[Turn, str], Awaitable[str | int | None]]] = {
    ITEM: _b_item,
    PROTECTION: _b_protection,
    RECEIVED: _b_received,
    REASON: _b_reason,
    CONFIRMED: _b_confirmed,
    CONFIRMED_AT: _b_confirmed_at,
    SHIPPED: _b_shipped,
    REFUND: _b_refund,
    PARTIAL: _b_partial,
    EVIDENCE: _b_evidence,
    SUMMARY: _b_summary,
    EDIT: _b_edit,
    OPENED: _b_opened,
    OPENED_AT: _b_opened_at,
    EXISTING: _b_existing,
}


# --- moves that are not one step forward ----------------------------------------------------------
async def _back(turn: Turn) -> str | None:
    d = turn.draft
    if d is None:  # step 1 has no Back
        return await _stale(turn)
    if turn.pos.editing or turn.pos.step == EDIT:
        pos = Position(SUMMARY)
    else:
        pos = Position(_previous_step(turn.pos.step, d))
    return await _go(turn, d, pos, "back", chosen=turn.t._("Back"))


async def _cancel(turn: Turn) -> int:
    """Leave the wizard. A draft is deleted; a confirmed case stays in /status."""
    t = turn.t
    d = turn.draft
    # The wizard is left (its conversation row deleted) before the buyer is told so.
    if d is not None and d.stage is Stage.DRAFT and d.id is not None:
        await turn.context.db.disputes.delete(d.id, turn.user_id)
        await _save_state(turn, None)
        text = t._(
            "Cancelled. I've deleted this draft. Send /new whenever you want to start again."
        )
    elif d is not None:
        await _persist(turn, d, None, "wizard_left")  # the conversation row goes with it
        text = t._("Stopped. Your case for order %(order)s stays in /status.", order=d.order_id)
    else:
        await _save_state(turn, None)
        text = t._("Cancelled. Send /new whenever you want to start again.")
    await _reply(turn, text, chosen=t._("Cancel"))
    return ConversationHandler.END


async def _mark_opened(turn: Turn, when: datetime) -> int:
    d = turn.draft
    assert d is not None
    t = turn.t
    transition = lifecycle.apply(
        d,
        lifecycle.Action.OPENED_ON_ALIEXPRESS,
        turn.now(),
        turn.rules,
        when=when,
    )
    opened = transition.dispute
    await _persist(turn, opened, None, transition.kind, transition.detail)
    text = messages.opened_text(t, opened, turn.tz, turn.now())
    await _reply(turn, text, chosen=t.date(when, turn.tz), old="retire")
    return ConversationHandler.END


async def _evidence(turn: Turn) -> str | None:
    d = turn.draft
    message = turn.update.effective_message
    assert d is not None and d.id is not None and message is not None
    t = turn.t
    item = messages.evidence_from_message(message, d.id)
    if item is None:
        raise_text = t._(
            "I can only keep photos and videos as evidence. Send a photo or video, or press Done."
        )
        await _stay(turn, Stay(raise_text))
        return None
    count, album_seen = await turn.context.db.evidence.count_and_album(d.id, item.media_group_id)
    if count >= MAX_EVIDENCE:
        if not album_seen:
            await _stay(
                turn,
                Stay(
                    t._(
                        "That's %(max)s files already, more than AliExpress's form will take. "
                        "Press "
                        "Done to continue.",
                        max=MAX_EVIDENCE,
                    ),
                    InlineKeyboardMarkup(
                        [[_choice(turn, d, EVIDENCE, "✅ " + t._("Done"), "done")]]
                    ),
                ),
            )
        return None
    added = await turn.context.db.evidence.add(item)
    if album_seen:
        return None  # one acknowledgement per album, sent for its first item
    warning = messages.evidence_warning(t, item)
    if not added:
        text = t._("I already have this file; I've kept just one copy.")
    elif item.media_group_id:
        text = t._("Got your album; I'm saving every photo and video in it.")
    else:
        text = t.ngettext("Saved. %(n)s file so far.", "Saved. %(n)s files so far.", count + 1)
    if warning:
        text += "\n⚠️ " + warning
    text += "\n" + t._("Send more, or press Done.")
    keyboard = InlineKeyboardMarkup([[_choice(turn, d, EVIDENCE, "✅ " + t._("Done"), "done")]])
    await turn.context.bot.send_message(turn.chat_id, text, reply_markup=keyboard)
    return None


async def _evidence_done(turn: Turn) -> str | None:
    d = turn.draft
    assert d is not None and d.id is not None
    t = turn.t
    evidence = await turn.context.db.evidence.list(d.id)
    visual = [
        e
        for e in evidence
        if e.kind
        in (EvidenceKind.PHOTO, EvidenceKind.VIDEO, EvidenceKind.DOCUMENT, EvidenceKind.ANIMATION)
    ]
    if d.branch is Branch.RECEIVED and not visual:
        raise Stay(
            t._(
                "For an item you received, AliExpress decides on photos and videos: send at least "
                "one before pressing Done."
            )
        )
    chosen = t.ngettext("%(n)s file", "%(n)s files", len(evidence))
    return await _go(
        turn,
        d,
        _after(EVIDENCE, d, turn.pos.editing),
        "answer",
        {"field": "evidence", "count": len(evidence)},
        chosen=chosen,
    )


async def current_prompt(
    update: Update, context: BotContext
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The question the buyer is on now, as text: for the error handler, so that after a
    reply failed to arrive the buyer sees which question their next message answers (their
    previous answer was saved before the failed reply)."""
    if update.effective_user is None:
        return None
    draft = await current_draft(context, update.effective_user.id)
    if draft is None:
        return None
    turn = Turn(update, context, draft, Position.parse(draft.wizard_step))
    return await render(turn, draft, turn.pos)


async def resume_existing(update: Update, context: BotContext) -> str | None:
    """`wx:<id>:continue` from the duplicate-order offer: make that case the current one."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    fields = parse_callback(query.data, "wx", 2)
    dispute = None
    dispute_id = parse_id(fields[0]) if fields and fields[1] == "continue" else None
    if dispute_id is not None:
        dispute = await context.db.disputes.get(dispute_id, update.effective_user.id)
    if dispute is None or not resumable(dispute):
        await stale_button(update, context)
        return None
    turn = Turn(update, context, dispute, resume_position(dispute))
    # Touch it so it becomes the most recent wizard draft.
    await _persist(turn, dispute, turn.pos, "resumed")
    text, keyboard = await render(turn, dispute, turn.pos)
    await _reply(turn, text, keyboard, chosen=context.t._("Continue it"), old="keep")
    return str(turn.pos)


def build_conversation() -> ConversationHandler[BotContext]:
    private = filters.ChatType.PRIVATE
    fresh = filters.UpdateType.MESSAGE
    media = (
        filters.PHOTO
        | filters.VIDEO
        | filters.Document.ALL
        | filters.ANIMATION
        | filters.VIDEO_NOTE
    )
    step_handlers = [
        CommandHandler("cancel", cancel_command),
        CommandHandler("new", new),
        MessageHandler(private & fresh & filters.TEXT & ~filters.COMMAND, on_text),
        MessageHandler(private & fresh & media, on_media),
        CallbackQueryHandler(on_button, pattern=r"^w:"),
        CallbackQueryHandler(resume_existing, pattern=r"^wx:"),
        MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, on_edited),
        MessageHandler(private & fresh & ~filters.COMMAND, on_other),
    ]
    states: dict[object, list[Any]] = {}
    for step in ALL_STEPS:
        states[step] = step_handlers
        states[step + EDIT_SUFFIX] = step_handlers
    with warnings.catch_warnings():
        # PTB warns that CallbackQueryHandlers are tracked per chat and user, not per message:
        # that is what we want (one wizard per buyer; stale buttons are checked by our data).
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return _conversation_handler(states)


def _conversation_handler(states: dict[object, list[Any]]) -> ConversationHandler[BotContext]:
    return ConversationHandler(
        entry_points=[
            CommandHandler("new", new, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(new, pattern=r"^menu:new$"),
            CallbackQueryHandler(resume_existing, pattern=r"^wx:"),
        ],
        states=states,
        fallbacks=[],
        name=CONVERSATION,
        persistent=True,
        allow_reentry=False,
    )


def register(application: Application[Any, Any, Any, Any, Any, Any], group: int) -> None:
    application.add_handler(build_conversation(), group=group)


__all__ = ["build_conversation", "callback", "current_draft", "register"]
