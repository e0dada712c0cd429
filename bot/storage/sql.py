"""SQL written once for both engines: statements, their parameters, and what runs them.

Statements are written with named parameters (``:user_id``) in the SQL both SQLite and
PostgreSQL understand; where the two disagree (``MAX(a, b)`` is ``GREATEST(a, b)`` in
PostgreSQL, an aggregate of a comparison is ``bool_or``), a ``Sql`` carries the PostgreSQL
spelling beside the portable one. Each statement is translated for its dialect once
(``compiled``, cached): SQLite takes the text as written, with a dict of parameters;
PostgreSQL (asyncpg) takes ``$1, $2 ...`` and a tuple in that order.

What runs them is a ``Tx`` (one connection inside a transaction, or a read-only one) and an
``Engine`` (``bot.storage.engine`` for SQLite, ``bot.storage.postgres`` for PostgreSQL). The
repositories (``bot.storage.repositories``) are written once against these two protocols.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Final, Protocol, TypeVar

__all__ = [
    "EMPTY",
    "Dialect",
    "Engine",
    "Params",
    "Row",
    "RowsTx",
    "Sql",
    "Statement",
    "Tx",
    "compiled",
    "in_chunks",
    "positional",
]

T = TypeVar("T")
Params = Mapping[str, Any]
EMPTY: Final[Params] = {}


class Dialect(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgresql"


class Row(Protocol):
    """A result row: ``sqlite3.Row`` and ``asyncpg.Record`` both index by position and name."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


@dataclass(frozen=True, slots=True)
class Sql:
    """One statement: the portable text, and PostgreSQL's own where it differs."""

    text: str
    postgres: str | None = None

    def for_dialect(self, dialect: Dialect) -> str:
        return self.postgres if dialect is Dialect.POSTGRES and self.postgres else self.text


Statement = Sql | str

# ":name", but not PostgreSQL's "::type" cast nor a time literal's "09:00".
_PARAM: Final = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@cache
def _to_dollars(text: str) -> tuple[str, tuple[str, ...]]:
    """``WHERE a = :x AND b = :x`` -> ``WHERE a = $1 AND b = $1`` and ``("x",)``."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PARAM.sub(number, text), tuple(names)


def compiled(stmt: Statement, dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """The text to send and, for PostgreSQL, the parameter names in ``$n`` order (None: the
    engine takes named parameters as they are). Cached per statement text."""
    text = stmt if isinstance(stmt, str) else stmt.for_dialect(dialect)
    if dialect is Dialect.SQLITE:
        return text, None
    return _to_dollars(text)


def positional(names: tuple[str, ...], params: Params) -> tuple[Any, ...]:
    return tuple(params[name] for name in names)


class Tx(Protocol):
    """One connection's statements: inside a write transaction (``Engine.run``) or on a
    read-only connection (``Engine.read``). Methods return once the statement ran."""

    async def execute(self, stmt: Statement, params: Params = EMPTY) -> int:
        """A statement's changed row count."""
        ...

    async def fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]: ...

    async def fetchone(self, stmt: Statement, params: Params = EMPTY) -> Row | None: ...

    async def executemany(self, stmt: Statement, rows: Sequence[Params]) -> None: ...


class RowsTx(ABC):
    """What both engines' ``Tx`` classes share: one row is the first of the rows."""

    __slots__ = ()

    @abstractmethod
    async def fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]: ...

    async def fetchone(self, stmt: Statement, params: Params = EMPTY) -> Row | None:
        rows = await self.fetchall(stmt, params)
        return rows[0] if rows else None


async def in_chunks(
    fetch: Callable[[int], Awaitable[Iterable[Any]]], size: int
) -> AsyncIterator[list[Row]]:
    """A cursor's rows, ``size`` at a time, until it has no more (``Engine.stream``)."""
    while rows := list(await fetch(size)):
        yield rows


class Engine(Protocol):
    """Where the statements run (see ``bot.storage.engine`` and ``bot.storage.postgres``)."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    @property
    def path(self) -> Path | None:
        """The SQLite file; None for PostgreSQL (and ":memory:")."""
        ...

    async def run(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """``work`` in one write transaction, committed before this returns; rolled back
        (and the error raised here) if it raises. ``work`` must await nothing but ``tx``."""
        ...

    async def read(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """``work`` on one read-only connection (one snapshot where the engine gives one)."""
        ...

    async def fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]: ...

    async def fetchone(self, stmt: Statement, params: Params = EMPTY) -> Row | None: ...

    async def execute(self, stmt: Statement, params: Params = EMPTY) -> int:
        """One autocommitted write statement; the rows it changed."""
        ...

    async def write_fetchall(self, stmt: Statement, params: Params = EMPTY) -> list[Row]:
        """One autocommitted write statement with RETURNING; its rows."""
        ...

    def stream(
        self, stmt: Statement, params: Params = EMPTY, *, chunk: int = 2_000
    ) -> AbstractAsyncContextManager[AsyncIterator[list[Row]]]:
        """A long read, ``chunk`` rows at a time, from one snapshot."""
        ...
