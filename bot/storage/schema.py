"""The schema's migrations: numbered SQL files shipped inside the package.

``0001_initial.sql``, ``0002_....sql``, ...: file N takes the schema from version N - 1 to N
(SQLite's ``user_version``). ``SqliteEngine.open`` applies the missing ones at start-up, each
in its own transaction.
"""

from __future__ import annotations

import importlib.resources
import re
import sqlite3
from dataclasses import dataclass
from functools import cache

__all__ = ["Migration", "latest_schema_version", "load_migrations"]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """Split the file into statements with sqlite3.complete_statement (trigger-safe)."""
        out: list[str] = []
        buf = ""
        for line in self.sql.splitlines(keepends=True):
            buf += line
            if sqlite3.complete_statement(buf):
                out.append(buf.strip())
                buf = ""
        rest = "\n".join(
            ln for ln in buf.splitlines() if ln.strip() and not ln.strip().startswith("--")
        )
        if rest:
            raise ValueError(f"migration {self.name}: unterminated statement: {rest[:80]!r}")
        return out


_MIGRATION_NAME = re.compile(r"^(\d{4})_[A-Za-z0-9_]+\.sql$")


@cache
def load_migrations() -> tuple[Migration, ...]:
    """The packaged migrations, in order. Loaded with importlib.resources so they work from
    an installed wheel (pyproject must ship ``storage/migrations/*.sql`` as package data)."""
    root = importlib.resources.files("bot.storage").joinpath("migrations")
    found: list[Migration] = []
    for entry in root.iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m and entry.is_file():
            found.append(Migration(int(m.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001.. without gaps, found {versions}")
    return tuple(found)


def latest_schema_version() -> int:
    return len(load_migrations())
