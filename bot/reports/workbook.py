"""The 问题台账 as an office ledger workbook: one sheet, or 汇总 and a sheet per unit."""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from xlsxwriter import Workbook

from bot.config import PapersConfig
from bot.domain import Colour, Status
from bot.reports.ledger_cells import COLUMNS as COLUMNS
from bot.reports.ledger_cells import STATUS_NAMES as STATUS_NAMES
from bot.reports.ledger_cells import TRACK_NAMES as TRACK_NAMES
from bot.reports.ledger_cells import row_fill, typed_cells
from bot.reports.ledger_cells import row_values as row_values
from bot.reports.paper import (
    FIRST_ROW,
    Cell,
    Column,
    Fill,
    Styles,
    Table,
    info_line,
    new_workbook,
    release,
)
from bot.reports.paper import ILLEGAL as _ILLEGAL
from bot.reports.paper import (
    sheet_name as sheet_name,
)
from bot.services.problem import ProblemView
from bot.services.stats import rate_text

SUMMARY_COLUMNS: tuple[str, ...] = (
    "单位编号", "单位", "问题总数", "待整改", "整改中", "待销号", "已销号", "逾期", "整改率",
    "备注",
)
SUMMARY_SHEET = "汇总"

# Width units for A4 landscape (a CJK character takes two): the four long texts get the room.
LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("序号", 5, "int"), Column("问题编号", 11), Column("责任单位", 11),
    Column("问题来源", 9), Column("层面", 5), Column("问题类别", 9), Column("问题描述", 22),
    Column("整改措施", 22), Column("整改目标", 12), Column("整改类型", 6), Column("责任领导", 7),
    Column("责任人", 7), Column("整改时限", 11, "date"), Column("整改状态", 9),
    Column("预警", 5), Column("整改进展", 16), Column("完成情况(佐证)", 16),
    Column("销号时间", 11, "datetime"), Column("审核人", 7), Column("备注", 10),
)
SUMMARY_TABLE: tuple[Column, ...] = (
    Column("单位编号", 10), Column("单位", 30), Column("问题总数", 9, "int"),
    Column("待整改", 9, "int"), Column("整改中", 9, "int"), Column("待销号", 9, "int"),
    Column("已销号", 9, "int"), Column("逾期", 9, "int"), Column("整改率", 9, "percent"),
    Column("备注", 12),
)
# The sheet's headers: the CSV's (COLUMNS) and, after 整改状态, the open item's 预警 colour.
SHEET_COLUMNS: tuple[str, ...] = tuple(c.name for c in LEDGER_COLUMNS)
WARNING_COLUMN = SHEET_COLUMNS.index("预警")
WARNINGS: dict[Colour, tuple[str, Fill]] = {Colour.BLUE: ("蓝", Fill.LADDER_BLUE),
                                            Colour.YELLOW: ("黄", Fill.LADDER_YELLOW),
                                            Colour.RED: ("红", Fill.LADDER_RED)}
# The colours of a batch of open items (LadderService.colours, the cards' rule), by item id.
Colours = Callable[[Sequence[ProblemView]], Mapping[int, Colour]]
COLOUR_BATCH = 2000
ZERO_FILED = "零查摆"
LEGEND: tuple[tuple[str, Fill], ...] = (
    ("已超期", Fill.OVERDUE), ("3天内到期", Fill.DUE_SOON), ("已销号", Fill.SIGNED),
)

# -- rows ---------------------------------------------------------------------------------------


def _coloured(rows: Iterable[ProblemView], colours: Colours | None,
              ) -> Iterator[tuple[ProblemView, Colour | None]]:
    """Each row with its colour now, asked for a batch of rows at a time (one read each)."""
    if colours is None:
        yield from ((row, None) for row in rows)
        return
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, COLOUR_BATCH)):
        found = colours(batch)
        yield from ((row, found.get(row.id)) for row in batch)


# -- summary ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenRows:
    """A unit's table rows that another process wrote to a file (bot/reports/parallel.py),
    with what the 汇总 sheet needs of them."""

    code: str
    name: str
    path: str
    rows: int
    counts: dict[Status, int]
    overdue: int


