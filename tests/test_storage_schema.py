"""One schema history for both engines: every version exists for each, and both end with the
same tables and columns; a database newer than the code is refused on each."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from bot.storage.db import Database
from bot.storage.errors import SchemaTooNewError
from bot.storage.schema import latest_schema_version, load_migrations
from bot.storage.sql import Dialect
from tests.databases import fresh_schema, table_columns

pytestmark = pytest.mark.both_engines


def test_both_engines_have_every_version() -> None:
    sqlite = [m.version for m in load_migrations(Dialect.SQLITE)]
    postgres = [m.version for m in load_migrations(Dialect.POSTGRES)]
    assert sqlite == postgres == list(range(1, latest_schema_version() + 1))
    # A version is one portable file, or one file per dialect: never one dialect's alone.
    for mine, theirs in zip(
        load_migrations(Dialect.SQLITE), load_migrations(Dialect.POSTGRES), strict=True
    ):
        portable = not mine.name.endswith((".sqlite.sql", ".postgresql.sql"))
        assert (mine.name == theirs.name) == portable, (mine.name, theirs.name)


async def test_both_engines_end_with_the_same_tables_and_columns(tmp_path: Path) -> None:
    sqlite = await Database.open(tmp_path / "bot.sqlite3")
    try:
        expected = await table_columns(sqlite)
    finally:
        await sqlite.close()
    async with fresh_schema() as url:
        postgres = await Database.open(url)
        try:
            assert await table_columns(postgres) == expected
            assert await postgres.schema_version() == latest_schema_version()
        finally:
            await postgres.close()


async def test_a_newer_postgresql_schema_is_refused_with_one_line() -> None:
    async with fresh_schema() as url:
        await (await Database.open(url)).close()
        newer = latest_schema_version() + 3
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("UPDATE schema_version SET version = $1", newer)
        finally:
            await conn.close()
        with pytest.raises(SchemaTooNewError) as err:
            await Database.open(url)
        message = str(err.value)
        assert str(newer) in message and "\n" not in message
        assert ":***@" in message  # the URL is named, its password is not


async def test_processes_started_at_once_migrate_once(engine: str) -> None:
    """Several processes opening a fresh database together: the advisory lock lets one
    migrate while the others wait, then find the work done."""
    if engine != "postgresql":
        pytest.skip("SQLite serialises migrations with its own write lock")
    async with fresh_schema() as url:
        opened = await asyncio.gather(*(Database.open(url) for _ in range(4)))
        try:
            versions = {await db.schema_version() for db in opened}
            assert versions == {latest_schema_version()}
        finally:
            for db in opened:
                await db.close()
