"""Shared fixtures: a fixed clock, a migrated database on a real SQLite file, the services."""
from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import Services, build_services
from bot.clock import FixedClock
from bot.config import Config, parse_config
from storage.db import Database
from storage.migrate import upgrade
from tests.chat import Chat, running_bot

# python-telegram-bot warns on RetryAfter.retry_after unless opted into timedeltas; under
# filterwarnings=error that warning would replace every 429 the tests inject. Read at run time.
os.environ.setdefault("PTB_TIMEDELTA", "true")

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Saturday afternoon near a month end: the dates most likely to expose off-by-one rules.
T0 = dt.datetime(2026, 11, 28, 15, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), connect_timeout=2):
            return True
    except Exception:
        return False


POSTGRES = _postgres_reachable()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A new, empty schema on the PostgreSQL server, dropped afterwards; yields its URL."""
    if not POSTGRES:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        # Every connection made with this URL sees only its own schema.
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database for one test: a SQLite file, or a new schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


@pytest.fixture
def config(db_url: str) -> Config:
    # Real-time pacing is measured by the bench; tests move an injected clock instead.
    limits = {"overall_per_second": 0, "group_per_minute": 0, "per_chat_per_second": 0,
              "max_retries": 0}
    return parse_config({"database": {"url": db_url}, "office_admins": [900],
                         "telegram": {"rate_limit": limits}})


@contextmanager
def migrated(url: str) -> Iterator[Database]:
    """A Database on `url` with the schema upgraded, disposed afterwards."""
    db = Database.from_url(url)
    upgrade(db.engine)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def database(config: Config) -> Iterator[Database]:
    with migrated(config.database.url) as db:
        yield db


@pytest.fixture
def services(config: Config, clock: FixedClock, database: Database) -> Services:
    return build_services(config, clock=clock, database=database)


@pytest.fixture
async def chat(config: Config, clock: FixedClock, database: Database) -> AsyncIterator[Chat]:
    async with running_bot(config, clock, database) as driver:
        yield driver


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests import figures

    figures.dump()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests import screenshots

    screenshots.report(terminalreporter.write_line)
