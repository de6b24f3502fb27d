"""Schema upgrades through Alembic, callable from the CLI, from start-up and from tests."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.exc import OperationalError

from storage.db import READ_ONLY

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction per migration step, then refresh the
    planner's statistics (new indexes have none)."""
    cfg = _alembic_config()
    before = current_revision(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    if current_revision(engine) != before:
        refresh_statistics(engine, everything=True)


# SQLite samples this many index rows per index when analysing: statistics of a million-row
# table in a fraction of a second, good enough for the planner to pick its indexes.
ANALYSIS_LIMIT = 1000
# A table is analysed again once its size is off by this factor (and by RESTAT_ROWS rows)
# from what its statistics say: what a table of 100 rows taught the planner misleads it at 1M.
RESTAT_FACTOR = 2
RESTAT_ROWS = 1000


def refresh_statistics(engine: Engine, *, everything: bool = False) -> list[str]:
    """Give the query planner current statistics; return the tables analysed.

    SQLite (at start-up and after migrations): ANALYZE the tables that have none or whose size
    moved far from them, then `PRAGMA optimize`. PostgreSQL keeps its own by autovacuum; after
    migrations (`everything`) the whole schema is analysed once.
    """
    if engine.dialect.name != "sqlite":
        if not everything:
            return []
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # This schema's tables only (the search path's): a bare ANALYZE would read every
            # database schema the role can see.
            tables = sorted(inspect(conn).get_table_names())
            for table in tables:
                conn.exec_driver_sql(f'ANALYZE "{table}"')
        return tables
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        stale = [t for t in _tables(conn) if everything or _stale(conn, t)]
    if not stale:
        return []
    # No transaction around it (READ_ONLY: no BEGIN IMMEDIATE): each ANALYZE commits alone, and
    # statistics are worth no long wait at start-up. Another process holding the write lock, or
    # a file that cannot be written, leaves them for the next start.
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        wait = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        conn.exec_driver_sql("PRAGMA busy_timeout=1000")
        try:
            conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            for table in stale:
                conn.exec_driver_sql(f'ANALYZE "{table}"')
            conn.exec_driver_sql("PRAGMA optimize")
        except OperationalError as exc:
            log.warning("statistics not refreshed (%s): %s", ", ".join(stale), exc.orig)
            return []
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait or 0)}")
    return stale


def _tables(conn: Connection) -> list[str]:
    return list(conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name != 'alembic_version' ORDER BY name").scalars())


def _stale(conn: Connection, table: str) -> bool:
    rows = int(conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one())
    known = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").first() is not None
    stats = conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = ?",
                                 (table,)).scalars().all() if known else []
    if not stats:
        return bool(rows)
    # Each index's sample estimates the table's rows on its own: take the middle one.
    counted = sorted(int(str(stat).split()[0]) for stat in stats)[len(stats) // 2]
    low, high = sorted((rows, counted))
    return high - low >= RESTAT_ROWS and high > RESTAT_FACTOR * low
