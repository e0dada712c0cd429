"""The end of the wizard: the summary card, AliExpress's form step by step, "I have opened it",
and the wizard's other messages (the offer to continue, a case that already exists, leaving)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.callbacks import OpenCard, ResumeCase
from bot.domain import draft
from bot.domain.claim import language_note
from bot.domain.draft import StepId
from bot.domain.eligibility import EligibilityWarning
from bot.domain.models import Branch, Dispute, EvidenceSummary
from bot.domain.rules import Rules
from bot.i18n import Translator
from bot.views.advice import tips_block
from bot.views.cards import MESSAGE_BUDGET, dispute_card
from bot.views.claim import claim_section, english_claim
from bot.views.evidence import kinds_count
from bot.views.facts import catalog
from bot.views.keyboards import button, keyboard
from bot.views.labels import reason_label, stage_text
from bot.views.warnings import eligibility_text
from bot.views.wizard import choice, header

S = StepId
#: However long the rest of the summary, this much of the description is shown.
DESCRIPTION_SHOWN_MIN = 200


def summary_card(
    t: Translator,
    d: Dispute,
    tz: ZoneInfo,
    now: datetime,
    *,
    evidence: EvidenceSummary,
    warnings: Sequence[EligibilityWarning],
    rules: Rules,
) -> tuple[str, InlineKeyboardMarkup]:
    """Every answer, the English text (what it says, the words it leaves out), the
    eligibility warnings, and Confirm / Edit / Cancel. One message: a description too long
    for it with everything else is shown cut short (the rest is kept, and in /status)."""
    rest = "\n\n" + claim_section(t, d, evidence, tz)
    if warnings:
        rest += "\n\n" + "\n".join("⚠️ " + eligibility_text(t, w, d, rules, tz) for w in warnings)
    text = dispute_card(t, d, tz, now, evidence_count=evidence.total) + rest
    overflow = len(text) - MESSAGE_BUDGET
    if overflow > 0 and d.description:
        room = max(DESCRIPTION_SHOWN_MIN, len(d.description) - overflow)
        card = dispute_card(t, d, tz, now, evidence_count=evidence.total, description_max=room)
        text = card + rest
    buttons = keyboard(
        [
            [choice(d, S.SUMMARY, "✅ " + t._("Confirm"), "confirm")],
            [
                choice(d, S.SUMMARY, "✏️ " + t._("Edit"), "edit"),
                choice(d, S.SUMMARY, "✖️ " + t._("Cancel"), "cancel"),
            ],
        ]
    )
    return header(t, S.SUMMARY, d) + text, buttons


def _refund_step(t: Translator, d: Dispute) -> str | None:
    if d.refund_option is None:
        return None
    if d.branch is Branch.NOT_RECEIVED:
        # The only option for a parcel that never came: nothing to keep or send back.
        amount = t.money(d.amount_paid) if d.amount_paid is not None else ""
        return t._(
            "Refund: leave <b>Full refund</b>, the only option for a parcel that did not "
            "arrive; the amount is everything you paid, <b>%(amount)s</b>.",
            amount=amount,
        )
    if d.refund_option.needs_return:
        option = t._("<b>Return and refund</b> (you send the item back)")
    else:
        option = t._("<b>Refund only</b> (you keep the item)")
    if d.refund_option.is_partial and d.refund_amount is not None:
        amount = t._("a partial refund of <b>%(amount)s</b>", amount=t.money(d.refund_amount))
    elif d.amount_paid is not None:
        amount = t._("the full amount, <b>%(amount)s</b>", amount=t.money(d.amount_paid))
    else:
        amount = t._("the full amount")
    return t._("Refund: choose %(option)s and enter %(amount)s.", option=option, amount=amount)


def _form_steps(
    t: Translator, d: Dispute, english: str, evidence: EvidenceSummary, rules: Rules
) -> list[str]:
    steps = [
        t._(
            "In the AliExpress app: Account → Orders → order <code>%(order)s</code> → Open "
            "dispute%(item)s.",
            order=html.escape(d.order_id or ""),
            item=(" (" + html.escape(d.item_title) + ")") if d.item_title else "",
        ),
    ]
    if d.branch is Branch.NOT_RECEIVED:
        steps.append(t._('"Did you receive the item?": choose <b>No</b>.'))
    else:
        steps.append(t._('"Did you receive the item?": choose <b>Yes</b>.'))
    if d.reason is not None:
        steps.append(
            t._(
                "Reason: choose the one closest to <b>%(reason)s</b>.",
                reason=reason_label(t, d.reason),
            )
        )
    refund = _refund_step(t, d)
    if refund is not None:
        steps.append(refund)
    steps.append(
        t._("Description: paste this text (a tap on it copies it):")
        + "\n<code>"
        + html.escape(english)
        + "</code>\n<i>"
        + html.escape(language_note(catalog(t)))
        + "</i>"
    )
    if evidence.total:
        steps.append(t._("Attach what you sent me: %(files)s.", files=kinds_count(t, evidence)))
    steps.append(
        t._(
            "Press <b>Submit</b>. The seller then has %(window)s to answer.",
            window=t.duration(rules.seller_answer),
        )
    )
    return steps


def aliexpress_instructions(
    t: Translator, d: Dispute, english: str, evidence: EvidenceSummary, rules: Rules
) -> str:
    """Exactly what to pick and paste in AliExpress's own form (the mobile-app guide and the
    handbook on reasons and evidence), after the guides' advice to write to the seller first."""
    steps = _form_steps(t, d, english, evidence, rules)
    numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))
    seller_first = t._(
        "Before you open it: write to the seller from the order page, and keep a screenshot. "
        "AliExpress takes into account that you tried to settle it; if the seller does not "
        "help, say in the dispute that you tried."
    )
    return (
        "<b>"
        + t._("How to open it on AliExpress")
        + "</b>\n"
        + "💬 "
        + seller_first
        + "\n\n"
        + numbered
        + "\n\n"
        + t._(
            "Before you submit, check the amount: you can't ask for more than you paid. "
            "When it's open, tell me so I can track the seller's deadline."
        )
    )


