"""storage.hot: the per-update statements on the driver give what SQLAlchemy's execution gives,
and fail the way it fails (the faults classify() names, rollback, dropped connections)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import DBAPIError

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import DialogState, Role
from storage.db import Database, StorageFault, classify
from storage.dialogs import _GET_WITH_IDENTITY, DialogStore
from storage.hot import HotPath
from storage.migrate import upgrade
from storage.models import User
from tests.test_faults_db import (  # noqa: F401  (fixtures: this test's own PostgreSQL connections)
    pg_app,
    pg_config,
    pg_db,
    terminate,
)

DATA = {"description": "窗口\n无人值守 “午休”", "measures": ["轮值", "公示"], "n": 3,
        "nested": {"owner": None, "ok": True}}
_NAME = select(User.display_name).where(User.id == bindparam("uid"))
_RENAME = update(User).where(User.id == bindparam("uid")).values(display_name=bindparam("name"))


def _member(services: Services, user: int = 5) -> None:
    m = services.membership
    if m.find_unit("EDU") is None:
        m.add_unit("市教育局", code="EDU")
    m.redeem_invite(m.create_invite(unit="EDU", role=Role.LEADER, by=None).code, user_id=user,
                    display_name=f"干部{user}", username=None)


def test_the_read_gives_what_sqlalchemy_gives(services: Services) -> None:
    _member(services)
    dialogs = services.dialogs
    dialogs.save(5, 5, DialogState("filing", 4, DATA))
    dialogs.save(-7, 6, DialogState("leave", 2, {}))  # someone who is no member: outer joins
    for chat, user in ((5, 5), (-7, 6)):
        with services.db.engine.connect() as conn:
            expected = conn.execute(_GET_WITH_IDENTITY, {"chat": chat, "user": user}).one()
        with services.dialogs.hot.reading() as run:
            got = run.first(_GET_WITH_IDENTITY, {"chat": chat, "user": user})
        assert got == tuple(expected)
        assert [type(v) for v in got] == [type(v) for v in expected]
    found = dialogs.get_with_identity(5, 5)
    assert found is not None
    assert found[0] == DialogState("filing", 4, DATA)
    assert (found[1][1], found[1][3]) == (Role.LEADER, "EDU")
    assert dialogs.get_with_identity(5, 99) is None


def test_the_save_inserts_then_updates_and_keeps_text_as_typed(services: Services) -> None:
    dialogs = services.dialogs
    first = DialogState("filing", 1, {"description": "  两端空格  "})
    dialogs.save(8, 8, first)
    assert dialogs.get(8, 8) == first
    later = DialogState("filing", 7, DATA)
    dialogs.save(8, 8, later)
    assert dialogs.get(8, 8) == later
    with services.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dialogs")).scalar_one() == 1


def test_nul_is_dropped_from_text_as_the_engine_drops_it(services: Services) -> None:
    _member(services)
    with services.dialogs.hot.writing() as run:
        assert run.rowcount(_RENAME, {"uid": 5, "name": "张\x00三"}) == 1
    with services.dialogs.hot.reading() as run:
        assert run.first(_NAME, {"uid": 5}) == ("张三",)


def test_an_error_in_the_block_rolls_the_write_back(services: Services) -> None:
    _member(services)
    with pytest.raises(KeyError), services.dialogs.hot.writing() as run:
        assert run.rowcount(_RENAME, {"uid": 5, "name": "李四"}) == 1
        raise KeyError("after the write")
    with services.dialogs.hot.reading() as run:
        assert run.first(_NAME, {"uid": 5}) == ("干部5",)


def test_a_locked_sqlite_file_is_the_busy_fault(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "locked.db"
    db = Database.from_url(f"sqlite:///{path}", busy_timeout=0.05)
    upgrade(db.engine)
    store = DialogStore(db, clock)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DBAPIError) as raised:
            store.save(1, 1, DialogState("filing", 1, {}))
        assert classify(raised.value) is StorageFault.BUSY
        assert raised.value.statement == "BEGIN IMMEDIATE"
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.save(1, 1, DialogState("filing", 1, {}))  # the lock gone, the same save goes through
    assert store.get(1, 1) == DialogState("filing", 1, {})
    db.dispose()


def test_a_postgres_connection_killed_is_the_lost_fault_and_is_not_pooled_again(
    pg_db: Database, terminate: Any,
) -> None:
    db = pg_db
    hot = HotPath(db.engine)
    with hot.reading() as run:
        assert run.first(text("SELECT 1"), {}) == (1,)
    # Killed while it sat in the pool: the pool's pre-ping replaces it, nobody notices.
    assert terminate() > 0
    with hot.reading() as run:
        assert run.first(text("SELECT 2"), {}) == (2,)
    # Killed inside a block: the statement fails as a lost connection, and that connection
    # is dropped, so the next block (or the retry) gets a live one.
    with pytest.raises(DBAPIError) as raised, hot.writing() as run:
        assert terminate() > 0
        run.first(text("SELECT 3"), {})
    assert raised.value.connection_invalidated
    assert classify(raised.value) is StorageFault.LOST
    assert db.retrying(lambda: _read(hot)) == (4,)


def _read(hot: HotPath) -> tuple[Any, ...] | None:
    with hot.reading() as run:
        return run.first(text("SELECT 4"), {})
