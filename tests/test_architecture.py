"""Dependencies point one way: handlers -> services -> storage, no Telegram below, no cycles."""

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


def _modules() -> dict[str, Path]:
    """Every module of the project's packages (each top-level folder with an __init__.py)."""
    found: dict[str, Path] = {}
    for init in sorted(ROOT.glob("*/__init__.py")):
        for path in init.parent.rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _runtime_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports when it runs: in functions too, not for type checks."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                # `from pkg import mod` imports the module pkg.mod; `from mod import name`, mod.
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return (found & modules.keys()) - {name}


def test_project_imports_form_no_cycle() -> None:
    # A lazy import inside a function still closes a cycle: it only hides it until that call.
    # The parent package a submodule implies is not an edge: it has always finished loading.
    modules = _modules()
    graph = {name: _runtime_imports(name, path, modules) for name, path in modules.items()}
    done: set[str] = set()

    def walk(name: str, trail: list[str]) -> None:
        if name in trail:
            raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(name):], name]))
        if name in done:
            return
        for target in sorted(graph[name]):
            walk(target, [*trail, name])
        done.add(name)

    assert "bot.cli.run" in graph["bot.cli"]
    for name in sorted(graph):
        walk(name, [])
