"""The 问题台账 as CSV: UTF-8 with a BOM, as Chinese Excel needs, and safe from formulas."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.reports.workbook import COLUMNS, row_values
from bot.services.problem import ProblemView

# Spreadsheet apps run a CSV cell starting with these as a formula (CSV injection).
_CSV_TRIGGERS = frozenset("=+-@\t\r")


def _csv_safe(value: str | int) -> str | int:
    if isinstance(value, str) and value and value[0] in _CSV_TRIGGERS:
        return "'" + value
    return value


def _write_csv_rows(
    rows: Iterable[ProblemView], out: TextIO, tz: ZoneInfo, now: dt.datetime,
) -> None:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for index, row in enumerate(rows, 1):
        values = row_values(row, index, tz=tz, now=now)
        writer.writerow([_csv_safe(v) for v in values])


def write_csv(
    rows: Iterable[ProblemView], target: str | Path | TextIO, *, tz: ZoneInfo, now: dt.datetime,
) -> None:
    """Write the ledger as CSV with a UTF-8 BOM, which Excel needs to read Chinese correctly.

    A text stream should be opened with newline="" (the csv module's own line endings).
    """
    if isinstance(target, str | Path):
        with open(target, "w", encoding="utf-8-sig", newline="") as out:
            _write_csv_rows(rows, out, tz, now)
    else:
        target.write("\ufeff")
        _write_csv_rows(rows, target, tz, now)
