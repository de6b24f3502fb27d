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


# Modules that speak python-telegram-bot: the bot's composition, routing, delivery and
# handlers, the CLI commands that run the bot or ask Telegram its name (`invite` prints a
# t.me link), and the fake Bot API. Nothing else may, so the
# services can serve a web page or a worker without loading the bot. Of the web, only
# web/evidence.py: it fetches evidence files from the Bot API by file id, so that pages show
# them without ever handing the browser the token or a file id.
TELEGRAM_SPEAKERS = ("bot/app.py", "bot/context.py", "bot/routing.py", "bot/processing.py",
                     "bot/intake.py", "bot/serving.py", "bot/delivery/", "bot/cli/run.py",
                     "bot/cli/shell.py", "bot/cli/org.py", "handlers/", "web/evidence.py",
                     "sandbox/")
# Modules that render messages or documents, and so read the text catalogue.
RENDERERS = ("bot/app.py", "bot/intake.py", "bot/delivery/", "bot/reports/", "bot/cli/",
             "handlers/", "web/")
# The catalogue's own files, the only modules allowed past the size limit.
CATALOGUES = ("bot/texts/zh.py", "bot/texts/en.py")
MAX_LINES = 400


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _under(path: Path, prefixes: tuple[str, ...]) -> bool:
    return any(_rel(path) == p or (p.endswith("/") and _rel(path).startswith(p))
               for p in prefixes)


def _product() -> list[Path]:
    return (_files("bot") + _files("handlers") + _files("storage") + _files("sandbox")
            + _files("web"))


def _imports_of(path: Path, package: str) -> bool:
    return any(n == package or n.startswith(package + ".") for n in _imports(path))


def test_only_the_bot_speaks_telegram() -> None:
    for path in _product():
        if not _under(path, TELEGRAM_SPEAKERS):
            assert not _imports_of(path, "telegram"), path


def test_services_and_storage_know_no_handlers_and_no_delivery() -> None:
    for path in _files("storage") + _files("bot", "services") + [ROOT / "bot/bootstrap.py"]:
        assert not _imports_of(path, "handlers"), path
        assert not _imports_of(path, "bot.delivery"), path
        assert not _imports_of(path, "bot.reports"), path


def test_storage_uses_only_the_kernel_of_the_bot() -> None:
    for path in _files("storage"):
        bot = {n for n in _imports(path) if n == "bot" or n.startswith("bot.")}
        assert bot <= {"bot", "bot.domain", "bot.clock"}, path


def test_handlers_touch_no_storage_sql_or_time_phrases() -> None:
    for path in _files("handlers"):
        imported = _imports(path)
        assert not _imports_of(path, "storage"), path
        assert "sqlalchemy" not in imported, path
        assert "dateparser" not in imported, path


def test_the_web_is_http_io_over_the_services() -> None:
    # Pages read through services, like handlers: no tables, no SQL, no handlers, no sender.
    for path in _files("web"):
        imported = _imports(path)
        assert not _imports_of(path, "storage"), path
        assert not _imports_of(path, "handlers"), path
        assert not _imports_of(path, "bot.delivery"), path
        assert "sqlalchemy" not in imported, path
        assert "dateparser" not in imported, path
    for path in _files("bot") + _files("handlers") + _files("storage"):
        if path != ROOT / "bot/cli/run.py" and path != ROOT / "bot/cli/web.py":
            assert not _imports_of(path, "web"), path


def test_only_rendering_modules_read_the_catalogue() -> None:
    for path in _product():
        if not _under(path, (*RENDERERS, "bot/texts/")):
            assert not _imports_of(path, "bot.texts"), path


def test_no_module_is_over_the_size_limit() -> None:
    long = []
    for folder in ("bot", "handlers", "storage", "sandbox", "web", "tests", "bench", "scripts"):
        for path in _files(folder):
            if _rel(path) in CATALOGUES:
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                long.append(f"{_rel(path)}: {lines}")
    assert long == []


def test_nothing_registers_itself_at_import_time() -> None:
    # Wiring happens in bot.app and bot.routing; a module-level call or `if` that mutates a
    # registry would make what runs depend on what happened to be imported.
    for path in _files("bot") + _files("handlers") + _files("storage") + _files("web"):
        if path.name == "__main__.py" or "migrations" in path.parts:
            continue  # entry points (python -m, Alembic's env.py) run by being imported
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                raise AssertionError(f"{_rel(path)}:{node.lineno} calls at import time")
            test = ast.unparse(node.test) if isinstance(node, ast.If) else ""
            if test and "TYPE_CHECKING" not in test and "__main__" not in test:
                raise AssertionError(f"{_rel(path)}:{node.lineno} branches at import time")


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
