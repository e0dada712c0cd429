"""Operator alerts: an unhandled error is counted, and reported to ERROR_CHAT_ID if set.

The report is short enough to read on a phone: where it happened (the handler, the update's
id and kind), the exception's type and message. It never carries what a buyer wrote: every
string of the update (text, caption, button data, names) is taken out of the message, word by
word as well as whole, and so is the token; the update id leads to the full story in the logs.

At most one report per minute per kind (handler and exception type), so a failing dependency
does not turn into a flood in the operator's chat; the next report says how many were held
back. Reports go through the application's own bot, so they share its outgoing rate limiter
with the buyers' replies, and a report that cannot be sent is logged, never raised: this runs
inside the error handler, the last place an exception could go.
"""

from __future__ import annotations

import html
import logging
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Final

from telegram import Update

from bot import metrics
from bot.concurrency import update_kind
from bot.context import BotContext, DisputeApplication
from bot.logsetup import Redactor

log = logging.getLogger(__name__)

INTERVAL: Final = timedelta(minutes=1)
MESSAGE_LIMIT: Final = 300  # characters of the exception's message in a report
BUYER_TEXT: Final = "[buyer text]"
_WORD = re.compile(r"\w{2,}")
_RUN = re.compile(rf"{re.escape(BUYER_TEXT)}(?:\W+{re.escape(BUYER_TEXT)})+")


@dataclass
class AlertGate:
    """One report per kind per `interval`; counts what it held back in between."""

    interval: timedelta = INTERVAL
    _last: dict[str, datetime] = field(default_factory=dict)
    _held: dict[str, int] = field(default_factory=dict)

    def admit(self, kind: str, now: datetime) -> int | None:
        """None: hold this one back. Otherwise report it, with this many held back before."""
        last = self._last.get(kind)
        if last is not None and now - last < self.interval:
            self._held[kind] = self._held.get(kind, 0) + 1
            return None
        self._last[kind] = now
        return self._held.pop(kind, 0)


# One gate per application (tests build many; production one), dropped with it.
_gates: weakref.WeakKeyDictionary[DisputeApplication, AlertGate] = weakref.WeakKeyDictionary()


def gate_for(application: DisputeApplication) -> AlertGate:
    gate = _gates.get(application)
    if gate is None:
        gate = _gates[application] = AlertGate()
    return gate


# Modules that only route an update to the handler that takes it: PTB's, and our own handler
# classes (typed button presses, the wizard's router).
_DISPATCH: Final = ("telegram", "bot.handlers.dispatch", "bot.handlers.wizard.router")


def handler_name(traceback: TracebackType | None) -> str:
    """The first function of ours that PTB called on the way to the error.

    Dispatching frames (PTB's update loop and handler classes, our handler classes) come
    first in the traceback; the first frame outside them is the callback that was running.
    """
    last = "unknown"
    frame_tb = traceback
    while frame_tb is not None:
        frame = frame_tb.tb_frame
        module = str(frame.f_globals.get("__name__", "?"))
        last = f"{module}.{frame.f_code.co_qualname}"
        if not module.startswith(_DISPATCH):
            return last
        frame_tb = frame_tb.tb_next
    return last


# Fields of an update that describe it rather than carry what a buyer wrote.
_STRUCTURAL_KEYS: Final = frozenset({"type", "language_code"})


def _strings(value: Any) -> Iterator[str]:
    """Every string inside an update's JSON, but for the structural fields."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _STRUCTURAL_KEYS:
                yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def without_buyer_text(message: str, update: object) -> str:
    """`message` with everything the update carried taken out, whole strings and words.

    Case does not matter (PTB re-capitalises Telegram's error descriptions, which may quote
    the text); neither do quotes and escapes (str() of an exception often holds a repr()).
    """
    if not isinstance(update, Update):
        return message
    texts = {s for s in _strings(update.to_dict()) if len(s) >= 2}
    forms = texts | {repr(s)[1:-1] for s in texts}
    for text in sorted(forms, key=len, reverse=True):
        whole = re.compile(rf"(?<!\w){re.escape(text)}(?!\w)", re.IGNORECASE)
        message = whole.sub(BUYER_TEXT, message)
    words = {w.casefold() for text in texts for w in _WORD.findall(text)}
    message = _WORD.sub(
        lambda m: BUYER_TEXT if m.group().casefold() in words else m.group(), message
    )
    return _RUN.sub(BUYER_TEXT, message)


def error_report(
    handler: str, update: object, error: BaseException, redactor: Redactor, held_back: int
) -> str:
    """The report's HTML text (the bot's default parse mode)."""
    update_id = update.update_id if isinstance(update, Update) else None
    message = redactor(without_buyer_text(str(error), update))
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 1] + "…"
    where = f"update {update_id} ({update_kind(update)})" if update_id is not None else "no update"
    lines = [
        f"⚠️ <b>Unhandled error</b> in <code>{html.escape(handler)}</code>",
        html.escape(where),
        f"<code>{html.escape(type(error).__name__)}</code>: {html.escape(message)}",
    ]
    if held_back:
        lines.append(f"({held_back} more of this kind held back since the last report)")
    return "\n".join(lines)


async def report_error(update: object, context: BotContext) -> None:
    """Count the error; report it to ERROR_CHAT_ID unless one of its kind went out just now."""
    error = context.error
    if error is None:
        return
    metrics.ERRORS.labels(type(error).__name__).inc()
    application = context.application
    if not isinstance(application, DisputeApplication):
        return
    services = application.services
    chat = services.settings.error_chat_id
    if chat is None:
        return
    handler = handler_name(error.__traceback__)
    held_back = gate_for(application).admit(f"{handler}:{type(error).__name__}", services.clock())
    if held_back is None:
        return
    settings = services.settings
    redactor = Redactor([settings.token, settings.webhook_secret or ""])
    text = error_report(handler, update, error, redactor, held_back)
    try:
        await context.bot.send_message(chat, text)
    except Exception:  # the error handler must finish: log, and let the buyer be answered
        log.warning("could not send the error report to ERROR_CHAT_ID", exc_info=True)
