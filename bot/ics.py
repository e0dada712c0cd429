"""An iCalendar (RFC 5545) file of a case's deadlines, for the buyer's own calendar app."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

PRODID = "-//Dispute Helper//Telegram bot//EN"
_ALARM_BEFORE = timedelta(days=1)


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded with CRLF + space, never inside a character."""
    out: list[str] = []
    current = ""
    for ch in line:
        if len((current + ch).encode()) > 75:
            out.append(current)
            current = " " + ch
        else:
            current += ch
    out.append(current)
    return "\r\n".join(out)


def calendar(events: Sequence[tuple[str, str, datetime, str]], *, now: datetime) -> bytes:
    """`events` are (uid, summary, instant, description); instants are UTC-aware.

    Each deadline is a 15-minute event ending at the deadline, with an alarm a day before.
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for uid, summary, instant, description in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(instant - timedelta(minutes=15))}",
            f"DTEND:{_stamp(instant)}",
            f"SUMMARY:{_escape(summary)}",
            f"DESCRIPTION:{_escape(description)}",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_escape(summary)}",
            f"TRIGGER:-P{_ALARM_BEFORE.days}D",
            "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
