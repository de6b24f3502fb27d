"""What every command shares: the config lookup, the schema check, services, terminal text."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.bootstrap import Services
    from bot.clock import Clock


def plain(text: str) -> str:
    """Turn a chat text (HTML) into terminal text."""
    return html.unescape(re.sub(r"</?(b|i|u|s|code|pre)>", "", text))


def resolve_config(path: str | None) -> Config:
    """Load the named file, else $BOT_CONFIG, else ./config.yaml, else the built-in defaults."""
    path = path or os.environ.get("BOT_CONFIG")
    if path is None and Path("config.yaml").exists():
        path = "config.yaml"
    return load_config(path)


def ensure_schema(config: Config) -> None:
    """Create the schema in an empty database; refuse to run on an older one. On SQLite,
    refresh the planner's statistics where the tables outgrew them."""
    from storage.db import make_engine
    from storage.migrate import current_revision, head_revision, refresh_statistics, upgrade

    engine = make_engine(config.database.url)
    try:
        current, head = current_revision(engine), head_revision()
        if current == head:
            refresh_statistics(engine)
            return
        if current is None:
            with _migration_lock(engine):
                # Another instance starting at the same moment may have done it meanwhile.
                if current_revision(engine) is None:
                    upgrade(engine)
            return
        raise ConfigError(
            f"the database schema is at revision {current}, this version needs {head}: "
            "run `python -m bot migrate` first"
        )
    finally:
        engine.dispose()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise schema creation between instances starting together (PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_lock(727401)")
        try:
            yield
        finally:
            conn.exec_driver_sql("SELECT pg_advisory_unlock(727401)")


@contextmanager
def open_services(config: Config, clock: Clock | None) -> Iterator[Services]:
    """The services on a database at this version's schema, disposed of afterwards."""
    from bot.bootstrap import build_services

    ensure_schema(config)
    services = build_services(config, clock=clock)
    try:
        yield services
    finally:
        services.db.dispose()


def private_file(path: Path) -> Path:
    """Make `path` a file only its owner can read before personal data is written into it
    (exports, a member's data): an export under umask 022 was readable by every account."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    return path
