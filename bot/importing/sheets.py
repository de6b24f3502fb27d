"""A spreadsheet's cells as they stand: .xlsx (merged cells filled, cached formula values), .csv."""

from __future__ import annotations

import csv
import datetime as dt
import io
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
        if _ENCRYPTED in data[:1 << 20] or not lower.endswith(".xls"):
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
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise DomainError("ledger_import.format", name=name) from None
    formulas = _has_formulas(data)
    raw = load_workbook(io.BytesIO(data), data_only=False) if formulas else None
    sheets = []
    for ws in book.worksheets:
        rows: list[list[Cell]] = [list(row) for row in ws.iter_rows(values_only=True)]
        # A merged cell keeps its value in the top-left corner only; offices merge 责任领导 or
        # 责任单位 down a block of rows, which means "the same for each of them".
        for merged in ws.merged_cells.ranges:
            top = merged.min_row - 1
            if top >= len(rows):
                continue
            value = rows[top][merged.min_col - 1]
            for r in range(top, min(merged.max_row, len(rows))):
                for c in range(merged.min_col - 1, merged.max_col):
                    rows[r][c] = value
        uncalculated: set[tuple[int, int]] = set()
        if raw is not None:
            for r, row in enumerate(raw[ws.title].iter_rows(values_only=True)):
                for c, value in enumerate(row):
                    if (isinstance(value, str) and value.startswith("=") and r < len(rows)
                            and rows[r][c] is None):
                        uncalculated.add((r, c))
        sheets.append(Sheet(ws.title, rows, frozenset(uncalculated)))
    return sheets


def _has_formulas(data: bytes) -> bool:
    """Whether any sheet holds a formula (the second, slower read is needed only then)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for item in package.namelist():
            if item.startswith("xl/worksheets/") and item.endswith(".xml"):
                body = package.read(item)
                if b"<f>" in body or b"<f " in body:
                    return True
    return False
