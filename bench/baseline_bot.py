"""The baseline for bench/wizard.py: a minimal python-telegram-bot bot, default settings.

The shape of python-telegram-bot's `examples/persistentconversationbot.py`: one persistent,
named ConversationHandler, `PicklePersistence` with its defaults (written every 60 s and at
shutdown), text steps each answered with a reply, no database. Six steps: /start asks the
first question, each of the six answers gets the next question (the last one a summary).

Run as `python -m bench.baseline_bot` with TELEGRAM_BOT_TOKEN and TELEGRAM_API_BASE_URL (the
stand-in) set; BASELINE_PERSISTENCE_PATH names the pickle file (default ./baseline.pickle).
"""

from __future__ import annotations

import logging
import os

from telegram import ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

logging.basicConfig(
    format="%(asctime)s - %(name)s - %(levelname)s - %(message)s", level=logging.INFO
)
logging.getLogger("httpx").setLevel(logging.WARNING)  # as the example does

QUESTIONS = (
    "Order number?",
    "What is the item?",
    "How much did you pay?",
    "Did you receive it?",
    "What is the problem?",
    "Describe it in a sentence.",
)
STEPS = ("order", "item", "amount", "received", "reason", "description")
REPLY_KEYBOARD = ReplyKeyboardMarkup([["Yes", "No"], ["Done"]], one_time_keyboard=True)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None
    await update.message.reply_text(f"Step 1 of 6. {QUESTIONS[0]}", reply_markup=REPLY_KEYBOARD)
    return 0


def step(index: int):  # type: ignore[no-untyped-def]
    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        context.user_data[STEPS[index]] = update.message.text
        if index + 1 < len(STEPS):
            await update.message.reply_text(
                f"Step {index + 2} of 6. {QUESTIONS[index + 1]}", reply_markup=REPLY_KEYBOARD
            )
            return index + 1
        facts = "\n".join(f"{key}: {context.user_data.get(key)}" for key in STEPS)
        await update.message.reply_text(
            f"Thanks, saved:\n{facts}", reply_markup=ReplyKeyboardRemove()
        )
        return ConversationHandler.END

    return answer


async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None
    await update.message.reply_text("Cancelled.", reply_markup=ReplyKeyboardRemove())
    return ConversationHandler.END


def main() -> None:
    persistence = PicklePersistence(
        filepath=os.environ.get("BASELINE_PERSISTENCE_PATH", "baseline.pickle")
    )
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot"))
        .persistence(persistence)
        .build()
    )
    conversation = ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={
            index: [MessageHandler(filters.TEXT & ~filters.COMMAND, step(index))]
            for index in range(len(STEPS))
        },
        fallbacks=[CommandHandler("cancel", done)],
        name="baseline_conversation",
        persistent=True,
    )
    application.add_handler(conversation)
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
