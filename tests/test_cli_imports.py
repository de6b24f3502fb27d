"""`python -m bot --help` and usage errors load the parser only: no services, ORM or Telegram."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.parser import ROLES
from storage.models import Role

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("telegram", "sqlalchemy", "matplotlib", "bot.services", "storage")


def _imported(*args: str, cwd: Path) -> tuple[int, set[str]]:
    """Run `python -X importtime -m bot ARGS`; return its exit code and every module it imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *args], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )
    # Lines read "import time: self | cumulative | <indent>name"; the first is the header.
    names = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
             if line.startswith("import time:") and not line.endswith("imported package")}
    return result.returncode, names


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--help"], 0),
        (["unit", "add", "--help"], 0),
        (["member", "remove", "--help"], 0),
        ([], 2),
        (["invite"], 2),
        (["invite", "EDU", "--role", "boss"], 2),
        (["reminders", "--due-within", "3x"], 2),
        (["audit", "--limit", "0"], 2),
    ],
)
def test_help_and_usage_errors_import_nothing_heavy(
    args: list[str], code: int, tmp_path: Path
) -> None:
    returncode, names = _imported(*args, cwd=tmp_path)
    assert returncode == code
    assert "bot.cli.parser" in names  # the probe sees the project's imports at all
    heavy = sorted(n for n in names if any(n == h or n.startswith(h + ".") for h in HEAVY))
    assert heavy == []


def test_the_parsers_role_choices_are_the_models_roles() -> None:
    assert tuple(role.value for role in Role) == ROLES
