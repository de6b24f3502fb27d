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
from bot.domain import OPEN, Colour, Level, Source, Status, Supervision, Track
from bot.reports.paper import ILLEGAL as _ILLEGAL
from bot.reports.paper import (
    WORKBOOK_OPTIONS,
    Cell,
    Column,
    Fill,
    Styles,
    Table,
    info_line,
    release,
)
from bot.reports.paper import (
    sheet_name as sheet_name,
)
from bot.services.problem import ProblemView
from bot.services.stats import FIXED, rate_text

COLUMNS: tuple[str, ...] = (
    "序号", "问题编号", "责任单位", "问题来源", "层面", "问题类别", "问题描述", "整改措施",
    "整改目标", "整改类型", "责任领导", "责任人", "整改时限", "整改状态", "整改进展",
    "完成情况(佐证)", "销号时间", "审核人", "备注",
)
SUMMARY_COLUMNS: tuple[str, ...] = (
    "单位编号", "单位", "问题总数", "待整改", "整改中", "待销号", "已销号", "逾期", "整改率",
    "备注",
)
SUMMARY_SHEET = "汇总"

STATUS_NAMES: dict[Status, str] = {
    Status.PENDING: "待整改",
    Status.IN_PROGRESS: "整改中",
    Status.AWAITING_SIGNOFF: "已整改（待销号）",
    Status.SIGNED_OFF: "已销号",
}
TRACK_NAMES: dict[Track, str] = {
    Track.IMMEDIATE: "立行立改",
    Track.DEADLINE: "限期整改",
    Track.ONGOING: "长期坚持",
}
LEVEL_NAMES: dict[Level, str] = {
    Level.LEADERSHIP: "领导班子",
    Level.TEAM_MEMBER: "班子成员",
    Level.INDIVIDUAL: "干部个人",
    Level.UNIT: "单位（科室）",
    Level.SECTOR: "行业",
}
SOURCE_NAMES: dict[Source, str] = {
    Source.SELF: "自查自纠",
    Source.PUBLIC: "群众反映",
    Source.BUSINESS: "企业投诉",
    Source.INSPECTION: "暗访监督",
    Source.SUPERVISION: "上级督导",
    Source.PATROL: "巡视巡察反馈",
    Source.AUDIT: "审计发现",
    Source.HOTLINE: "12345热线",
}
SUPERVISION_NAMES: dict[Supervision, str] = {Supervision.YELLOW: "黄牌督办",
                                             Supervision.RED: "红牌督办"}

_TIME_FORMAT = "%Y-%m-%d %H:%M"
_OVERDUE_MARK = "（已超期）"

_DUE_SOON = dt.timedelta(days=3)

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

# -- cell values ------------------------------------------------------------------------------


