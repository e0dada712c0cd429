"""Why the database cannot be used, in words an operator can act on.

A light module (no aiosqlite, no telegram) so that the entry point can catch these without
importing the rest of the bot. ``str()`` of each is one line that names the file.
"""

from __future__ import annotations

__all__ = [
    "DatabaseBusyError",
    "DatabaseInUseError",
    "DatabaseOpenError",
    "DatabaseUnavailableError",
    "SchemaTooNewError",
]


class DatabaseUnavailableError(RuntimeError):
    """The bot cannot start on this database; the message says why in one line."""


class DatabaseOpenError(DatabaseUnavailableError):
    """The file cannot be opened or created (missing directory rights, a directory, not a
    database, read-only)."""


class SchemaTooNewError(DatabaseUnavailableError):
    """The database was written by a newer version of the bot; refusing to touch it."""


class DatabaseInUseError(DatabaseUnavailableError):
    """Another bot process already runs on this database file."""


class DatabaseBusyError(RuntimeError):
    """A write could not get SQLite's write lock in time: another process (a sqlite3 shell,
    a restore) held it. Nothing was written; the caller may try again later."""
