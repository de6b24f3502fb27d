"""Backups: a populated database comes back row for row; restore refuses what it must."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from bot.bootstrap import Services
from bot.cli import main
from bot.clock import FixedClock
from bot.domain import Role
from bot.services.backup import BackupError, backup, pg_target
from bot.services.problem import Draft
from tests import figures
from tests.conftest import POSTGRES, POSTGRES_URL, T0

CADRE, LEADER = 101, 102


def _populate(services: Services, clock: FixedClock) -> None:
    m = services.membership
    m.add_unit("市教育局", code="EDU")
    for uid, role, name in ((CADRE, Role.MEMBER, "张三"), (LEADER, Role.LEADER, "李局长")):
        code = m.create_invite(unit="EDU", role=role, by=None).code
        m.redeem_invite(code, user_id=uid, display_name=name, username=None)
    ident = m.identify
    for n in range(3):
        draft = Draft(category="履职尽责缺位", source="self", description=f"问题{n}“引号”\n换行",
                      measures=("措施一",), track="deadline", owner_name="张三",
                      owner_user_id=CADRE, deadline=(T0 + dt.timedelta(days=5 + n)).isoformat())
        item = services.ledger.file(draft, by=ident(CADRE), by_name="张三")
        clock.advance(minutes=5)
        services.ledger.report_done(item.id, by=ident(CADRE), by_name="张三", completion="完成")
    when = T0 + dt.timedelta(days=1, hours=2)
    services.reminders.add(ident(CADRE), when, "交材料", "zh")
    m.create_invite(unit="EDU", role=Role.MEMBER, by=None)


def _tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, read through SQLAlchemy."""
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {name: sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
                    for name, table in meta.tables.items()}
    finally:
        engine.dispose()


@pytest.fixture
def fresh_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty place of the same kind: another SQLite file, or a new database, same schema."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'fresh.db'}"
        return
    name = f"r_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(db_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _cfg(tmp_path: Path, url: str, name: str) -> str:
    path = tmp_path / name
    path.write_text(f"database: {{url: '{url}'}}\n", encoding="utf-8")
    return str(path)


def test_backup_and_restore_give_back_every_row(
    services: Services, clock: FixedClock, db_url: str, fresh_url: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _populate(services, clock)
    file = tmp_path / "backups" / "zhenggai.backup"
    assert main(["backup", str(file), "--config", _cfg(tmp_path, db_url, "a.yaml")]) == 0
    err = capsys.readouterr().err
    assert f"wrote {file}" in err and "problems 3" in err and "bytes" in err
    fresh = _cfg(tmp_path, fresh_url, "b.yaml")
    assert main(["restore", str(file), "--config", fresh]) == 0
    assert "problems 3" in capsys.readouterr().err
    original, restored = _tables(db_url), _tables(fresh_url)
    assert set(original) == set(restored) and len(original) >= 12
    for name in original:
        assert restored[name] == original[name], name
    assert original["problem_events"] and original["notifications"]
    figures.count("backup.tables_compared", len(original))
    figures.count("backup.rows_compared", sum(len(rows) for rows in original.values()))

    # A database holding data is not overwritten unless asked.
    assert main(["restore", str(file), "--config", fresh]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already holds data" in err and "--force" in err
    services.ledger.file(Draft(category="履职尽责缺位", source="self", description="新问题",
                               measures=("措施",), track="ongoing", owner_name="张三",
                               checkin_days=7), by=services.membership.identify(CADRE),
                         by_name="张三")
    second = tmp_path / "second.backup"
    assert main(["backup", str(second), "--config", _cfg(tmp_path, db_url, "a.yaml")]) == 0
    assert main(["restore", str(second), "--config", fresh, "--force"]) == 0
    assert _tables(fresh_url) == _tables(db_url)
    assert len(_tables(fresh_url)["problems"]) == 4


def test_restore_refuses_files_that_are_not_backups_of_this_bot(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _cfg(tmp_path, db_url, "c.yaml")
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"PK\x03\x04 not a database")
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    cases = [(junk, "not a backup of this bot"), (tmp_path / "missing.backup", "no such file")]
    if db_url.startswith("sqlite"):
        cases.append((foreign, "not a backup of this bot"))
    else:
        cases.append((foreign, "is a sqlite backup; the configured database is postgresql"))
    for path, needle in cases:
        assert main(["restore", str(path), "--config", cfg]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and needle in err, err
        figures.count("backup.refusals_checked")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_backup_works_beside_an_open_write_transaction(
    services: Services, clock: FixedClock, config: Any, tmp_path: Path
) -> None:
    _populate(services, clock)
    path = make_url(config.database.url).database
    assert path is not None
    writer = sqlite3.connect(path, timeout=30)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE users SET display_name = 'uncommitted'")
        report = backup(config.database.url, tmp_path / "live.backup")
    finally:
        writer.rollback()
        writer.close()
    assert report.rows["problems"] == 3 and report.revision
    with sqlite3.connect(tmp_path / "live.backup") as conn:
        names = {r[0] for r in conn.execute("SELECT display_name FROM users")}
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert names == {"张三", "李局长"} and mode == "delete"
    assert not (tmp_path / "live.backup-wal").exists()


def test_postgres_url_becomes_a_libpq_url_and_a_schema() -> None:
    url = make_url("postgresql+psycopg://u:p%40ss@db.example:5433/zg"
                   "?options=-csearch_path%3Dcampaign,public&sslmode=require")
    target = pg_target(url)
    assert target.schema == "campaign"
    assert make_url(target.libpq_url).drivername == "postgresql"
    assert make_url(target.libpq_url).password == "p@ss"
    assert target.libpq_url.endswith("db.example:5433/zg?sslmode=require")
    assert pg_target(make_url("postgresql+psycopg://u@h/zg")).schema == "public"


def test_missing_pg_dump_is_a_clear_error(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert POSTGRES
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump not found on PATH"):
        backup(postgres_url, tmp_path / "x.backup")
    assert not (tmp_path / "x.backup").exists()
