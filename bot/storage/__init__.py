"""Storage: one SQLite database (aiosqlite, WAL) for the bot's data.

- ``bot.storage.db.Database``: ``await Database.open(path)`` migrates and returns the
  database with its repositories (``db.users``, ``db.disputes``, ``db.evidence``,
  ``db.reminders``, ``db.events``).
- ``bot.storage.engine``: how statements reach SQLite (connections, transactions).
- ``bot.storage.repositories``: the SQL, one module per table family.
- ``bot.storage.codecs``, ``bot.storage.schema``, ``bot.storage.errors``: value spellings,
  migrations, and the errors an operator sees.

Import from the modules themselves: this package imports nothing, so that a light module
(``errors``, ``codecs``) never drags in the rest (or PTB) and no import cycle can form.
"""
