"""The audit trail: every change to the ledger leaves who and when; `audit` prints them in order."""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import Services
from bot.cli import main
from bot.clock import FixedClock
from bot.config import Config
from bot.domain import DialogRef, DialogState, EventKind, Role, Status
from bot.errors import DomainError
from bot.services.audit import AuditService
from bot.services.ledger import LedgerService
from bot.services.privacy import SYSTEM_ACTOR
from bot.services.problem import Draft
from storage.ledger import Problem, ProblemEvent, WithdrawnProblem
from tests import figures
from tests.conftest import SHANGHAI, T0

CADRE, LEADER, OTHER = 101, 102, 201
NAMES = {CADRE: "张三", LEADER: "李局长", OTHER: "王五"}

# Every public method of the ledger service, by whether it may change the `problems` table.
MUTATING = {"file", "confirm", "add_progress", "report_done", "approve", "reject",
            "ask_extension", "decide_extension", "edit"}
READING = {"peek", "get", "find_id", "browse", "unit_people", "unit_person", "count", "rows",
           "iter_rows", "unit_sizes", "extension", "filed_between", "withdrawn", "named_member"}
# Takes an item out of `problems`, keeping it and its history apart (see the test below).
WITHDRAWING = {"withdraw"}


def _setup(services: Services) -> None:
    m = services.membership
    m.add_unit("市教育局", code="EDU")
    m.add_unit("市卫健委", code="HEA")
    for uid, unit, role in ((CADRE, "EDU", Role.MEMBER), (LEADER, "EDU", Role.LEADER),
                            (OTHER, "HEA", Role.MEMBER)):
        code = m.create_invite(unit=unit, role=role, by=None).code
        m.redeem_invite(code, user_id=uid, display_name=NAMES[uid], username=None)


def _draft(owner: int, days: int = 10) -> Draft:
    return Draft(category="履职尽责缺位", source="self", description="会议材料拖延报送",
                 measures=("建立台账", "每周检查"), track="deadline", owner_name=NAMES[owner],
                 owner_user_id=owner, deadline=(T0 + dt.timedelta(days=days)).isoformat())


def _snapshot(services: Services) -> dict[int, tuple[Any, ...]]:
    with services.db.read() as conn:
        return {row[0]: tuple(row) for row in conn.execute(
            select(*Problem.__table__.c).order_by(Problem.id))}


def _events(services: Services) -> list[ProblemEvent]:
    with services.db.uow() as s:
        return list(s.scalars(select(ProblemEvent).order_by(ProblemEvent.id)))


def test_the_ledger_service_methods_are_all_classified() -> None:
    public = {name for name, member in inspect.getmembers(LedgerService, inspect.isfunction)
              if not name.startswith("_")}
    # A new method must be added to one of the sets, and if it changes items, to the test below.
    assert public == MUTATING | READING | WITHDRAWING


