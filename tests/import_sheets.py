"""Sheets shaped like the ledgers offices keep, built by the tests: title rows, a 填报 line."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

OFFICE_HEADERS = ("序号", "存在问题", "整改举措", "具体责任人", "分管领导", "完成时限",
                  "完成情况", "问题类型", "联系电话")
OFFICE_ROWS: tuple[tuple[Any, ...], ...] = (
    (1, "窗口服务态度生硬，群众办事多次跑", "1、开展窗口作风专项整治\n2、建立首问负责制",
     "王芳", "李局长", "2026年12月31日前", "整改中", "服务群众不优", "0931-1"),
    # A date cell and an Excel serial (46387 = 2026-12-31) as deadlines.
    (2, "会议多文件多，基层负担重", "（1）精简会议（2）压减发文", "赵强", "李局长",
     dt.datetime(2027, 1, 15),  # noqa: DTZ001 - a date cell has no zone
     "未完成", "形式主义", ""),
    (3, "审批环节多、时限长", "压缩审批时限至5个工作日", "刘洋", "李局长", 46387, "已完成",
     "营商环境", ""),
    (4, "学习制度落实不经常", "①每周集中学习②建立学习台账", "王芳", "李局长", "长期坚持",
     "", "学习不深入", ""),
    (5, "对群众来电回复不及时", "建立来电回访机制", "赵强", "李局长", "12月底前", "整改中",
     "服务群众不优", ""),
)


def office_book(rows: Sequence[Sequence[Any]] = OFFICE_ROWS, *, headers: Sequence[str] =
                OFFICE_HEADERS, filled_on: str = "2026年11月20日",
                unit_line: str = "市教育局") -> bytes:
    """A 问题台账 with a merged title row, a merged 填报 line and headers in its own order."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "问题台账"
    width = len(headers)
    ws.append(["市教育局作风问题教育整顿问题清单"] + [None] * (width - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.append([f"填报单位：（盖章）{unit_line}    填报日期：{filled_on}"] + [None] * (width - 1))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    ws.append(["填报人：张三"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def plain_book(sheets: dict[str, Sequence[Sequence[Any]]]) -> bytes:
    wb = Workbook()
    first = True
    for title, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = title
        first = False
        for row in rows:
            ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
