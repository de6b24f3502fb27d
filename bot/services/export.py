"""Ledger export: the 问题台账 as xlsx (one sheet, or a summary and a sheet per unit) or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.services.ledger import ProblemView
from storage.ledger import Level, Source, Status, Track

COLUMNS: tuple[str, ...] = (
    "序号", "问题编号", "责任单位", "问题来源", "问题类别", "问题描述", "整改措施", "整改目标",
    "整改类型", "责任领导", "责任人", "整改时限", "整改状态", "整改进展", "完成情况(佐证)",
    "销号时间", "审核人", "备注",
)
SUMMARY_COLUMNS: tuple[str, ...] = (
    "单位编号", "单位", "问题总数", "待整改", "整改中", "待销号", "已销号", "逾期", "整改率",
)
SUMMARY_SHEET = "汇总"

STATUS_NAMES: dict[Status, str] = {
    Status.PENDING: "待整改",
    Status.IN_PROGRESS: "整改中",
    Status.AWAITING_SIGNOFF: "已整改(待销号)",
    Status.SIGNED_OFF: "已销号",
}
TRACK_NAMES: dict[Track, str] = {
    Track.IMMEDIATE: "立行立改",
    Track.DEADLINE: "限期整改",
    Track.ONGOING: "长期坚持",
}
LEVEL_NAMES: dict[Level, str] = {
    Level.INDIVIDUAL: "个人",
    Level.UNIT: "单位",
    Level.SECTOR: "行业",
}
SOURCE_NAMES: dict[Source, str] = {
    Source.SELF: "自查自纠",
    Source.PUBLIC: "群众反映",
    Source.BUSINESS: "企业投诉",
    Source.INSPECTION: "暗访监督",
    Source.SUPERVISION: "上级督导",
}

_TIME_FORMAT = "%Y-%m-%d %H:%M"
_OVERDUE_MARK = "（已超期）"
# Characters XML 1.0 cannot carry; openpyxl raises on them, and a pasted message may hold one.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Spreadsheet apps run a CSV cell starting with these as a formula (CSV injection).
_CSV_TRIGGERS = frozenset("=+-@\t\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31

_WIDTHS: dict[str, float] = {
    "序号": 6, "问题编号": 14, "责任单位": 16, "问题来源": 16, "问题类别": 16, "问题描述": 40,
    "整改措施": 40, "整改目标": 24, "整改类型": 10, "责任领导": 10, "责任人": 10,
    "整改时限": 22, "整改状态": 18, "整改进展": 36, "完成情况(佐证)": 36, "销号时间": 17,
    "审核人": 10, "备注": 20,
}
_WRAPPED = frozenset(
    COLUMNS.index(name) for name in ("问题描述", "整改措施", "整改进展", "完成情况(佐证)")
)
_SUMMARY_WIDTHS = (12, 24, 10, 10, 10, 10, 10, 10, 10)

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="D9E1F2")
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Excel's own "light red fill", so an overdue row looks like conditional formatting would.
_OVERDUE_FILL = PatternFill(fill_type="solid", fgColor="FFC7CE")
_WRAP = Alignment(wrap_text=True)


# -- cell values ------------------------------------------------------------------------------


def _when(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime(_TIME_FORMAT) if value is not None else ""


def _source(row: ProblemView) -> str:
    source = SOURCE_NAMES[row.source]
    return f"{LEVEL_NAMES[row.level]} · {source}" if row.level is not None else source


def _measures(measures: Sequence[str]) -> str:
    return "\n".join(f"{i}. {m}" for i, m in enumerate(measures, 1))


def _deadline(row: ProblemView, tz: ZoneInfo) -> str:
    # A date, when an ongoing item has one anyway, wins: it is what overdue() judges by.
    if row.deadline is None and row.track == Track.ONGOING:
        return f"长期坚持（每{row.checkin_days}天检查）" if row.checkin_days else "长期坚持"
    return _when(row.deadline, tz)


def _status(row: ProblemView, overdue: bool) -> str:
    name = STATUS_NAMES[row.status]
    return name + _OVERDUE_MARK if overdue else name


def _completion(row: ProblemView) -> str:
    text = row.completion or ""
    return f"{text}（佐证 {len(row.evidence)} 件）" if row.evidence else text


def _remarks(row: ProblemView) -> str:
    parts = [row.remarks] if row.remarks else []
    if row.rework_count > 0:
        parts.append(f"回炉{row.rework_count}次")
    return "；".join(parts)


def _clean(value: str | None) -> str:
    return _ILLEGAL.sub("", value) if value else ""


def _cells(row: ProblemView, index: int, tz: ZoneInfo, overdue: bool) -> list[str | int]:
    texts = (
        row.number, row.unit_name, _source(row), row.category, row.description,
        _measures(row.measures), row.goal, TRACK_NAMES[row.track], row.leader_name,
        row.owner_name, _deadline(row, tz), _status(row, overdue), row.progress,
        _completion(row), _when(row.signed_off_at, tz), row.reviewer_name, _remarks(row),
    )
    return [index, *(_clean(text) for text in texts)]


def row_values(
    row: ProblemView, index: int, *, tz: ZoneInfo, now: dt.datetime | None = None,
) -> list[str | int]:
    """One ledger row's cells in COLUMNS order; with `now`, an overdue row is marked 已超期."""
    return _cells(row, index, tz, now is not None and row.overdue(now))