def _when(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime(_TIME_FORMAT) if value is not None else ""


def _local(value: dt.datetime | None, tz: ZoneInfo) -> dt.datetime | None:
    # Excel has no time zones: a cell holds the wall-clock time in the deployment's zone.
    return value.astimezone(tz).replace(tzinfo=None) if value is not None else None


def _measures(measures: Sequence[str]) -> str:
    return "\n".join(f"{i}. {m}" for i, m in enumerate(measures, 1))


def _ongoing(row: ProblemView) -> str | None:
    # A date, when an ongoing item has one anyway, wins: it is what overdue() judges by.
    if row.deadline is None and row.track == Track.ONGOING:
        return f"长期坚持（每{row.checkin_days}天检查）" if row.checkin_days else "长期坚持"
    return None


def _status(row: ProblemView, overdue: bool) -> str:
    name = STATUS_NAMES[row.status]
    return name + _OVERDUE_MARK if overdue else name


def _completion(row: ProblemView) -> str:
    # A completion sent back (驳回) is not one: only an item awaiting or past sign-off shows it.
    if row.status not in FIXED:
        return ""
    text = row.completion or ""
    names = "、".join(f.name for f in row.evidence_files if f.name)  # files sent as documents
    return f"{text}（佐证 {len(row.evidence)} 件{'：' + names if names else ''}）" \
        if row.evidence else text


def _reviewer(row: ProblemView) -> str:
    # Whoever rejected an item did not sign it off; the name stands only under 已销号.
    return row.reviewer_name or "" if row.status == Status.SIGNED_OFF else ""


def _remarks(row: ProblemView) -> str:
    parts = [row.remarks] if row.remarks else []
    if row.rework_count > 0:
        parts.append(f"回炉{row.rework_count}次")
    if row.supervision is not None and row.status != Status.SIGNED_OFF:
        parts.append(SUPERVISION_NAMES[row.supervision])
    return "；".join(parts)


def _texts(row: ProblemView, overdue: bool) -> list[str]:
    """The row's text cells, 问题编号 to 整改状态 and 整改进展 to 备注, with dates left out."""
    texts = [text or "" for text in (
        row.number, row.unit_name, SOURCE_NAMES[row.source],
        LEVEL_NAMES[row.level] if row.level is not None else "", row.category, row.description,
        _measures(row.measures), row.goal, TRACK_NAMES[row.track], row.leader_name,
        row.owner_name, _status(row, overdue), row.progress, _completion(row), _reviewer(row),
        _remarks(row),
    )]
    # One search over the whole row: a character to drop is rare, a regex call per cell is not.
    if _ILLEGAL.search("".join(texts)):
        texts = [_ILLEGAL.sub("", text) for text in texts]
    return texts


def _cells(row: ProblemView, index: int, tz: ZoneInfo, overdue: bool) -> list[str | int]:
    t = _texts(row, overdue)
    deadline = _ongoing(row) or _when(row.deadline, tz)
    return [index, *t[:11], deadline, t[11], t[12], t[13], _when(row.signed_off_at, tz),
            t[14], t[15]]


def _typed(row: ProblemView, index: int, tz: ZoneInfo, overdue: bool, warning: str,
           ) -> list[Cell]:
    t = _texts(row, overdue)
    deadline = _ongoing(row) or _local(row.deadline, tz)
    return [index, *t[:11], deadline, t[11], warning, t[12], t[13],
            _local(row.signed_off_at, tz), t[14], t[15]]


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


def _fill(row: ProblemView, now: dt.datetime, overdue: bool) -> Fill:
    if overdue:
        return Fill.OVERDUE
    if row.status == Status.SIGNED_OFF:
        return Fill.SIGNED
    if row.status in OPEN and row.deadline is not None and row.deadline <= now + _DUE_SOON:
        return Fill.DUE_SOON
    return Fill.NONE


def row_values(
    row: ProblemView, index: int, *, tz: ZoneInfo, now: dt.datetime | None = None,
) -> list[str | int]:
    """One ledger row's cells in COLUMNS order as text (the CSV); with `now`, an overdue row is
    marked 已超期."""
    return _cells(row, index, tz, now is not None and row.overdue(now))


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

    def ledger_sheet(self, name: str, unit: str, rows: Iterable[ProblemView],
                     tally: _Unit | None = None) -> None:
        table = Table(self.wb, self.styles, name, LEDGER_COLUMNS, title=ledger_title(unit),
                      info=self.info(unit))
        now, tz = self.now, self.tz
        for count, (row, colour) in enumerate(_coloured(rows, self.colours), 1):
            overdue = row.overdue(now)
            if tally is not None:
                tally.add(row, overdue)
            text, mark = WARNINGS[colour] if colour is not None else ("", Fill.NONE)
            table.add(_typed(row, count, tz, overdue, text), _fill(row, now, overdue),
                      mark=(WARNING_COLUMN, mark))
        table.finish(LEGEND)


def _unit_sheets(book: _Book, rows: Iterable[ProblemView], taken: set[str]) -> list[_Unit]:
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
        book.ledger_sheet(sheet_name(unit.name, taken), _ILLEGAL.sub("", unit.name), unit_rows,
                          tally=unit)
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


def write_xlsx(
    rows: Iterable[ProblemView], target: str | Path | BinaryIO, *, tz: ZoneInfo,
    now: dt.datetime, per_unit: bool = False, title: str = "问题台账",
    units: Sequence[tuple[str, str]] | None = None, papers: PapersConfig | None = None,
    colours: Colours | None = None,
) -> None:
    """Write the ledger as an A4-landscape office ledger, streaming (XlsxWriter's
    constant_memory) so 100k rows keep memory flat; `target` is a path or a binary stream.

    per_unit=False: one sheet named `title` (one unit's rows). per_unit=True: a 汇总 sheet
    with counts and 整改率 for every unit in `units` (code, name) and every unit with rows,
    then one sheet per unit with rows. Dates are date cells in `tz`. `colours` gives the open
    items' 预警 (蓝/黄/红, its cell filled so); without it the column stays empty.
    """
    papers = papers or PapersConfig()
    # Sheets stream their rows to temp files until close() zips them into `target`; a private
    # folder for those files is removed however the export ends.
    with tempfile.TemporaryDirectory(prefix="ledger-xlsx-") as tmp:
        wb = Workbook(target, {**WORKBOOK_OPTIONS, "tmpdir": tmp})
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
                filed = _unit_sheets(book, rows, taken)
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
