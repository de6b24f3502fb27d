"""`calendar YEAR` prints the working days the bot will use; `calendar import` reads a notice."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Config


def show_year(config: Config, year: int) -> int:
    """Print every day of `year` that is not an ordinary weekday or weekend, with its source."""
    from bot.calendar import WorkCalendar, describe_year

    print(describe_year(WorkCalendar.from_config(config.calendar), year, config.language))
    return 0


def import_notice(config: Config, path: Path, year: int | None = None) -> int:
    """Print the calendar: block for the notice in `path`; exit 1 when a line was refused."""
    from bot.calendar import parse_notice, render_calendar

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return 2
    try:
        result = parse_notice(text, year=year)
    except ValueError as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return 2
    print(render_calendar(result, config.calendar), end="")
    if not result.complete:
        # The block is still printed, with the refused lines as comments: the office may want
        # the dates that were read, but must not mistake the year for complete.
        unread = len(result.refused) + len(result.missing)
        print(f"error: {unread} line(s) of the {result.year} notice not read fully; "
              "the year is left out of complete_years", file=sys.stderr)
        return 1
    return 0
