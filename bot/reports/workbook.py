"""The 问题台账 as an Excel workbook: one sheet, or 汇总 and a sheet per unit."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from xlsxwriter import Workbook

from bot.domain import Level, Source, Status, Track
from bot.services.problem import ProblemView
from bot.services.stats import rate_text

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
# Characters XML 1.0 cannot carry (a pasted message may hold one): dropped from every cell.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
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


def _cells(row: ProblemView, index: int, tz: ZoneInfo, overdue: bool) -> list[str | int]:
    texts = [text or "" for text in (
        row.number, row.unit_name, _source(row), row.category, row.description,
        _measures(row.measures), row.goal, TRACK_NAMES[row.track], row.leader_name,
        row.owner_name, _deadline(row, tz), _status(row, overdue), row.progress,
        _completion(row), _when(row.signed_off_at, tz), row.reviewer_name, _remarks(row),
    )]
    # One search over the whole row: a character to drop is rare, a regex call per cell is not.
    if _ILLEGAL.search("".join(texts)):
        texts = [_ILLEGAL.sub("", text) for text in texts]
    return [index, *texts]


def row_values(
    row: ProblemView, index: int, *, tz: ZoneInfo, now: dt.datetime | None = None,
) -> list[str | int]:
    """One ledger row's cells in COLUMNS order; with `now`, an overdue row is marked 已超期."""
    return _cells(row, index, tz, now is not None and row.overdue(now))


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
    # A cut can leave an apostrophe at the end, which Excel (and XlsxWriter) refuse there.
    return base.rstrip("'") + suffix


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# -- summary ----------------------------------------------------------------------------------


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

    def cells(self) -> list[str | int]:
        c = self.counts
        total = sum(c.values())
        fixed = c[Status.AWAITING_SIGNOFF] + c[Status.SIGNED_OFF]
        return [
            self.code, self.name, total, c[Status.PENDING], c[Status.IN_PROGRESS],
            c[Status.AWAITING_SIGNOFF], c[Status.SIGNED_OFF], self.overdue,
            rate_text(fixed, total),
        ]


def _totals(units: Sequence[_Unit]) -> list[str | int]:
    total = _Unit("合计", "")
    for unit in units:
        for status, n in unit.counts.items():
            total.counts[status] += n
        total.overdue += unit.overdue
    return total.cells()


# -- xlsx -------------------------------------------------------------------------------------