@dataclass
class _Unit:
    """A unit's counts for the 汇总 sheet, kept while its rows stream past (not the rows)."""

    code: str
    name: str
    counts: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))
    overdue: int = 0

    def add(self, row: ProblemView, overdue: bool) -> None:
        self.counts[row.status] += 1
        self.overdue += overdue

    def take(self, written: WrittenRows) -> None:
        for status, n in written.counts.items():
            self.counts[status] += n
        self.overdue += written.overdue

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cells(self) -> list[Cell]:
        c = self.counts
        total = self.total
        fixed = c[Status.AWAITING_SIGNOFF] + c[Status.SIGNED_OFF]
        return [
            self.code, self.name, total, c[Status.PENDING], c[Status.IN_PROGRESS],
            c[Status.AWAITING_SIGNOFF], c[Status.SIGNED_OFF], self.overdue,
            rate_value(fixed, total), ZERO_FILED if total == 0 and self.name else "",
        ]


def rate_value(fixed: int, total: int) -> float | str:
    """整改率 as a cell: a fraction to show with a % format, rounded as rate_text rounds; — with
    nothing filed."""
    if total == 0:
        return "—"
    return round(float(rate_text(fixed, total).rstrip("%")) / 100, 4)


def _totals(units: Sequence[_Unit]) -> list[Cell]:
    total = _Unit("合计", "")
    for unit in units:
        for status, n in unit.counts.items():
            total.counts[status] += n
        total.overdue += unit.overdue
    return total.cells()


# -- xlsx -------------------------------------------------------------------------------------


def ledger_title(unit: str) -> str:
    return f"{unit}作风问题整改台账"


class _Book:
    """What every sheet of one workbook shares: styles, the clock, the 填报 details."""

    def __init__(self, wb: Workbook, tz: ZoneInfo, now: dt.datetime,
                 papers: PapersConfig, colours: Colours | None = None) -> None:
        self.wb = wb
        self.colours = colours
        self.tz = tz
        self.now = now
        self.papers = papers
        self.styles = Styles(wb, papers.sheet_font)

    def info(self, unit: str) -> str:
        return info_line(unit, self.now.astimezone(self.tz), self.papers.contact,
                         self.papers.phone)

    def ledger_sheet(self, name: str, unit: str, rows: Iterable[ProblemView] | WrittenRows,
                     tally: _Unit | None = None) -> None:
        table = Table(self.wb, self.styles, name, LEDGER_COLUMNS, title=ledger_title(unit),
                      info=self.info(unit))
        if isinstance(rows, WrittenRows):
            table.take(rows.rows, rows.path)
            if tally is not None:
                tally.take(rows)
        else:
            self._fill(table, rows, tally)
        table.finish(LEGEND)

    def rows_file(self, code: str, name: str, rows: Iterable[ProblemView]) -> WrittenRows:
        """A unit's table rows written to a file of their own, for another process's workbook
        to take whole (numbered alike: Styles.number(LEDGER_COLUMNS) on both sides)."""
        table = Table(self.wb, self.styles, f"rows{len(self.wb.worksheets())}", LEDGER_COLUMNS,
                      title="", info="", head=False)
        tally = _Unit(code, name)
        self._fill(table, rows, tally)
        release(table.ws)
        return WrittenRows(code, name, table.ws.row_data_filename, table.next - FIRST_ROW,
                           dict(tally.counts), tally.overdue)

    def _fill(self, table: Table, rows: Iterable[ProblemView], tally: _Unit | None) -> None:
        now, tz = self.now, self.tz
        for count, (row, colour) in enumerate(_coloured(rows, self.colours), 1):
            overdue = row.overdue(now)
            if tally is not None:
                tally.add(row, overdue)
            text, mark = WARNINGS[colour] if colour is not None else ("", Fill.NONE)
            table.add(typed_cells(row, count, tz, overdue, text), row_fill(row, now, overdue),
                      mark=(WARNING_COLUMN, mark))


# A unit's sheet: its code, its name, and its rows (or the rows another process wrote).
UnitSheet = tuple[str, str, "Iterable[ProblemView] | WrittenRows"]


def unit_groups(rows: Iterable[ProblemView]) -> Iterator[UnitSheet]:
    """The rows of each unit together, as they stream past; each unit's rows must come
    together."""
    seen: set[int] = set()
    for unit_id, group in itertools.groupby(rows, key=lambda row: row.unit_id):
        if unit_id in seen:
            raise ValueError("a per-unit export needs each unit's rows together "
                             "(LedgerService.iter_rows orders them so)")
        seen.add(unit_id)
        first = next(group)
        yield first.unit_code, first.unit_name, itertools.chain([first], group)  # noqa: B031


def _unit_sheets(book: _Book, sheets: Iterable[UnitSheet], taken: set[str]) -> list[_Unit]:
    """One sheet per unit, written in a single pass."""
    units: list[_Unit] = []
    for code, name, rows in sheets:
        unit = _Unit(code, name)
        book.ledger_sheet(sheet_name(name, taken), _ILLEGAL.sub("", name), rows, tally=unit)
        units.append(unit)
    return units


