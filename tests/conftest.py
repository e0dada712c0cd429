"""Shared fixtures: a started harness on a fresh database, and a controllable clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.harness import FakeClock, Harness
from tests.processes import BotProcess
from tests.standin import FakeBotApi, StandinServer

# These machines are shared and noisy: Hypothesis's timing checks (per-example deadline, slow
# data generation) would fail tests for the machine's load, not for the code. Properties and
# example counts are unchanged.
settings.register_profile("project", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("project")


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


# --- process-level tests: the Bot API stand-in over loopback, and the bot processes started
@pytest.fixture
async def server() -> AsyncIterator[StandinServer]:
    async with StandinServer(FakeBotApi()) as s:
        yield s
        # End the stand-in's pending long polls, so stopping it cancels nothing mid-answer.
        s.api._updates_event.set()
        await asyncio.sleep(0.05)


@pytest.fixture
async def procs() -> AsyncIterator[list[BotProcess]]:
    """Every BotProcess a test starts; whatever is still running at the end is killed."""
    started: list[BotProcess] = []
    yield started
    for p in started:
        if p.alive:
            await p.kill9()
