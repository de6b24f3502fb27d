"""XlsxWriter's streaming worksheet with one faster way in: a table row written whole, as XML."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Sequence
from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet
from xlsxwriter.xmlwriter import XMLwriter

Cell = str | int | float | dt.datetime | None
# Characters read and written at a time when a sheet takes rows written elsewhere.
_COPY_CHUNK = 1 << 20

# What XlsxWriter changes in a string before it writes it: control characters and the literal
# "_xHHHH_" it uses to escape them, the characters XML escapes, and the non-characters; and
# leading or trailing white space, which XML would drop without xml:space="preserve".
_ESCAPED = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_CAREFUL = re.compile(f"{_ESCAPED.pattern}|{_EDGE_SPACE.pattern}")


def inline_string(text: str) -> str:
    """The <is> content of an inline string cell, escaped exactly as XlsxWriter escapes it;
    CRs and an overlong text as sheet_text leaves them."""
    if "\r" in text or len(text) > _TEXT_MAX // 2:
        text = sheet_text(text)
    if not _CAREFUL.search(text):
        return f"<is><t>{text}</t></is>"
    if _ESCAPED.search(text):
        text = XMLwriter._escape_control_characters(text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _EDGE_SPACE.search(text):
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


# Excel's cap on a cell's text, in UTF-16 units.
_TEXT_MAX = 32767


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def sheet_text(text: str) -> str:
    """User text as a cell keeps it: line breaks as newlines, within Excel's cap."""
    if "\r" in text:
        # XlsxWriter would store a CR as "_x000D_", which Excel shows as a line break but other
        # readers (openpyxl, a re-import) take literally; XML reads a raw CR as a newline anyway.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > _TEXT_MAX // 2 and utf16_len(text) > _TEXT_MAX:
        text = text.encode("utf-16-le")[: 2 * _TEXT_MAX].decode("utf-16-le", "ignore")
    return text


def write_text(ws: Any, row: int, col: int, text: str, style: Any) -> None:
    """Write user text as text, never a formula, URL, number or injected rich text."""
    text = sheet_text(text)
    if text.startswith("<r>") and text.endswith("</r>"):
        # XlsxWriter copies a string shaped like this verbatim into the sheet XML as
        # pre-built rich text; split into plain runs it is escaped like any other text.
        runs = (text[:1], text[1:-1], text[-1:])
        ws.write_rich_string(row, col, *runs, *([style] if style is not None else []))
    else:
        ws.write_string(row, col, text, style)


class RowSheet(Worksheet):  # type: ignore[misc]  # XlsxWriter has no types
    """A worksheet whose table rows go to its stream in one write each, in the XML XlsxWriter
    itself writes: a call per cell through XlsxWriter costs more than the rest of an export.

    Only in constant_memory mode (rows are then written in order and never revisited); other
    workbooks go through XlsxWriter's own calls, with the same result."""

    def put_row(self, row: int, height: float, values: Sequence[Cell],
                formats: Sequence[Any]) -> None:
        """Row `row` (0-based) of `height` points: a cell per value, each with its format (a
        blank keeps its format, so its borders print); strings are never formulas or URLs."""
        if not self.constant_memory:
            self._put_row_slowly(row, height, values, formats)
            return
        # XlsxWriter's row before this one, still held in memory, goes out first.
        self._write_single_row(row)
        if len(values) != len(formats):
            raise ValueError(f"{len(values)} values for {len(formats)} formats")
        if self._check_dimensions(row, 0) or self._check_dimensions(row, len(values) - 1):
            raise ValueError(f"row {row} is outside the sheet or already written")
        starts, styles = self._templates(formats)
        r = str(row + 1)
        parts = [self._row_tag(r, height)]
        add, excel_time = parts.append, self._convert_date_time
        for start, style, value in zip(starts, styles, values, strict=True):
            kind = value.__class__
            if kind is str and value:
                add(f'{start}{r}{style} t="inlineStr">{inline_string(value)}</c>')  # type: ignore[arg-type]
            elif value is None or kind is str:  # a blank keeps its format: its borders print
                add(f"{start}{r}{style}/>")
            elif isinstance(value, dt.datetime):
                add(f"{start}{r}{style}><v>{excel_time(value):.16G}</v></c>")
            else:
                add(f"{start}{r}{style}><v>{value:.16G}</v></c>")
        parts.append("</row>")
        self.fh.write("".join(parts))

    def put_rows(self, first: int, last: int, width: int, path: str) -> None:
        """Rows `first` to `last` (0-based) of `width` cells, as put_row wrote them into the
        file at `path` in another sheet: copied into this sheet's stream unchanged."""
        if not self.constant_memory:
            raise ValueError("rows written elsewhere go only into a streaming sheet")
        if first <= self.previous_row and self.dim_rowmax is not None:
            raise ValueError(f"row {first} is already written")
        if last < first or self._check_dimensions(first, 0):
            raise ValueError(f"rows {first}-{last} are outside the sheet")
        # The row XlsxWriter still holds (the header) goes out first, as in put_row.
        self._write_single_row(last)
        if self._check_dimensions(last, width - 1):
            raise ValueError(f"rows {first}-{last} are outside the sheet")
        with open(path, encoding="utf-8") as rows:
            shutil.copyfileobj(rows, self.fh, _COPY_CHUNK)

    def _templates(self, formats: Sequence[Any]) -> tuple[list[str], list[str]]:
        """Each column's '<c r="X' and '" s="N"' for a row of these formats, made once per
        list; a format gets its number on first use, in the order XlsxWriter would give it."""
        made: dict[int, tuple[Sequence[Any], list[str], list[str]]] = self.__dict__.setdefault(
            "_made_templates", {})
        found = made.get(id(formats))
        if found is None or found[0] is not formats:
            starts = [f'<c r="{xl_col_to_name(col)}' for col in range(len(formats))]
            styles = [f'" s="{f._get_xf_index()}"' for f in formats]
            # The list itself is kept, so its id is not reused by another while held here.
            found = made[id(formats)] = (formats, starts, styles)
        return found[1], found[2]

    def _row_tag(self, r: str, height: float) -> str:
        # As set_row stores a height (whole pixels) and XlsxWriter's _write_row writes it.
        pixels = int(height * 4.0 / 3.0 + 0.5)
        attributes = f'<row r="{r}"'
        if pixels != self.original_row_height or pixels != self.default_row_height:
            attributes += f' ht="{pixels * 0.75:.16g}" customHeight="1"'
        if self.excel_version == 2010:
            attributes += ' x14ac:dyDescent="0.25"'
        return attributes + ">"

    def _put_row_slowly(self, row: int, height: float, values: Sequence[Cell],
                        formats: Sequence[Any]) -> None:
        self.set_row(row, height)
        for col, (value, style) in enumerate(zip(values, formats, strict=True)):
            if value is None or value == "":
                self.write_blank(row, col, None, style)
            elif isinstance(value, str):
                write_text(self, row, col, value, style)
            elif isinstance(value, dt.datetime):
                self.write_datetime(row, col, value, style)
            else:
                self.write_number(row, col, value, style)
