"""The negotiation assistant's words (PRODUCT.md, "The negotiation assistant"): the prompts, the
verdict on a seller's message with the reply to paste, the offer check with the counter-offer,
the text for AliExpress at the later stages, and the history lines.

The explanations and the English texts are the domain's (bot/domain/negotiation/); this module
lays them out, says them in the buyer's language and adds the buttons. English to paste goes in
<code>, which Telegram copies with a tap.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CaseAction, OfferOption, OfferStart, OpenCard, ReadFor, SellerWrote
from bot.domain import lifecycle
from bot.domain.lifecycle import ActionWarning
from bot.domain.models import Branch, Dispute, Event, EvidenceSummary, Money, RefundOption
from bot.domain.negotiation import (
    OfferCheck,
    OfferError,
    Reading,
    Reopen,
    Terms,
    Trick,
    Verdict,
    accept_note,
    cancel_note,
    counter_offer,
    fair_note,
    no_trick_note,
    offer_lines,
    reply_to_seller,
    statement_for_aliexpress,
    trick_name,
    trick_why,
    verdict_label,
)
from bot.domain.negotiation.case import (
    EVENT_MESSAGE,
    EVENT_OFFER,
    asked_terms,
    offer_move,
    reads_messages,
    signs_of,
    takes_offers,
)
from bot.domain.rules import Rules
from bot.domain.steps import StepId
from bot.i18n import Translator
from bot.views.facts import catalog
from bot.views.keyboards import button, keyboard
from bot.views.labels import action_label, refund_label
from bot.views.warnings import warning_text
from bot.views.wizard import choice

Rows = list[list[InlineKeyboardButton]]
S = StepId
_ICON = {Verdict.DO_NOT: "🚫", Verdict.COUNTER: "✋", Verdict.FINE: "✅"}


def _order(d: Dispute) -> str:
    return "<code>" + html.escape(d.order_id or "—") + "</code>"


def _to_card(t: Translator, d: Dispute) -> list[InlineKeyboardButton]:
    return [button("📋 " + t._("Back to the card"), OpenCard(d.id or 0))]


def _english(t: Translator, title: str, english: str, local: str | None) -> str:
    """An English text to paste, and what it says for a buyer who reads another language."""
    text = "<b>" + title + "</b>\n<code>" + html.escape(english) + "</code>"
    if local is not None and t.language != "en":
        text += "\n<b>" + t._("What it says:") + "</b>\n" + html.escape(local)
    return text


# --- the card's buttons and history ---------------------------------------------------------
def card_buttons(t: Translator, d: Dispute) -> Rows:
    """ "The seller wrote to me" while the dispute is open, "The seller made an offer" while
    the seller may still answer with one."""
    rows: Rows = []
    if reads_messages(d):
        rows.append([button("💬 " + t._("The seller wrote to me"), SellerWrote(d.id or 0))])
    if takes_offers(d):
        rows.append([button("💰 " + t._("The seller made an offer"), OfferStart(d.id or 0))])
    return rows


def _terms_text(t: Translator, option: RefundOption, amount: Money) -> str:
    return refund_label(t, option) + ": " + t.money(amount)


def history_entry(t: Translator, ev: Event) -> str | None:
    """The card's history line for what this assistant recorded (None: not one of its own)."""
    detail = ev.detail
    if ev.kind == EVENT_MESSAGE:
        tricks = detail.get("tricks")
        n = len(tricks) if isinstance(tricks, list) else 0
        if not n:
            return t._("the seller's message read: no trick found; reply drafted")
        return t.ngettext(
            "the seller's message read: %(n)s trick found; reply drafted",
            "the seller's message read: %(n)s tricks found; reply drafted",
            n,
        )
    if ev.kind != EVENT_OFFER:
        return None
    try:
        option = RefundOption(str(detail.get("option")))
        verdict = Verdict(str(detail.get("verdict")))
        minor, currency = detail.get("minor"), detail.get("currency")
        amount = Money(int(str(minor)), str(currency))
    except ValueError:
        return t._("the seller's offer checked")
    line = t._(
        "the seller's offer checked (%(offer)s): %(verdict)s",
        offer=_terms_text(t, option, amount),
        verdict=verdict_label(catalog(t), verdict).lower(),
    )
    if detail.get("drafted"):
        line += "; " + t._("counter-offer drafted")
    return line


# --- the seller's message -------------------------------------------------------------------
def message_prompt(t: Translator, d: Dispute) -> tuple[str, InlineKeyboardMarkup]:
    text = t._(
        "<b>Order %(order)s: the seller's message</b>\n"
        "Forward the seller's message to me, or copy it from the AliExpress chat and paste it "
        "here, as it is, in Russian or English. I'll name any trick in it and draft a reply.",
        order=_order(d),
    )
    back = choice(d, S.SELLER_MESSAGE, "⬅️ " + t._("Back to the card"), "card")
    return text, InlineKeyboardMarkup([[back]])


