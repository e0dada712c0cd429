"""What the engine runs on the writer's aiosqlite thread: a write that either completes or,
finding SQLite's write lock taken by another process, returns ``BUSY`` having done nothing.

Only the moment the lock is *acquired* may come back as BUSY (BEGIN IMMEDIATE, or the first
step of one autocommitted statement); once a transaction holds the lock in WAL mode, nothing
after it can be busy, so work that ran is never run twice (``SqliteEngine._until_locked``
retries only a BUSY).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from typing import Any, Final, TypeVar

__all__ = [
    "BUSY",
    "Busy",
    "Params",
    "autocommit",
    "autocommit_rows",
    "begin_or_busy",
    "in_transaction",
]

Params = Sequence[Any] | Mapping[str, Any]
T = TypeVar("T")


class Busy:
    """What a write attempt returns instead of raising when SQLite's write lock is taken."""


BUSY: Final = Busy()


def is_busy(error: sqlite3.Error) -> bool:
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


def begin_or_busy(conn: sqlite3.Connection) -> bool | Busy:
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if is_busy(error):
            return BUSY
        raise
    return True


def in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T | Busy:
    """`SqliteEngine.run`'s body: BEGIN IMMEDIATE, ``work``, COMMIT (ROLLBACK if it raises)."""
    if begin_or_busy(conn) is BUSY:
        return BUSY
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.OperationalError):  # COMMIT may have failed half-way
            conn.execute("ROLLBACK")
        raise
    return result


def autocommit(conn: sqlite3.Connection, sql: str, params: Params) -> int | Busy:
    try:
        cursor = conn.execute(sql, params)
    except sqlite3.OperationalError as error:
        if is_busy(error):  # an autocommitted statement that could not lock wrote nothing
            return BUSY
        raise
    return int(cursor.rowcount)


def autocommit_rows(conn: sqlite3.Connection, sql: str, params: Params) -> list[Any] | Busy:
    try:
        # RETURNING: every change happens at the first step, before any row comes back.
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as error:
        if is_busy(error):
            return BUSY
        raise
