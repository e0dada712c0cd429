"""Telegram glue: translate updates to the domain and back.

What the bot says is in bot/views; what a case may do, in bot/domain; storing a change of a
case, in bot/services.py. Every handler here is registered in one table, bot/app.py's
`handler_table`; button presses arrive parsed (bot/callbacks.py, `dispatch.Press`).

Three rules every handler here keeps:

1. No reply before its state is durable. Whatever a reply tells the buyer or asks them next
   (the next wizard step, "Done: saved", a recorded stage, a muted order, deleted data) is
   committed to the database BEFORE the call that sends it: the buyer may read the reply even
   if the process is killed the instant Telegram receives it, so their next answer must find
   the state that reply announced. For the wizard that state is the dispute row itself: its
   `wizard_step` is the only record of where the buyer is, written in the same transaction as
   the answer (wizard/turn.py: `persist`), so there is no second copy to keep in step. A
   callback answer with no text tells the buyer nothing and may go first; a failed reply is
   safe, since the state it would have shown is already stored. Tested on the real process by
   tests/test_durable_replies.py, which kills the bot as each such reply arrives.
2. Private chats only: private.py's guard (app.py's GROUP_PRIVATE, right after the buyer's
   language is resolved) stops every update from a group, supergroup or channel before any
   other handler here sees it, so no handler needs to check the chat type, and none can show a
   buyer's data outside their private chat.
3. Buyer text is valid Unicode: inbound.py, the first handler group, has already replaced any
   lone surrogate in the update with U+FFFD, so text may be stored and echoed as it is (still
   HTML-escaped where the parse mode is HTML).
"""
