"""Shared fixtures: a started harness on a fresh database, and a controllable clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.databases import ENGINES, database_target
from tests.harness import FakeClock, Harness
from tests.processes import BotProcess
from tests.standin import FakeBotApi, StandinServer

# These machines are shared and noisy: Hypothesis's timing checks (per-example deadline, slow
# data generation) would fail tests for the machine's load, not for the code. Properties and
# example counts are unchanged.
settings.register_profile("project", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("project")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "both_engines: run the test on SQLite and on PostgreSQL (tests/databases.py)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_engines`` run once per engine; the others on SQLite."""
    if "engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_engines"):
        metafunc.parametrize("engine", ENGINES, indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
async def db_target(engine: str, tmp_path: Path) -> AsyncIterator[str | Path]:
    """The test's database on its engine: a SQLite file, or a fresh PostgreSQL schema."""
    async with database_target(engine, tmp_path) as target:
        yield target


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
async def bot(db_target: str | Path, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = Harness(db_target, clock=clock)
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