def test_every_change_to_the_ledger_leaves_an_event_with_actor_and_time(
    services: Services, clock: FixedClock
) -> None:
    _setup(services)
    ledger, ident = services.ledger, services.membership.identify
    called: set[str] = set()
    checked = 0

    def changed_by(actor_id: int, actor_name: str, name: str, call: Any) -> Any:
        nonlocal checked
        clock.advance(minutes=7)
        before, seen = _snapshot(services), len(_events(services))
        result = call()
        called.add(name)
        after = _snapshot(services)
        touched = {pid for pid in after if before.get(pid) != after[pid]}
        new = _events(services)[seen:]
        assert touched, f"{name} changed nothing: the scenario is wrong"
        # Every item the call touched has a new event, stamped now, naming the actor.
        assert touched == {e.problem_id for e in new}, name
        for event in new:
            assert event.at == clock.now(), name
            assert event.actor_id == actor_id and event.actor_name == actor_name, name
            checked += 1
        return result

    cadre, leader = ident(CADRE), ident(LEADER)
    first = changed_by(CADRE, "张三", "file", lambda: ledger.file(
        _draft(CADRE), by=cadre, by_name="张三"))
    second = changed_by(CADRE, "张三", "file", lambda: ledger.file(
        _draft(CADRE, 20), by=cadre, by_name="张三"))
    # Confirming a conversation's draft files it the same way, and ends the conversation.
    draft = {"draft": _draft(CADRE, 25).to_json()}
    services.dialogs.save(CADRE, CADRE, DialogState("file", 11, draft))
    changed_by(CADRE, "张三", "confirm", lambda: ledger.confirm(
        DialogRef(CADRE, CADRE, "file", 11), by=cadre, by_name="张三"))
    assert services.dialogs.get(CADRE, CADRE) is None
    changed_by(CADRE, "张三", "add_progress", lambda: ledger.add_progress(
        first.id, by=cadre, by_name="张三", text="已建立台账"))
    changed_by(CADRE, "张三", "report_done", lambda: ledger.report_done(
        first.id, by=cadre, by_name="张三", completion="全部完成", attachment="file-1"))
    changed_by(LEADER, "李局长", "reject", lambda: ledger.reject(
        first.id, by=leader, by_name="李局长", reason="佐证不足",
        new_deadline=T0 + dt.timedelta(days=30)))
    changed_by(CADRE, "张三", "report_done", lambda: ledger.report_done(
        first.id, by=cadre, by_name="张三", completion="补充佐证"))
    changed_by(LEADER, "李局长", "approve", lambda: ledger.approve(
        first.id, by=leader, by_name="李局长"))
    changed_by(CADRE, "张三", "add_progress", lambda: ledger.add_progress(
        second.id, by=cadre, by_name="张三", text="进行中"))
    asked = changed_by(CADRE, "张三", "ask_extension", lambda: ledger.ask_extension(
        second.id, by=cadre, by_name="张三", deadline=T0 + dt.timedelta(days=60),
        reason="需协调资金"))
    changed_by(LEADER, "李局长", "decide_extension", lambda: ledger.decide_extension(
        asked.id, by=leader, by_name="李局长", approve=True))
    changed_by(CADRE, "张三", "edit", lambda: ledger.edit(
        second.id, by=cadre, by_name="张三", field="description", text="会议材料多次拖延报送"))
    assert called == MUTATING

    # Removing a member's data rewrites the items naming them: an event by the operator each.
    changed_by(0, SYSTEM_ACTOR, "privacy.remove",
               lambda: services.privacy.remove(CADRE))
    # And a refused change changes nothing and records nothing.
    before, seen = _snapshot(services), len(_events(services))
    with pytest.raises(DomainError):
        ledger.approve(second.id, by=leader, by_name="李局长")
    assert _snapshot(services) == before and len(_events(services)) == seen
    figures.count("audit.events_checked", checked)
    figures.count("audit.mutations_checked", len(called))


def test_a_withdrawn_item_is_kept_with_its_history_and_who_withdrew_it(
    services: Services, clock: FixedClock
) -> None:
    _setup(services)
    ledger, cadre = services.ledger, services.membership.identify(CADRE)
    item = ledger.file(_draft(CADRE), by=cadre, by_name="张三")
    clock.advance(minutes=7)
    assert ledger.withdraw(item.id, by=cadre, by_name="张三") == item.number
    assert item.id not in _snapshot(services) and _events(services) == []
    with services.db.uow() as s:
        [kept] = s.scalars(select(WithdrawnProblem))
        assert (kept.number, kept.withdrawn_by, kept.withdrawn_name, kept.withdrawn_at) == (
            item.number, CADRE, "张三", clock.now())
        assert kept.snapshot["description"] == "会议材料拖延报送"
        assert [e["kind"] for e in kept.snapshot["events"]] == ["filed"]
    # The trail still has the item's changes, and its withdrawal last, by whom and when.
    withdrawn_at = clock.now()
    clock.advance(minutes=1)
    other = ledger.file(_draft(CADRE, 20), by=cadre, by_name="张三")
    trail = [(e.number, e.kind, e.actor_name, e.at) for e in
             AuditService(services.db, clock, services.config.tz).entries()]
    assert trail == [
        (item.number, EventKind.FILED, "张三", withdrawn_at - dt.timedelta(minutes=7)),
        (item.number, EventKind.WITHDRAWN, "张三", withdrawn_at),
        (other.number, EventKind.FILED, "张三", clock.now())]
    since = AuditService(services.db, clock, services.config.tz).entries(since=withdrawn_at,
                                                                         limit=1)
    assert [(e.number, e.kind) for e in since] == [(item.number, EventKind.WITHDRAWN)]


def _history(services: Services, clock: FixedClock) -> None:
    """Two units' changes on three days: Nov 10, Nov 20 and Nov 28 (T0)."""
    _setup(services)
    ledger, ident = services.ledger, services.membership.identify
    clock.set(dt.datetime(2026, 11, 10, 9, 30, tzinfo=SHANGHAI))
    edu = ledger.file(_draft(CADRE, 40), by=ident(CADRE), by_name="张三")
    clock.set(dt.datetime(2026, 11, 20, 16, 5, tzinfo=SHANGHAI))
    hea = ledger.file(_draft(OTHER, 30), by=ident(OTHER), by_name="王五")
    ledger.report_done(edu.id, by=ident(CADRE), by_name="张三", completion="已完成\n见附件")
    clock.set(T0)
    ledger.approve(edu.id, by=ident(LEADER), by_name="李局长")
    ledger.add_progress(hea.id, by=ident(OTHER), by_name="王五", text="推进中")