def _finding_lines(t: Translator, reading: Reading) -> list[str]:
    cat = catalog(t)
    lines = []
    for f in reading.findings:
        line = f"{_ICON[f.verdict]} <b>{html.escape(trick_name(cat, f.trick))}</b>: "
        line += verdict_label(cat, f.verdict)
        if f.quote:
            line += "\n«" + html.escape(f.quote) + "»"
        lines.append(line + "\n" + html.escape(trick_why(cat, f.trick)))
    return lines


def _fair_lines(t: Translator, reading: Reading) -> list[str]:
    cat = catalog(t)
    notes = [fair_note(cat, s) for s in reading.fair_signals] or [no_trick_note(cat)]
    return ["✅ <b>" + t._("This message looks fair.") + "</b>", *map(html.escape, notes)]


def verdict(t: Translator, d: Dispute, reading: Reading) -> tuple[str, InlineKeyboardMarkup]:
    """Each trick found (what it is, why it costs money, what to do) or "looks fair", and the
    reply to paste."""
    head = t._("<b>The seller's message, order %(order)s</b>", order=_order(d))
    body = _finding_lines(t, reading) if reading.findings else _fair_lines(t, reading)
    parts = [head, "\n\n".join(body)]
    if reading.truncated:
        parts.append(t._("The message is very long: I read its beginning only."))
    asked = asked_terms(d)
    english = reply_to_seller(reading, asked=asked)
    local = reply_to_seller(reading, catalog(t), asked=asked, money=t.money)
    parts.append(_english(t, t._("Reply to paste (English):"), english, local))
    rows: Rows = []
    if takes_offers(d):
        rows.append([button("💰 " + t._("Record the seller's offer"), OfferStart(d.id or 0))])
    rows.append(_to_card(t, d))
    return "\n\n".join(parts), keyboard(rows)


def pick_order(
    t: Translator, cases: Sequence[Dispute], reading: Reading
) -> tuple[str, InlineKeyboardMarkup]:
    """A forwarded message with several open disputes: which order is it about?"""
    tricks, fair = signs_of(reading)
    rows = []
    for d in cases:
        title = f" · {d.item_title[:24]}" if d.item_title else ""
        label = f"📦 {(d.order_id or '—')[-8:]}{title}"
        rows.append([button(label, ReadFor(d.id or 0, tricks, fair))])
    return t._("Which order is this seller's message about?"), keyboard(rows)


def no_open_case(t: Translator) -> str:
    return t._(
        "This looks like a message from a seller. I can check it for tricks once you have a "
        "dispute open with me: open one with /new, and after you have opened it on AliExpress, "
        "forward the seller's messages here."
    )


def text_only(t: Translator) -> str:
    return t._(
        "I can read text only: forward the seller's text message, or copy its text and paste "
        "it here."
    )


def not_a_message(t: Translator) -> str:
    return t._(
        "That doesn't look like a message from the seller. Forward their message or paste its "
        "text, or go back to the card."
    )


# --- the seller's offer ---------------------------------------------------------------------
def offer_choices(d: Dispute) -> tuple[RefundOption, ...]:
    if d.branch is Branch.NOT_RECEIVED:  # nothing to send back
        return (RefundOption.KEEP_FULL, RefundOption.KEEP_PARTIAL)
    return tuple(RefundOption)


def _asked_line(t: Translator, d: Dispute) -> str:
    asked = asked_terms(d)
    if asked is None:
        return ""
    return t._("You asked for: %(terms)s.", terms=_terms_text(t, asked.option, asked.amount))


def offer_options(t: Translator, d: Dispute) -> tuple[str, InlineKeyboardMarkup]:
    """Step one of the check: the refund option the offer shows."""
    text = t._(
        "<b>Order %(order)s: the seller's offer</b>\n"
        "Before you press anything on AliExpress, tell me what the dispute page shows as the "
        "seller's solution. Which option is it?",
        order=_order(d),
    )
    text += "\n" + _asked_line(t, d)
    rows = [[button(refund_label(t, o), OfferOption(d.id or 0, o))] for o in offer_choices(d)]
    return text, keyboard([*rows, _to_card(t, d)])


def amount_prompt(t: Translator, d: Dispute, step: StepId) -> tuple[str, InlineKeyboardMarkup]:
    """Step two, for a partial option: the amount."""
    paid = t.money(d.amount_paid) if d.amount_paid else "—"
    text = t._(
        "How much does the offer refund? Send the amount the dispute page shows, e.g. "
        "<code>3.00</code>. You paid %(paid)s.",
        paid=paid,
    )
    rows = [
        [choice(d, step, t._("0, no refund at all"), "zero")],
        [choice(d, step, "⬅️ " + t._("Back to the card"), "card")],
    ]
    return text, InlineKeyboardMarkup(rows)


