"""A city's workbook with its unit sheets written by worker processes: the same sheets, byte for
byte, as one process writes, on SQLite and PostgreSQL, through the CLI and the services."""

from __future__ import annotations

import datetime as dt
import io
import json
import multiprocessing
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import insert
from xlsxwriter import Workbook

from bot.bootstrap import Services
from bot.cli import main
from bot.clock import FixedClock
from bot.domain import Source, Status, Track
from bot.reports.paper import WORKBOOK_OPTIONS
from bot.reports.parallel import _start, city_sheets, default_jobs, runs, shareable, write_run
from bot.reports.rows import RowSheet
from bot.reports.workbook import UnitSheet, write_unit_rows, write_xlsx
from storage.db import Database
from storage.ledger import Problem
from storage.models import Unit
from tests.conftest import T0, migrated

# Unit names that clash once cut to a sheet title, and user text XML and Excel treat specially.
NAMES = ["市教育局", "某某县第一人民医院党委办公室（综合科）甲",
         "某某县第一人民医院党委办公室（综合科）乙", "城管<执法>&局", "空单位"]
TEXTS = ["窗口午休无人值守", "  前后有空格  ", "a < b & c > d", "第一行\r\n第二行", "=SUM(A1)",
         "<r>rich</r>", "_x000D_ 字面", "表情 🙂 与生僻字 𠀀"]


def seed(database: Database, per_unit: tuple[int, ...] = (7, 5, 6, 4, 0)) -> None:
    now = T0.astimezone(dt.UTC)
    statuses, tracks = list(Status), list(Track)
    with database.write() as conn:
        conn.execute(insert(Unit), [
            {"id": u + 1, "code": f"U{u + 1:02d}", "name": name, "created_at": now}
            for u, name in enumerate(NAMES)])
        rows, i = [], 0
        for u, count in enumerate(per_unit):
            for seq in range(1, count + 1):
                track = tracks[i % 3]
                rows.append({
                    "unit_id": u + 1, "seq": seq, "number": f"U{u + 1:02d}-{seq:04d}",
                    "source": Source.SELF, "category": "履职尽责缺位",
                    "description": TEXTS[i % len(TEXTS)], "measures": ["安排轮值", TEXTS[-i % 5]],
                    "track": track, "owner_name": f"干部{i}", "owner_user_id": 10_000 + i,
                    # Past, near and far deadlines: every fill and 预警 colour of the sheet.
                    "deadline": (None if track == Track.ONGOING
                                 else now + dt.timedelta(days=i % 9 * 3 - 6, hours=i)),
                    "checkin_days": 14 if track == Track.ONGOING else None,
                    "status": statuses[i % 4], "evidence": [], "tags": [],
                    "rework_count": i % 2, "created_by": 10_000 + i,
                    "created_at": now - dt.timedelta(days=i % 20), "updated_at": now,
                })
                i += 1
        conn.execute(insert(Problem), rows)


def members(data: bytes) -> dict[str, bytes]:
    """The workbook's parts but its properties (their time of writing differs from run to run)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {name: book.read(name) for name in book.namelist()
                if name != "docProps/core.xml"}


def city_book(services: Services, sheets: Iterable[UnitSheet] | None = None) -> dict[str, bytes]:
    """The city's workbook's parts, from these unit sheets or (None) from one process's rows."""
    out = io.BytesIO()
    rows = services.ledger.iter_rows() if sheets is None else ()
    write_xlsx(rows, out, tz=services.config.tz, now=T0, per_unit=True, sheets=sheets,
               units=[(u.code, u.name) for u in services.membership.list_units()],
               colours=services.ladder.colours)
    return members(out.getvalue())


def test_worker_processes_write_the_sheets_one_process_writes(
    services: Services, database: Database, tmp_path: Path
) -> None:
    seed(database)
    expected = city_book(services)
    folder = tmp_path / "rows"
    folder.mkdir()
    sheets = list(city_sheets(services, T0, 3, str(folder)))
    # Every unit with rows, in code order, each once; the unit with none only in 汇总.
    assert [code for code, _, _ in sheets] == ["U01", "U02", "U03", "U04"]
    got = city_book(services, iter(sheets))
    assert got.keys() == expected.keys()
    for name, data in expected.items():
        assert got[name] == data, name


def test_a_worker_process_writes_rows_the_workbook_takes(
    services: Services, database: Database, tmp_path: Path
) -> None:
    seed(database)
    expected = city_book(services)
    sizes = services.ledger.unit_sizes()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start, initargs=(services.config, T0)) as pool:
        written = pool.submit(write_run, [s[:3] for s in sizes[1:]], str(tmp_path)).result()
    assert [(w.code, w.rows) for w in written] == [("U02", 5), ("U03", 6), ("U04", 4)]
    first = sizes[0]
    sheets = [(first[1], first[2], services.ledger.iter_rows(unit_id=first[0])),
              *((w.code, w.name, w) for w in written)]
    assert city_book(services, sheets) == expected


