"""The end-of-campaign workbook: totals per unit, and the 长期坚持 items handed over."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from bot.domain import Status, Track
from bot.reports.workbook import STATUS_NAMES, SUMMARY_SHEET
from bot.services.problem import ProblemView
from bot.services.stats import UnitStats

ONGOING_SHEET = "长期坚持"
HANDED_OVER = "转入常态化监督"
SUMMARY_HEAD = ("单位编号", "单位", "问题总数", "待整改", "整改中", "待销号", "已销号", "逾期",
                "整改率", "立行立改", "限期整改", "长期坚持")
ONGOING_HEAD = ("序号", "问题编号", "责任单位", "问题类别", "问题描述", "整改措施", "责任人",
                "检查周期", "整改状态", "整改进展", "移交去向")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BOLD = Font(bold=True)
_FILL = PatternFill(fill_type="solid", fgColor="D9E1F2")


def _clean(value: str | None) -> str:
    return _ILLEGAL.sub("", value) if value else ""


def _header(ws: object, names: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill = _BOLD, _FILL
        cells.append(cell)
    return cells


def _text_cell(ws: object, value: str) -> WriteOnlyCell | str:
    # User text such as "=SUM(…)" must stay text, not become a formula.
    if value.startswith(("=", "#")):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _summary_row(s: UnitStats) -> list[str | int]:
    c = s.status
    return [s.code, s.name, s.total, c[Status.PENDING], c[Status.IN_PROGRESS],
            c[Status.AWAITING_SIGNOFF], c[Status.SIGNED_OFF], s.overdue, s.rate,
            s.track[Track.IMMEDIATE], s.track[Track.DEADLINE], s.track[Track.ONGOING]]


def _totals(units: Sequence[UnitStats]) -> UnitStats:
    total = UnitStats(0, "合计", "")
    for s in units:
        for status, n in s.status.items():
            total.status[status] += n
        for track, n in s.track.items():
            total.track[track] += n
        total.buckets[0] += s.overdue
    return total


def summary_workbook(units: Sequence[UnitStats], ongoing: Iterable[ProblemView],
                     *, title: str) -> bytes:
    """The campaign's closing book: totals per unit (汇总) and the 长期坚持 items handed over."""
    wb = Workbook(write_only=True)
    wb.properties.title = title
    ws = wb.create_sheet(SUMMARY_SHEET)
    ws.freeze_panes = "A2"
    ws.append(_header(ws, SUMMARY_HEAD))
    for s in units:
        ws.append([_text_cell(ws, _clean(v)) if isinstance(v, str) else v
                   for v in _summary_row(s)])
    bold_total = []
    for v in _summary_row(_totals(units)):
        cell = WriteOnlyCell(ws, value=v)
        cell.font = _BOLD
        bold_total.append(cell)
    ws.append(bold_total)
    sheet = wb.create_sheet(ONGOING_SHEET)
    sheet.freeze_panes = "A2"
    sheet.append(_header(sheet, ONGOING_HEAD))
    for n, row in enumerate(ongoing, 1):
        period = f"每{row.checkin_days}天" if row.checkin_days else ""
        texts = (row.number, row.unit_name, row.category, row.description,
                 "\n".join(f"{i}. {m}" for i, m in enumerate(row.measures, 1)), row.owner_name,
                 period, STATUS_NAMES[row.status], row.progress, HANDED_OVER)
        sheet.append([n, *(_text_cell(sheet, _clean(v)) for v in texts)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
