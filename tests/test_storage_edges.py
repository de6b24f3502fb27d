"""Files only their owner reads; a read-only database, a refused record, one report per fault."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.cli import main
from bot.clock import FixedClock
from bot.config import Config, parse_config
from bot.domain import NoteKind, NoteState, Role
from bot.services.notify import Planned
from bot.texts import t
from storage.db import Database
from tests.chat import Chat, join, running_bot
from tests.conftest import migrated

CADRE, ADMIN_CHAT = 71, -5050


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_its_folder_are_for_their_owner_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'bot.db'}"
    with migrated(url):
        pass
    assert _mode(tmp_path / "new") == 0o700
    assert _mode(tmp_path / "new" / "bot.db") == 0o600
    wal = tmp_path / "new" / "bot.db-wal"
    if wal.exists():
        assert _mode(wal) == 0o600


def test_exports_and_a_members_data_are_written_for_their_owner_only(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"database": {"url": f"sqlite:///{tmp_path / 'b.db'}"}}),
                      encoding="utf-8")
    assert main(["migrate", "--config", str(config)]) == 0
    assert main(["unit", "add", "市教育局", "--code", "EDU", "--config", str(config)]) == 0
    for name in ("ledger.xlsx", "ledger.csv"):
        out = tmp_path / "out" / name
        assert main(["export", "-o", str(out), "--config", str(config)]) == 0
        assert _mode(out) == 0o600, name
    before = tmp_path / "old.csv"
    before.write_text("x")
    before.chmod(0o644)  # a file already there, readable by all, is tightened before use
    assert main(["export", "-o", str(before), "--config", str(config)]) == 0
    assert _mode(before) == 0o600
    db = Database.from_url(f"sqlite:///{tmp_path / 'b.db'}")
    from bot.services.membership import MembershipService

    membership = MembershipService(db, FixedClock(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)))
    membership.touch_user(5, "王五", None)
    db.dispose()
    out = tmp_path / "member.json"
    assert main(["member", "export", "5", "-o", str(out), "--config", str(config)]) == 0
    assert _mode(out) == 0o600


@pytest.fixture
def sqlite_config(tmp_path: Path) -> Config:
    # A read-only file and sqlite3's own errors are SQLite's: these run on a SQLite file.
    limits = {"overall_per_second": 0, "group_per_minute": 0, "per_chat_per_second": 0,
              "max_retries": 0}
    return parse_config({"database": {"url": f"sqlite:///{tmp_path / 'edge.db'}"},
                         "office_admins": [900],
                         "telegram": {"rate_limit": limits, "admin_chat": ADMIN_CHAT}})


async def test_a_read_only_database_is_told_reported_once_and_recovered_from(
    sqlite_config: Config, clock: FixedClock,
) -> None:
    with migrated(sqlite_config.database.url) as database:
        await _read_only(sqlite_config, clock, database)


async def _read_only(config: Config, clock: FixedClock, database: Database) -> None:
    async with running_bot(config, clock, database) as chat:
        svc = chat.app.bot_data.services
        svc.membership.add_unit("市教育局", code="EDU")
        join(svc, chat, "EDU", CADRE, Role.MEMBER, "张三")
        chat.sandbox.add_group(ADMIN_CHAT, "运维群", admins=[900])

        def read_only(dbapi_connection: Any, _record: Any) -> None:
            # As a file that cannot be written is opened: every write fails, reads work.
            dbapi_connection.execute("PRAGMA query_only = 1")

        event.listen(database.engine, "connect", read_only)
        database.engine.dispose()
        try:
            for _ in range(3):
                [told] = await chat.send(CADRE, "/remind 明天上午9点 交材料")
                assert told.text == t("zh", "error.storage_readonly")
        finally:
            event.remove(database.engine, "connect", read_only)
        reports = [m for m in chat.sandbox.sent(ADMIN_CHAT) if "readonly" in (m.text or "")]
        assert len(reports) == 1  # once per admin_report_minutes, not once per update
        # The file is writable again: the pool was emptied, so the next use case can write.
        [saved] = await chat.send(CADRE, "/remind 明天上午9点 交材料")
        assert "提醒" in (saved.text or "") and saved.text != told.text
        assert [n.kind for n in svc.notify.listing()] == [NoteKind.REMINDER]


async def test_any_database_error_after_a_send_keeps_the_outcome_owed(
    sqlite_config: Config, clock: FixedClock,
) -> None:
    with migrated(sqlite_config.database.url) as database:
        async with running_bot(sqlite_config, clock, database) as chat:
            await _owed(chat, chat.app.bot_data.services, clock)


async def _owed(chat: Chat, services: Any, clock: FixedClock) -> None:
    chat.sandbox.add_user(1, "甲")
    services.notify.plan([Planned(key="owed", chat_id=1, kind=NoteKind.CHAT_UNREACHABLE,
                                  due_at=clock.now(), payload={"chat_id": 5})])
    failed: list[str] = []

    def refuse_first_record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE notifications SET state") and "sent_at" in statement \
                and not failed:
            failed.append(statement)
            # Not a lock, a lost connection or a full disk: an error of any other kind.
            raise sqlite3.IntegrityError("injected: not a storage fault")

    event.listen(services.db.engine, "before_cursor_execute", refuse_first_record)
    try:
        with pytest.raises(Exception, match="injected"):
            await chat.app.bot_data.sender.tick()
    finally:
        event.remove(services.db.engine, "before_cursor_execute", refuse_first_record)
    assert len(chat.sandbox.sent(1)) == 1
    clock.advance(minutes=5)  # past the claim timeout: only the owed record saves it
    chat.app.bot_data.sender.pacer.reset()
    await chat.app.bot_data.sender.tick()
    await chat.app.bot_data.sender.tick()
    assert len(chat.sandbox.sent(1)) == 1
    assert [n.state for n in services.notify.listing(states=list(NoteState))] == [
        NoteState.SENT]


def test_webhook_mode_needs_a_secret_in_the_config() -> None:
    with pytest.raises(Exception, match="secret_token"):
        parse_config({"telegram": {"mode": "webhook", "webhook": {"url": "https://x/h"}}})
