"""Where a sheet's header row is (below title rows and the 填报 line) and what each column holds."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.importing.sheets import Cell, Sheet

# Each field the import understands, with the header names offices use for it (normalised:
# no spaces, ASCII parentheses). The export's own names come first.
FIELDS: dict[str, tuple[str, ...]] = {
    "index": ("序号",),
    "number": ("问题编号", "编号"),
    "unit": ("责任单位", "单位", "单位名称"),
    "source": ("问题来源", "来源"),
    "level": ("层面", "问题层面"),
    "category": ("问题类别", "问题类型", "类别"),
    "description": ("问题描述", "问题表现", "具体问题", "存在问题", "问题"),
    "measures": ("整改措施", "整改举措", "措施"),
    "goal": ("整改目标", "目标"),
    "track": ("整改类型",),
    "leader": ("责任领导", "分管领导"),
    "owner": ("责任人", "具体责任人"),
    "deadline": ("整改时限", "完成时限", "办结时限", "时限"),
    "status": ("整改状态", "完成情况", "进展情况", "状态"),
    "progress": ("整改进展",),
    "completion": ("完成情况(佐证)", "佐证材料"),
    "signed_off_at": ("销号时间",),
    "reviewer": ("审核人",),
    "remarks": ("备注",),
    # The export's 预警 colour: worked out afresh, never read back.
    "warning": ("预警",),
}
_BY_NAME = {name: field for field, names in FIELDS.items() for name in names}
# A header row names the problem and at least two more known columns.
_ENOUGH = 3
_SCAN = 30
_SPACES = re.compile(r"\s+")
_UNIT_LINE = re.compile(r"填报单位\s*[:：]?\s*(?:[（(]盖章[)）])?\s*(.*?)(?:\s{2,}|\s*填报|\s*$)")
_DATE_LABEL = re.compile(r"填报(?:日期|时间)\s*[:：]?\s*(.*)$")


@functools.lru_cache(maxsize=4096)
def header_key(text: str) -> str:
    """A header as compared: no spaces or line breaks, ASCII parentheses, no * or colon."""
    key = _SPACES.sub("", text).replace("（", "(").replace("）", ")")
    return key.strip("*:：")


def text_of(cell: Cell) -> str:
    """A cell as text, the way a person reads it (3.0 is 3; line breaks kept as \\n)."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.replace("\r\n", "\n").replace("\r", "\n").strip() if "\r" in cell \
            else cell.strip()
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.strftime("%Y-%m-%d %H:%M") if cell.time() != dt.time() else f"{cell:%Y-%m-%d}"
    return str(cell)


@dataclass(frozen=True)
class Layout:
    header_row: int  # index into Sheet.rows
    columns: dict[str, int]  # field → column
    headers: tuple[str, ...]  # the header row as written
    unknown: tuple[str, ...]  # headers no field claims: shown, then ignored
    unit_line: str | None  # 填报单位 above the header
    filled_on: Cell  # 填报日期 above the header (a date cell, or text to read)


def find_layout(sheet: Sheet) -> Layout | None:
    """The header row among the first rows, by its names; None when there is none.

    A header of two rows (整改责任 above 责任人 and 时限, 问题描述 merged down both) is read
    as one: the lower row's names win where it has them."""
    for r, row in enumerate(sheet.rows[:_SCAN]):
        columns = _fields(row)
        if "description" in columns and len(columns) >= _ENOUGH:
            headers = [text_of(cell) for cell in row]
            below = sheet.rows[r + 1] if r + 1 < len(sheet.rows) else []
            lower = _fields(below)
            unit_line, filled_on = _above(sheet.rows[:r])
            if len(lower) >= _ENOUGH:
                for c, cell in enumerate(below):
                    if (text := text_of(cell)) and c < len(headers):
                        headers[c] = text
                    elif text:
                        headers.extend([""] * (c - len(headers)) + [text])
                columns = _fields(headers)
                r += 1
            claimed = set(columns.values())
            unknown = tuple(dict.fromkeys(
                h for c, h in enumerate(headers) if h and c not in claimed))
            return Layout(r, columns, tuple(headers), unknown, unit_line, filled_on)
    return None


def _fields(row: Sequence[Cell]) -> dict[str, int]:
    """The fields a row's cells name, each at its first column."""
    columns: dict[str, int] = {}
    for c, cell in enumerate(row):
        field = _BY_NAME.get(header_key(text_of(cell)))
        if field is not None and field not in columns:
            columns[field] = c
    return columns


def _above(rows: list[list[Cell]]) -> tuple[str | None, Cell]:
    """The 填报单位 and 填报日期 written in the title rows, when they are."""
    unit: str | None = None
    filled: Cell = None
    for row in rows:
        cells = list(dict.fromkeys(c for c in row if text_of(c)))  # merged copies once
        for i, cell in enumerate(cells):
            text = text_of(cell)
            if unit is None and (m := _UNIT_LINE.search(text)) and m.group(1).strip():
                unit = m.group(1).strip()
            elif unit is None and header_key(text) == "填报单位" and i + 1 < len(cells):
                unit = text_of(cells[i + 1])
            if filled is None and (m := _DATE_LABEL.search(text)):
                rest = m.group(1).strip()
                if rest:
                    filled = rest
                elif i + 1 < len(cells):
                    filled = cells[i + 1]
    return unit, filled