# XlsxWriter's own switches that turn a plain str into a formula, URL or number; cells here are
# written with write_string, which never does, and these stay off in case that ever changes.
_WORKBOOK_OPTIONS: dict[str, Any] = {
    "constant_memory": True,  # one row in memory per sheet; each sheet streams to a temp file
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
# Excel's cap on a cell's text, in UTF-16 units.
_TEXT_MAX = 32767
# Pixels per character of Calibri 11, the default font, as XlsxWriter counts them.
_PX_PER_CHAR = 7

_HEADER_FORMAT: dict[str, Any] = {
    "bold": True, "pattern": 1, "fg_color": "#D9E1F2",
    "align": "center", "valign": "vcenter", "text_wrap": True,
}
# Excel's own "light red fill", so an overdue row looks like conditional formatting would.
_OVERDUE_FORMAT: dict[str, Any] = {"pattern": 1, "fg_color": "#FFC7CE"}


class _Styles:
    """The workbook's cell formats, made once; the per-column lists run in COLUMNS order."""

    def __init__(self, wb: Workbook) -> None:
        self.header = wb.add_format(_HEADER_FORMAT)
        self.bold = wb.add_format({"bold": True})
        wrap = wb.add_format({"text_wrap": True})
        overdue = wb.add_format(_OVERDUE_FORMAT)
        overdue_wrap = wb.add_format({**_OVERDUE_FORMAT, "text_wrap": True})
        self.normal: list[Any] = [wrap if i in _WRAPPED else None for i in range(len(COLUMNS))]
        self.overdue: list[Any] = [
            overdue_wrap if i in _WRAPPED else overdue for i in range(len(COLUMNS))
        ]


def _write_text(ws: Any, row: int, col: int, text: str, style: Any) -> None:
    # Always write_string: user text such as "=SUM(…)" or "#N/A" must stay text.
    if "\r" in text:
        # XlsxWriter would store a CR as "_x000D_", which Excel shows as a line break but other
        # readers (openpyxl, a re-import) take literally; XML reads a raw CR as a newline anyway.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > _TEXT_MAX // 2 and _utf16_len(text) > _TEXT_MAX:
        text = text.encode("utf-16-le")[: 2 * _TEXT_MAX].decode("utf-16-le", "ignore")
    if text.startswith("<r>") and text.endswith("</r>"):
        # XlsxWriter copies a string shaped like this verbatim into the sheet XML as
        # pre-built rich text; split into plain runs it is escaped like any other text.
        runs = (text[:1], text[1:-1], text[-1:])
        ws.write_rich_string(row, col, *runs, *([style] if style is not None else []))
    else:
        ws.write_string(row, col, text, style)


def _write_row(
    ws: Any, row: int, values: Sequence[str | int], styles: Sequence[Any], *, blanks: bool,
) -> None:
    """One row; with `blanks` its empty cells are written too, so a fill covers the row."""
    for col, (value, style) in enumerate(zip(values, styles, strict=True)):
        if isinstance(value, int):
            ws.write_number(row, col, value, style)
        elif value:
            _write_text(ws, row, col, value, style)
        elif blanks:
            ws.write_blank(row, col, None, style)


def _header(ws: Any, names: Sequence[str], widths: Sequence[float], style: Any) -> None:
    ws.freeze_panes(1, 0)
    for col, width in enumerate(widths):
        # In pixels: set_column would add Excel's cell padding to the stored width, and these
        # widths are meant as stored (openpyxl's meaning), e.g. 6 for the 序号 column.
        ws.set_column_pixels(col, col, round(width * _PX_PER_CHAR))
    for col, name in enumerate(names):
        ws.write_string(0, col, name, style)


def _release(ws: Any) -> None:
    """Close a finished sheet's temp file; XlsxWriter reopens it when the workbook is saved.

    Without this every sheet holds an open file until then, one per unit in a city's workbook.
    """
    close = getattr(ws, "_opt_close", None)
    if close is not None:
        close()


def _ledger_sheet(
    wb: Workbook, styles: _Styles, title: str, rows: Iterable[ProblemView], tz: ZoneInfo,
    now: dt.datetime, tally: _Unit | None = None,
) -> None:
    ws = wb.add_worksheet(title)
    # Offices print the ledger: landscape, one page wide, header repeated on every page.
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    _header(ws, COLUMNS, [_WIDTHS[name] for name in COLUMNS], styles.header)
    count = 0
    for count, row in enumerate(rows, 1):
        overdue = row.overdue(now)
        if tally is not None:
            tally.add(row, overdue)
        cells = _cells(row, count, tz, overdue)
        if overdue:
            _write_row(ws, count, cells, styles.overdue, blanks=True)
        else:
            _write_row(ws, count, cells, styles.normal, blanks=False)
    ws.autofilter(0, 0, count, len(COLUMNS) - 1)
    _release(ws)


def _unit_sheets(
    wb: Workbook, styles: _Styles, rows: Iterable[ProblemView], tz: ZoneInfo, now: dt.datetime,
    taken: set[str],
) -> list[_Unit]:
    """One sheet per unit, written in a single pass; each unit's rows must come together."""
    units: list[_Unit] = []
    seen: set[int] = set()
    for unit_id, group in itertools.groupby(rows, key=lambda row: row.unit_id):
        if unit_id in seen:
            raise ValueError("a per-unit export needs each unit's rows together "
                             "(LedgerService.iter_rows orders them so)")
        seen.add(unit_id)
        first = next(group)
        unit = _Unit(first.unit_code, first.unit_name)
        unit_rows = itertools.chain([first], group)  # noqa: B031 - the group is read once
        _ledger_sheet(wb, styles, sheet_name(unit.name, taken), unit_rows, tz, now, tally=unit)
        units.append(unit)
    return units


def _summary_rows(ws: Any, styles: _Styles, units: Sequence[_Unit]) -> None:
    plain = [None] * len(SUMMARY_COLUMNS)
    for n, unit in enumerate(units, 1):
        _write_row(ws, n, unit.cells(), plain, blanks=False)
    bold = [styles.bold] * len(SUMMARY_COLUMNS)
    _write_row(ws, len(units) + 1, _totals(units), bold, blanks=True)
    _release(ws)


def write_xlsx(
    rows: Iterable[ProblemView], target: str | Path | BinaryIO, *, tz: ZoneInfo,
    now: dt.datetime, per_unit: bool = False, title: str = "问题台账",
) -> None:
    """Write the ledger as xlsx, streaming (XlsxWriter's constant_memory) so 100k rows keep
    memory flat; `target` is a path or a binary stream such as BytesIO.

    per_unit=False: one sheet named `title`. per_unit=True: a "汇总" sheet with counts and
    整改率 per unit, then one sheet per unit named after it. Dates are text in `tz`.
    """
    # Sheets stream their rows to temp files until close() zips them into `target`; a private
    # folder for those files is removed however the export ends.
    with tempfile.TemporaryDirectory(prefix="ledger-xlsx-") as tmp:
        wb = Workbook(target, {**_WORKBOOK_OPTIONS, "tmpdir": tmp})
        try:
            wb.set_properties({"title": title})
            styles = _Styles(wb)
            taken: set[str] = set()
            if per_unit:
                # 汇总 is the first tab but is filled last: the unit sheets stream first and
                # leave only their counts behind, so no unit's rows are held in memory.
                taken.add(SUMMARY_SHEET.casefold())
                summary = wb.add_worksheet(SUMMARY_SHEET)
                _header(summary, SUMMARY_COLUMNS, _SUMMARY_WIDTHS, styles.header)
                units = _unit_sheets(wb, styles, rows, tz, now, taken)
                _summary_rows(summary, styles, units)
            else:
                _ledger_sheet(wb, styles, sheet_name(title, taken), rows, tz, now)
            wb.close()
        finally:
            if not wb.fileclosed:  # failed before or while saving: nothing left open
                for ws in wb.worksheets():
                    _release(ws)
