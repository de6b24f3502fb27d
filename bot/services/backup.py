"""Backups: SQLite's online backup API, or pg_dump/pg_restore in custom format for PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
# Every database of this bot has it; a file without it is not a backup of this bot.
MARKER_TABLE = "alembic_version"

Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go ahead, worded as one line for the operator.

    `refused` marks a wrong input (no such file, not a backup, a database holding data) as
    opposed to a failure on the way.
    """

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    revision: str | None
    rows: dict[str, int]


def _quiet(_line: str) -> None:
    pass


# -- locations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgTarget:
    """A PostgreSQL database as libpq sees it, and the schema the bot's tables live in."""

    libpq_url: str
    schema: str


def sqlite_path(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("backup needs a SQLite database file, not an in-memory or URI database")
    return Path(database)


def _search_path(url: URL) -> str | None:
    """The first schema of `options=-csearch_path=…` in the URL, if it sets one."""
    options = url.query.get("options")
    joined = " ".join(options) if isinstance(options, tuple) else (options or "")
    found = re.search(r"-c\s*search_path\s*=\s*([^\s]+)", joined)
    if not found:
        return None
    first = found.group(1).split(",")[0].strip().strip('"')
    return first or None


def pg_target(url: URL) -> PgTarget:
    """The libpq URL pg_dump and pg_restore take (no SQLAlchemy driver part), and the schema."""
    plain = url.set(drivername="postgresql")
    # Connection parameters other than options pass through (sslmode, connect_timeout, …).
    query = {k: v for k, v in plain.query.items() if k != "options"}
    plain = plain.set(query=query)
    rendered = plain.render_as_string(hide_password=False)
    # search_path stays out of the libpq URL: pg_dump sets its own, and the schema is named.
    return PgTarget(rendered, _search_path(url) or "public")


def _sqlalchemy_url(url: URL) -> str:
    return url.render_as_string(hide_password=False)


# -- the file -------------------------------------------------------------------------------


def kind_of(path: Path) -> str:
    """"sqlite" or "postgresql" by the file's first bytes; refuses anything else."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file", refused=True) from None
    except OSError as exc:
        raise BackupError(f"{path}: cannot read: {exc}", refused=True) from None
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"{path}: not a backup of this bot (neither a SQLite database nor a "
                      "pg_dump custom-format archive)", refused=True)


def _sqlite_rows(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in tables}


def _sqlite_revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute(f"SELECT version_num FROM {MARKER_TABLE}").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _engine_rows(engine: Engine, schema: str | None = None) -> dict[str, int]:
    names = sorted(inspect(engine).get_table_names(schema=schema))
    prefix = f'"{schema}".' if schema else ""
    with engine.connect() as conn:
        return {name: conn.execute(text(f'SELECT count(*) FROM {prefix}"{name}"')).scalar_one()
                for name in names}


def _has_data(rows: dict[str, int]) -> bool:
    return any(n for name, n in rows.items() if name != MARKER_TABLE)


# -- backup ---------------------------------------------------------------------------------


def backup(database_url: str, out: Path, *, say: Say = _quiet) -> BackupReport:
    """Write a consistent copy of the database to `out`, while the bot may keep running."""
    url = make_url(database_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        return _backup_sqlite(sqlite_path(url), out, say)
    if url.get_backend_name() == "postgresql":
        return _backup_postgres(url, out, say)
    raise BackupError(f"backups support SQLite and PostgreSQL, not {url.get_backend_name()}")


def _backup_sqlite(source: Path, out: Path, say: Say) -> BackupReport:
    if not source.exists():
        raise BackupError(f"{source}: no such database file")
    say(f"backing up {source} (SQLite online backup)")
    # Written beside the target and renamed at the end: a failed run never leaves half a file.
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with closing(sqlite3.connect(source, timeout=30)) as src, \
                closing(sqlite3.connect(tmp)) as dst:
            # The backup API reads one consistent snapshot, WAL included, beside live writers.
            src.backup(dst, pages=1024)
            # A single self-contained file: no -wal beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
            revision = _sqlite_revision(dst)
            rows = _sqlite_rows(dst)
        if revision is None:
            raise BackupError(f"{source}: not a database of this bot (no {MARKER_TABLE} table)")
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupReport(out, out.stat().st_size, revision, rows)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found on PATH: install the PostgreSQL client programs "
                          "(e.g. apt install postgresql-client)")
    return found


def _libpq_args(target: PgTarget) -> tuple[list[str], dict[str, str]]:
    """The --dbname argument without the password, which goes to the environment instead."""
    url = make_url(target.libpq_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
        url = url.set(password=None)
    return [f"--dbname={url.render_as_string(hide_password=False)}"], env


def _backup_postgres(url: URL, out: Path, say: Say) -> BackupReport:
    tool = _pg_tool("pg_dump")
    target = pg_target(url)
    engine = create_engine(_sqlalchemy_url(url))
    try:
        rows = _engine_rows(engine, target.schema)
    finally:
        engine.dispose()
    if MARKER_TABLE not in rows:
        raise BackupError(f"schema {target.schema}: not a database of this bot "
                          f"(no {MARKER_TABLE} table); check database.url")
    say(f"backing up schema {target.schema} on {url.host or 'localhost'}/{url.database} "
        "(pg_dump, custom format)")
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    dbname, env = _libpq_args(target)
    try:
        _pg(tool, [*dbname, "--format=custom", "--no-owner", "--no-privileges",
                   f"--schema={_quote_pattern(target.schema)}", f"--file={tmp}"], env, "pg_dump")
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    revision = _pg_revision(url, target.schema)
    return BackupReport(out, out.stat().st_size, revision, rows)


def _pg(tool: str, args: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run([tool, *args], capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {' '.join(lines[-3:]) or f'exit {result.returncode}'}")
    return result.stdout


def _quote_pattern(schema: str) -> str:
    # pg_dump reads --schema as a pattern; quotes make it one literal name.
    return '"' + schema.replace('"', '""') + '"'


def _pg_revision(url: URL, schema: str) -> str | None:
    engine = create_engine(_sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                f'SELECT version_num FROM "{schema}".{MARKER_TABLE}')).scalar()
    finally:
        engine.dispose()


# -- restore --------------------------------------------------------------------------------


def restore(database_url: str, source: Path, *, force: bool = False,
            say: Say = _quiet) -> BackupReport:
    """Load a backup into the configured database; a database holding data needs `force`."""
    url = make_url(database_url)
    kind = kind_of(source)
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")
    if kind != backend:
        raise BackupError(f"{source} is a {kind} backup; the configured database is {backend}",
                          refused=True)
    if backend == "sqlite":
        return _restore_sqlite(sqlite_path(url), source, force, say)
    return _restore_postgres(url, source, force, say)


def _restore_sqlite(target: Path, source: Path, force: bool, say: Say) -> BackupReport:
    try:
        with closing(sqlite3.connect(f"file:{quote(str(source.resolve()))}?mode=ro",
                                     uri=True)) as src:
            revision = _sqlite_revision(src)
            rows = _sqlite_rows(src)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source}: cannot read: {exc}", refused=True) from None
    if revision is None:
        raise BackupError(f"{source}: not a backup of this bot (no {MARKER_TABLE} table)",
                          refused=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(target, timeout=30)) as dst:
        present = _sqlite_rows(dst)
        if _has_data(present) and not force:
            raise BackupError(f"{target} already holds data: restoring would overwrite it; "
                              "add --force to replace it", refused=True)
        say(f"restoring {source} into {target} (revision {revision})")
        with closing(sqlite3.connect(source)) as src:
            # Replaces the whole database page by page, in one step other connections wait for.
            src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
        restored = _sqlite_rows(dst)
    if restored != rows:
        raise BackupError(f"{target}: the restored row counts differ from the backup's")
    return BackupReport(target, target.stat().st_size, revision, restored)


def _archive_toc(source: Path) -> list[str]:
    listing = _pg(_pg_tool("pg_restore"), ["--list", str(source)], dict(os.environ),
                  "pg_restore")
    return listing.splitlines()


def _toc_tables(toc: list[str]) -> tuple[set[str], set[str]]:
    """Schemas and table names of the archive (lines like `215; 1259 16390 TABLE s t owner`)."""
    schemas, tables = set(), set()
    for line in toc:
        if line.startswith(";"):
            continue
        found = re.match(r"^\d+;\s+\d+\s+\d+\s+TABLE\s+(?!DATA\s)(\S+)\s+(\S+)\s", line)
        if found:
            schemas.add(found.group(1))
            tables.add(found.group(2))
    return schemas, tables


def _restore_postgres(url: URL, source: Path, force: bool, say: Say) -> BackupReport:
    tool = _pg_tool("pg_restore")
    toc = _archive_toc(source)
    schemas, tables = _toc_tables(toc)
    if MARKER_TABLE not in tables or len(schemas) != 1:
        raise BackupError(f"{source}: not a backup of this bot (no {MARKER_TABLE} table)",
                          refused=True)
    (dumped,) = schemas
    target = pg_target(url)
    if dumped != target.schema:
        raise BackupError(f"the backup holds schema {dumped!r} but database.url uses schema "
                          f"{target.schema!r}: restore with a URL whose search_path is {dumped}",
                          refused=True)
    engine = create_engine(_sqlalchemy_url(url))
    try:
        present = _engine_rows(engine, target.schema)
        if _has_data(present) and not force:
            raise BackupError(f"schema {target.schema} already holds data: restoring would "
                              "overwrite it; add --force to replace it", refused=True)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{target.schema}"'))
        say(f"restoring {source} into schema {target.schema} on "
            f"{url.host or 'localhost'}/{url.database}")
        if present:
            # The tables are replaced whole, so none of the old rows or constraints linger.
            with engine.begin() as conn:
                for name in present:
                    conn.execute(text(f'DROP TABLE IF EXISTS "{target.schema}"."{name}" CASCADE'))
        # The schema itself exists already; restore everything but its CREATE SCHEMA.
        keep = [line for line in toc
                if not re.match(r"^\d+;\s+\d+\s+\d+\s+(?:COMMENT\s+-\s+)?SCHEMA\s", line)]
        with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listing:
            listing.write("\n".join(keep) + "\n")
        dbname, env = _libpq_args(target)
        try:
            _pg(tool, [*dbname, "--no-owner", "--no-privileges", "--single-transaction",
                       "--exit-on-error", f"--use-list={listing.name}", str(source)],
                env, "pg_restore")
        finally:
            Path(listing.name).unlink(missing_ok=True)
        restored = _engine_rows(engine, target.schema)
    finally:
        engine.dispose()
    revision = _pg_revision(url, target.schema)
    return BackupReport(source, source.stat().st_size, revision, restored)