def test_rows_written_elsewhere_are_taken_whole(services: Services, database: Database,
                                                tmp_path: Path) -> None:
    seed(database)
    expected = city_book(services)
    ledger, sizes = services.ledger, services.ledger.unit_sizes()
    # The first two units streamed here, the others as a worker writes them, in-process.
    written = write_unit_rows(
        ((code, name, ledger.iter_rows(unit_id=unit_id)) for unit_id, code, name, _ in sizes[2:]),
        str(tmp_path), tz=services.config.tz, now=T0, colours=services.ladder.colours)
    assert [w.rows for w in written] == [6, 4]
    assert sum(written[0].counts.values()) == 6
    streamed = [(code, name, ledger.iter_rows(unit_id=unit_id))
                for unit_id, code, name, _ in sizes[:2]]
    sheets: list[UnitSheet] = [*streamed, *((w.code, w.name, w) for w in written)]
    assert city_book(services, sheets) == expected


def test_the_export_command_with_worker_processes(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    url = f"sqlite:///{tmp_path / 'b.db'}"
    with migrated(url) as database:
        seed(database, (40, 3, 25, 12, 0))
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"database": {"url": url}}), encoding="utf-8")
    clock = FixedClock(T0)
    books = {}
    for jobs in ("1", "2", "4"):
        out = tmp_path / f"ledger-{jobs}.xlsx"
        assert main(["export", "-o", str(out), "--jobs", jobs, "--config", str(config)],
                    clock=clock) == 0
        books[jobs] = members(out.read_bytes())
    assert books["2"] == books["1"] and books["4"] == books["1"]
    assert len([n for n in books["1"] if n.startswith("xl/worksheets/sheet")]) == 5  # 汇总 + 4
    # The row files live in a temporary folder of their own, gone afterwards.
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("jobs", ["0", "x", "65", "-1"])
def test_jobs_must_be_a_number_of_processes(jobs: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["export", "-o", str(tmp_path / "x.xlsx"), "--jobs", jobs])
    assert exit_.value.code == 2
    assert "not a number of processes from 1 to 64" in capsys.readouterr().err


def test_runs_are_in_order_about_equal_and_never_empty() -> None:
    sizes = [(i, f"U{i}", f"单位{i}", n) for i, n in enumerate([5, 1, 1, 1, 9, 2, 2, 3], 1)]
    cut = runs(sizes, 3)
    assert [s for run in cut for s in run] == sizes
    assert [sum(s[3] for s in run) for run in cut] == [8, 9, 7]
    assert runs(sizes, 40) == [[s] for s in sizes]
    assert runs(sizes, 1) == [sizes] and runs([], 3) == []


def test_one_process_for_few_rows_or_a_database_in_memory() -> None:
    assert default_jobs(19_999, "sqlite:////tmp/b.db") == 1
    assert default_jobs(10**6, "sqlite://") == 1 and default_jobs(10**6, "sqlite:///:memory:") == 1
    assert default_jobs(10**6, "sqlite:////tmp/b.db") in (1, 2)
    assert shareable("postgresql+psycopg://u@h/db") and not shareable("sqlite://")


def test_rows_are_taken_only_where_none_are_written_yet(tmp_path: Path) -> None:
    wb = Workbook(str(tmp_path / "x.xlsx"), {**WORKBOOK_OPTIONS, "tmpdir": str(tmp_path)})
    ws = wb.add_worksheet("a", worksheet_class=RowSheet)
    assert isinstance(ws, RowSheet)
    rows = tmp_path / "rows.xml"
    rows.write_text('<row r="2"><c r="A2"><v>1</v></c></row>', encoding="utf-8")
    ws.put_row(2, 18, [1], [wb.add_format()])
    for first, last in ((1, 1), (2, 2), (4, 3)):
        with pytest.raises(ValueError):
            ws.put_rows(first, last, 1, str(rows))
    ws.put_rows(3, 3, 1, str(rows))
    assert (ws.dim_rowmax, ws.dim_colmax) == (3, 0)
    wb.close()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_terminal_is_told_how_far_the_export_is(jobs: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    with migrated(url) as database:
        seed(database)
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"database": {"url": url}}), encoding="utf-8")
    out = tmp_path / "ledger.xlsx"
    assert main(["export", "-o", str(out), "--jobs", "1", "--config", str(config)],
                clock=FixedClock(T0)) == 0
    quiet = members(out.read_bytes())
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["export", "-o", str(out), "--jobs", jobs, "--config", str(config)],
                clock=FixedClock(T0)) == 0
    # Each of the four units with rows counted once it is written, then the packing.
    lines = terminal.getvalue().split("\r")
    assert [line.split(" 个单位")[0] for line in lines if line] == [
        "已写入 1/4", "已写入 2/4", "已写入 3/4", "已写入 4/4"]
    assert lines[-1].endswith("正在生成文件 (units written; packing the file)\n")
    assert members(out.read_bytes()) == quiet  # the counting changes nothing written
