"""Database faults: a locked SQLite file, a full disk, PostgreSQL connections killed under load."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

from bot.bootstrap import build_services
from bot.clock import FixedClock
from bot.config import Config, parse_config
from bot.domain import Role
from bot.services.problem import Draft
from bot.texts import t
from sandbox import BotApiSandbox
from storage.db import Database
from storage.migrate import upgrade
from tests import figures
from tests.chat import Chat, running_bot
from tests.conftest import POSTGRES_URL, migrated
from tests.test_faults_telegram import (  # noqa: F401  (_probe_renderer is an autouse fixture)
    ADMIN_CHAT,
    CADRE,
    _probe_renderer,
    check,
    probe,
    setup_unit,
)
from tests.test_filing import walk_from_description_to_confirm, walk_to_description

MEMBERS = [31, 32, 33, 34, 35]
DESCRIPTION = "窗口工作人员午休时段无人值守"


def _config(url: str) -> Config:
    limits = {"overall_per_second": 0, "group_per_minute": 0, "per_chat_per_second": 0,
              "max_retries": 0}
    return parse_config({"database": {"url": url}, "office_admins": [900],
                         "telegram": {"rate_limit": limits, "admin_chat": ADMIN_CHAT}})


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "faults.db"


@pytest.fixture
def sqlite_config(sqlite_file: Path) -> Config:
    return _config(f"sqlite:///{sqlite_file}")


@pytest.fixture
def sqlite_db(sqlite_config: Config) -> Iterator[Database]:
    # A short busy timeout: the lock below outlasts it at once, without the test waiting.
    db = Database.from_url(sqlite_config.database.url, busy_timeout=0.05)
    upgrade(db.engine)
    yield db
    db.dispose()


class WriteLock:
    """Another process's write transaction on the same SQLite file, held until released."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn: sqlite3.Connection | None = None

    def take(self) -> None:
        # Taken from the bot's worker thread (a statement listener), released by the test.
        self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=0,
                                    check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")
        figures.count("faults.db.sqlite_locked")

    def release(self) -> None:
        if self.conn is not None:
            self.conn.rollback()
            self.conn.close()
            self.conn = None


@pytest.fixture
def lock(sqlite_file: Path) -> Iterator[WriteLock]:
    held = WriteLock(sqlite_file)
    yield held
    held.release()


def tally(expected: dict[tuple[int, str], int], chat: Chat) -> None:
    check(chat.sandbox, expected)


# -- a locked SQLite file ------------------------------------------------------------------------


