"""The documentation stands alone: it covers every setting and every rule, and nothing in the
repository points at a file someone who clones it does not have."""

from __future__ import annotations

import re
import subprocess
from dataclasses import fields
from datetime import timedelta
from pathlib import Path

from bot.config import SETTINGS_HELP
from bot.domain.rules import DEFAULT_RULES, SOURCES, Rules
from tests.processes import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
RULES_DOC = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")

# Paths of the machine the project is developed on. Spelled in pieces so that this file does
# not match itself.
OUTSIDE = re.compile("|".join([r"\.\./shar" + "ed", "/wor" + "k/", "/tm" + "p/[a-z]"]))
_SKIP_DIRS = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def _repository_files() -> list[Path]:
    """Tracked files (a checkout), else every file but caches and environments (a copy)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False
    ).stdout
    if listed:
        names = [n for n in listed.decode().split("\0") if n]
        return [ROOT / n for n in names if (ROOT / n).is_file()]
    return [
        p
        for p in ROOT.rglob("*")
        if p.is_file() and not _SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
    ]


def test_nothing_points_outside_the_repository() -> None:
    offenders = []
    for path in _repository_files():
        relative = path.relative_to(ROOT)
        if relative.parts[0] == ".ci":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_readme_lists_every_setting() -> None:
    settings_section = README[README.index("## Settings") : README.index("## Deployment")]
    for name, _ in SETTINGS_HELP:
        assert f"`{name}`" in settings_section, name


def _written(value: object) -> list[str]:
    """The ways docs/rules.md writes one default: "5 days", "15 and 60 days", "48 hours",
    "when it ends", "20 business days"."""
    if isinstance(value, timedelta):
        if not value:
            return ["when it ends"]
        hours = f"{value // timedelta(hours=1)} hours"
        if value % timedelta(days=1):
            return [hours]
        days = value.days
        return [hours, "1 day" if days == 1 else f"{days} days", f"{days} and ", f"and {days} days"]
    return [f"{value} days", f"{value} business days", f"{value} and ", f"and {value} "]


def test_docs_rules_lists_every_rule_with_its_default() -> None:
    rows = {
        match.group(1): line
        for line in RULES_DOC.splitlines()
        for match in re.finditer(r"`([a-z_]+)`", line.split("|")[1] if "|" in line else "")
    }
    for field in fields(Rules):
        assert field.name in rows, f"docs/rules.md has no row for {field.name}"
        default = getattr(DEFAULT_RULES, field.name)
        row = rows[field.name].split("|")[2]  # the default's column
        for item in default if isinstance(default, tuple) else (default,):
            assert any(w in row for w in _written(item)), (field.name, item, row)
    for label in ("guide A", "guide B", "ours"):
        assert f"| {label} |" in RULES_DOC
    assert set(SOURCES) == {f.name for f in fields(Rules)}


def test_rules_module_points_to_the_docs() -> None:
    from bot.domain import rules

    assert rules.__doc__ is not None and "docs/rules.md" in rules.__doc__


def test_docs_rules_lists_every_upload_limit() -> None:
    from bot.domain.rules import UPLOAD_LIMITS, UPLOAD_SOURCES

    uploads = RULES_DOC[RULES_DOC.index("## Uploads") :]
    for field in fields(UPLOAD_LIMITS):
        assert f"`{field.name}`" in uploads, f"docs/rules.md has no upload row for {field.name}"
    assert set(UPLOAD_SOURCES) == {f.name for f in fields(UPLOAD_LIMITS)}
