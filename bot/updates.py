"""Updates parsed one at a time, so that one python-telegram-bot cannot read stops nothing.

PTB parses a whole getUpdates batch in one go (`Update.de_list`): one update it cannot read (a
Bot API newer than the installed library: a `poll` without `allows_revoting`, a chat without
`type`, a `date` that is not a number) fails the whole call, the offset never moves past it,
and nobody is answered again. Here each update is parsed on its own; one that fails is skipped
with one WARNING naming its update_id, the kind of update (the Bot API's field name) and the
exception's type, never its content, and counted in `metrics.UNPARSEABLE_UPDATES`. Polling
(bot/polling.py) still moves its offset past it; the webhook (bot/web.py) still answers 200 so
that Telegram does not send it again and again.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any, Final

from telegram import Bot, Update
from telegram.ext import ExtBot

from bot import metrics

log = logging.getLogger(__name__)

__all__ = [
    "ALLOWED_UPDATES",
    "MAX_DEPTH",
    "loads_bounded",
    "parse_batch",
    "parse_update",
    "update_id_of",
]

#: The kinds of update the bot asks Telegram for (getUpdates' and setWebhook's
#: `allowed_updates`): the ones its handlers use. Messages and button presses; edited messages
#: (the wizard asks for a new message instead); channel posts and the bot's own membership
#: (bot/handlers/private.py leaves groups and channels). Nothing else: in particular not
#: `business_message`, which Telegram delivers, in chats of type "private", from a buyer's
#: chats with *other people* once they connect the bot to a Telegram Business account, where
#: any answer would be posted on the buyer's behalf to the other person; nor inline queries,
#: polls, reactions or payments, which no handler reads and which would only be work to drop.
ALLOWED_UPDATES: Final = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CHANNEL_POST,
    Update.EDITED_CHANNEL_POST,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
)

# Top-level keys of an update are the Bot API's own field names ("message", "poll", ...); only
# names of that shape are logged, so a forged key cannot carry text into the log.
_FIELD_RE: Final = re.compile(r"^[a-z_]{1,40}$")


#: How deep JSON may nest once it is too deep for Python's parser: Telegram's updates nest a
#: dozen levels at most (a message in a reply in a message ...), so deeper is never data the
#: bot reads.
MAX_DEPTH: Final = 64
# A JSON string (escapes included) or one bracket: all that matters for the depth.
_JSON_TOKEN: Final = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def loads_bounded(text: str) -> Any:
    """``json.loads``, except that JSON nested deeper than Python's parser can follow (it
    raises RecursionError from about 1,000 levels: a 2 kB body) still parses: whatever lies
    deeper than `MAX_DEPTH` becomes ``null``. Without this one such update in a getUpdates
    batch made every poll fail (nobody answered again), and in the webhook it was a 500 that
    Telegram sends again and again. ValueError for JSON that is malformed, as json.loads."""
    try:
        return json.loads(text)
    except RecursionError:
        pass
    parts: list[str] = []
    depth = 0
    kept_from = 0  # where the text to keep resumes
    for token in _JSON_TOKEN.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth == MAX_DEPTH + 1:
                parts.append(text[kept_from : token.start()])
                parts.append("null")
        elif mark in "]}":
            if depth == MAX_DEPTH + 1:
                kept_from = token.end()
            depth -= 1
    if depth > MAX_DEPTH:
        raise ValueError("unterminated JSON")
    parts.append(text[kept_from:])
    return json.loads("".join(parts))


def update_id_of(data: object) -> int | None:
    """The update's update_id, when it has a usable one."""
    if not isinstance(data, dict):
        return None
    value = data.get("update_id")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _kinds(data: object) -> str:
    if not isinstance(data, dict):
        return type(data).__name__
    names = sorted(
        k for k in data if isinstance(k, str) and k != "update_id" and _FIELD_RE.match(k)
    )
    return ",".join(names[:3]) or "no fields"


def parse_update(data: object, bot: Bot) -> Update | None:
    """The Update, or None (logged once, counted) when PTB cannot read it."""
    update_id = update_id_of(data)
    try:
        if update_id is None or not isinstance(data, dict):
            raise ValueError("no update_id")
        update = Update.de_json(data, bot)
        if isinstance(bot, ExtBot):
            bot.insert_callback_data(update)  # as ExtBot.get_updates does
    except Exception as error:
        metrics.UNPARSEABLE_UPDATES.inc()
        log.warning(
            "skipped update %s (%s): python-telegram-bot cannot parse it (%s)",
            update_id if update_id is not None else "without an update_id",
            _kinds(data),
            type(error).__name__,
        )
        return None
    return update


def parse_batch(items: Iterable[Any], bot: Bot) -> tuple[list[Update], int | None]:
    """A getUpdates result: the updates PTB can read, and the offset that confirms them all.

    The offset is one past the highest update_id in the batch, unreadable updates included,
    so that Telegram never sends those again. None when no item has an update_id at all.
    """
    updates: list[Update] = []
    highest: int | None = None
    for item in items:
        update_id = update_id_of(item)
        if update_id is not None and (highest is None or update_id > highest):
            highest = update_id
        update = parse_update(item, bot)
        if update is not None:
            updates.append(update)
    return updates, None if highest is None else highest + 1
