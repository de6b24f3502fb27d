"""A table row written whole (bot.reports.rows) is the XML XlsxWriter writes cell by cell."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
from xlsxwriter import Workbook

from bot.reports.paper import WORKBOOK_OPTIONS
from bot.reports.rows import Cell, RowSheet

AWKWARD: list[Cell] = [
    "plain", "中文问题描述", " leading", "trailing ", "line\nbreak", "a & b < c > d", 'quote "x"',
    "_x0041_ stays literal", "bell\x07 and tab\t", "\ufffe non-character", "", None, 7, 2.5,
    # A cell holds wall-clock time, as the ledger writes it (bot.reports.workbook._local).
    dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC).replace(tzinfo=None), "end\n",
]
HEIGHTS = (18.0, 31.5, 45.5, 409.0)


def _sheet_xml(path: Path, *, whole_rows: bool) -> bytes:
    wb = Workbook(str(path), {**WORKBOOK_OPTIONS, "tmpdir": str(path.parent)})
    ws = wb.add_worksheet("表", worksheet_class=RowSheet)
    plain = wb.add_format({"border": 1, "text_wrap": True})
    date = wb.add_format({"border": 1, "num_format": "yyyy-mm-dd"})
    formats = [date if isinstance(v, dt.datetime) else plain for v in AWKWARD]
    ws.write_string(0, 0, "标题", plain)
    for n, height in enumerate(HEIGHTS, 1):
        if whole_rows:
            ws.put_row(n, height, AWKWARD, formats)
            continue
        ws.set_row(n, height)
        for col, (value, style) in enumerate(zip(AWKWARD, formats, strict=True)):
            if value is None or value == "":
                ws.write_blank(n, col, None, style)
            elif isinstance(value, str):
                ws.write_string(n, col, value, style)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(n, col, value, style)
            else:
                ws.write_number(n, col, value, style)
    ws.write_string(len(HEIGHTS) + 2, 0, "图例", plain)
    wb.close()
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_a_whole_row_is_the_xml_of_its_cells_one_by_one(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    whole = _sheet_xml(tmp_path / "a" / "rows.xlsx", whole_rows=True)
    by_cell = _sheet_xml(tmp_path / "b" / "cells.xlsx", whole_rows=False)
    assert whole == by_cell
    assert b"_x005F_x0041_" in whole and b"_x0007_" in whole and b"&amp; b &lt; c" in whole


def test_text_reads_back_as_written(tmp_path: Path) -> None:
    """Read back by openpyxl: CRs as newlines, and rich-text look-alikes as plain text."""
    out = io.BytesIO()
    path = tmp_path / "t.xlsx"
    wb = Workbook(str(path), {**WORKBOOK_OPTIONS, "tmpdir": str(tmp_path)})
    ws = wb.add_worksheet("表", worksheet_class=RowSheet)
    fmt = wb.add_format({"border": 1})
    texts: list[Cell] = ["<r>not rich</r>", "a\r\nb\rc", "x" * 40_000]
    ws.put_row(0, 18.0, texts, [fmt] * len(texts))
    wb.close()
    out.write(path.read_bytes())
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == ["<r>not rich</r>", "a\nb\nc", "x" * 32_767]
    assert all(c.border.left.style == "thin" for c in sheet[1])
