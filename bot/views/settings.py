"""The buyer's settings: time zone and waking hours (/timezone), deleting their data."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup

from bot.callbacks import COMMON_ZONES, WAKING_CHOICES, ChooseHours, ChooseZone, DeleteData
from bot.i18n import Translator
from bot.views.keyboards import button, in_columns, keyboard


def zones_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        button(zone.rsplit("/", 1)[-1].replace("_", " "), ChooseZone.of(zone))
        for zone in COMMON_ZONES
    ]
    return keyboard(in_columns(buttons, 3))


def hours_keyboard() -> InlineKeyboardMarkup:
    return keyboard(
        in_columns([button(f"{a}:00–{b}:00", ChooseHours(a, b)) for a, b in WAKING_CHOICES], 2)
    )


def unknown_zone(t: Translator, zone: str) -> str:
    return t._(
        'I don\'t know the time zone "%(zone)s". Use an IANA name such as '
        "<code>Europe/Berlin</code> or <code>Asia/Almaty</code>, or pick one below.",
        zone=zone[:64].replace("<", "&lt;"),
    )


def zone_and_hours(t: Translator, zone: str, hours: tuple[int, int]) -> str:
    return t._(
        "Your time zone is %(zone)s. Reminders come between %(start)s:00 and %(end)s:00 "
        "your time. Pick another zone, or send <code>/timezone Area/City</code>, e.g. "
        "<code>/timezone Asia/Tbilisi</code>.",
        zone=zone,
        start=hours[0],
        end=hours[1],
    )


def ask_hours(t: Translator) -> str:
    return t._("When may reminders arrive? Pick your waking hours (your local time):")


def hours_set(t: Translator, hours: tuple[int, int]) -> str:
    return t._(
        "Done: reminders will come between %(start)s:00 and %(end)s:00 your time.",
        start=hours[0],
        end=hours[1],
    )


def zone_set(t: Translator, zone: str, now: datetime) -> str:
    return t._(
        "Done: your time zone is %(zone)s (it's %(time)s there now).",
        zone=zone,
        time=t.datetime(now, zone),
    )


def delete_question(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    return t._(
        "This deletes everything I keep about you: all your orders and disputes, evidence "
        "references, reminders, history and settings. It cannot be undone. Delete?"
    ), keyboard(
        [
            [button("🗑 " + t._("Yes, delete everything"), DeleteData("yes"))],
            [button(t._("No, keep my data"), DeleteData("no"))],
        ]
    )
