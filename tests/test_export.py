"""Ledger export: xlsx (single and per unit) and CSV, reopened and read back cell by cell."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.domain import Level, Source, Status, Track
from bot.reports.ledger_csv import write_csv
from bot.reports.workbook import (
    COLUMNS,
    SHEET_COLUMNS,
    SUMMARY_COLUMNS,
    row_values,
    sheet_name,
    write_xlsx,
)
from bot.services.problem import ProblemView
from bot.services.stats import rate_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
NOW = dt.datetime(2026, 11, 28, 7, 0, tzinfo=UTC)  # 15:00 in Shanghai
LONG_NAME = "城关镇[试点]/社区:综合服务中心*便民?窗口\\第一党支部联合临时工作专班"
BOM = "\ufeff"


def problem(unit: tuple[int, str, str], seq: int, **changes: Any) -> ProblemView:
    unit_id, code, name = unit
    base = ProblemView(
        id=unit_id * 100 + seq, number=f"{code}-{seq:04d}", unit_id=unit_id, unit_code=code,
        unit_name=name, level=None, source=Source.SELF, category="履职尽责缺位",
        description=f"问题{code}{seq}", measures=("建立台账",), goal=None, track=Track.DEADLINE,
        leader_name="李局长", leader_user_id=None, owner_name="张三", owner_user_id=None,
        deadline=dt.datetime(2026, 12, 31, 15, 59, tzinfo=UTC), checkin_days=None,
        status=Status.PENDING, progress=None, completion=None, evidence=(), rework_count=0,
        signed_off_at=None, reviewer_name=None, remarks=None, created_by=1,
        created_at=NOW - dt.timedelta(days=10), updated_at=NOW - dt.timedelta(days=1),
    )
    return replace(base, **changes)


EDU = (1, "EDU", "市教育局")
FIN = (2, "FIN", "市财政局")
CG = (3, "CG", LONG_NAME)


@pytest.fixture
def rows() -> list[ProblemView]:
    return [
        problem(EDU, 1, level=Level.INDIVIDUAL, measures=("建立台账", "每周通报"),
                goal="群众满意", deadline=dt.datetime(2026, 12, 3, 7, 0, tzinfo=UTC)),
        # Deadline a day gone while still being worked on: the overdue row.
        problem(EDU, 2, status=Status.IN_PROGRESS, progress="已约谈两人",
                deadline=dt.datetime(2026, 11, 27, 7, 0, tzinfo=UTC)),
        # Past deadline too, but waiting for sign-off is not overdue.
        problem(EDU, 3, status=Status.AWAITING_SIGNOFF, completion="已完成整改",
                evidence=("file-a", "file-b"), rework_count=1, remarks="涉及窗口单位",
                reviewer_name="王局长", deadline=dt.datetime(2026, 11, 20, 7, 0, tzinfo=UTC)),
        problem(FIN, 1, level=Level.UNIT, source=Source.PUBLIC, status=Status.SIGNED_OFF,
                track=Track.IMMEDIATE, completion="已整改", reviewer_name="赵主任",
                signed_off_at=dt.datetime(2026, 11, 25, 1, 30, tzinfo=UTC)),
        problem(FIN, 2, source=Source.SUPERVISION, track=Track.ONGOING, deadline=None,
                checkin_days=14),
        problem(CG, 1, level=Level.SECTOR, source=Source.INSPECTION, status=Status.IN_PROGRESS,
                description="=HYPERLINK(\"http://evil\")", remarks="含\x0b控制符"),
    ]


EXPECTED = [
    [1, "EDU-0001", "市教育局", "自查自纠", "干部个人", "履职尽责缺位", "问题EDU1",
     "1. 建立台账\n2. 每周通报", "群众满意", "限期整改", "李局长", "张三", "2026-12-03 15:00",
     "待整改", "", "", "", "", ""],
    [2, "EDU-0002", "市教育局", "自查自纠", "", "履职尽责缺位", "问题EDU2", "1. 建立台账", "",
     "限期整改", "李局长", "张三", "2026-11-27 15:00", "整改中（已超期）", "已约谈两人", "", "",
     "", ""],
    # Awaiting sign-off again after a rework: the rejecter is no 审核人.
    [3, "EDU-0003", "市教育局", "自查自纠", "", "履职尽责缺位", "问题EDU3", "1. 建立台账", "",
     "限期整改", "李局长", "张三", "2026-11-20 15:00", "已整改（待销号）", "",
     "已完成整改（佐证 2 件）", "", "", "涉及窗口单位；回炉1次"],
    [4, "FIN-0001", "市财政局", "群众反映", "单位（科室）", "履职尽责缺位", "问题FIN1",
     "1. 建立台账", "",
     "立行立改", "李局长", "张三", "2026-12-31 23:59", "已销号", "", "已整改",
     "2026-11-25 09:30", "赵主任", ""],
    [5, "FIN-0002", "市财政局", "上级督导", "", "履职尽责缺位", "问题FIN2", "1. 建立台账", "",
     "长期坚持", "李局长", "张三", "长期坚持（每14天检查）", "待整改", "", "", "", "", ""],
    [6, "CG-0001", LONG_NAME, "暗访监督", "行业", "履职尽责缺位", "=HYPERLINK(\"http://evil\")",
     "1. 建立台账", "", "限期整改", "李局长", "张三", "2026-12-31 23:59", "整改中", "", "", "",
     "", "含控制符"],
]
DEADLINE, STATUS, SIGNED_AT = 12, 13, 16
HEAD = 3  # title, 填报 line, header: the table's first row is the fourth


def _as_cells(expected: list[list[Any]]) -> list[list[Any]]:
    """EXPECTED as the workbook holds it: times are date cells, not text."""
    out = []
    for row in expected:
        row = list(row)
        for col in (DEADLINE, SIGNED_AT):
            if row[col][:2] == "20":
                row[col] = dt.datetime.fromisoformat(row[col])
        # The sheet's 预警 column, after 整改状态: empty without the ladder's colours.
        row.insert(SHEET_COLUMNS.index("预警"), "")
        out.append(row)
    return out


def _table(ws: Any) -> list[list[Any]]:
    """The header and rows of a ledger sheet, without title, 填报 line and legend."""
    rows = _values(ws)[HEAD - 1:]
    while rows and (not any(rows[-1][1:]) or rows[-1][0] == "图例"):
        rows.pop()
    return rows


def _values(ws: Any) -> list[list[Any]]:
    # openpyxl reads an empty inline string back as None.
    return [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]


def _fill(cell: Any) -> str | None:
    # A solid fill's colour as RGB: writers differ on the alpha byte (00 or FF), Excel ignores it.
    fill = cell.fill
    return fill.fgColor.rgb[-6:] if fill.fill_type == "solid" else None


def _renumber(expected: list[list[Any]]) -> list[list[Any]]:
    return [[i, *row[1:]] for i, row in enumerate(expected, 1)]


def test_row_values_match_the_ledger_layout(rows: list[ProblemView]) -> None:
    got = [row_values(r, i, tz=SHANGHAI, now=NOW) for i, r in enumerate(rows, 1)]
    assert got == EXPECTED
    # Without `now` nothing is judged overdue.
    assert row_values(rows[1], 2, tz=SHANGHAI)[STATUS] == "整改中"
    assert len(COLUMNS) == 19 and all(len(r) == len(COLUMNS) for r in got)


def test_ongoing_without_checkin_and_a_utc_zone(rows: list[ProblemView]) -> None:
    bare = replace(rows[4], checkin_days=None)
    assert row_values(bare, 1, tz=SHANGHAI)[DEADLINE] == "长期坚持"
    assert row_values(rows[0], 1, tz=ZoneInfo("UTC"))[DEADLINE] == "2026-12-03 07:00"


def test_single_sheet_xlsx(rows: list[ProblemView], tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    write_xlsx(rows, path, tz=SHANGHAI, now=NOW)

    wb = load_workbook(path)
    assert wb.sheetnames == ["问题台账"]
    ws = wb["问题台账"]
    table = _table(ws)
    assert tuple(table[0]) == SHEET_COLUMNS
    assert table[1:] == _as_cells(EXPECTED)
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:T9"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (None, 0)


def test_xlsx_styling(rows: list[ProblemView], tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    write_xlsx(rows, path, tz=SHANGHAI, now=NOW)
    ws = load_workbook(path)["问题台账"]

    assert all(c.font.b for c in ws[3])
    assert {_fill(c) for c in ws[3]} == {"D9E1F2"}
    assert ws.column_dimensions["A"].width == 5
    assert ws.column_dimensions["G"].width >= 20
    assert ws["G4"].alignment.wrap_text and ws["H4"].alignment.wrap_text
    # Row 5 is the overdue item: every cell filled; row 7 is signed off; the rest no fill.
    assert {_fill(c) for c in ws[5]} == {"FFC7CE"}
    assert {_fill(c) for c in ws[7]} == {"C6EFCE"}
    assert all(c.fill.fill_type is None for r in (4, 6, 8, 9) for c in ws[r])


def test_user_text_never_becomes_a_formula(rows: list[ProblemView]) -> None:
    buffer = io.BytesIO()
    write_xlsx(rows, buffer, tz=SHANGHAI, now=NOW)
    buffer.seek(0)
    cell = load_workbook(buffer)["问题台账"]["G9"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(\"http://evil\")", "s")


def test_per_unit_workbook(rows: list[ProblemView], tmp_path: Path) -> None:
    path = tmp_path / "all.xlsx"
    write_xlsx(rows, path, tz=SHANGHAI, now=NOW, per_unit=True)
    wb = load_workbook(path)

    cg_sheet = "城关镇_试点__社区_综合服务中心_便民_窗口_第一党支部联合"  # 31
    assert wb.sheetnames == ["汇总", "市教育局", "市财政局", cg_sheet]
    summary = wb["汇总"]
    assert _table(summary) == [
        list(SUMMARY_COLUMNS),
        ["EDU", "市教育局", 3, 1, 1, 1, 0, 1, 0.333, ""],
        ["FIN", "市财政局", 2, 1, 0, 0, 1, 0, 0.5, ""],
        ["CG", LONG_NAME, 1, 0, 1, 0, 0, 0, 0, ""],
        ["合计", "", 6, 2, 2, 1, 1, 1, 0.333, ""],
    ]
    assert summary.freeze_panes == "A4" and summary["A3"].font.b and summary["C7"].font.b

    for name, expected in (("市教育局", EXPECTED[:3]), ("市财政局", EXPECTED[3:5]),
                           (cg_sheet, EXPECTED[5:])):
        ws = wb[name]
        table = _table(ws)
        assert tuple(table[0]) == SHEET_COLUMNS
        assert table[1:] == _as_cells(_renumber(expected)), name
        assert ws.freeze_panes == "A4"
        assert ws.auto_filter.ref == f"A3:T{len(expected) + HEAD}"
    assert {_fill(c) for c in wb["市教育局"][5]} == {"FFC7CE"}


def test_per_unit_with_clashing_names(rows: list[ProblemView], tmp_path: Path) -> None:
    # Two offices both called 办公室 in different counties, and a unit literally named 汇总.
    clash = [
        problem((7, "A", "办公室"), 1), problem((8, "B", "办公室"), 1),
        problem((9, "C", "汇总"), 1, status=Status.SIGNED_OFF),
    ]
    path = tmp_path / "clash.xlsx"
    write_xlsx(clash, path, tz=SHANGHAI, now=NOW, per_unit=True)
    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总", "办公室", "办公室(2)", "汇总(2)"]
    assert _table(wb["办公室(2)"])[1][1] == "B-0001"
    assert _table(wb["汇总"])[-1] == ["合计", "", 3, 2, 0, 0, 1, 0, 0.333, ""]


def test_per_unit_refuses_rows_out_of_unit_order(rows: list[ProblemView], tmp_path: Path) -> None:
    # Sheets stream one unit at a time: a unit seen again later would need a second sheet.
    shuffled = [rows[0], rows[3], rows[1]]
    assert shuffled[0].unit_id == shuffled[2].unit_id != shuffled[1].unit_id
    with pytest.raises(ValueError, match="rows together"):
        write_xlsx(shuffled, tmp_path / "bad.xlsx", tz=SHANGHAI, now=NOW, per_unit=True)


def test_empty_export(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    write_xlsx([], path, tz=SHANGHAI, now=NOW, per_unit=True)
    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总"]
    assert _table(wb["汇总"])[1:] == [["合计", "", 0, 0, 0, 0, 0, 0, "—", ""]]

    single = tmp_path / "single.xlsx"
    write_xlsx([], single, tz=SHANGHAI, now=NOW, title="教育局台账")
    ws = load_workbook(single)["教育局台账"]
    assert _table(ws) == [list(SHEET_COLUMNS)] and ws.max_row == HEAD + 2  # and the legend


@pytest.mark.parametrize(
    ("fixed", "total", "text"),
    [(0, 0, "—"), (0, 5, "0.0%"), (5, 5, "100.0%"), (2, 3, "66.7%"), (1, 3, "33.3%"),
     (1, 8, "12.5%"), (1, 16, "6.3%"), (1, 1600, "0.1%"), (1, 2001, "0.0%")],
)
def test_rate_text_rounds_half_up(fixed: int, total: int, text: str) -> None:
    assert rate_text(fixed, total) == text


def test_sheet_name_sanitising_and_uniqueness() -> None:
    taken: set[str] = set()
    assert sheet_name("a[b]:c*d?e/f\\g", taken) == "a_b__c_d_e_f_g"
    long = "很" * 40
    assert sheet_name(long, taken) == "很" * 31
    assert sheet_name(long, taken) == "很" * 28 + "(2)"
    assert sheet_name(long, taken) == "很" * 28 + "(3)"
    assert sheet_name("Office", taken) == "Office"
    assert sheet_name("OFFICE", taken) == "OFFICE(2)"
    assert sheet_name("'quoted'", taken) == "quoted"
    assert sheet_name("  ", taken) == "未命名"
    # A character outside the BMP counts twice against Excel's 31.
    assert sheet_name("😀" * 20, taken) == "😀" * 15
    assert all(len(name.encode("utf-16-le")) // 2 <= 31 for name in taken)


def test_csv_to_a_path(rows: list[ProblemView], tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    write_csv(rows, path, tz=SHANGHAI, now=NOW)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert path.read_bytes().count(b"\xef\xbb\xbf") == 1
    with path.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert tuple(table[0]) == COLUMNS
    expected = [[str(v) for v in row] for row in EXPECTED]
    expected[5][6] = "'" + expected[5][6]  # a formula-looking cell is defused for Excel
    assert table[1:] == expected


def test_csv_to_a_stream(rows: list[ProblemView]) -> None:
    out = io.StringIO(newline="")
    write_csv(rows[:2], out, tz=SHANGHAI, now=NOW)
    text = out.getvalue()
    assert text.startswith(BOM + "序号,问题编号,")
    table = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))
    assert table[1:] == [[str(v) for v in row] for row in EXPECTED[:2]]
    assert table[2][STATUS] == "整改中（已超期）"


def test_rich_text_shaped_user_text_stays_text(rows: list[ProblemView], tmp_path: Path) -> None:
    # XlsxWriter copies a string shaped like <r>…</r> into the sheet XML as rich text; user
    # text must never be able to inject cells (here a formula in Z2).
    evil = ('<r><t>a</t></r></is></c><c r="Z2" t="str"><f>1+1</f></c>'
            '<c r="Z3" t="inlineStr"><is><r><t>b</t></r>')
    path = tmp_path / "rich.xlsx"
    write_xlsx([replace(rows[0], description=evil, goal=evil)], path, tz=SHANGHAI, now=NOW)
    ws = load_workbook(path)["问题台账"]
    assert (ws["G4"].value, ws["I4"].value, ws["Z4"].value) == (evil, evil, None)