def prompt(t: Translator, d: Dispute, step: StepId) -> tuple[str, InlineKeyboardMarkup]:
    """The prompt the buyer is at, shown again (after an error, or a restart)."""
    if step is S.SELLER_MESSAGE:
        return message_prompt(t, d)
    return amount_prompt(t, d, step)


def offer_error(t: Translator, d: Dispute, error: OfferError) -> str:
    paid = t.money(d.amount_paid) if d.amount_paid else "—"
    if error.code == OfferError.CURRENCY and d.amount_paid is not None:
        return t._(
            "The offer must be in %(currency)s, the currency you paid in. Please send the "
            "amount as the dispute page shows it.",
            currency=d.amount_paid.currency,
        )
    if error.code == OfferError.ABOVE_PAID:
        return t._(
            "A refund can't be more than the %(paid)s you paid. Please check the amount on the "
            "dispute page.",
            paid=paid,
        )
    return t._("I can't check this offer: the case lacks the amount paid or the refund option.")


def _protection_note(t: Translator, d: Dispute, reopen: Reopen, tz: ZoneInfo) -> str:
    note = cancel_note(catalog(t), reopen)
    if reopen is Reopen.POSSIBLE and d.protection_end is not None:
        note += " " + t._("Buyer protection ends %(when)s.", when=t.datetime(d.protection_end, tz))
    return note


def _offer_lines(
    t: Translator, check: OfferCheck, warnings: Sequence[ActionWarning], rules: Rules
) -> list[str]:
    cat = catalog(t)
    lines = ["• " + html.escape(line) for line in offer_lines(cat, check, t.money)]
    lines.append(
        _ICON[check.verdict] + " <b>" + html.escape(verdict_label(cat, check.verdict)) + "</b>"
    )
    lines += ["⚠️ " + warning_text(t, w, rules) for w in warnings]
    return lines


def offer_result(
    t: Translator,
    d: Dispute,
    check: OfferCheck,
    *,
    warnings: Sequence[ActionWarning],
    reopen: Reopen,
    tz: ZoneInfo,
    rules: Rules,
) -> tuple[str, InlineKeyboardMarkup]:
    """What changed, the verdict, the checks the figures cannot make, Accept versus cancel,
    the counter-offer to paste, and a button to record the seller's answer."""
    offered: Terms = check.offered
    head = t._(
        "<b>The seller's offer, order %(order)s: %(terms)s</b>",
        order=_order(d),
        terms=_terms_text(t, offered.option, offered.amount),
    )
    parts = [head + "\n" + _asked_line(t, d), "\n".join(_offer_lines(t, check, warnings, rules))]
    cat = catalog(t)
    parts.append(
        html.escape(accept_note(cat)) + "\n" + html.escape(_protection_note(t, d, reopen, tz))
    )
    english = counter_offer(check)
    if english is not None:
        local = counter_offer(check, cat, money=t.money)
        parts.append(_english(t, t._("Counter-offer to paste (English):"), english, local))
    rows: Rows = []
    move = offer_move(check)
    if move in lifecycle.available_actions(d):
        label = "✅ " + t._("Record: %(move)s", move=action_label(t, move))
        rows.append([button(label, CaseAction(d.id or 0, move, True))])
    rows.append(_to_card(t, d))
    return "\n\n".join(parts), keyboard(rows)


# --- the later stages -----------------------------------------------------------------------
def statement(
    t: Translator,
    d: Dispute,
    evidence: EvidenceSummary,
    tz: ZoneInfo,
    *,
    offer: OfferCheck | None,
    tricks: Sequence[Trick],
) -> str:
    """At escalation or an evidence request: the English text for AliExpress, stating the facts,
    the evidence and why the seller's offer is not acceptable."""

    english = statement_for_aliexpress(
        d, evidence_count=evidence.total, offer=offer, tricks=tricks, tz=tz
    )
    local = None
    if t.language != "en":
        local = statement_for_aliexpress(
            d,
            catalog(t),
            evidence_count=evidence.total,
            offer=offer,
            tricks=tricks,
            money=t.money,
            locale=t.language,
            tz=tz,
        )
    text = _english(t, t._("Text for AliExpress's review (English):"), english, local)
    advice = t._(
        "Add it to the dispute on AliExpress with your evidence: it states the facts, what you "
        "attached and why the seller's offer is not acceptable."
    )
    return text + "\n\n" + advice
