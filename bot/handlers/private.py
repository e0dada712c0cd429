"""Private chats only: one guard in front of every handler.

A buyer's orders, amounts and deadlines are theirs alone, so the bot talks only in a private
chat. `PrivateOnly` runs right after the buyer's language is resolved (bot/app.py,
GROUP_PRIVATE) and stops every update that comes from a group, supergroup or channel before
flood control (whose "slow down" would be said there), any flow, command or button sees it.
There:

- added to a group or channel (a `my_chat_member` update making the bot a member): it leaves,
  saying nothing;
- a command addressed to it in a group: one localized line, "I work in private chats only",
  with a link to the private chat, then it leaves; any other message or channel post: it leaves
  without a word (answering every message of a busy group would be spam, posting in a channel
  would broadcast to its subscribers);
- a button pressed on one of its messages in such a chat: only the short callback answer;
- anything else from such a chat: nothing.

The one exception is a chat the operator put the bot in on purpose, the ERROR_CHAT_ID chat for
alerts: there it stays, and still says nothing and shows nothing.

The line and the answer are in the sender's language, as `load_buyer` resolved it (their own
choice if they are a buyer, else their Telegram language); nothing is written for them.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable

from telegram import Chat, ChatMember, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.i18n import Translator

log = logging.getLogger(__name__)

# The bot's membership after a my_chat_member update that means "we are in this chat now".
_PRESENT = frozenset(
    {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.RESTRICTED, ChatMember.OWNER}
)


def private_chat_link(username: str) -> str:
    return f"https://t.me/{username}"


def private_only_text(t: Translator, username: str) -> str:
    """The one line the bot says in a group (HTML)."""
    return t._(
        "I work in private chats only, so that nobody else sees your orders: %(link)s",
        link=html.escape(private_chat_link(username)),
    )


def private_only_answer(t: Translator) -> str:
    """The callback answer for a button pressed in a group (at most 200 characters)."""
    return t._("I work in private chats only.")


class PrivateOnly:
    """The TypeHandler callback: let private chats through, handle every other chat here, stop.

    `stay_in`: chats the operator put the bot in on purpose (the ERROR_CHAT_ID chat, as an id
    or an "@username"): it neither leaves them nor says anything there.
    """

    def __init__(self, stay_in: Iterable[int | str] = ()) -> None:
        chats = list(stay_in)
        self._ids = frozenset(c for c in chats if isinstance(c, int))
        self._usernames = frozenset(c.lstrip("@").lower() for c in chats if isinstance(c, str))

    def _stays_in(self, chat: Chat) -> bool:
        return chat.id in self._ids or (chat.username or "").lower() in self._usernames

    async def __call__(self, update: object, context: BotContext) -> None:
        if not isinstance(update, Update):
            return
        if _business(update):
            # A buyer's Telegram Business chat is "private" too, but with someone else: a reply
            # there would speak, in the buyer's name, to their customer. Never answer one.
            raise ApplicationHandlerStop
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return  # private chats, and updates of no chat (inline queries, polls) go on
        if not self._stays_in(chat):
            await _outside(update, context, chat.id)
        raise ApplicationHandlerStop


def _business(update: Update) -> bool:
    """An update of a Telegram Business connection (ALLOWED_UPDATES does not ask for them, but a
    Bot API server may send them anyway)."""
    if (
        update.business_message is not None
        or update.edited_business_message is not None
        or update.deleted_business_messages is not None
        or update.business_connection is not None
    ):
        return True
    message = update.effective_message
    return message is not None and message.business_connection_id is not None


async def _outside(update: Update, context: BotContext, chat_id: int) -> None:
    """What the bot does about an update from a chat it does not belong in (module docs)."""
    t = context.t
    member = update.my_chat_member
    if member is not None:
        if member.new_chat_member.status in _PRESENT:
            await _leave(context, chat_id)
    elif update.callback_query is not None:
        await _answer(update, t)
    elif update.effective_message is not None:
        message = update.message
        if message is not None and _addressed_command(message, context.bot.username):
            await _say(context, chat_id, private_only_text(t, context.bot.username))
        await _leave(context, chat_id)


def _addressed_command(message: Message, username: str) -> bool:
    """A /command at the start of the message, for all bots or for this one (`/start@us`)."""
    entities = message.entities
    if not entities or entities[0].type != MessageEntity.BOT_COMMAND or entities[0].offset:
        return False
    command = (message.text or "")[: entities[0].length]
    _, _, addressee = command.partition("@")
    return not addressee or addressee.lower() == username.lower()


async def _say(context: BotContext, chat_id: int, text: str) -> None:
    try:
        await context.bot.send_message(chat_id, text)
    except TelegramError as error:  # no right to write there, or already removed
        log.info("could not answer in non-private chat %s: %s", chat_id, error)


async def _leave(context: BotContext, chat_id: int) -> None:
    try:
        await context.bot.leave_chat(chat_id)
    except TelegramError as error:  # already gone: nothing left to do
        log.info("could not leave non-private chat %s: %s", chat_id, error)
    else:
        log.info("left non-private chat %s", chat_id)


async def _answer(update: Update, t: Translator) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.answer(private_only_answer(t))
    except TelegramError as error:  # too old to answer
        log.info("could not answer a button pressed in a non-private chat: %s", error)
