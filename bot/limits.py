"""Telegram's limits on what a bot sends, and which Bot API calls count against them.

What Telegram documents (Bots FAQ, "My bot is hitting limits, how do I avoid this?"): in one
chat, avoid more than one message per second (short bursts pass, sustained ones get 429); to
many users, no more than about 30 messages per second; in a group, no more than 20 messages
per minute. Beyond that every call may get 429 with ``retry_after``. bot/ratelimit.py keeps
the bot within these; bot/flood.py keeps what buyers send in line with them.

What counts: every call that puts or changes a message in a chat (``send*`` but
sendChatAction, ``editMessage*``, ``copyMessage(s)``, ``forwardMessage(s)``, ``stopPoll``,
``stopMessageLiveLocation``). An album (sendMediaGroup) is one action in its chat and as many
messages as it has items overall. Not counted: answerCallbackQuery (not a message, has no
chat, and the button spins until it is answered: it expires after about 15 s; it is bounded
by the buyer's own presses, which bot/flood.py limits), sendChatAction, deleteMessage,
getMe, setMyCommands and the like. getUpdates never reaches a rate limiter.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

OVERALL_RATE: Final = 30  # messages per second, Telegram's documented bulk limit
CHAT_RATE: Final = 1.0  # messages per second per private chat, sustained
CHAT_BURST: Final = 3.0  # messages a private chat may get at once (a step: reply + edit, + 1)
GROUP_RATE: Final = 20 / 60  # Telegram: 20 messages per minute in a group
GROUP_BURST: Final = 3.0
#: A slow but healthy Telegram round trip: the reminder lane never has more sends in flight
#: than its rate needs at this round trip (`reminder_in_flight`).
RTT_ALLOWANCE: Final = 0.25
UNLIMITED_IN_FLIGHT: Final = 8  # reminder sends in flight when nothing limits the rate

_COUNTED_PREFIXES: Final = (
    "send",
    "editMessage",
    "copyMessage",
    "forwardMessage",
    "stopPoll",
    "stopMessageLiveLocation",
)
_NOT_COUNTED: Final = frozenset({"sendChatAction"})


class Lane(IntEnum):
    """Who is sending; a lower value is served first."""

    REPLY = 0
    REMINDER = 1


@dataclass(frozen=True, slots=True)
class Cost:
    """What one call takes: messages from the overall budget, and from its chat's."""

    overall: int
    chat: int


FREE: Final = Cost(0, 0)
ONE: Final = Cost(1, 1)


def cost_of(endpoint: str, data: Mapping[str, object]) -> Cost:
    """The budget one Bot API call takes (the module docstring says why)."""
    if endpoint in _NOT_COUNTED or not endpoint.startswith(_COUNTED_PREFIXES):
        return FREE
    if endpoint == "sendMediaGroup":
        media = data.get("media")
        items = len(media) if isinstance(media, list | tuple) else 1
        return Cost(max(1, items), 1)
    return ONE


def chat_key(chat_id: object) -> Hashable | None:
    """A chat's bucket key: its integer id, an @username as is, None without a chat."""
    if chat_id is None or isinstance(chat_id, bool):
        return None
    if isinstance(chat_id, int):
        return chat_id
    text = str(chat_id).strip()
    with contextlib.suppress(ValueError):
        return int(text)
    return text or None


def is_group(key: Hashable) -> bool:
    return not isinstance(key, int) or key < 0


def retry_after_seconds(error: RetryAfter) -> float:
    """The pause Telegram asked for, in seconds (PTB 22 warns when it is read as a number)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value)
    return max(0.0, seconds)


def reminder_in_flight(rate: float) -> int:
    """Reminder sends in flight at most: what `rate`/s needs at a round trip of
    `RTT_ALLOWANCE` (one started per 1/rate s, each lasting one round trip), plus one."""
    if rate <= 0:
        return UNLIMITED_IN_FLIGHT
    return math.ceil(rate * RTT_ALLOWANCE) + 1


__all__ = [
    "CHAT_BURST",
    "CHAT_RATE",
    "FREE",
    "GROUP_BURST",
    "GROUP_RATE",
    "ONE",
    "OVERALL_RATE",
    "RTT_ALLOWANCE",
    "UNLIMITED_IN_FLIGHT",
    "Cost",
    "Lane",
    "chat_key",
    "cost_of",
    "is_group",
    "reminder_in_flight",
    "retry_after_seconds",
]
