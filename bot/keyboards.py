"""Inline keyboards and the compact callback-data scheme.

Callback data is `<namespace>:<field>:<field>...`, ASCII, at most 64 bytes (Telegram's limit).
Nothing in it is trusted: every press is parsed and validated against the current state by the
handler that owns the namespace; anything that does not parse or no longer fits gets "this
button is out of date". Ids in callback data are never enough to reach another buyer's data:
repositories always scope by the presser's own user id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_CALLBACK_BYTES = 64
SEPARATOR = ":"


def callback(*fields: str | int) -> str:
    """Join fields into callback data; refuse what Telegram would reject or we could not parse."""
    parts = [str(f) for f in fields]
    for part in parts:
        if SEPARATOR in part or not part.isascii():
            raise ValueError(f"callback field {part!r} must be ASCII without {SEPARATOR!r}")
    data = SEPARATOR.join(parts)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data {data!r} is longer than {MAX_CALLBACK_BYTES} bytes")
    return data


def parse_callback(data: str | None, namespace: str, arity: int | None = None) -> list[str] | None:
    """The fields after the namespace, or None when the data is not ours or malformed."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split(SEPARATOR)
    if parts[0] != namespace:
        return None
    fields = parts[1:]
    if arity is not None and len(fields) != arity:
        return None
    return fields


MAX_ID = 2**63 - 1  # SQLite's INTEGER range: a larger "id" cannot name any row


def parse_id(field: str) -> int | None:
    """A row id from callback data, or None. Only ASCII digits in SQLite's range: `str.isdigit`
    also accepts "²" and "٣", which `int()` or SQLite then refuse with an exception."""
    if not field.isascii() or not field.isdecimal() or len(field) > 19:
        return None
    value = int(field)
    return value if 0 < value <= MAX_ID else None


def button(text: str, *fields: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callback(*fields))


def keyboard(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in rows if row])


def in_columns(
    buttons: Sequence[InlineKeyboardButton], columns: int
) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]
