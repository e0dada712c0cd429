"""The timers a buyer reads off their own page (bot/domain/timers.py): the buttons that ask
for one, the question, what the bot says once it is noted, and how the card marks each
deadline as the buyer's own or our default."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import EnterTimer, OpenCard
from bot.domain import timers
from bot.domain.draft import StepId
from bot.domain.models import DeadlineField, Dispute
from bot.domain.schedule import ReminderFamily
from bot.i18n import Translator
from bot.views.keyboards import button, keyboard
from bot.views.labels import Labels, Table
from bot.views.wizard import choice

F = DeadlineField

#: What each timer counts, as the object of "What does the page show for ...?".
_WHAT: Labels[DeadlineField] = Table(
    lambda _: {
        F.PROTECTION_END: _("buyer protection"),
        F.SELLER_DEADLINE: _("the seller's time to answer"),
        F.ESCALATION_AT: _("the time left to agree before AliExpress steps in"),
        F.REVIEW_DUE: _("AliExpress's review of the dispute"),
        F.EVIDENCE_DUE: _("the time to send the evidence AliExpress asked for"),
        F.RETURN_POST_BY: _("the time to post the return parcel"),
    }
)
_BUTTON: Labels[DeadlineField] = Table(
    lambda _: {
        F.PROTECTION_END: _("Enter the protection timer"),
        F.SELLER_DEADLINE: _("Enter the seller's timer"),
        F.ESCALATION_AT: _("Enter the dispute's timer"),
        F.REVIEW_DUE: _("Enter AliExpress's timer"),
        F.EVIDENCE_DUE: _("Enter the evidence timer"),
        F.RETURN_POST_BY: _("Enter the return timer"),
    }
)


def timer_button(t: Translator, d: Dispute, field: DeadlineField) -> InlineKeyboardButton:
    return button("⏱ " + _BUTTON(t, field), EnterTimer(d.id or 0, field))


def timer_buttons(t: Translator, d: Dispute) -> list[InlineKeyboardButton]:
    """One button per timer the buyer may enter for the case now."""
    return [timer_button(t, d, field) for field in timers.settable(d)]


def _page(t: Translator, field: DeadlineField) -> str:
    return t._("the order page") if field is F.PROTECTION_END else t._("the dispute page")


def prompt(
    t: Translator, d: Dispute, field: DeadlineField, tz: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    """What does the page show? With what the bot counts now, and Cancel."""
    lines = [
        t._(
            "What does %(page)s show for %(what)s? Send the time left as its timer shows it, "
            "e.g. <code>4 d 23 h</code>, or the date and time it ends, e.g. "
            "<code>05.12.2026 14:30</code>.",
            page=_page(t, field),
            what=_WHAT(t, field),
        )
    ]
    current: datetime | None = getattr(d, field.value)
    if current is not None:
        own = timers.is_own_field(d, field)
        source = t._("from your page") if own else t._("by the usual rules")
        lines.append(
            t._("Currently: %(when)s, %(source)s.", when=t.datetime(current, tz), source=source)
        )
    cancel = choice(d, StepId.TIMER, "✖️ " + t._("Cancel"), "cancel")
    return "\n\n".join(lines), InlineKeyboardMarkup([[cancel]])


def noted(
    t: Translator, d: Dispute, field: DeadlineField, tz: ZoneInfo, now: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    """The timer is stored and the reminders planned from it."""
    when: datetime = getattr(d, field.value)
    text = "✅ " + t._(
        "Noted from your page: %(what)s ends %(when)s, in %(left)s. I've planned the "
        "reminders from it.",
        what=_WHAT(t, field),
        when=t.datetime(when, tz),
        left=t.duration(when - now),
    )
    return text, keyboard([[button("📋 " + t._("Open the card"), OpenCard(d.id or 0))]])


def unreadable(t: Translator) -> str:
    return t._(
        "I couldn't read that. Send the time left as the timer shows it, e.g. "
        "<code>4 d 23 h</code>, or the date and time it ends, e.g. "
        "<code>05.12.2026 14:30</code>."
    )


def unchanged(t: Translator) -> str:
    return t._("All right, the timer stays as it was.")


def started_hint(t: Translator, field: DeadlineField) -> str:
    """After a move that starts a timer: ours counts from now; the page's is the real one."""
    return "⏱ " + t._(
        "I count %(what)s by the usual rules from now. If %(page)s shows a different timer, "
        "press “%(button)s” and type what it shows.",
        what=_WHAT(t, field),
        page=_page(t, field),
        button=_BUTTON(t, field),
    )


def source_mark(t: Translator, d: Dispute, family: ReminderFamily) -> str:
    """How the card marks a deadline: the buyer's own, our default, or nothing (a window the
    rules compute, a follow-up)."""
    own = timers.is_own(d, family)
    if own is None:
        return ""
    return " · " + (t._("from your page") if own else t._("default: the usual rules"))
