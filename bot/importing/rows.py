"""A sheet's data rows as ledger values, each with the reasons it cannot be imported."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.dates import WorkdayCalendar
from bot.domain import Source, Status, Track
from bot.importing.layout import FIELDS, Layout, text_of
from bot.importing.sheets import Cell, Sheet
from bot.importing.values import (
    CellError,
    read_deadline,
    read_level,
    read_source,
    read_status,
    read_track,
    split_measures,
)

# The ledger columns each sheet column can set, for telling what a row changes.
SETS: dict[str, tuple[str, ...]] = {
    "source": ("level", "source"), "level": ("level",), "category": ("category",),
    "description": ("description",), "measures": ("measures",), "goal": ("goal",),
    "track": ("track",), "leader": ("leader_name",), "owner": ("owner_name",),
    "deadline": ("deadline", "checkin_days", "track"), "status": ("status",),
    "progress": ("progress",), "completion": ("completion",), "remarks": ("remarks",),
}
_TEXT = {"category": 100, "description": None, "goal": None, "leader": 100, "owner": 100,
         "progress": None, "completion": None, "remarks": None}
_COLUMN = {"leader": "leader_name", "owner": "owner_name"}
DEFAULT_CATEGORY = "未分类"
# Longer than this, a status cell that names no status is read as a progress note.
_STATUS_WORD = 6


@dataclass
class Incoming:
    """One data row: its sheet row number (1-based), its cells and what they say."""

    row: int
    cells: list[Cell]
    number: str = ""
    unit: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # ledger column → value
    given: set[str] = field(default_factory=set)  # sheet fields with a value in this row
    errors: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    overdue: bool = False

    def error(self, column: str, key: str, **params: Any) -> None:
        self.errors.append((column, key, params))

    @functools.cached_property
    def ref(self) -> str:
        """The row's key in its own sheet: its number there, else a hash of what it says."""
        if self.number:
            return f"no:{self.number}"[:64]
        basis = "\x1f".join(str(self.values.get(k) or "") for k in ("description", "owner_name"))
        return "h:" + hashlib.sha256(basis.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Reading:
    """What rows are read against: the time deadlines count from, and the calendar."""

    tz: ZoneInfo
    now: dt.datetime  # local: the sheet's 填报日期 (at noon), else the import time
    calendar: WorkdayCalendar
    imported_at: dt.datetime


# A first cell that closes the table: what follows is a legend or notes, not items.
_TABLE_ENDS = frozenset({"图例", "说明", "填表说明", "注", "注："})


def data_rows(sheet: Sheet, layout: Layout) -> Iterator[tuple[int, list[Cell]]]:
    """The rows under the header that hold anything, with their 1-based row numbers; a footer
    line (填报人：…, one or two cells) is not a row."""
    width = len(layout.headers)
    for r in range(layout.header_row + 1, len(sheet.rows)):
        cells = list(sheet.rows[r][:width]) + [None] * (width - len(sheet.rows[r][:width]))
        filled = [c for c in cells if text_of(c)]
        if filled and text_of(filled[0]) in _TABLE_ENDS:
            return  # the export's colour legend (图例) or a notes block closes the table
        if not filled or (len(set(map(text_of, filled))) <= 1
                          and not text_of(cells[layout.columns["description"]])):
            continue
        yield r + 1, cells


def read_row(sheet: Sheet, layout: Layout, number: int, cells: list[Cell],
             reading: Reading) -> Incoming:
    """Read one data row into ledger values; problems become the row's errors."""
    row = Incoming(number, cells)
    header = {f: layout.headers[c] or FIELDS[f][0] for f, c in layout.columns.items()}

    def cell(name: str) -> Cell:
        c = layout.columns.get(name)
        if c is None:
            return None
        if (number - 1, c) in sheet.uncalculated:
            row.error(header[name], "ledger_import.formula")
            return None
        return cells[c]

    for name in layout.columns:
        if name in SETS and text_of(cell(name)):
            row.given.add(name)
    row.number = text_of(cell("number"))
    row.unit = text_of(cell("unit"))
    v = row.values
    for name, limit in _TEXT.items():
        text = text_of(cell(name))
        if text and limit is not None and len(text) > limit:
            row.error(header[name], "ledger_import.too_long", limit=limit)
        v[_COLUMN.get(name, name)] = text or None
    v["measures"] = list(split_measures(cell("measures")))
    _read(row, header, "source", lambda: v.update(zip(("level", "source"),
                                                      read_source(cell("source")),
                                                      strict=True)))
    if "level" in layout.columns:
        _read(row, header, "level", lambda: v.update(level=read_level(cell("level"))))
    _read(row, header, "track", lambda: v.update(track=read_track(cell("track"))))
    try:
        v["status"] = read_status(cell("status"))
    except CellError as exc:
        text = text_of(cell("status"))
        if len(text) <= _STATUS_WORD:
            row.error(header["status"], exc.key, **exc.params)
        else:
            # A sentence in 进展情况 (已召开专题会议部署…) is progress being made.
            v["status"] = Status.IN_PROGRESS
            v["progress"] = v.get("progress") or text
    try:
        when = read_deadline(cell("deadline"), reading.now, reading.tz, reading.calendar)
    except CellError as exc:
        row.error(header["deadline"], exc.key, **exc.params)
    else:
        v["deadline"], v["checkin_days"] = when.at, when.checkin_days
        if v.get("track") is None and when.track is not None:
            v["track"] = when.track
    _complete(row, header)
    return row


def _read(row: Incoming, header: dict[str, str], name: str, work: Any) -> None:
    if name not in header:
        return
    try:
        work()
    except CellError as exc:
        row.error(header[name], exc.key, **exc.params)


def _complete(row: Incoming, header: dict[str, str]) -> None:
    """Fill what a new row needs, and refuse a row that lacks what filing would ask for."""
    v = row.values

    def name(f: str) -> str:
        return header.get(f, FIELDS[f][0])

    for f, column in (("description", "description"), ("owner", "owner_name")):
        if not v.get(column):
            row.error(name(f), "ledger_import.missing")
    if not v["measures"]:
        row.error(name("measures"), "ledger_import.missing")
    if v.get("track") is None:
        v["track"] = Track.DEADLINE if v.get("deadline") else None
    track = v["track"]
    lacking = track is None or (track != Track.ONGOING and v.get("deadline") is None)
    if lacking and not any(c == name("deadline") for c, _, _ in row.errors):
        row.error(name("deadline"), "ledger_import.missing")
    if track == Track.ONGOING and not v.get("checkin_days"):
        v["checkin_days"] = 7
    if track != Track.ONGOING:
        v["checkin_days"] = None
    if v.get("source") is None:
        v["source"] = Source.SELF
    v.setdefault("level", None)
    if v.get("status") is None:
        v["status"] = Status.IN_PROGRESS if v.get("progress") else Status.PENDING
    v["category"] = v.get("category") or DEFAULT_CATEGORY
