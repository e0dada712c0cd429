"""Why the database cannot be used, in words an operator can act on.

A light module (no aiosqlite, no telegram) so that the entry point can catch these without
importing the rest of the bot. ``str()`` of each is one line that names the file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = [
    "ConstraintError",
    "DatabaseBusyError",
    "DatabaseInUseError",
    "DatabaseOpenError",
    "DatabaseUnavailableError",
    "SchemaTooNewError",
    "redact_url",
    "url_secrets",
    "without_password",
]


class DatabaseUnavailableError(RuntimeError):
    """The bot cannot start on this database; the message says why in one line."""


class DatabaseOpenError(DatabaseUnavailableError):
    """The file cannot be opened or created (missing directory rights, a directory, not a
    database, read-only)."""

    @classmethod
    def because(cls, path: str | os.PathLike[str], error: BaseException) -> DatabaseOpenError:
        return cls(_explain(Path(path), error))


def _explain(path: Path, error: BaseException) -> str:
    """What went wrong opening ``path``, as an operator would say it."""
    parent = path.parent
    if path.is_dir():
        return f"{path} is a directory, not a database file"
    if parent.exists() and not parent.is_dir():
        return f"cannot open {path}: {parent} is not a directory"
    if isinstance(error, OSError):
        where = error.filename or path
        return f"cannot open {path}: {where}: {error.strerror or error}"
    text = str(error)
    if isinstance(error, sqlite3.DatabaseError) and "not a database" in text:
        return f"{path} is not a SQLite database"
    if "readonly" in text:
        return f"{path} is read-only (the bot writes it, its -wal and -shm files and its folder)"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot open {path}: the directory {parent} is not writable"
    return f"cannot open {path}: {text}"


class SchemaTooNewError(DatabaseUnavailableError):
    """The database was written by a newer version of the bot; refusing to touch it."""

    @classmethod
    def found(cls, path: object, version: int, latest: int) -> SchemaTooNewError:
        return cls(
            f"database {path} has schema version {version}, but this code only knows "
            f"versions up to {latest}; upgrade the bot or restore a backup"
        )


class DatabaseInUseError(DatabaseUnavailableError):
    """Another bot process already runs on this database file."""


class DatabaseBusyError(RuntimeError):
    """A write could not get SQLite's write lock in time: another process (a sqlite3 shell,
    a restore) held it. Nothing was written; the caller may try again later."""


class ConstraintError(Exception):
    """A statement broke a constraint of the schema (a UNIQUE index, a CHECK, a reference),
    on either engine. The transaction it ran in was rolled back."""


def redact_url(url: str) -> str:
    """A database URL as it may be printed or logged: the password replaced by ``***``
    (DATABASE_URL's password is as secret as the bot's token)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def url_secrets(url: str | None) -> list[str]:
    """The password of a database URL as written and as decoded: what logging must redact."""
    password = urlsplit(url).password if url else None
    return [password, unquote(password)] if password else []


def without_password(text: str, url: str) -> str:
    """``text`` (an error message) with the URL's password taken out wherever it appears."""
    for secret in sorted(url_secrets(url), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
