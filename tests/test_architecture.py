"""Dependencies point one way: handlers -> services -> storage; no Telegram below handlers."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module.split(".")[0], node.module}
    return names


def _files(*parts: str) -> list[Path]:
    files = sorted((ROOT.joinpath(*parts)).rglob("*.py"))
    assert files, parts
    return files


def test_storage_and_services_never_import_telegram() -> None:
    for path in _files("storage") + _files("bot", "services"):
        assert "telegram" not in _imports(path), path
        assert "handlers" not in _imports(path), path


def test_storage_uses_only_the_kernel_of_the_bot() -> None:
    for path in _files("storage"):
        bot = {n for n in _imports(path) if n == "bot" or n.startswith("bot.")}
        assert bot <= {"bot", "bot.domain", "bot.clock"}, path


def test_handlers_touch_neither_sql_nor_time_phrases() -> None:
    for path in _files("handlers"):
        imported = _imports(path)
        assert "sqlalchemy" not in imported, path
        assert "dateparser" not in imported, path
        assert "storage.db" not in imported, path


def test_only_the_date_module_reads_time_phrases() -> None:
    for path in _files("bot") + _files("handlers") + _files("storage"):
        if path.name != "dates.py":
            assert "dateparser" not in _imports(path), path


def test_nothing_reads_the_wall_clock_but_the_clock() -> None:
    needles = ("datetime.now(", "dt.datetime.now(", "date.today(", "time.time()")
    for path in _files("bot") + _files("handlers") + _files("storage"):
        if path.name == "clock.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not [n for n in needles if n in text], path