def _every_unit(filed: Sequence[_Unit], listed: Sequence[tuple[str, str]] | None) -> list[_Unit]:
    """The units with rows, and (in `listed` order) those with none: 汇总 lists every unit."""
    if listed is None:
        return list(filed)
    by_code = {u.code: u for u in filed}
    out = [by_code.pop(code) if code in by_code else _Unit(code, name) for code, name in listed]
    return out + list(by_code.values())


def _summary_sheet(book: _Book, ws_table: Table, units: Sequence[_Unit]) -> None:
    for unit in units:
        cells = [_ILLEGAL.sub("", v) if isinstance(v, str) else v for v in unit.cells()]
        ws_table.add(cells, Fill.DUE_SOON if unit.total == 0 else Fill.NONE)
    ws_table.add(_totals(units), bold=True)
    ws_table.finish(((ZERO_FILED, Fill.DUE_SOON),), autofilter=False)


SUMMARY_TITLE = "作风问题整改情况汇总表"


def write_unit_rows(
    units: Iterable[tuple[str, str, Iterable[ProblemView]]], folder: str, *, tz: ZoneInfo,
    now: dt.datetime, papers: PapersConfig | None = None, colours: Colours | None = None,
) -> list[WrittenRows]:
    """Each unit's (code, name, rows) ledger table rows to a file of its own under `folder`,
    for write_xlsx(per_unit=True, sheets=…) in another process to take whole."""
    wb = new_workbook(str(Path(folder) / "rows.xlsx"), folder)
    book = _Book(wb, tz, now, papers or PapersConfig(), colours)
    book.styles.number(LEDGER_COLUMNS)
    # The workbook is never saved: only its sheets' row files are kept, in `folder`.
    return [book.rows_file(code, name, rows) for code, name, rows in units]


def write_xlsx(
    rows: Iterable[ProblemView], target: str | Path | BinaryIO, *, tz: ZoneInfo,
    now: dt.datetime, per_unit: bool = False, title: str = "问题台账",
    units: Sequence[tuple[str, str]] | None = None, papers: PapersConfig | None = None,
    colours: Colours | None = None, sheets: Iterable[UnitSheet] | None = None,
) -> None:
    """Write the ledger as an A4-landscape office ledger, streaming (XlsxWriter's
    constant_memory) so 100k rows keep memory flat; `target` is a path or a binary stream.

    per_unit=False: one sheet named `title` (one unit's rows). per_unit=True: a 汇总 sheet
    with counts and 整改率 for every unit in `units` (code, name) and every unit with rows,
    then one sheet per unit with rows. Dates are date cells in `tz`. `colours` gives the open
    items' 预警 (蓝/黄/红, its cell filled so); without it the column stays empty. With
    per_unit, `sheets` gives the unit sheets instead of `rows` (bot/reports/parallel.py).
    """
    papers = papers or PapersConfig()
    # Sheets stream their rows to temp files until close() zips them into `target`; a private
    # folder for those files is removed however the export ends.
    with tempfile.TemporaryDirectory(prefix="ledger-xlsx-") as tmp:
        wb = new_workbook(target, tmp)
        try:
            wb.set_properties({"title": title})
            book = _Book(wb, tz, now, papers, colours)
            taken: set[str] = set()
            if per_unit:
                # 汇总 is the first tab but is filled last: the unit sheets stream first and
                # leave only their counts behind, so no unit's rows are held in memory.
                taken.add(SUMMARY_SHEET.casefold())
                office = papers.office_name
                summary = Table(wb, book.styles, SUMMARY_SHEET, SUMMARY_TABLE,
                                title=SUMMARY_TITLE, info=book.info(office))
                # Numbered up front: a sheet's rows written by another process use these numbers.
                book.styles.number(LEDGER_COLUMNS)
                filed = _unit_sheets(book, unit_groups(rows) if sheets is None else sheets,
                                     taken)
                _summary_sheet(book, summary, _every_unit(filed, units))
            else:
                iterator = iter(rows)
                first = next(iterator, None)
                unit = _ILLEGAL.sub("", first.unit_name) if first is not None else title
                chained = itertools.chain([first], iterator) if first is not None else iterator
                book.ledger_sheet(sheet_name(title, taken), unit, chained)
            wb.close()
        finally:
            if not wb.fileclosed:  # failed before or while saving: nothing left open
                for ws in wb.worksheets():
                    release(ws)
