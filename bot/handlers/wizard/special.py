"""The wizard's own steps and moves beside the questions: one case per item of an order (the
order number and the item's title), "just watch the timer", evidence (albums acknowledged
once), the summary's Confirm, AliExpress's form and "I have opened it", Cancel."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from telegram import InlineKeyboardMarkup

from bot.domain import dates, draft, lifecycle, parsing
from bot.domain.draft import Position, StepId
from bot.domain.models import DeadlineField, Stage, clashing
from bot.domain.rules import UPLOAD_LIMITS
from bot.handlers.dispatch import Stale
from bot.handlers.evidence import evidence_from_message, send_evidence
from bot.handlers.wizard.flow import answer, evidence_done, go, press_answer, read_text
from bot.handlers.wizard.timer import timer_cancelled
from bot.handlers.wizard.turn import Stay, Turn, persist, reply
from bot.views import evidence as evidence_views
from bot.views import summary, wizard
from bot.views import timers as timer_views
from bot.views.claim import english_claim
from bot.views.errors import parse_error_text

S = StepId


async def order_number(turn: Turn, text: str) -> None:
    """Step 1: an order that already has cases offers them (continue one), or a case for
    another of its items (one case per item)."""
    q = draft.BY_STEP[S.ORDER]
    order_id = read_text(turn, q, text)
    assert isinstance(order_id, str)
    others = await turn.other_cases_of(order_id)
    if others:
        await reply(turn, *summary.existing_cases(turn.t, turn.draft, order_id, others), old="keep")
        return
    await answer(turn, q, order_id)


async def another_item(turn: Turn, value: str) -> None:
    """ "Another item of this order": the order number is answered, and the item's title is
    asked next (it tells the cases apart)."""
    order_id = value.removeprefix(summary.ANOTHER)
    if not value.startswith(summary.ANOTHER) or not await turn.other_cases_of(order_id):
        raise Stale
    d = replace(turn.draft, order_id=order_id)
    notice = summary.another_item(turn.t, order_id)
    await go(
        turn,
        d,
        Position(S.ITEM, editing=turn.pos.editing),
        "answer",
        {"field": "order", "value": order_id, "another_item": True},
        chosen=turn.t._("Another item of this order"),
        notice=notice,
    )


async def item_title(turn: Turn, text: str) -> None:
    """Step 2: the item's title, which must not name an item of the order that already has a
    case."""
    q = draft.BY_STEP[S.ITEM]
    title = read_text(turn, q, text)
    assert isinstance(title, str)
    d = turn.draft
    if d.order_id is not None:
        existing = clashing(replace(d, item_title=title), await turn.other_cases_of(d.order_id))
        if existing is not None:
            raise Stay(summary.item_taken(turn.t, existing))
    await answer(turn, q, title)


async def item_pressed(turn: Turn, value: str) -> None:
    """Skip on step 2: only for the one case of an order (a second one needs its title)."""
    d = turn.draft
    if value == "skip" and d.order_id is not None and await turn.other_cases_of(d.order_id):
        raise Stay(summary.title_needed(turn.t, d.order_id))
    await press_answer(turn, draft.BY_STEP[S.ITEM], value)


async def watch_only(turn: Turn) -> None:
    """The parcel is simply not here yet: keep the order in /status with the protection
    reminders (7, 3 and 1 day before), and open the dispute from its card if it never comes."""
    d = turn.draft
    if d.protection_end is None or turn.pos.editing:
        raise Stale
    d = await persist(turn, replace(d, stage=Stage.TRACKING), None, "tracking")
    t = turn.t
    await reply(
        turn, summary.watching(t, d, turn.tz), chosen=wizard.choice_label(t, S.RECEIVED, "track")
    )


async def evidence_file(turn: Turn) -> None:
    """A photo, video or image file on the evidence step: kept by its Telegram ids."""
    d = turn.draft
    message = turn.update.effective_message
    assert d.id is not None and message is not None
    t = turn.t
    item = evidence_from_message(message, d.id)
    if item is None:
        raise Stay(evidence_views.only_media_text(t))
    count, album_seen = await turn.context.db.evidence.count_and_album(d.id, item.media_group_id)
    done = InlineKeyboardMarkup([[wizard.choice(d, S.EVIDENCE, "✅ " + t._("Done"), "done")]])
    if count >= UPLOAD_LIMITS.max_evidence:
        if not album_seen:
            raise Stay(evidence_views.too_many_text(t), done)
        return
    added = await turn.context.db.evidence.add(item)
    if album_seen:
        return  # one acknowledgement per album, sent for its first item
    warning = evidence_views.evidence_warning(t, item)
    text = evidence_views.saved_text(t, item, added=added, count=count + 1, warning=warning)
    await turn.context.bot.send_message(turn.chat_id, text, reply_markup=done)


DONE_WORDS = ("done", "готово", "всё", "все", "ok", "ок")


async def evidence_text(turn: Turn, text: str) -> None:
    if text.strip().lower().strip(".!") in DONE_WORDS:
        await evidence_done(turn)
        return
    raise Stay(evidence_views.only_media_text(turn.t))


async def summary_pressed(turn: Turn, value: str) -> None:
    """Confirm fixes the English text and shows AliExpress's form; Edit the edit menu."""
    d = turn.draft
    t = turn.t
    if value == "edit":
        await go(turn, d, Position(S.EDIT), "edit", chosen=t._("Edit"))
        return
    if value != "confirm":
        raise Stale
    evidence = await turn.evidence_summary()
    count = evidence.total
    d = replace(d, claim_text=english_claim(d, evidence, turn.tz).text)
    if d.stage is Stage.DRAFT:
        try:
            transition = lifecycle.apply(
                d, lifecycle.Action.CONFIRM_DRAFT, turn.now(), turn.rules, visual_evidence=count
            )
        except lifecycle.IncompleteDraft as incomplete:
            # A summary is shown only when nothing is missing; if something is, ask it.
            await go(turn, turn.draft, Position(incomplete.missing, editing=True), "answer")
            return
        d = transition.dispute
    await go(turn, d, Position(S.OPENED), "confirmed", chosen=t._("Confirm"))


