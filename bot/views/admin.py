"""/stats for the operators: the counts `dispute-helper stats` prints, in their language.
Only aggregate numbers; nothing in it identifies a buyer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Protocol

from babel.units import format_unit

from bot.domain.models import ReminderState, Stage
from bot.i18n import Translator
from bot.views.labels import Labels, Table, stage_label


class Counts(Protocol):
    """The numbers shown (bot/storage/stats.py's Counts)."""

    @property
    def buyers(self) -> int: ...
    @property
    def cases_by_stage(self) -> Mapping[str, int]: ...
    @property
    def open_cases(self) -> int: ...
    @property
    def reminders_by_state(self) -> Mapping[str, int]: ...
    @property
    def reminders_overdue(self) -> int: ...
    @property
    def database_bytes(self) -> int: ...


_STATE: Labels[ReminderState] = Table(
    lambda _: {
        ReminderState.PENDING: _("waiting to be sent"),
        ReminderState.SENDING: _("being sent right now"),
        ReminderState.SENT: _("delivered to the buyer"),
        ReminderState.CANCELLED: _("cancelled, no longer needed"),
        ReminderState.FAILED: _("failed, not delivered"),
    }
)


def _megabytes(t: Translator, size: int) -> str:
    value = Decimal(size) / Decimal(1024 * 1024)
    return str(format_unit(round(value, 1), "digital-megabyte", length="short", locale=t.locale))


def _breakdown(t: Translator, counts: Mapping[str, int], labels: Mapping[str, str]) -> list[str]:
    """ "• label: count" for each value that has any, in the labels' order."""
    return [
        f"• {label}: {t.number(counts[value])}"
        for value, label in labels.items()
        if counts.get(value)
    ]


def stats_text(t: Translator, found: Counts, overdue_after: timedelta) -> str:
    """The operator's summary: buyers, cases by stage, reminders by state, reminders still
    waiting `overdue_after` past their time, the database's size."""
    cases = sum(found.cases_by_stage.values())
    reminders = sum(found.reminders_by_state.values())
    minutes = int(overdue_after.total_seconds() // 60)
    lines = [
        "<b>" + t._("Bot statistics") + "</b>",
        t.ngettext(
            "%(count)s buyer", "%(count)s buyers", found.buyers, count=t.number(found.buyers)
        ),
        "",
        t.ngettext(
            "%(count)s case, %(open)s not closed:",
            "%(count)s cases, %(open)s not closed:",
            cases,
            count=t.number(cases),
            open=t.number(found.open_cases),
        ),
        *_breakdown(t, found.cases_by_stage, {s.value: stage_label(t, s) for s in Stage}),
        "",
        t.ngettext(
            "%(count)s reminder:", "%(count)s reminders:", reminders, count=t.number(reminders)
        ),
        *_breakdown(t, found.reminders_by_state, {s.value: _STATE(t, s) for s in ReminderState}),
        t.ngettext(
            "Overdue (waiting, due more than %(minutes)s minute ago): %(count)s",
            "Overdue (waiting, due more than %(minutes)s minutes ago): %(count)s",
            minutes,
            minutes=t.number(minutes),
            count=t.number(found.reminders_overdue),
        ),
        "",
        t._("Database size: %(size)s", size=_megabytes(t, found.database_bytes)),
    ]
    return "\n".join(lines)
