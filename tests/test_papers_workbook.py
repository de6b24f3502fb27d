"""The ledger workbook as an office prints it: reopened with openpyxl and checked as paper."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.config import PapersConfig
from bot.domain import Status, Track
from bot.reports.summary import summary_workbook
from bot.reports.workbook import SHEET_COLUMNS, SUMMARY_COLUMNS, write_xlsx
from bot.services.problem import ProblemView
from bot.services.stats import UnitStats
from tests.test_export import CG, EDU, FIN, NOW, SHANGHAI, UTC, problem

PAPERS = PapersConfig(sheet_font="仿宋", contact="王小明", phone="0571-12345678")
MEASURES = tuple(f"落实整改责任清单{i}" for i in range(1, 14))  # 13 lines, one each
HEAD = 3  # the header row


@pytest.fixture
def rows() -> list[ProblemView]:
    return [
        problem(EDU, 1, measures=MEASURES),  # a 13-line 整改措施
        problem(EDU, 2, status=Status.IN_PROGRESS,  # overdue
                deadline=dt.datetime(2026, 11, 27, 7, 0, tzinfo=UTC)),
        problem(EDU, 3, deadline=dt.datetime(2026, 11, 30, 7, 0, tzinfo=UTC)),  # due in 2 days
        # Sent back (驳回): the rejecter's name and the rejected completion must not show.
        problem(EDU, 4, status=Status.IN_PROGRESS, completion="已全部整改", rework_count=1,
                reviewer_name="王局长", evidence=("f",)),
        problem(FIN, 1, status=Status.SIGNED_OFF, completion="已整改", reviewer_name="赵主任",
                signed_off_at=dt.datetime(2026, 11, 25, 1, 30, tzinfo=UTC)),
        problem(FIN, 2, track=Track.ONGOING, deadline=None, checkin_days=14),
        problem(CG, 1, description="长" * 300, progress="进展 " * 40),
    ]


def _book(rows: list[ProblemView], tmp_path: Path, **kw: Any) -> Any:
    path = tmp_path / "ledger.xlsx"
    write_xlsx(rows, path, tz=SHANGHAI, now=NOW, papers=PAPERS, **kw)
    return load_workbook(path)


def _units(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _lines(text: str, width: float) -> int:
    # One width unit of the column is padding; a CJK character takes two units.
    return sum(max(1, math.ceil(_units(part) / (width - 1))) for part in text.split("\n"))


def _widths(ws: Any) -> list[float]:
    """Every column's width: openpyxl keeps a run of equal widths under its first letter."""
    out: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        for col in range(dim.min, dim.max + 1):
            out[col] = dim.width
    return [out[c] for c in range(1, ws.max_column + 1)]


def _fill(cell: Any) -> str | None:
    fill = cell.fill
    return fill.fgColor.rgb[-6:] if fill.fill_type == "solid" else None


def _table_rows(ws: Any) -> range:
    # The table runs from the header to the first row with nothing in column A.
    end = next(r for r in range(HEAD + 1, ws.max_row + 2) if ws.cell(r, 1).value is None)
    return range(HEAD, end)


def _page(ws: Any) -> None:
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (None, 0)
    assert ws.print_title_rows == "$3:$3"
    assert ws.oddFooter.center.text == "第&P页 共&N页"


def test_a_unit_ledger_prints_on_a4_with_title_and_filing_line(
        rows: list[ProblemView], tmp_path: Path) -> None:
    ws = _book(rows[:4], tmp_path).worksheets[0]
    _page(ws)
    assert ws["A1"].value == "市教育局作风问题整改台账"
    assert "A1:T1" in {str(r) for r in ws.merged_cells.ranges}
    info = ws["A2"].value
    for part in ("填报单位：市教育局", "填报日期：2026年11月28日", "数据截至：2026-11-28 15:00",
                 "联系人：王小明（0571-12345678）"):
        assert part in info
    assert tuple(c.value for c in ws[HEAD]) == SHEET_COLUMNS
    assert ws["A4"].font.name == "仿宋" and ws["A1"].font.name == "仿宋"


def test_every_table_cell_has_a_border_and_every_row_shows_all_its_lines(
        rows: list[ProblemView], tmp_path: Path) -> None:
    wb = _book(rows, tmp_path, per_unit=True)
    for ws in wb.worksheets:
        widths = _widths(ws)
        for r in _table_rows(ws):
            for cell in ws[r]:
                sides = (cell.border.left, cell.border.right, cell.border.top,
                         cell.border.bottom)
                assert all(s.style == "thin" for s in sides), (ws.title, cell.coordinate)
            need = max(_lines(str(c.value), w) for c, w in zip(ws[r], widths, strict=True)
                       if isinstance(c.value, str))
            height = ws.row_dimensions[r].height
            assert height is not None and height >= min(408, need * 13), (ws.title, r, need)
    # The 13-line 整改措施 is the third sheet row of 市教育局's table (after the header).
    assert wb["市教育局"].row_dimensions[HEAD + 1].height >= 13 * 13


