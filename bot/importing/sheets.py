"""A spreadsheet's cells as they stand: .xlsx (merged cells filled, cached formula values), .csv."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from bot.errors import DomainError

Cell = str | int | float | dt.datetime | dt.date | dt.time | None

# An OLE compound file: an old .xls, or an .xlsx Excel has encrypted with a password.
CFB_MAGIC = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC = b"PK\x03\x04"
# The stream an encrypted OOXML package keeps inside its compound file (UTF-16 name).
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_CSV_TRIGGERS = frozenset("=+-@\t\r")


@dataclass(frozen=True)
class Sheet:
    """One sheet's rows of cells, and the cells holding a formula Excel never calculated."""

    name: str
    rows: list[list[Cell]]
    uncalculated: frozenset[tuple[int, int]] = field(default_factory=frozenset)


def read_book(data: bytes, name: str) -> list[Sheet]:
    """Every sheet of an .xlsx or .csv file; other files are refused with a reason."""
    lower = name.lower()
    if data.startswith(CFB_MAGIC):
        if _ENCRYPTED in data or not lower.endswith(".xls"):
            raise DomainError("ledger_import.protected", name=name)
        raise DomainError("ledger_import.xls", name=name)
    if lower.endswith(".xls"):
        raise DomainError("ledger_import.xls", name=name)
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, name)
    if lower.endswith((".csv", ".txt")):
        return [Sheet(name.rsplit(".", 1)[0] or name, _read_csv(data, name))]
    raise DomainError("ledger_import.format", name=name)


def _read_csv(data: bytes, name: str) -> list[list[Cell]]:
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # What Chinese Excel writes for "CSV (逗号分隔)"; GB18030 covers GBK and GB2312.
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise DomainError("ledger_import.format", name=name) from None
    if "\x00" in text:
        raise DomainError("ledger_import.format", name=name)
    return [[_unquote(cell) for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]


def _unquote(cell: str) -> str:
    # The export writes '=… for a cell a spreadsheet would run as a formula; read it back.
    return cell[1:] if cell[:1] == "'" and cell[1:2] in _CSV_TRIGGERS and cell[1:2] else cell


def _read_xlsx(data: bytes, name: str) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        # Read-only: rows stream from the XML without a Cell object each (twice as fast).
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise DomainError("ledger_import.format", name=name) from None
    with package:
        parts = {ws.title: package.read(ws._worksheet_path) for ws in book.worksheets}
    raw = (load_workbook(io.BytesIO(data), read_only=True, data_only=False)
           if any(b"<f>" in x or b"<f " in x for x in parts.values()) else None)
    sheets = []
    for ws in book.worksheets:
        rows: list[list[Cell]] = [list(row) for row in ws.iter_rows(values_only=True)]
        _fill_merged(rows, parts[ws.title])
        uncalculated: set[tuple[int, int]] = set()
        if raw is not None:
            for r, row in enumerate(raw[ws.title].iter_rows(values_only=True)):
                for c, value in enumerate(row):
                    if (isinstance(value, str) and value.startswith("=") and r < len(rows)
                            and c < len(rows[r]) and rows[r][c] is None):
                        uncalculated.add((r, c))
        sheets.append(Sheet(ws.title, rows, frozenset(uncalculated)))
    book.close()
    if raw is not None:
        raw.close()
    return sheets


_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')


def _fill_merged(rows: list[list[Cell]], part: bytes) -> None:
    """Give every cell of a merged block the value of its top-left corner; offices merge
    责任领导 or 责任单位 down a block of rows, meaning "the same for each of them"."""
    from openpyxl.utils.cell import range_boundaries

    for first, last in _MERGED.findall(part):
        min_col, min_row, max_col, max_row = range_boundaries(f"{first.decode()}:{last.decode()}")
        top = min_row - 1
        if top >= len(rows):
            continue
        value = rows[top][min_col - 1] if min_col - 1 < len(rows[top]) else None
        for r in range(top, min(max_row, len(rows))):
            row = rows[r]
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            for c in range(min_col - 1, max_col):
                row[c] = value


