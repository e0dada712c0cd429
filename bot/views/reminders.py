"""Reminder messages: what a buyer reads, days after they last talked to the bot.

A reminder must be actionable on its own: it says which order, which deadline, when (a
countdown and the absolute time in the buyer's zone), and what to do now, with the guides'
warnings where they matter. Everything is in the buyer's stored language, since no update
(and so no Telegram language code) comes with it.

Buttons: "Open the card" shows the whole card (`OpenCard`); "Update the stage" only the moves
to record (`StageMenu`), one tap from what happened; "Mute this order" (`Mute`); and when the
seller's time to answer ends, "The seller made an offer" (`OfferStart`), to check an offer
before accepting it.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Final

from telegram import InlineKeyboardMarkup

from bot.callbacks import Mute, OfferStart, OpenCard, StageMenu
from bot.domain.models import Dispute, Reminder
from bot.domain.negotiation.case import takes_offers
from bot.domain.rules import Rules
from bot.domain.schedule import INFORMATIONAL_FAMILIES, ReminderFamily, family_of
from bot.i18n import Translator
from bot.views.keyboards import button, keyboard
from bot.views.labels import Labels, Table

PASSED_SUFFIX: Final = "_passed"
# Closer than this to its deadline, a countdown ("in 1 min") reads worse than "now".
_NOW_MARGIN: Final = timedelta(minutes=1)
F = ReminderFamily

_UPCOMING: Labels[str] = Table(
    lambda _: {
        F.PROTECTION: _("Buyer protection for this order ends soon"),
        F.RECEIPT: _("The time to open a dispute after confirming receipt ends soon"),
        F.SELLER: _("The seller's time to answer your dispute ends soon"),
        F.ESCALATION: _("Your dispute will be escalated to AliExpress soon"),
        F.EVIDENCE: _("AliExpress is waiting for your evidence"),
        F.RETURN: _("The return parcel must be posted soon"),
        F.REFUND: _("Has your refund arrived?"),
        F.LATE: _("The extra time to open a dispute after buyer protection ends soon"),
        F.REVIEW: _("Has AliExpress decided on your dispute?"),
    }
)
_OVER: Labels[str] = Table(
    lambda _: {
        F.PROTECTION: _("Buyer protection for this order has ended"),
        F.RECEIPT: _("The time to open a dispute after confirming receipt has ended"),
        F.SELLER: _("The seller's time to answer your dispute has ended"),
        F.ESCALATION: _("The date of escalation to AliExpress has passed"),
        F.EVIDENCE: _("The time to send evidence has ended"),
        F.RETURN: _("The date to post the return parcel has passed"),
        F.REFUND: _("Has your refund arrived?"),
        F.LATE: _("The extra time to open a dispute after buyer protection has ended"),
        F.REVIEW: _("Has AliExpress decided on your dispute?"),
    }
)

# What to do now, per deadline (seeds 000, 002, 003).
_ADVICE_UPCOMING: Labels[str] = Table(
    lambda _: {
        F.PROTECTION: _(
            "No dispute is open for this order yet. If the problem is not solved, open one "
            "before then: send /new and I will walk you through it. Or ask the seller to "
            "extend buyer protection from the order page."
        ),
        F.RECEIPT: _(
            "You confirmed receipt, so a dispute can only be opened until then. If "
            "something is wrong with the item, open it now with /new."
        ),
        F.SELLER: _(
            "Did the seller answer? Did the terms change? Check the dispute page and "
            "record what happened with \u201cUpdate the stage\u201d. A seller who stays "
            "silent usually loses the dispute."
        ),
        F.ESCALATION: _(
            "Before AliExpress takes over, re-check the dispute page: sellers sometimes "
            "edit the terms (a lower refund, a return you did not ask for). Once escalated, "
            "the dispute can no longer be edited."
        ),
        F.EVIDENCE: _(
            "Upload what AliExpress asked for on the dispute page before the timer ends: "
            "an unanswered request loses the case."
        ),
        F.RETURN: _(
            "Post the parcel to the address the seller gave in the dispute, keep the "
            "receipt and add the tracking number to the dispute."
        ),
        F.LATE: _(
            "Buyer protection for this order is over; a dispute can usually still be opened "
            "for about %(window)s after it. If the problem is not solved, open it now with "
            "/new; if the order page no longer offers it, contact AliExpress support."
        ),
        F.REVIEW: _(
            "The timer you read on the dispute page has run out. Check the page: if "
            "AliExpress has decided, record the result with \u201cUpdate the stage\u201d; if "
            "it asked you for something, answer before its new timer ends."
        ),
    }
)
_ADVICE_OVER: Labels[str] = Table(
    lambda _: {
        F.PROTECTION: _(
            "A dispute can usually still be opened for about %(window)s after buyer "
            "protection ends. If the problem is not solved, open it now with /new; if the "
            "order page no longer offers \u201cOpen dispute\u201d, contact AliExpress support."
        ),
        F.RECEIPT: _(
            "If the order page still offers \u201cOpen dispute\u201d, open it at once with "
            "/new. Otherwise, contact AliExpress support."
        ),
        F.SELLER: _(
            "Did the seller answer? Did the terms change? Check the dispute page: a seller "
            "who stayed silent usually loses the dispute. If they answered, record it with "
            "\u201cUpdate the stage\u201d so I can track the next deadline."
        ),
        F.ESCALATION: _(
            "Check the dispute page: if AliExpress has taken it over, record it with "
            "\u201cUpdate the stage\u201d. Do not accept terms you did not agree to."
        ),
        F.EVIDENCE: _(
            "Check the dispute page now: if it still accepts files, upload what AliExpress "
            "asked for at once. Then record the result with \u201cUpdate the stage\u201d."
        ),
        F.RETURN: _(
            "If you have not posted the parcel yet, do it now, keep the receipt and add the "
            "tracking number to the dispute."
        ),
        F.LATE: _(
            "If the order page still offers \u201cOpen dispute\u201d, open it at once with "
            "/new. Otherwise, contact AliExpress support from the order page."
        ),
    }
)


def _refund_advice(t: Translator, rules: Rules) -> str:
    return "\n".join(
        [
            t._(
                "A refund usually arrives within a few days of the decision, and within about "
                "%(max)s at most.",
                max=t.duration(rules.refund_arrival_max),
            ),
            t._(
                "Not arrived yet? Contact AliExpress support from the order page and ask "
                "them to check the refund; keep the screenshots of the decision."
            ),
        ]
    )


def advice(t: Translator, family: str, passed: bool, rules: Rules) -> str:
    """What to do now, per deadline."""
    if family == F.REFUND:
        return _refund_advice(t, rules)
    text = (_ADVICE_OVER if passed else _ADVICE_UPCOMING).get(t, family, "")
    return text % {"window": t.duration(rules.late_dispute_window)} if "%(" in text else text


def headline(t: Translator, family: str, passed: bool) -> str:
    return (_OVER if passed else _UPCOMING).get(t, family, "") or t._("A deadline for this order")


def is_passed_notice(reminder: Reminder, now: datetime) -> bool:
    """A catch-up "deadline passed" notice, or a reminder that went out after its deadline
    (a long retry); follow-ups (the refund) have no deadline to miss."""
    family = family_of(reminder.kind)
    if family in {f.value for f in INFORMATIONAL_FAMILIES}:
        return False
    return reminder.kind.endswith(PASSED_SUFFIX) or now > reminder.deadline_at + _NOW_MARGIN


def _when(
    t: Translator, reminder: Reminder, d: Dispute, tz: str, now: datetime, passed: bool
) -> str:
    deadline = reminder.deadline_at
    when = t.datetime(deadline, tz)
    if family_of(reminder.kind) == F.REFUND:
        if d.closed_at is None:
            return ""
        return "📅 " + t._(
            "Closed in your favour on %(date)s, %(ago)s ago",
            date=t.date(d.closed_at, tz),
            ago=t.duration(now - d.closed_at),
        )
    if passed:
        return "⌛ " + t._(
            "Deadline was %(when)s, %(ago)s ago", when=when, ago=t.duration(now - deadline)
        )
    if deadline - now <= _NOW_MARGIN:
        return "⏳ " + t._("Deadline: %(when)s, due now", when=when)
    return "⏳ " + t._(
        "Deadline: %(when)s, in %(left)s", when=when, left=t.duration(deadline - now)
    )


def reminder_keyboard(
    t: Translator, dispute_id: int, *, offer: bool = False
) -> InlineKeyboardMarkup:
    """`offer`: the seller may have answered with an offer, to check before accepting it."""
    offer_row = [button("💰 " + t._("The seller made an offer"), OfferStart(dispute_id))]
    return keyboard(
        [
            offer_row if offer else [],
            [
                button("📋 " + t._("Open the card"), OpenCard(dispute_id)),
                button("✏️ " + t._("Update the stage"), StageMenu(dispute_id)),
            ],
            [button("🔕 " + t._("Mute this order"), Mute(dispute_id))],
        ]
    )


def order_line(t: Translator, d: Dispute) -> str:
    order = t._("Order %(order)s", order=f"<code>{html.escape(d.order_id or '—')}</code>")
    if d.item_title:
        order += " · " + html.escape(d.item_title)
    return "📦 " + order


def reminder_message(
    t: Translator, reminder: Reminder, d: Dispute, tz: str, now: datetime, rules: Rules
) -> tuple[str, InlineKeyboardMarkup]:
    """The reminder message (HTML) and its buttons, in `t`'s language and the zone `tz`."""
    family = family_of(reminder.kind)
    passed = is_passed_notice(reminder, now)
    lines = [
        ("⌛ " if passed else "⏰ ") + "<b>" + headline(t, family, passed) + "</b>",
        order_line(t, d),
    ]
    when = _when(t, reminder, d, tz, now, passed)
    if when:
        lines.append(when)
    what_now = advice(t, family, passed, rules)
    if what_now:
        lines.extend(["", what_now])
    offer = family == F.SELLER and takes_offers(d)
    return "\n".join(lines), reminder_keyboard(t, d.id or reminder.dispute_id, offer=offer)
