"""What the SQLite engine runs on an aiosqlite worker thread, with the plain
``sqlite3.Connection``: one trip to the thread per transaction, whatever its statements.

The repositories are written once, as ``async`` code against ``bot.storage.sql.Tx``. On
SQLite that code runs *on the worker thread*: ``drive`` steps the coroutine there, and
``SqliteTx``'s methods run each statement synchronously and return without ever suspending,
so the whole transaction body completes in a single ``send`` (measured in bench/storage.py:
one trip per transaction instead of one per statement, 6 statements in 80-120 us of CPU
instead of 200-360 us). A body that awaits anything else would suspend: ``drive`` refuses it
(a bug, caught by every test that runs the body).

A write either completes or, finding SQLite's write lock taken by another process, returns
``BUSY`` having done nothing. Only the moment the lock is *acquired* may come back as BUSY
(BEGIN IMMEDIATE, or the first step of one autocommitted statement); once a transaction holds
the lock in WAL mode, nothing after it can be busy, so work that ran is never run twice
(``SqliteEngine._until_locked`` retries only a BUSY).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import suppress
from typing import Any, Final, TypeVar

from bot.storage.errors import ConstraintError
from bot.storage.sql import EMPTY, Dialect, Params, Row, RowsTx, Statement, Tx, compiled

__all__ = [
    "BUSY",
    "Busy",
    "SqliteTx",
    "autocommit",
    "autocommit_rows",
    "begin_or_busy",
    "drive",
    "in_transaction",
    "sqlite_text",
]

T = TypeVar("T")


class Busy:
    """What a write attempt returns instead of raising when SQLite's write lock is taken."""


BUSY: Final = Busy()


def sqlite_text(stmt: Statement) -> str:
    return stmt if isinstance(stmt, str) else compiled(stmt, Dialect.SQLITE)[0]


class SqliteTx(RowsTx):
    """``Tx`` over a plain ``sqlite3.Connection``, on its own thread: each method runs its
    statement at once and never suspends (see the module)."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def execute(self, stmt: Statement, params: Params = EMPTY) -> int:
        try:
            return int(self._conn.execute(sqlite_text(stmt), params).rowcount)
        except sqlite3.IntegrityError as error:
            raise ConstraintError(str(error)) from None

    async def fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]:
        try:
            rows: list[Row] = self._conn.execute(sqlite_text(stmt), params).fetchall()
        except sqlite3.IntegrityError as error:
            raise ConstraintError(str(error)) from None
        return rows

    async def executemany(self, stmt: Statement, rows: Sequence[Params]) -> None:
        if not rows:
            return
        try:
            self._conn.executemany(sqlite_text(stmt), rows)
        except sqlite3.IntegrityError as error:
            raise ConstraintError(str(error)) from None


def drive(work: Callable[[Tx], Awaitable[T]], conn: sqlite3.Connection) -> T:
    """Run ``work(SqliteTx(conn))`` to completion here, on the calling thread."""
    coro = work(SqliteTx(conn))
    assert isinstance(coro, Coroutine)
    body: Coroutine[Any, Any, T] = coro
    try:
        body.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    body.close()
    raise RuntimeError("a transaction body awaited something other than its database")


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


def in_transaction(conn: sqlite3.Connection, work: Callable[[Tx], Awaitable[T]]) -> T | Busy:
    """`SqliteEngine.run`'s body: BEGIN IMMEDIATE, ``work``, COMMIT (ROLLBACK if it raises)."""
    if begin_or_busy(conn) is BUSY:
        return BUSY
    try:
        result = drive(work, conn)
        conn.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.OperationalError):  # COMMIT may have failed half-way
            conn.execute("ROLLBACK")
        raise
    return result


def autocommit(conn: sqlite3.Connection, sql: str, params: Params) -> int | Busy:
    try:
        cursor = conn.execute(sql, params)
    except sqlite3.IntegrityError as error:
        raise ConstraintError(str(error)) from None
    except sqlite3.OperationalError as error:
        if is_busy(error):  # an autocommitted statement that could not lock wrote nothing
            return BUSY
        raise
    return int(cursor.rowcount)


def autocommit_rows(conn: sqlite3.Connection, sql: str, params: Params) -> list[Any] | Busy:
    try:
        # RETURNING: every change happens at the first step, before any row comes back.
        return conn.execute(sql, params).fetchall()
    except sqlite3.IntegrityError as error:
        raise ConstraintError(str(error)) from None
    except sqlite3.OperationalError as error:
        if is_busy(error):
            return BUSY
        raise
