"""Shared fixtures: a started harness on a fresh database, and a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import FakeClock, Harness


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
async def bot(db_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = Harness(db_path, clock=clock)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