def rate_text(fixed: int, total: int) -> str:
    """整改率 with one decimal, rounded half up as offices do by hand; "—" with no problems."""
    if total == 0:
        return "—"
    tenths = (fixed * 1000 + total // 2) // total
    return f"{tenths // 10}.{tenths % 10}%"


def sheet_name(name: str, taken: set[str], *, fallback: str = "未命名") -> str:
    """A valid, unused sheet title for `name`; adds it to `taken` (kept casefolded)."""
    base = _SHEET_FORBIDDEN.sub("_", _ILLEGAL.sub("", name)).strip().strip("'") or fallback
    candidate, n = _fit(base, ""), 1
    while candidate.casefold() in taken:
        n += 1
        candidate = _fit(base, f"({n})")
    taken.add(candidate.casefold())
    return candidate


def _fit(base: str, suffix: str) -> str:
    # Excel counts UTF-16 units, so a character outside the BMP takes two of the 31.
    room = _SHEET_MAX - _utf16_len(suffix)
    while _utf16_len(base) > room:
        base = base[:-1]
    return base + suffix


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# -- summary ----------------------------------------------------------------------------------


@dataclass
class _Unit:
    code: str
    name: str
    rows: list[ProblemView] = field(default_factory=list)
    counts: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))
    overdue: int = 0

    def add(self, row: ProblemView, now: dt.datetime) -> None:
        self.rows.append(row)
        self.counts[row.status] += 1
        self.overdue += row.overdue(now)

    def cells(self) -> list[str | int]:
        c = self.counts
        total = sum(c.values())
        fixed = c[Status.AWAITING_SIGNOFF] + c[Status.SIGNED_OFF]
        return [
            self.code, self.name, total, c[Status.PENDING], c[Status.IN_PROGRESS],
            c[Status.AWAITING_SIGNOFF], c[Status.SIGNED_OFF], self.overdue,
            rate_text(fixed, total),
        ]


def _by_unit(rows: Iterable[ProblemView], now: dt.datetime) -> list[_Unit]:
    """Group rows per unit, units in the order they first appear (LedgerService.rows: by code)."""
    units: dict[int, _Unit] = {}
    for row in rows:
        unit = units.get(row.unit_id)
        if unit is None:
            unit = units[row.unit_id] = _Unit(row.unit_code, row.unit_name)
        unit.add(row, now)
    return list(units.values())


def _totals(units: Sequence[_Unit]) -> list[str | int]:
    total = _Unit("合计", "")
    for unit in units:
        for status, n in unit.counts.items():
            total.counts[status] += n
        total.overdue += unit.overdue
    return total.cells()


# -- xlsx -------------------------------------------------------------------------------------