def test_dates_and_rates_are_values_with_formats(rows: list[ProblemView], tmp_path: Path) -> None:
    wb = _book(rows, tmp_path, per_unit=True)
    edu = wb["市教育局"]
    deadline = edu.cell(HEAD + 1, SHEET_COLUMNS.index("整改时限") + 1)
    assert deadline.is_date and deadline.value == dt.datetime(2026, 12, 31, 23, 59)  # noqa: DTZ001
    assert deadline.number_format == "yyyy-mm-dd"
    signed = wb["市财政局"].cell(HEAD + 1, SHEET_COLUMNS.index("销号时间") + 1)
    assert signed.is_date and signed.value == dt.datetime(2026, 11, 25, 9, 30)  # noqa: DTZ001
    ongoing = wb["市财政局"].cell(HEAD + 2, SHEET_COLUMNS.index("整改时限") + 1)
    assert ongoing.value == "长期坚持（每14天检查）"
    summary = wb["汇总"]
    rate = summary.cell(HEAD + 2, SUMMARY_COLUMNS.index("整改率") + 1)
    assert rate.data_type == "n" and rate.value == 0.5 and rate.number_format == "0.0%"


def test_status_fills_and_the_legend(rows: list[ProblemView], tmp_path: Path) -> None:
    wb = _book(rows, tmp_path, per_unit=True)
    edu, fin = wb["市教育局"], wb["市财政局"]
    assert {_fill(c) for c in edu[HEAD + 1]} == {None}
    assert {_fill(c) for c in edu[HEAD + 2]} == {"FFC7CE"}  # overdue: red
    assert {_fill(c) for c in edu[HEAD + 3]} == {"FFEB9C"}  # due within 3 days: yellow
    assert {_fill(c) for c in fin[HEAD + 1]} == {"C6EFCE"}  # signed off: green
    legend = [r for r in edu.iter_rows(min_row=HEAD + 5) if r[0].value == "图例"]
    assert [(c.value, _fill(c)) for c in legend[0][1:4]] == [
        ("已超期", "FFC7CE"), ("3天内到期", "FFEB9C"), ("已销号", "C6EFCE")]


def test_a_rejected_item_shows_neither_reviewer_nor_its_completion(
        rows: list[ProblemView], tmp_path: Path) -> None:
    ws = _book(rows[:4], tmp_path).worksheets[0]
    cells = {name: ws.cell(HEAD + 4, i + 1).value for i, name in enumerate(SHEET_COLUMNS)}
    assert cells["问题编号"] == "EDU-0004"
    assert cells["审核人"] is None and cells["完成情况(佐证)"] is None
    assert cells["备注"] == "回炉1次"
    signed = _book(rows[4:5], tmp_path).worksheets[0]
    assert signed.cell(HEAD + 1, SHEET_COLUMNS.index("审核人") + 1).value == "赵主任"


def test_source_and_level_have_their_own_columns(tmp_path: Path) -> None:
    from bot.domain import Level, Source

    row = problem(EDU, 1, level=Level.SECTOR, source=Source.INSPECTION)
    ws = _book([row], tmp_path).worksheets[0]
    assert ws.cell(HEAD + 1, SHEET_COLUMNS.index("问题来源") + 1).value == "暗访监督"
    assert ws.cell(HEAD + 1, SHEET_COLUMNS.index("层面") + 1).value == "行业"


def test_the_summary_lists_every_unit_and_flags_zero_filings(
        rows: list[ProblemView], tmp_path: Path) -> None:
    listed = [("CG", CG[2]), ("EDU", "市教育局"), ("FIN", "市财政局"), ("ZERO", "市审计局")]
    wb = _book(rows, tmp_path, per_unit=True, units=listed)
    ws = wb["汇总"]
    _page(ws)
    assert ws["A1"].value == "作风问题整改情况汇总表"
    assert "填报单位：作风问题教育整顿领导小组办公室" in ws["A2"].value
    table = [[c.value for c in r] for r in ws.iter_rows(min_row=HEAD, max_row=HEAD + 5)]
    assert table[0] == list(SUMMARY_COLUMNS)
    assert [r[0] for r in table[1:]] == ["CG", "EDU", "FIN", "ZERO", "合计"]
    assert table[4][2] == 0 and table[4][-1] == "零查摆" and table[4][8] == "—"
    assert {_fill(c) for c in ws[HEAD + 4]} == {"FFEB9C"}
    assert table[5][2] == len(rows) and ws.cell(HEAD + 5, 3).font.b
    # No sheet for a unit with nothing filed: it is listed in 汇总 only.
    assert "市审计局" not in wb.sheetnames


def test_the_closing_workbook_is_printed_like_the_ledger(tmp_path: Path) -> None:
    long_name = "城关镇人民政府综合行政执法大队第一中队"
    units = [UnitStats(1, "CG", long_name), UnitStats(2, "ZERO", "市审计局")]
    units[0].status[Status.SIGNED_OFF] = 2
    units[0].status[Status.PENDING] = 1
    ongoing = [replace(problem(EDU, 1), track=Track.ONGOING, checkin_days=7)]
    data = summary_workbook(units, ongoing, title="作风整顿", tz=SHANGHAI, now=NOW,
                            papers=PAPERS)
    path = tmp_path / "end.xlsx"
    path.write_bytes(data)
    wb = load_workbook(path)
    for ws in wb.worksheets:
        _page(ws)
        assert "联系人：王小明" in ws["A2"].value
    ws = wb["汇总"]
    # The unit's full name fits its column (no clipping to four characters).
    assert _widths(ws)[1] >= _units(long_name) / 1.5
    assert ws.cell(HEAD + 1, 2).alignment.wrap_text
    rate = ws.cell(HEAD + 1, 9)
    assert rate.value == 0.667 and rate.number_format == "0.0%"
    assert ws.cell(HEAD + 2, 13).value == "零查摆"
    assert wb["长期坚持"].cell(HEAD + 1, 8).value == "每7天"
