"""Lone surrogates are repaired on the way in, before any handler reads the update.

JSON may carry a UTF-16 surrogate that is not half of a pair (`"\\ud800"`), and Python's JSON
parser turns it into a `str` that no UTF-8 encoder accepts. Left in, such a character breaks
whatever later touches the text: SQLite refuses to store it (an item title with one used to
end in "Sorry, something went wrong"), aiohttp cannot encode it in a multipart form (a caption
with a file), and Telegram refuses a JSON request that carries one (an echo such as "I don't
know the command /foo…" was lost).

Why here, once, and not in an escape helper on the way out: the text is stored before it is
ever echoed, so an output-side fix comes too late for the database; and buyer text reaches
Telegram along many paths (HTML-escaped in cards and prompts, plain in button labels and
captions, file names), where one forgotten call would be the next bug. `repair_update` runs as
the first handler group (bot/app.py, GROUP_INBOUND) and walks every string of the update,
whatever field it is in (text, captions, names, file names, callback data, fields of future Bot
API versions), so nothing after it can meet a lone surrogate. Each one becomes U+FFFD, the
replacement character: a single UTF-16 unit like the surrogate it replaces, so the entity
offsets Telegram sent (commands, formatting) still point at the same text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import compress
from operator import attrgetter
from typing import Final

from telegram import TelegramObject, Update

from bot.context import BotContext

REPLACEMENT: Final = "\ufffd"
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# Strings that are a valid pair in JSON arrive as one code point above U+FFFF, never as two
# surrogates, so any surrogate code point left in a `str` is a lone one.

# Per class: a getter of all its public attributes at once (C speed), and their names.
_GETTERS: dict[type, tuple[Callable[[object], tuple[object, ...]], tuple[str, ...]]] = {}


def clean_text(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (the same object when there is none)."""
    if text.isascii() or _LONE_SURROGATE.search(text) is None:
        return text
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


def _getter(cls: type) -> tuple[Callable[[object], tuple[object, ...]], tuple[str, ...]]:
    """All public attributes of a Telegram class (PTB declares them as __slots__)."""
    found = _GETTERS.get(cls)
    if found is None:
        slots = (getattr(klass, "__slots__", ()) for klass in cls.__mro__)
        every = (name for s in slots for name in ((s,) if isinstance(s, str) else s))
        names = tuple(
            dict.fromkeys(n for n in every if not n.startswith("_") and n != "api_kwargs")
        )
        get = attrgetter(*names, "__class__")  # a tuple even for a single name
        found = _GETTERS[cls] = (get, names)
    return found


def _clean_value(value: object) -> object | None:
    """The value with lone surrogates replaced, if it is a string or a tuple holding strings
    and anything changed; else None."""
    if isinstance(value, str):
        cleaned = clean_text(value)
        return cleaned if cleaned is not value else None
    if isinstance(value, tuple) and any(isinstance(v, str) for v in value):
        items = tuple(clean_text(v) if isinstance(v, str) else v for v in value)
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else None
    return None


def _children(value: object) -> Iterator[TelegramObject]:
    """The Telegram objects in an attribute's value: itself, or inside (nested) tuples."""
    if isinstance(value, TelegramObject):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _children(item)


def repair(obj: TelegramObject) -> int:
    """Replace lone surrogates in every string of `obj`, recursively; returns how many strings
    changed. Telegram objects are frozen after parsing: PTB's own `_unfrozen()` is the one way
    to change one in place, and in place is needed, since every handler gets this object."""
    get, names = _getter(type(obj))
    try:
        values = get(obj)
    except AttributeError:  # an attribute never set: read them one by one
        values = tuple(getattr(obj, name, None) for name in names)
    changed = 0
    # Most attributes are None or empty: compress skips them at C speed. (zip stops at the
    # names: the getter's last item is __class__, there only to make it return a tuple.)
    for name, value in compress(zip(names, values, strict=False), values):
        if isinstance(value, TelegramObject):
            changed += repair(value)
            continue
        if not isinstance(value, str | tuple):
            continue  # numbers, dates, enums
        new = _clean_value(value)
        if new is not None:
            with obj._unfrozen():
                setattr(obj, name, new)
            changed += 1
        if isinstance(value, tuple):
            for child in _children(value):
                changed += repair(child)
    return changed


async def repair_update(update: object, context: BotContext) -> None:
    """TypeHandler callback for the first handler group (see the module docstring)."""
    if isinstance(update, Update):
        repair(update)
