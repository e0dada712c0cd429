"""The wizard's words: each step's question and buttons, what an answer of the wrong kind
gets, and the notes said right after an answer. Keyed by the steps of bot/domain/draft.py.

Every prompt shows where the buyer is ("Step 3 of 10"), offers Back and Cancel (or, while
changing one answer from the summary, "Back to the summary" and Cancel). A button carries
`WizardPress(dispute id, step, value)`: the wizard acts on it only while that draft is on that
step, so an old button is "out of date", never acted on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import WizardPress
from bot.domain import draft
from bot.domain.draft import Position, StepId
from bot.domain.eligibility import EligibilityWarning
from bot.domain.fact_steps import field_of
from bot.domain.models import Branch, Dispute, Reason, RefundOption
from bot.domain.notices import Notice
from bot.domain.rules import Rules
from bot.i18n import Translator, default_currency
from bot.views import facts
from bot.views.evidence import evidence_checklist, upload_rules
from bot.views.keyboards import button, in_columns
from bot.views.labels import Labels, Table, branch_label, reason_label, refund_label
from bot.views.warnings import eligibility_text

S = StepId
Rows = list[list[InlineKeyboardButton]]


def press(d: Dispute | None, step: StepId, value: str) -> WizardPress:
    return WizardPress(d.id if d is not None and d.id else 0, step.value, value)


def choice(d: Dispute | None, step: StepId, label: str, value: str) -> InlineKeyboardButton:
    return button(label, press(d, step, value))


def header(t: Translator, step: StepId, d: Dispute) -> str:
    number = draft.step_number(step, d)
    if number is None:
        return ""
    n, total = number
    return "<i>" + t._("Step %(n)s of %(total)s", n=n, total=total) + "</i>\n"


# --- the questions -------------------------------------------------------------------------------
def _description(t: Translator, d: Dispute, rules: Rules) -> str:
    body = t._(
        "Describe the problem in your own words, in any language: what you ordered, what "
        "you got (or what happened to the parcel), and what is wrong. Two or three "
        "sentences are enough."
    )
    if d.branch is not Branch.NOT_RECEIVED:
        return body
    only_option = t._(
        "For a parcel that did not arrive, AliExpress offers only one option: a full "
        "refund, no return. I've chosen it for you."
    )
    return only_option + "\n\n" + body


def _evidence(t: Translator, d: Dispute, rules: Rules) -> str:
    items = "\n".join("• " + line for line in evidence_checklist(t, d.reason))
    intro = t._(
        "Now send the evidence: photos, videos, screenshots, as many as you need. "
        "What helps most for this reason:"
    )
    text = intro + "\n" + items
    if d.branch is Branch.RECEIVED:
        text += "\n\n" + t._(
            "Mark the defect with an arrow on the photo. A short video in normal quality is "
            "enough: a few minutes at most, no need for a film."
        )
    return text + "\n\n" + upload_rules(t)


_PROMPTS: Labels[StepId] = Table(
    lambda _: {
        S.ORDER: _(
            "Send the AliExpress order number. You'll find it on the order page (Orders → "
            "the order → Order ID); you can paste it as it is, e.g. "
            "<code>8123 4567 8901 2345</code>."
        ),
        S.ITEM: _(
            "What is the item? A short title helps you tell your orders apart, e.g. "
            "<i>Bluetooth headphones</i>. If there's only one item in the order, you can skip "
            "this."
        ),
        S.AMOUNT: _(
            "How much did you actually pay for this item, shipping included, after all "
            "discounts? It's on the order page.\n\nSend the amount, e.g. <code>12.50</code>. "
            "I'll take it as %(currency)s unless you write another currency: "
            "<code>11.73 USD</code>, <code>€9.99</code>, <code>1 234,56 ₽</code>."
        ),
        S.PROTECTION: _(
            "How long is buyer protection still running? The order page shows a countdown."
            "\n\nSend the days left, e.g. <code>23</code>, or the end date, e.g. "
            "<code>15.12.2026</code>."
        ),
        S.RECEIVED: _("Did you receive the item?"),
        S.REASON: _(
            "What is the problem? Pick the closest one; you'll describe the details later."
        ),
        S.SHIPPED: _(
            "When did the seller ship the order? The order page shows the shipping date. Send "
            "the date, e.g. <code>10.11.2026</code>, or <code>12 days ago</code>. If you "
            "don't know, skip this."
        ),
        S.CONFIRMED: _(
            'Did you confirm receipt of this order on AliExpress (the "Confirm receipt" '
            "button)? After confirming, a dispute can be opened for about %(window)s more."
        ),
        S.CONFIRMED_AT: _(
            "When did you confirm receipt? Send the date, e.g. <code>15.11.2026</code>, or "
            "<code>3 days ago</code>."
        ),
        S.REFUND: _(
            "What would you like to ask for?\n\nKeeping the item is usually the best "
            "option: you post a return at your own cost (to China often about $20, more than "
            "many items are worth), unless the seller offers a local return to a warehouse in "
            "your country. The dispute page shows the time to post a return; until you tell "
            "me that timer, I count %(window)s."
        ),
        S.PARTIAL: _(
            "How much would you like back? It must be more than zero and less than the "
            "%(paid)s you paid, e.g. <code>5</code>."
        ),
        S.EDIT: _("What would you like to change?"),
        S.OPENED_AT: _(
            "When did you open it on AliExpress? Send the date, e.g. <code>20.11.2026</code>, "
            "or <code>2 days ago</code>."
        ),
    }
)

# The values a prompt names, for the prompts that name any.
_PARAMS: Final[dict[StepId, Callable[[Translator, Dispute, Rules], dict[str, str]]]] = {
    S.AMOUNT: lambda t, d, r: {"currency": default_currency(t.language)},
    S.CONFIRMED: lambda t, d, r: {"window": t.duration(r.receipt_confirmation_window)},
    S.REFUND: lambda t, d, r: {"window": t.duration(r.return_post_window)},
    S.PARTIAL: lambda t, d, r: {"paid": t.money(d.amount_paid) if d.amount_paid else ""},
}
# Steps whose words depend on the case more than a value: a function each.
_BODIES: Final[dict[StepId, Callable[[Translator, Dispute, Rules], str]]] = {
    S.DESCRIPTION: _description,
    S.EVIDENCE: _evidence,
}


def question_text(t: Translator, d: Dispute, step: StepId, rules: Rules) -> str:
    if field_of(step) is not None:
        return facts.prompt(t, d, step)
    body = _BODIES.get(step)
    if body is not None:
        return body(t, d, rules)
    params = _PARAMS.get(step)
    text = _PROMPTS(t, step)
    return text % params(t, d, rules) if params else text


# --- the buttons that answer -----------------------------------------------------------------
_YES_NO: Labels[str] = Table(lambda _: {"yes": _("Yes, I confirmed"), "no": _("No, not yet")})
_DAYS: Labels[str] = Table(lambda _: {"today": _("Today"), "yesterday": _("Yesterday")})
_SKIP: Labels[str] = Table(lambda _: {"skip": _("Skip"), "unknown": _("I don't know")})


#: A fact's button that skips it and the facts after it, on to the evidence.
SKIP_REST: Final = "rest"


def skip_rest_label(t: Translator) -> str:
    return t._("Skip the rest")


def _track_label(t: Translator) -> str:
    return t._("Not yet, just watch the protection timer")


def choice_label(t: Translator, step: StepId, value: str) -> str:
    """The words on a button that answers `step` with `value` ("✓ ..." once pressed)."""
    if value in ("skip", "unknown"):
        return _SKIP(t, value)
    field = field_of(step)
    if field is not None:
        return facts.choice_label(t, field, value)
    if step is S.RECEIVED:
        return _track_label(t) if value == "track" else branch_label(t, Branch(value))
    if step is S.REASON:
        return reason_label(t, Reason(value))
    if step is S.REFUND:
        return refund_label(t, RefundOption(value))
    if step is S.CONFIRMED:
        return _YES_NO(t, value)
    if step is S.PARTIAL:
        return t._("Yes, a full refund")
    return _DAYS(t, value)


def _answers(t: Translator, d: Dispute, pos: Position) -> Rows:
    """The buttons that answer the step itself, before Back and Cancel."""
    step = pos.step
    q = draft.question(step)
    values = [str(v) for v in q.choices(d)] if q is not None else []
    if step in (S.REASON, S.REFUND):  # long labels: one per row
        return [[choice(d, step, choice_label(t, step, v), v)] for v in values]
    if step is S.PARTIAL:  # "full" is offered only when the amount typed equals the price
        values = []
    if step is S.RECEIVED and d.protection_end is not None and not pos.editing:
        # Not a problem yet: keep the order and its protection reminders, no dispute.
        track = [choice(d, step, "⏰ " + _track_label(t), "track")]
        return [[choice(d, step, choice_label(t, step, v), v) for v in values], track]
    buttons = [choice(d, step, choice_label(t, step, v), v) for v in values]
    rows = in_columns(buttons, 2) if len(buttons) > 3 else [buttons]  # a fact's many choices
    if q is not None and q.skip is not None:
        rows.append([choice(d, step, choice_label(t, step, q.skip), q.skip)])
    if field_of(step) is not None and not pos.editing:
        rows[-1].append(choice(d, step, "⏭ " + skip_rest_label(t), SKIP_REST))
    return rows


def _evidence_buttons(t: Translator, d: Dispute) -> Rows:
    done = choice(d, S.EVIDENCE, "✅ " + t._("Done"), "done")
    if d.branch is Branch.NOT_RECEIVED:
        return [[done, choice(d, S.EVIDENCE, t._("Skip, I have none"), "done")]]
    return [[done]]


# --- the summary's edit menu -----------------------------------------------------------------
_FIELD: Labels[StepId] = Table(
    lambda _: {
        S.ORDER: _("Order number"),
        S.ITEM: _("Item"),
        S.AMOUNT: _("Amount paid"),
        S.PROTECTION: _("Buyer protection"),
        S.RECEIVED: _("Received or not"),
        S.REASON: _("Reason"),
        S.SHIPPED: _("Shipping date"),
        S.CONFIRMED: _("Receipt confirmation"),
        S.REFUND: _("Refund option"),
        S.PARTIAL: _("Partial amount"),
        S.DESCRIPTION: _("Description"),
        S.EVIDENCE: _("Evidence"),
    }
)


def _edit_menu(t: Translator, d: Dispute) -> Rows:
    fields = [
        choice(d, S.EDIT, _FIELD.get(t, s, "") or facts.field_label(t, s) or s.value, s.value)
        for s in draft.editable_steps(d)
    ]
    back = choice(d, S.EDIT, "⬅️ " + t._("Back to the summary"), "back")
    return [*in_columns(fields, 2), [back]]


def nav(t: Translator, d: Dispute, pos: Position) -> Rows:
    """Back and Cancel; while editing one answer, "Back to the summary" and Cancel."""
    cancel = choice(d, pos.step, "✖️ " + t._("Cancel"), "cancel")
    if pos.editing:
        return [[choice(d, pos.step, "⬅️ " + t._("Back to the summary"), "back")], [cancel]]
    if pos.step is S.ORDER:
        return [[cancel]]
    return [[choice(d, pos.step, "⬅️ " + t._("Back"), "back"), cancel]]


def prompt(
    t: Translator, d: Dispute, pos: Position, rules: Rules, *, title_required: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The question for a step, with its buttons, Back and Cancel. `title_required`: the item
    step of an order that has a case already, where the title is what tells them apart."""
    step = pos.step
    body = question_text(t, d, step, rules)
    if title_required:
        body = t._(
            "What is this item? A short title tells its case apart from the others of this "
            "order, e.g. <i>blue mug</i>."
        )
        rows = nav(t, d, pos)
    elif step is S.EDIT:
        rows = _edit_menu(t, d)
    elif step is S.EVIDENCE:
        rows = _evidence_buttons(t, d) + nav(t, d, pos)
    elif step is S.OPENED_AT:
        rows = [[choice(d, step, t._("Yesterday"), "yesterday")], *nav(t, d, pos)]
    else:
        rows = _answers(t, d, pos) + nav(t, d, pos)
    return header(t, step, d) + body, InlineKeyboardMarkup([r for r in rows if r])