async def opened_pressed(turn: Turn, value: str) -> None:
    d = turn.draft
    t = turn.t
    if value == "today":
        await mark_opened(turn, turn.now())
    elif value == "other":
        await go(
            turn, d, Position(S.OPENED_AT), "answer", chosen=t._("I opened it on another date")
        )
    elif value == "files":
        assert turn.update.callback_query is not None
        await turn.update.callback_query.answer()
        await send_evidence(
            turn.context, turn.chat_id, await turn.context.db.evidence.list(d.id or 0)
        )
    elif value == "later":
        d = await persist(turn, d, None, "postponed")
        await reply(turn, summary.postponed(t, d), chosen=t._("Later"))
    else:
        raise Stale


async def opened_on(turn: Turn, text: str) -> None:
    """The date the buyer opened the dispute on AliExpress, typed or "yesterday"."""
    try:
        when = dates.parse_past_date(text, turn.now(), turn.tz)
    except parsing.ParseError as error:
        raise Stay(parse_error_text(turn.t, error)) from error
    await mark_opened(turn, when)


async def mark_opened(turn: Turn, when: datetime) -> None:
    """The dispute is open on AliExpress: the seller's and the escalation timers start (by
    the rules, until the buyer enters the dispute page's own)."""
    d = turn.draft
    transition = lifecycle.apply(
        d, lifecycle.Action.OPENED_ON_ALIEXPRESS, turn.now(), turn.rules, when=when
    )
    opened = transition.dispute
    await persist(turn, opened, None, transition.kind, transition.detail)
    t = turn.t
    text = summary.opened_text(t, opened, turn.tz, turn.now(), turn.rules)
    text += "\n\n" + timer_views.started_hint(t, DeadlineField.SELLER_DEADLINE)
    keyboard = InlineKeyboardMarkup(
        [[timer_views.timer_button(t, opened, DeadlineField.SELLER_DEADLINE)]]
    )
    await reply(turn, text, keyboard, chosen=t.date(when, turn.tz), old="retire")


async def cancel(turn: Turn) -> None:
    """Leave the wizard. A draft is deleted; a confirmed case stays in /status; a page's
    timer being typed stays as it was."""
    d = turn.draft
    t = turn.t
    if turn.pos.step is S.TIMER:
        await timer_cancelled(turn)
        return
    if d.stage is Stage.DRAFT and d.id is not None:
        # The draft is deleted before the buyer is told so.
        await turn.context.db.disputes.delete(d.id, turn.user_id)
        text = summary.left_text(t, d, deleted=d.order_id is not None)
    else:
        await persist(turn, d, None, "wizard_left")
        text = summary.left_text(t, d, deleted=False)
    await reply(turn, text, chosen=t._("Cancel"))
