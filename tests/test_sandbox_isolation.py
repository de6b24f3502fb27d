"""The sandbox stands alone: it imports python-telegram-bot and the standard library, no product."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import sandbox

PACKAGE = Path(sandbox.__file__).resolve().parent
PRODUCT = {"bot", "handlers", "storage"}


def _imported_modules(path: Path) -> set[str]:
    """Every absolute module an import names, at module level or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _sources() -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    assert PACKAGE.name == "sandbox" and len(files) > 5, files
    return files


def test_the_sandbox_imports_nothing_from_the_product() -> None:
    for path in _sources():
        product = {m for m in _imported_modules(path) if m.split(".")[0] in PRODUCT}
        assert not product, f"{path.relative_to(PACKAGE.parent)} imports {sorted(product)}"


def test_the_sandbox_needs_only_telegram_and_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"telegram", "sandbox"}
    for path in _sources():
        others = {m for m in _imported_modules(path) if m.split(".")[0] not in allowed}
        assert not others, f"{path.relative_to(PACKAGE.parent)} imports {sorted(others)}"


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from bot.config import Config\n    import storage.db\n")
    assert _imported_modules(probe) == {"bot.config", "storage.db"}