# --- answers that do not fit ------------------------------------------------------------------
# What each step takes as text, as a sentence of its own: a fragment glued into "Please answer
# with a text message: %(what)s" could not be put in the case each language wants (issue 14).
_EXPECTS: Labels[StepId] = Table(
    lambda _: {
        S.ORDER: _("Please send the order number as text, e.g. <code>8123 4567 8901 2345</code>."),
        S.ITEM: _("Please send a short title of the item as text."),
        S.AMOUNT: _("Please send the amount you paid as text, e.g. <code>12.50</code>."),
        S.PROTECTION: _(
            "Please send the days of buyer protection left, e.g. <code>23</code>, or the date "
            "it ends, e.g. <code>15.12.2026</code>."
        ),
        S.CONFIRMED_AT: _(
            "Please send the date you confirmed receipt, e.g. <code>15.11.2026</code>."
        ),
        S.PARTIAL: _("Please send the amount you want back, e.g. <code>5</code>."),
        S.DESCRIPTION: _("Please describe the problem in a text message."),
        S.OPENED_AT: _(
            "Please send the date you opened the dispute, e.g. <code>20.11.2026</code>."
        ),
        S.SHIPPED: _(
            "Please send the date the seller shipped the order, e.g. <code>10.11.2026</code>."
        ),
        S.TIMER: _("Please send what the timer on the page shows, e.g. <code>4 d 23 h</code>."),
        S.SELLER_MESSAGE: _("Please forward the seller's message to me, or paste its text."),
        S.OFFER_KEEP_AMOUNT: _("Please send the amount the offer refunds, e.g. <code>3.00</code>."),
        S.OFFER_RETURN_AMOUNT: _(
            "Please send the amount the offer refunds, e.g. <code>3.00</code>."
        ),
    }
)


