"""The package as a user installs it: the wheel alone, outside this checkout, runs the bot.

Only editable installs were ever tested before, and a plain `pip install .` could not find its
catalogs (they were outside the package). The slow test builds the wheel from a copy of the
source, installs it into a fresh virtual environment in a temporary directory, starts the
installed `dispute-helper` script against the Bot API stand-in and reads the Russian greeting.

No network: the wheel is built with `--no-build-isolation` from this environment's setuptools,
and the fresh environment, created without pip, gets its dependencies from this one through a
`.pth` file naming this environment's site-packages. Paths a `.pth` adds come after the fresh
environment's own site-packages, and `.pth` files inside them are not run, so this checkout's
editable install (a finder installed by a `.pth` here) stays out and the wheel's `bot` is the
one imported; the test checks that. Installing the dependencies from a local wheel house would
prove more but needs every wheel on disk, which a fresh machine does not have.
"""

from __future__ import annotations

import re
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests import standin
from tests.processes import ROOT, BotProcess
from tests.standin import StandinServer

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _packages_on_disk() -> set[str]:
    """Every directory under bot/ that holds Python code, as a dotted package name."""
    found = set()
    for source in (ROOT / "bot").rglob("*.py"):
        relative = source.parent.relative_to(ROOT)
        if "__pycache__" not in relative.parts:
            found.add(".".join(relative.parts))
    return found


def test_every_package_under_bot_is_listed() -> None:
    """The package list is explicit (for the locales mapping): a package missing from it would
    be left out of the wheel and fail only when installed."""
    listed = set(SETUPTOOLS["packages"])
    missing = _packages_on_disk() - listed
    assert not missing, f"add {sorted(missing)} to [tool.setuptools] packages in pyproject.toml"
    assert SETUPTOOLS["package-dir"] == {"bot.locales": "locales"}
    assert "bot.locales" in listed and (ROOT / "locales" / "ru" / "LC_MESSAGES").is_dir()
    # Data directories are listed too (setuptools warns "would be ignored" otherwise): every
    # language's catalog directory and the migrations.
    data = {f"bot.locales.{d.parent.name}.LC_MESSAGES" for d in ROOT.glob("locales/*/LC_MESSAGES")}
    unlisted = (data | {"bot.storage.migrations"}) - listed
    assert not unlisted, f"add {sorted(unlisted)} to [tool.setuptools] packages"


def test_catalogs_are_found_beside_the_package_in_a_checkout() -> None:
    from bot.i18n import LOCALES_DIR, translator

    assert LOCALES_DIR == ROOT / "locales"
    assert translator("ru")._("Hello!") != "Hello!"


def _copy_source(destination: Path) -> Path:
    """The checkout without its environments and caches: what a clone holds."""
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "__pycache__", "*.egg-info", "build", "dist", "data", ".*_cache"
    )
    shutil.copytree(ROOT, destination, ignore=ignore)
    return destination


def _pip(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _build_wheel(tmp_path: Path) -> Path:
    source = _copy_source(tmp_path / "source")
    dist = tmp_path / "dist"
    _pip("wheel", "--no-build-isolation", "--no-deps", "--no-index", "-w", str(dist), str(source))
    (wheel,) = dist.glob("dispute_helper-*.whl")
    return wheel


def _check_wheel_contents(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata_name,) = (n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    for language in ("en", "ru"):
        assert f"bot/locales/{language}/LC_MESSAGES/messages.po" in names
    assert "bot/locales/messages.pot" in names and "bot/py.typed" in names
    for migration in (ROOT / "bot" / "storage" / "migrations").glob("*.sql"):
        assert f"bot/storage/migrations/{migration.name}" in names
    for package in _packages_on_disk():
        assert f"{package.replace('.', '/')}/__init__.py" in names, package
    requires = " ".join(metadata.get_all("Requires-Dist") or [])
    assert "tzdata" in requires and "python-dotenv" in requires
    assert "job-queue" not in requires and "sniffio" not in requires


def _fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A new environment holding only the wheel, its dependencies borrowed from this one."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    _pip("--python", str(python), "install", "--no-deps", "--no-index", str(wheel))
    fresh_site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (fresh_site / "_dependencies_from_the_test_environment.pth").write_text("\n".join(ours) + "\n")
    where = subprocess.run(
        [str(python), "-c", "import bot.i18n as i; print(i.__file__); print(i.LOCALES_DIR)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout.split()
    assert where == [str(fresh_site / "bot" / "i18n.py"), str(fresh_site / "bot" / "locales")]
    # Every dependency the wheel declares is there (pip reads the wheel's own metadata).
    problems = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "check"],
        capture_output=True,
        text=True,
    ).stdout
    assert not [line for line in problems.splitlines() if line.startswith("dispute-helper")]
    return venv


@pytest.mark.slow
async def test_the_wheel_alone_runs_the_bot_in_russian(
    tmp_path: Path, server: StandinServer
) -> None:
    wheel = _build_wheel(tmp_path)
    _check_wheel_contents(wheel)
    venv = _fresh_venv(tmp_path, wheel)

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    bot = BotProcess(
        server, run_dir / "bot.sqlite3", command=[str(venv / "bin" / "dispute-helper")]
    )
    await bot.start()
    try:
        buyer = standin.user(7007, "ru", "Ольга")
        server.api.push_update(standin.text_update(buyer, "/start"))
        greeting = await server.api.wait_sent(
            lambda s: s.chat_id == 7007 and s.method == "sendMessage", within=20
        )
        assert greeting.text.startswith("Здравствуйте, Ольга!"), greeting.text
        assert "AliExpress" in greeting.text
        assert await bot.terminate() == 0
    finally:
        if bot.alive:
            await bot.kill9()
    assert (run_dir / "bot.sqlite3").exists()


def _name(requirement: str) -> str:
    """`python-telegram-bot[rate-limiter]>=22 ; marker` -> `python-telegram-bot`."""
    name = re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_file_pins_every_dependency_with_hashes() -> None:
    """.ci/run installs only what requirements.lock lists: a dependency added to pyproject.toml
    without refreshing the lock would be missing there (README, "Dependencies")."""
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {_name(m) for m in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", lock, re.M)}
    project = PYPROJECT["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    missing = wanted - pinned
    assert not missing, f"refresh requirements.lock (README, 'Dependencies'): {sorted(missing)}"
    entries = re.findall(r"^[A-Za-z0-9][^\n]*==[^\n]*(?:\n[ \t]+[^\n]*)*", lock, re.M)
    assert entries and all("--hash=sha256:" in entry for entry in entries)


def test_ci_installs_from_the_lock_and_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements.lock" in ci
    command = re.search(r"```sh\n(\.venv/bin/python -m pytest)\n```", readme)
    assert command is not None, "the README shows its test command in a block of its own"
    assert ci.rstrip().splitlines()[-1] == command.group(1)
