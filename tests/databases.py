"""Both engines for the tests: a fresh SQLite file, or a fresh schema on a PostgreSQL server.

PostgreSQL tests need a server: ``TEST_DATABASE_URL=postgresql://user:password@host:port/db``
(a database the user may create schemas in; each test gets its own schema, dropped after).
Without it, or when the server cannot be reached, they skip with one line saying so, so the
README's test command passes on a machine without PostgreSQL. ``.ci/run`` starts a server,
sets the variable and ``TEST_POSTGRES_REQUIRED=1``, which turns such a skip into a failure.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import asyncpg
import pytest

from bot.storage.db import Database
from bot.storage.errors import redact_url
from bot.storage.sql import Dialect

ENGINES = ("sqlite", "postgresql")
URL_VARIABLE = "TEST_DATABASE_URL"
REQUIRED_VARIABLE = "TEST_POSTGRES_REQUIRED"


def postgres_required() -> bool:
    return os.environ.get(REQUIRED_VARIABLE, "") not in ("", "0")


@cache
def _server_problem() -> str | None:
    """Why PostgreSQL tests cannot run here (None: they can). Asked once per session."""
    url = os.environ.get(URL_VARIABLE)
    if not url:
        return f"{URL_VARIABLE} is not set"

    async def probe() -> None:
        conn = await asyncpg.connect(url, timeout=5)
        await conn.close()

    failed: list[BaseException] = []

    def run() -> None:  # its own thread: a test's event loop may be running here
        try:
            asyncio.run(probe())
        except Exception as error:
            failed.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failed:
        return f"cannot reach {redact_url(url)} ({type(failed[0]).__name__})"
    return None


def need_postgres() -> str:
    """TEST_DATABASE_URL, or skip the test (fail it where CI requires PostgreSQL)."""
    problem = _server_problem()
    if problem is not None:
        message = f"PostgreSQL test skipped: {problem}"
        if postgres_required():
            pytest.fail(f"{message}, and {REQUIRED_VARIABLE} is set", pytrace=False)
        pytest.skip(message)
    return os.environ[URL_VARIABLE]


def with_search_path(url: str, schema: str) -> str:
    """``url`` whose connections use ``schema`` (asyncpg passes query parameters on as
    server settings)."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"search_path": schema})) if q)
    return parts._replace(query=query).geturl()


@asynccontextmanager
async def fresh_schema() -> AsyncIterator[str]:
    """A URL whose connections see an empty schema of their own, dropped afterwards."""
    url = need_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    try:
        yield with_search_path(url, schema)
    finally:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        finally:
            await conn.close()


@asynccontextmanager
async def database_target(engine: str, directory: Path) -> AsyncIterator[str | Path]:
    """Where a test's bot keeps its data on ``engine``: a SQLite file in ``directory``, or a
    PostgreSQL URL with a fresh schema."""
    if engine == "sqlite":
        yield directory / "bot.sqlite3"
        return
    async with fresh_schema() as url:
        yield url


async def table_columns(db: Database) -> dict[str, set[str]]:
    """Every table of the bot's schema with its columns, on either engine (the engines' own
    bookkeeping tables left out)."""
    if db.dialect is Dialect.SQLITE:
        names = [
            r[0]
            for r in await db.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: {r[1] for r in await db.fetchall(f"PRAGMA table_info({name})")} for name in names
        }
    tables: dict[str, set[str]] = {}
    for table, column in await db.fetchall(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name != 'schema_version'"
    ):
        tables.setdefault(table, set()).add(column)
    return tables