def choose_a_button(t: Translator) -> str:
    return t._("Please choose one of the buttons above, or send /cancel to stop.")


def expects(t: Translator, step: StepId, *, text: bool, buttons: bool) -> str:
    """What a step wants, for an answer of the wrong kind (a sticker, say). `text`: the step
    takes a typed answer; `buttons`: it has buttons too."""
    if not text:
        return choose_a_button(t)
    what = _EXPECTS.get(t, step, "") or facts.expects(t, step)
    what = what or t._("Please answer the question above with a text message.")
    if buttons:
        return what + " " + t._("Or use the buttons above.")
    return what


def edited_message(t: Translator) -> str:
    return t._("I don't read edited messages: please send the answer again as a new message.")


def equals_paid(t: Translator, d: Dispute) -> tuple[str, InlineKeyboardMarkup]:
    """A partial amount equal to the price is a full refund: offer to switch."""
    assert d.amount_paid is not None
    return t._(
        "%(amount)s is everything you paid, so that is a full refund. Switch to a full refund?",
        amount=t.money(d.amount_paid),
    ), InlineKeyboardMarkup(
        [
            [choice(d, S.PARTIAL, t._("Yes, a full refund"), "full")],
            [choice(d, S.PARTIAL, t._("No, I'll enter a smaller amount"), "retry")],
        ]
    )


# --- notes after an answer ---------------------------------------------------------------------
def notice_text(
    t: Translator, notice: Notice | EligibilityWarning, d: Dispute, rules: Rules, tz: str
) -> str:
    if isinstance(notice, EligibilityWarning):
        return "⚠️ " + eligibility_text(t, notice, d, rules, tz)
    if notice is Notice.PROTECTION_NOTED:
        assert d.protection_end is not None
        return t._("Noted: protection ends %(when)s.", when=t.datetime(d.protection_end, tz))
    if notice is Notice.RETURNED_UNCOLLECTED:
        return "⚠️ " + t._(
            "If the parcel went back because it was not collected at the post office or the "
            "address was wrong, AliExpress may side with the seller. If it went back through "
            "no fault of yours, say so in the description."
        )
    if notice is Notice.PROTECTION_UNKNOWN:
        return t._(
            "Without the protection end date I can't remind you before it runs out. You can add "
            "it later with Edit on the summary."
        )
    return t._("The partial amount no longer fits the new price; please enter it again.")
