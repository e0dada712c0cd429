"""The generic wizard over the step table (bot/domain/draft.py): showing a step, answering it
(typed or with a button), Skip, Back, changing one answer from the summary, Cancel.

No step has its own answer handler: a question's row says how its answer is read and what it
changes, and this module stores the move and shows what comes next.
"""

from __future__ import annotations

from datetime import date, datetime

from telegram import InlineKeyboardMarkup

from bot.domain import draft, eligibility, parsing
from bot.domain.draft import Position, Question, StepId
from bot.domain.fact_steps import field_of
from bot.domain.facts import AnswerError
from bot.domain.models import Dispute, Money
from bot.domain.notices import notices
from bot.domain.steps import NEGOTIATION_PROMPTS
from bot.handlers.dispatch import Stale
from bot.handlers.wizard.turn import Stay, Turn, persist, reply
from bot.views import facts, negotiation, summary, wizard
from bot.views import timers as timer_views
from bot.views.errors import parse_error_text
from bot.views.evidence import files_count, need_visual_text

S = StepId


async def render(turn: Turn, d: Dispute, pos: Position) -> tuple[str, InlineKeyboardMarkup]:
    """What the buyer sees at `pos`: a question, the summary, or AliExpress's form."""
    t = turn.t
    if pos.step is S.SUMMARY:
        evidence = await turn.evidence_summary()
        warnings = eligibility.eligibility_warnings(
            d, turn.now(), shipped_at=d.shipped_at, rules=turn.rules
        )
        return summary.summary_card(
            t, d, turn.tz, turn.now(), evidence=evidence, warnings=warnings, rules=turn.rules
        )
    if pos.step is S.OPENED:
        return summary.instructions(t, d, await turn.evidence_summary(), turn.rules, turn.tz)
    if pos.step is S.TIMER and pos.timer is not None:
        return timer_views.prompt(t, d, pos.timer, turn.tz)
    if pos.step in NEGOTIATION_PROMPTS:
        return negotiation.prompt(t, d, pos.step)
    if pos.step is S.ITEM and d.order_id is not None and await turn.other_cases_of(d.order_id):
        # The order has a case already: this one's title tells them apart, so no Skip.
        return wizard.prompt(t, d, pos, turn.rules, title_required=True)
    return wizard.prompt(t, d, pos, turn.rules)


async def go(
    turn: Turn,
    d: Dispute,
    pos: Position,
    event: str,
    detail: dict[str, object] | None = None,
    *,
    chosen: str | None = None,
    notice: str | None = None,
) -> None:
    """Store the move, then show the step it leads to."""
    d = await persist(turn, d, pos, event, detail)
    text, keyboard = await render(turn, d, pos)
    if notice:
        text = notice + "\n\n" + text
    # The summary stays in the chat when the instructions follow it.
    await reply(
        turn, text, keyboard, chosen=chosen, old="retire" if pos.step is S.OPENED else "replace"
    )


def _recorded(q: Question, value: object) -> dict[str, object]:
    """What the event log keeps of an answer (free text: only that it was answered)."""
    if q.private or value is None:
        return {"field": q.logged_as}
    if isinstance(value, Money):
        return {"field": q.logged_as, "minor": value.minor, "currency": value.currency}
    if isinstance(value, datetime | date):
        return {"field": q.logged_as, "value": value.isoformat()}
    if isinstance(value, bool | str | int):
        return {"field": q.logged_as, "value": value}
    return {"field": q.logged_as, "value": getattr(value, "value", None)}


async def answer(
    turn: Turn, q: Question, value: object, *, chosen: str | None = None, skipped: bool = False
) -> None:
    """Accept `value` as the answer to `q`: the draft changes as the table says, then on to
    the next step (or back to the summary, when editing), with a note if the answer calls
    for one."""
    before = turn.draft
    after = q.change(before, value)
    count = await turn.evidence_count() if turn.pos.editing else 0
    pos = draft.after_answer(
        q.step, after, editing=turn.pos.editing, visual_evidence=count, before=before
    )
    notes = notices(q.step, before, after, turn.now(), turn.rules)
    notice = "\n".join(wizard.notice_text(turn.t, n, after, turn.rules, turn.zone) for n in notes)
    detail = {"field": q.logged_as, "skipped": True} if skipped else _recorded(q, value)
    await go(turn, after, pos, "answer", detail, chosen=chosen, notice=notice or None)


