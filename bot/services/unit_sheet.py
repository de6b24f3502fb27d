"""Reading a list of units from an .xlsx or .csv sheet, by header name in Chinese or English."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from bot.errors import DomainError

_HEADERS = {
    "name": ("name", "单位", "单位名称", "名称"),
    "code": ("code", "编号", "单位编号", "代码"),
    "parent": ("parent", "上级", "上级单位"),
}


def read_sheet(path: Path) -> list[tuple[str, str, str]]:
    """Read (name, code, parent) rows from csv or xlsx, by header name in Chinese or English."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        table = [
            ["" if c is None else str(c).strip() for c in row]
            for row in book.worksheets[0].iter_rows(values_only=True)
        ]
        book.close()
    elif path.suffix.lower() == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        table = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise DomainError("import.format", name=path.name)
    numbered = [(n, row) for n, row in enumerate(table, 1) if any(row)]
    if not numbered:
        raise DomainError("import.empty", name=path.name)
    table = [row for _, row in numbered]
    header = [h.lower() for h in table[0]]
    index = {}
    for field, names in _HEADERS.items():
        index[field] = next((header.index(n) for n in names if n in header), None)
    if index["name"] is None:
        raise DomainError("import.no_name_column", name=path.name)
    for line, row in numbered[1:]:
        if not _cell(row, index["name"]):  # a code or parent with no name: say which row
            raise DomainError("import.row_no_name", name=path.name, row=line)
    return [
        (_cell(row, index["name"]), _cell(row, index["code"]), _cell(row, index["parent"]))
        for row in table[1:]
    ]


def _cell(row: Sequence[str], i: int | None) -> str:
    return row[i] if i is not None and i < len(row) else ""
