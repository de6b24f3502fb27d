"""The end-of-campaign workbook: totals per unit, and the 长期坚持 items handed over."""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.config import PapersConfig
from bot.domain import Status, Track
from bot.reports.paper import Cell, Column, Fill, Styles, Table, info_line, new_workbook
from bot.reports.workbook import STATUS_NAMES, SUMMARY_SHEET, ZERO_FILED, rate_value
from bot.services.problem import ProblemView
from bot.services.stats import UnitStats, city_totals

ONGOING_SHEET = "长期坚持"
HANDED_OVER = "转入常态化监督"
SUMMARY_TABLE: tuple[Column, ...] = (
    Column("单位编号", 9), Column("单位", 28), Column("问题总数", 8, "int"),
    Column("待整改", 8, "int"), Column("整改中", 8, "int"), Column("待销号", 8, "int"),
    Column("已销号", 8, "int"), Column("逾期", 7, "int"), Column("整改率", 9, "percent"),
    Column("立行立改", 9, "int"), Column("限期整改", 9, "int"), Column("长期坚持", 9, "int"),
    Column("备注", 10),
)
ONGOING_TABLE: tuple[Column, ...] = (
    Column("序号", 5, "int"), Column("问题编号", 11), Column("责任单位", 14),
    Column("问题类别", 10), Column("问题描述", 30), Column("整改措施", 30), Column("责任人", 8),
    Column("检查周期", 9), Column("整改状态", 10), Column("整改进展", 24),
    Column("移交去向", 12),
)
SUMMARY_HEAD = tuple(c.name for c in SUMMARY_TABLE)
ONGOING_HEAD = tuple(c.name for c in ONGOING_TABLE)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean(value: str | None) -> str:
    return _ILLEGAL.sub("", value) if value else ""


def _summary_row(s: UnitStats) -> list[Cell]:
    c = s.status
    return [s.code, _clean(s.name), s.total, c[Status.PENDING], c[Status.IN_PROGRESS],
            c[Status.AWAITING_SIGNOFF], c[Status.SIGNED_OFF], s.overdue,
            rate_value(s.fixed, s.total), s.track[Track.IMMEDIATE], s.track[Track.DEADLINE],
            s.track[Track.ONGOING], ZERO_FILED if s.total == 0 and s.unit_id else ""]


def _totals(units: Sequence[UnitStats]) -> UnitStats:
    return replace(city_totals(units), code="合计")


def summary_workbook(units: Sequence[UnitStats], ongoing: Iterable[ProblemView],
                     *, title: str, tz: ZoneInfo, now: dt.datetime,
                     papers: PapersConfig | None = None) -> bytes:
    """The campaign's closing book (汇总, 长期坚持), printed like the ledger."""
    papers = papers or PapersConfig()
    local = now.astimezone(tz)
    info = info_line(papers.office_name, local, papers.contact, papers.phone)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="summary-xlsx-") as tmp:
        wb = new_workbook(buffer, tmp)
        wb.set_properties({"title": title})
        styles = Styles(wb, papers.sheet_font)
        table = Table(wb, styles, SUMMARY_SHEET, SUMMARY_TABLE,
                      title=f"{_clean(title)}工作总结汇总表", info=info)
        for s in units:
            table.add(_summary_row(s), Fill.DUE_SOON if s.total == 0 else Fill.NONE)
        table.add(_summary_row(_totals(units)), bold=True)
        table.finish(((ZERO_FILED, Fill.DUE_SOON),), autofilter=False)
        sheet = Table(wb, styles, ONGOING_SHEET, ONGOING_TABLE,
                      title=f"{ONGOING_SHEET}事项移交清单", info=info)
        for n, row in enumerate(ongoing, 1):
            period = f"每{row.checkin_days}天" if row.checkin_days else ""
            texts = (row.number, row.unit_name, row.category, row.description,
                     "\n".join(f"{i}. {m}" for i, m in enumerate(row.measures, 1)),
                     row.owner_name, period, STATUS_NAMES[row.status], row.progress,
                     HANDED_OVER)
            sheet.add([n, *(_clean(v) for v in texts)])
        sheet.finish()
        wb.close()
    return buffer.getvalue()