def read_text(turn: Turn, q: Question, text: str) -> object:
    """A typed answer, read by the question's parser; an unreadable one says why (Stay)."""
    assert q.parse is not None
    try:
        return q.parse(text, turn.draft, turn.answering())
    except parsing.ParseError as error:
        if q.step is S.PARTIAL and error.code is parsing.ParseErrorCode.EQUALS_PAID:
            raise Stay(*wizard.equals_paid(turn.t, turn.draft)) from error
        raise Stay(parse_error_text(turn.t, error)) from error
    except AnswerError as error:  # a fact's own reasons (bot/domain/facts/answers.py)
        raise Stay(facts.error_text(turn.t, error)) from error


async def skip_the_rest(turn: Turn, q: Question) -> None:
    """ "Skip the rest" on a fact's question: this one and the facts after it are left empty,
    on to the evidence (while editing, as a Skip)."""
    if field_of(q.step) is None:
        raise Stale
    if turn.pos.editing:
        await answer(turn, q, None, chosen=turn.t._("Skip"), skipped=True)
        return
    d = q.change(turn.draft, None)
    pos = Position(draft.past_the_facts(q.step, d))
    detail: dict[str, object] = {"field": q.logged_as, "skipped": True, "rest": True}
    await go(turn, d, pos, "answer", detail, chosen=wizard.skip_rest_label(turn.t))


async def press_answer(turn: Turn, q: Question, value: str) -> None:
    """A button that answers `q` (or skips it)."""
    if value == wizard.SKIP_REST:
        await skip_the_rest(turn, q)
        return
    label = wizard.choice_label(turn.t, q.step, value)
    if value == q.skip:
        await answer(turn, q, None, chosen=label, skipped=True)
        return
    try:
        chosen = q.read_choice(value, turn.draft, turn.answering())
    except draft.NotAChoice:
        raise Stale from None
    await answer(turn, q, chosen, chosen=label)


async def back(turn: Turn) -> None:
    """Back: the previous step of this case's path; while editing, the summary."""
    d, pos = turn.draft, turn.pos
    if pos.editing or pos.step is S.EDIT:
        target = Position(S.SUMMARY)
    elif pos.step is S.ORDER:
        raise Stale  # step 1 has no Back
    elif pos.step is S.OPENED_AT:
        target = Position(S.OPENED)  # "when did you open it?" comes from the instructions
    else:
        target = Position(draft.previous_step(pos.step, d))
    await go(turn, d, target, "back", chosen=turn.t._("Back"))


async def reprompt(turn: Turn) -> None:
    """Show the current step again (after "No, I'll enter a smaller amount")."""
    text, keyboard = await render(turn, turn.draft, turn.pos)
    await reply(turn, text, keyboard)


async def edit_menu(turn: Turn, value: str) -> None:
    """The summary's edit menu: pick the answer to change."""
    d = turn.draft
    try:
        step = StepId(value)
    except ValueError:
        raise Stale from None
    if step not in draft.editable_steps(d):
        raise Stale
    await go(turn, d, Position(step, editing=True), "edit_field", {"field": value})


async def evidence_done(turn: Turn) -> None:
    """Done on the evidence step: on to the summary, if the case has what it needs."""
    d = turn.draft
    evidence = await turn.context.db.evidence.list(d.id or 0)
    if draft.needs_visual_evidence(d) and not evidence:
        raise Stay(need_visual_text(turn.t))
    pos = draft.after_answer(S.EVIDENCE, d, editing=turn.pos.editing, visual_evidence=len(evidence))
    detail: dict[str, object] = {"field": "evidence", "count": len(evidence)}
    chosen = files_count(turn.t, len(evidence)) if evidence else turn.t._("No evidence")
    await go(turn, d, pos, "answer", detail, chosen=chosen)
