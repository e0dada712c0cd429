-- Schema version 3: python-telegram-bot's user_data, chat_data, bot_data and callback_data
-- tables go. The bot never used them (no handler touches context.user_data, chat_data or
-- bot_data; buttons carry our own callback-data scheme, not PTB's arbitrary callback data),
-- yet PTB wrote an empty user_data row and an empty chat_data row for every buyer who ever
-- wrote (40,000 rows after 20,000 hellos), and loaded all of them into memory at every start.
-- SqlitePersistence now stores conversations only: the wizard is a persistent
-- ConversationHandler, and buyers' settings have their own table (users).
DROP TABLE user_data;
DROP TABLE chat_data;
DROP TABLE bot_data;
DROP TABLE callback_data;