def _config_file(tmp_path: Path, config: Config) -> str:
    path = tmp_path / "audit.yaml"
    path.write_text(f"database: {{url: '{config.database.url}'}}\n", encoding="utf-8")
    return str(path)


def test_audit_prints_every_change_oldest_first_in_local_time(
    services: Services, clock: FixedClock, config: Config, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _history(services, clock)
    cfg = _config_file(tmp_path, config)
    assert main(["audit", "--config", cfg], clock=clock) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith("2026-11-10 09:30  EDU  EDU-0001  张三 (101)")
    assert "登记" in lines[0] and "待整改" in lines[0]
    assert lines[1].startswith("2026-11-20 16:05  HEA  HEA-0001  王五 (201)")
    assert "报告完成" in lines[2] and "待整改 → 已整改（待销号）" in lines[2]
    assert "已完成 见附件" in lines[2]  # a note stays on its line
    assert lines[3].startswith("2026-11-28 15:00  EDU  EDU-0001  李局长 (102)")
    assert "已整改（待销号） → 已销号" in lines[3]
    assert "整改中" in lines[4] and "推进中" in lines[4]
    assert err.strip() == "(5 changes, every unit)"
    figures.count("audit.cli_lines_checked", len(lines))


def test_audit_filters_by_unit_and_since(
    services: Services, clock: FixedClock, config: Config, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _history(services, clock)
    cfg = _config_file(tmp_path, config)
    assert main(["audit", "--unit", "EDU", "--config", cfg], clock=clock) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[3] for line in lines] == ["EDU-0001"] * 3
    # 上周一 on Saturday Nov 28 is Monday Nov 16, from 00:00.
    assert main(["audit", "--since", "上周一", "--config", cfg], clock=clock) == 0
    out, err = capsys.readouterr()
    assert [line[:16] for line in out.splitlines()] == [
        "2026-11-20 16:05", "2026-11-20 16:05", "2026-11-28 15:00", "2026-11-28 15:00"]
    assert "since 2026-11-16 00:00" in err
    assert main(["audit", "--since", "2026-11-28", "--unit", "HEA", "--format", "csv",
                 "--config", cfg], clock=clock) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["time", "unit", "number"]
    assert rows[1:] == [["2026-11-28 15:00", "HEA", "HEA-0001", "王五", "201", "更新进展",
                         "待整改", "整改中", "推进中", ""]]
    assert main(["audit", "--limit", "2", "--config", cfg], clock=clock) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--unit", "NOPE"], "NOPE"),
        (["--since", "某天"], "某天"),
        (["--since", "2026-13-01"], "2026-13-01"),
        (["--since", "下周五"], "2026-12-04"),  # in the future
    ],
)
def test_audit_bad_unit_or_date_is_one_line_and_exit_2(
    services: Services, clock: FixedClock, config: Config, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], args: list[str], needle: str,
) -> None:
    _history(services, clock)
    assert main(["audit", *args, "--config", _config_file(tmp_path, config)], clock=clock) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    assert needle in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01", (2026, 11, 1, 0, 0)),
        ("2026-11-20T08:30", (2026, 11, 20, 8, 30)),
        ("上周一", (2026, 11, 16, 0, 0)),
        ("上上周五", (2026, 11, 13, 0, 0)),
        ("昨天下午3点", (2026, 11, 27, 15, 0)),
        ("本周一", (2026, 11, 23, 0, 0)),
        ("11月1日", None),  # a month-day already past means next year: in the future, refused
    ],
)
def test_since_reads_iso_dates_and_phrases_in_the_local_zone(
    services: Services, text: str, expected: tuple[int, ...] | None
) -> None:
    audit = AuditService(services.db, services.clock, services.config.tz)
    if expected is None:
        with pytest.raises(DomainError) as info:
            audit.read_since(text)
        assert info.value.key == "audit.future_since"
        return
    assert audit.read_since(text) == dt.datetime(*expected, tzinfo=SHANGHAI)


def test_entries_come_back_in_time_order_even_when_written_out_of_order(
    services: Services, clock: FixedClock
) -> None:
    _history(services, clock)
    entries = list(AuditService(services.db, clock, services.config.tz).entries())
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert [e.kind for e in entries] == [EventKind.FILED, EventKind.FILED, EventKind.DONE,
                                         EventKind.APPROVED, EventKind.PROGRESS]
    assert entries[3].to_status == Status.SIGNED_OFF and entries[3].actor_id == LEADER
    figures.count("audit.events_checked", len(entries))