def instructions(
    t: Translator, d: Dispute, evidence: EvidenceSummary, rules: Rules, tz: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    """The form step by step, then "I have opened it" (today, another date), or later."""
    english = d.claim_text or english_claim(d, evidence, tz).text
    evidence_count = evidence.total
    rows = [
        [choice(d, S.OPENED, "✅ " + t._("I have opened it on AliExpress today"), "today")],
        [choice(d, S.OPENED, "📅 " + t._("I opened it on another date"), "other")],
        [choice(d, S.OPENED, "⏳ " + t._("Later"), "later")],
    ]
    if evidence_count:
        rows.append([choice(d, S.OPENED, "🖼 " + t._("Send my evidence back to me"), "files")])
    return aliexpress_instructions(t, d, english, evidence, rules), keyboard(rows)


def opened_text(t: Translator, d: Dispute, tz: ZoneInfo, now: datetime, rules: Rules) -> str:
    lines = [t._("Tracking order %(order)s.", order=html.escape(d.order_id or ""))]
    if d.seller_deadline is not None:
        lines.append(
            t._(
                "The seller must answer by %(when)s (in %(left)s); if they don't, the "
                "dispute closes in your favour.",
                when=t.datetime(d.seller_deadline, tz),
                left=t.duration(d.seller_deadline - now),
            )
        )
    if d.escalation_at is not None:
        lines.append(
            t._(
                "Without an agreement it escalates to AliExpress around %(when)s.",
                when=t.datetime(d.escalation_at, tz),
            )
        )
    lines.append(t._("I'll remind you before each deadline. Record what happens from /status."))
    tips = tips_block(t, d, rules)
    return "\n".join(lines) + ("\n\n" + tips if tips else "")


def unfinished_offer(t: Translator, d: Dispute) -> tuple[str, InlineKeyboardMarkup]:
    """/new while a draft is open: continue it, or start a new one (it stays in /status)."""
    return t._(
        "You have an unfinished dispute for order %(order)s. Continue where you left off, "
        "or start a new one? (The unfinished one stays in /status.)",
        order=d.order_id or "—",
    ), keyboard(
        [
            [choice(d, S.EXISTING, "▶️ " + t._("Continue"), "continue")],
            [choice(d, S.EXISTING, "🆕 " + t._("Start a new one"), "fresh")],
        ]
    )


MAX_OFFERED = 5  # cases of one order offered to continue; /status lists them all


def _case_name(t: Translator, d: Dispute) -> str:
    return d.item_title if d.item_title else t._("the case without an item title")


def existing_cases(
    t: Translator, d: Dispute, order_id: str, others: Sequence[Dispute]
) -> tuple[str, InlineKeyboardMarkup]:
    """The order typed already has cases: one per item, so continue one of them, or open a
    case for another item of the order (the guides: a separate dispute per item)."""
    listed = "\n".join(
        f"• {html.escape(_case_name(t, c))} — {stage_text(t, c)}" for c in others[:MAX_OFFERED]
    )
    text = t._(
        "You already have a case for order %(order)s:\n%(cases)s\n\nAliExpress takes one "
        "dispute per item. Continue a case, or open one for another item of this order?",
        order=html.escape(order_id),
        cases=listed,
    )
    rows = []
    for c in others[:MAX_OFFERED]:
        name = html.escape(_case_name(t, c))[:40]
        if draft.resumable(c):
            rows.append(
                [button("▶️ " + t._("Continue: %(item)s", item=name), ResumeCase(c.id or 0))]
            )
        else:
            rows.append([button("📋 " + name, OpenCard(c.id or 0))])
    rows.append([choice(d, S.ORDER, "🆕 " + t._("Another item of this order"), ANOTHER + order_id)])
    return text, keyboard(rows)


#: The value of "Another item of this order": the word, then the order number.
ANOTHER = "item-"


def another_item(t: Translator, order_id: str) -> str:
    """Before the item question of a second case of an order."""
    return t._(
        "A new case for another item of order %(order)s. Give this item a short title, so "
        "that you and I can tell the cases apart.",
        order=html.escape(order_id),
    )


def item_taken(t: Translator, existing: Dispute) -> str:
    """The title names an item that already has a case in this order."""
    return t._(
        "Order %(order)s already has a case for “%(item)s” (%(stage)s). Send another title "
        "for this item (its colour, size or model tells it apart), or continue that case "
        "from /status.",
        order=html.escape(existing.order_id or ""),
        item=html.escape(_case_name(t, existing)),
        stage=stage_text(t, existing),
    )


def title_needed(t: Translator, order_id: str) -> str:
    """Skip, for a second case of an order: without a title the cases look alike."""
    return t._(
        "Order %(order)s already has a case, so this one needs a short title of its item: "
        "send it as text, e.g. <i>blue mug</i>.",
        order=html.escape(order_id),
    )


def watching(t: Translator, d: Dispute, tz: ZoneInfo) -> str:
    """Not a problem yet: the order is kept with its protection reminders."""
    assert d.protection_end is not None
    return t._(
        "I'll keep an eye on order %(order)s: buyer protection ends %(when)s, and I'll "
        "remind you 7, 3 and 1 day before. If the parcel does not come, open the dispute "
        'from /status %(order)s ("Open a dispute for it").',
        order=d.order_id,
        when=t.datetime(d.protection_end, tz),
    )


def postponed(t: Translator, d: Dispute) -> str:
    return t._(
        "All right. Your case for order %(order)s is saved: when you have opened it on "
        "AliExpress, tell me from /status and I'll track the seller's deadlines.",
        order=d.order_id,
    )


def left_text(t: Translator, d: Dispute | None, *, deleted: bool) -> str:
    """/cancel or the Cancel button: a draft is deleted, a confirmed case stays."""
    if deleted:
        return t._(
            "Cancelled. I've deleted this draft. Send /new whenever you want to start again."
        )
    if d is not None and d.order_id:
        return t._("Stopped. Your case for order %(order)s stays in /status.", order=d.order_id)
    return t._("Cancelled. Send /new whenever you want to start again.")