class _Painter:
    """Makes one sheet's cells, each style resolved once rather than once per cell."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.header = self._style(font=_BOLD, fill=_HEADER_FILL, alignment=_HEADER_ALIGN)
        self.bold = self._style(font=_BOLD)
        wrap = self._style(alignment=_WRAP)
        overdue = self._style(fill=_OVERDUE_FILL)
        overdue_wrap = self._style(fill=_OVERDUE_FILL, alignment=_WRAP)
        self.normal = [wrap if i in _WRAPPED else None for i in range(len(COLUMNS))]
        self.overdue = [overdue_wrap if i in _WRAPPED else overdue for i in range(len(COLUMNS))]

    def _style(self, **attrs: Any) -> Any:
        template = WriteOnlyCell(self.ws)
        for name, value in attrs.items():
            setattr(template, name, value)
        # Assigning a style hashes every attribute to find it in the workbook's tables; done per
        # cell that tripled the time at 100k rows, so new cells copy these resolved ids instead.
        return template._style

    def cell(self, value: str | int, style: Any = None) -> Cell:
        cell = Cell(self.ws, row=1, column=1, value=value, style_array=style)
        if isinstance(value, str):
            # User text such as "=SUM(…)" or "#N/A" must stay text, not become a formula or error.
            cell.data_type = "s"
        return cell

    def plain(self, value: str | int) -> Any:
        if isinstance(value, str) and value.startswith(("=", "#")):
            return self.cell(value)
        return value

    def ledger_row(self, values: list[str | int], overdue: bool) -> list[Any]:
        if overdue:  # the fill must cover empty cells too, so every cell is written
            return [self.cell(v, s) for v, s in zip(values, self.overdue, strict=True)]
        return [
            None if v == "" else self.plain(v) if s is None else self.cell(v, s)
            for v, s in zip(values, self.normal, strict=True)
        ]

    def header_row(self, names: Sequence[str], widths: Sequence[float]) -> None:
        # Write-only sheets emit sheet properties, views and column widths with the first row,
        # so all of these must be set before it.
        self.ws.freeze_panes = "A2"
        for i, width in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.ws.append([self.cell(name, self.header) for name in names])


def _ledger_sheet(
    wb: Workbook, title: str, rows: Iterable[ProblemView], tz: ZoneInfo, now: dt.datetime,
) -> None:
    ws = wb.create_sheet(title)
    # Offices print the ledger: landscape, one page wide, header repeated on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    painter = _Painter(ws)
    painter.header_row(COLUMNS, [_WIDTHS[name] for name in COLUMNS])
    count = 0
    for count, row in enumerate(rows, 1):
        overdue = row.overdue(now)
        ws.append(painter.ledger_row(_cells(row, count, tz, overdue), overdue))
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    # Close now so a workbook of many units never holds one open temp file per sheet.
    ws.close()


def _summary_sheet(wb: Workbook, units: Sequence[_Unit]) -> None:
    ws = wb.create_sheet(SUMMARY_SHEET)
    painter = _Painter(ws)
    painter.header_row(SUMMARY_COLUMNS, _SUMMARY_WIDTHS)
    for unit in units:
        ws.append([painter.plain(v) for v in unit.cells()])
    ws.append([painter.cell(v, painter.bold) for v in _totals(units)])
    ws.close()


def write_xlsx(
    rows: Iterable[ProblemView], target: str | Path | BinaryIO, *, tz: ZoneInfo,
    now: dt.datetime, per_unit: bool = False, title: str = "问题台账",
) -> None:
    """Write the ledger as xlsx, streaming (write-only mode) so 100k rows keep memory flat.

    per_unit=False: one sheet named `title`. per_unit=True: a "汇总" sheet with counts and
    整改率 per unit, then one sheet per unit named after it. Dates are text in `tz`.
    """
    wb = Workbook(write_only=True)
    wb.properties.title = title
    taken: set[str] = set()
    if per_unit:
        taken.add(SUMMARY_SHEET.casefold())
        units = _by_unit(rows, now)
        _summary_sheet(wb, units)
        for unit in units:
            _ledger_sheet(wb, sheet_name(unit.name, taken), unit.rows, tz, now)
    else:
        _ledger_sheet(wb, sheet_name(title, taken), rows, tz, now)
    wb.save(target)


# -- csv --------------------------------------------------------------------------------------


def _csv_safe(value: str | int) -> str | int:
    if isinstance(value, str) and value and value[0] in _CSV_TRIGGERS:
        return "'" + value
    return value


def _write_csv_rows(
    rows: Iterable[ProblemView], out: TextIO, tz: ZoneInfo, now: dt.datetime,
) -> None:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for index, row in enumerate(rows, 1):
        values = _cells(row, index, tz, row.overdue(now))
        writer.writerow([_csv_safe(v) for v in values])


def write_csv(
    rows: Iterable[ProblemView], target: str | Path | TextIO, *, tz: ZoneInfo, now: dt.datetime,
) -> None:
    """Write the ledger as CSV with a UTF-8 BOM, which Excel needs to read Chinese correctly.

    A text stream should be opened with newline="" (the csv module's own line endings).
    """
    if isinstance(target, str | Path):
        with open(target, "w", encoding="utf-8-sig", newline="") as out:
            _write_csv_rows(rows, out, tz, now)
    else:
        target.write("\ufeff")
        _write_csv_rows(rows, target, tz, now)