async def test_a_locked_database_asks_to_retry_and_saves_nothing(
    sqlite_config: Config, clock: FixedClock, sqlite_db: Database, lock: WriteLock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running_bot(sqlite_config, clock, sqlite_db) as chat:
        svc = chat.app.bot_data.services
        setup_unit(svc, chat.sandbox, [CADRE])
        chat.sandbox.add_group(ADMIN_CHAT, "运维群", admins=[900])
        await walk_to_description(chat)
        await chat.send(CADRE, DESCRIPTION)
        await walk_from_description_to_confirm(chat)
        lock.take()
        with caplog.at_level(logging.WARNING):
            [told] = await chat.click(CADRE, "确认")
        assert told.text == t("zh", "error.busy")
        assert any("database busy" in r.getMessage() for r in caplog.records)
        assert chat.texts(ADMIN_CHAT) == []  # transient: nothing for the admins to do
        assert svc.ledger.rows() == []
        [helped] = await chat.send(CADRE, "/help")  # reads still work beside the lock
        assert helped.text and helped.text != told.text
        lock.release()
        [saved] = await chat.click(CADRE, "确认")  # the card is still live: nothing was lost
        [row] = svc.ledger.rows()
        assert row.number in (saved.text or "") and row.description == DESCRIPTION


async def test_the_sender_survives_a_locked_database_and_delivers_next_tick(
    sqlite_config: Config, clock: FixedClock, sqlite_db: Database, lock: WriteLock,
) -> None:
    async with running_bot(sqlite_config, clock, sqlite_db) as chat:
        svc = chat.app.bot_data.services
        for user in MEMBERS:
            chat.sandbox.add_user(user, f"u{user}")
        svc.notify.plan([probe(f"k{u}-{i}", u, clock.now()) for u in MEMBERS for i in range(2)])
        lock.take()
        report = await chat.app.bot_data.sender.tick()
        assert (report.storage, report.sent) == ("busy", 0)
        assert chat.sandbox.calls_to("sendMessage") == []
        lock.release()
        clock.advance(seconds=15)
        assert (await chat.app.bot_data.sender.tick()).sent == 10
        assert (await chat.app.bot_data.sender.tick()).sent == 0
        assert svc.notify.counts() == {"sent": 10}
        tally({(u, f"k{u}-{i}"): 1 for u in MEMBERS for i in range(2)}, chat)


async def test_a_lock_between_send_and_record_never_sends_twice(
    sqlite_config: Config, clock: FixedClock, sqlite_db: Database, lock: WriteLock,
) -> None:
    sandbox = BotApiSandbox()
    taken: list[bool] = []

    def lock_before_first_record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The first write after the first message went out is its record: another process
        # takes the write lock just before it (writes begin IMMEDIATE, so that is the moment).
        if statement == "BEGIN IMMEDIATE" and sandbox.calls_to("sendMessage") and not taken:
            taken.append(True)
            lock.take()

    event.listen(sqlite_db.engine, "before_cursor_execute", lock_before_first_record)
    async with running_bot(sqlite_config, clock, sqlite_db, sandbox) as chat:
        svc = chat.app.bot_data.services
        for user in MEMBERS:
            chat.sandbox.add_user(user, f"u{user}")
        svc.notify.plan([probe(f"k{u}", u, clock.now()) for u in MEMBERS])
        report = await chat.app.bot_data.sender.tick()
        assert (report.storage, report.sent) == ("busy", 0)
        # The sends in flight beside the first went too; nothing was started after the refusal.
        went = len(chat.sandbox.calls_to("sendMessage"))
        assert 1 <= went <= len(MEMBERS)
        lock.release()
        # Long enough for the claim to count as abandoned: the sends are recorded before that.
        clock.advance(minutes=5)
        assert (await chat.app.bot_data.sender.tick()).sent == len(MEMBERS) - went
        assert (await chat.app.bot_data.sender.tick()).sent == 0
        assert svc.notify.counts() == {"sent": 5}
        tally({(u, f"k{u}"): 1 for u in MEMBERS}, chat)


# -- a full disk ---------------------------------------------------------------------------------


@contextmanager
def disk_full(db: Database) -> Iterator[None]:
    """Cap the database at its current size (SQLITE_FULL on growth), on every new connection."""
    db.engine.dispose()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")  # no free pages left to grow into
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
        assert conn.exec_driver_sql("PRAGMA freelist_count").scalar_one() == 0

    def cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(db.engine, "connect", cap)
    db.engine.dispose()
    figures.count("faults.db.disk_full")
    try:
        yield
    finally:
        event.remove(db.engine, "connect", cap)
        db.engine.dispose()


async def test_a_full_disk_fails_the_use_case_clearly_and_the_bot_keeps_going(
    sqlite_config: Config, clock: FixedClock, sqlite_db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    long_text = "窗口午休无人值守，群众反映办事等候时间过长。" * 90  # ~2000 characters
    async with running_bot(sqlite_config, clock, sqlite_db) as chat:
        svc = chat.app.bot_data.services
        setup_unit(svc, chat.sandbox, [CADRE])
        chat.sandbox.add_group(ADMIN_CHAT, "运维群", admins=[900])
        draft = Draft(category="履职尽责缺位", source="self", description="窗口午休无人值守",
                      measures=("安排轮值",), track="ongoing", owner_name="干部", checkin_days=7,
                      owner_user_id=CADRE)
        item = svc.ledger.file(draft, by=svc.membership.identify(CADRE), by_name="干部")
        [card] = await chat.send(CADRE, f"/item {item.number}")
        await chat.click(CADRE, "更新进展", message=card)
        with disk_full(sqlite_db):
            with caplog.at_level(logging.ERROR):
                [told] = await chat.send(CADRE, long_text[:2000])
            assert told.text == t("zh", "error.storage_full")
            assert any("error while handling an update" in r.getMessage()
                       for r in caplog.records)
            assert "full" in chat.last_text(ADMIN_CHAT)
            assert svc.ledger.rows()[0].progress is None
            [helped] = await chat.send(CADRE, "/help")
            assert helped.text and helped.text != told.text
        # Nothing of the refused note was kept: the person is still asked for it, and sends it.
        [saved] = await chat.send(CADRE, long_text[:2000])
        [row] = svc.ledger.rows()
        assert row.number in (saved.text or "") and row.progress == long_text[:2000]


# -- PostgreSQL connections terminated (a restart under load) ------------------------------------


@pytest.fixture
def pg_app() -> str:
    return f"faults_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def pg_config(postgres_url: str, pg_app: str) -> Config:
    return _config(f"{postgres_url}&application_name={pg_app}")


@pytest.fixture
def pg_db(pg_config: Config) -> Iterator[Database]:
    with migrated(pg_config.database.url) as db:
        yield db


@pytest.fixture
def terminate(pg_app: str) -> Iterator[Any]:
    """Kill this test's server connections, as a server restart would (never anyone else's)."""
    admin = create_engine(POSTGRES_URL)

    def kill(pid: int | None = None) -> int:
        query = ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                 "WHERE application_name = :app AND pid <> pg_backend_pid()")
        params: dict[str, Any] = {"app": pg_app}
        if pid is not None:
            query += " AND pid = :pid"
            params["pid"] = pid
        with admin.begin() as conn:
            killed = int(conn.execute(text(query), params).scalar_one())
        figures.count("faults.db.pg_terminated", killed)
        return killed

    yield kill
    admin.dispose()


async def test_postgres_restart_between_updates_goes_unnoticed(
    pg_config: Config, clock: FixedClock, pg_db: Database, terminate: Any,
) -> None:
    async with running_bot(pg_config, clock, pg_db) as chat:
        svc = chat.app.bot_data.services
        setup_unit(svc, chat.sandbox, [CADRE, *MEMBERS])
        svc.notify.plan([probe(f"k{u}-{i}", u, clock.now()) for u in MEMBERS for i in range(4)])
        [before] = await chat.send(CADRE, "/help")
        assert terminate() > 0
        [after] = await chat.send(CADRE, "/help")  # pre-ping replaces the dead connections
        assert after.text == before.text
        assert terminate() > 0
        assert (await chat.app.bot_data.sender.tick()).sent == 20
        tally({(u, f"k{u}-{i}"): 1 for u in MEMBERS for i in range(4)}, chat)


async def test_postgres_killed_mid_transaction_leaves_nothing_half_written(
    pg_config: Config, clock: FixedClock, pg_db: Database, terminate: Any,
) -> None:
    killed: list[int] = []

    def kill_on_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO problem_events") and not killed:
            killed.append(terminate(cursor.connection.info.backend_pid))

    async with running_bot(pg_config, clock, pg_db) as chat:
        svc = chat.app.bot_data.services
        setup_unit(svc, chat.sandbox, [CADRE])
        await walk_to_description(chat)
        await chat.send(CADRE, DESCRIPTION)
        await walk_from_description_to_confirm(chat)
        event.listen(pg_db.engine, "before_cursor_execute", kill_on_insert)
        [told] = await chat.click(CADRE, "确认")
        assert killed == [1]
        assert told.text == t("zh", "error.busy")
        # The problem row was inserted before its event: it went with the transaction.
        assert svc.ledger.rows() == []
        [saved] = await chat.click(CADRE, "确认")
        [row] = svc.ledger.rows()
        assert row.number in (saved.text or "")


async def test_postgres_connections_killed_mid_tick_lose_and_repeat_nothing(
    pg_config: Config, clock: FixedClock, pg_db: Database, terminate: Any,
) -> None:
    seen: list[str] = []

    def kill_now_and_then(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith(("UPDATE notifications", "SELECT notifications.id")):
            seen.append(statement)
            if len(seen) % 4 == 0:
                terminate(cursor.connection.info.backend_pid)

    async with running_bot(pg_config, clock, pg_db) as chat:
        svc = chat.app.bot_data.services
        setup_unit(svc, chat.sandbox, MEMBERS)
        keys = [(u, f"k{u}-{i}") for u in MEMBERS for i in range(24)]
        svc.notify.plan([probe(key, u, clock.now()) for u, key in keys])
        event.listen(pg_db.engine, "before_cursor_execute", kill_now_and_then)
        for _ in range(10):
            await chat.app.bot_data.sender.tick()
            clock.advance(seconds=15)
        event.remove(pg_db.engine, "before_cursor_execute", kill_now_and_then)
        assert len(seen) >= 4 * 8  # eight connections or more killed mid-tick
        assert svc.notify.counts() == {"sent": len(keys)}
        tally(dict.fromkeys(keys, 1), chat)


def test_nul_characters_are_dropped_not_refused_by_the_database(
    pg_db: Database, pg_config: Config, clock: FixedClock,
) -> None:
    # PostgreSQL refuses NUL in text; the same message must file on both backends, alike.
    services = build_services(pg_config, clock=clock, database=pg_db)
    m = services.membership
    m.add_unit("市教育局", code="EDU")
    m.redeem_invite(m.create_invite(unit="EDU", role=Role.MEMBER, by=None).code, user_id=5,
                    display_name="张\x00三", username=None)
    draft = Draft(category="履职尽责缺位", source="self", description="窗口\x00无人值守",
                  measures=("轮值",), track="ongoing", owner_name="张\x00三", checkin_days=7)
    problem = services.ledger.file(draft, by=m.identify(5), by_name="张\x00三")
    [row] = list(services.ledger.iter_rows())
    assert (row.id, row.description, row.owner_name) == (problem.id, "窗口无人值守", "张三")
