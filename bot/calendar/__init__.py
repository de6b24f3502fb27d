"""The working-day calendar: official data, config overrides, statutory fallback, the notice."""

from __future__ import annotations

from bot.calendar.describe import describe_year
from bot.calendar.names import HOLIDAY_NAMES
from bot.calendar.notice import NoticeResult, parse_notice, render_calendar
from bot.calendar.work import Source, WorkCalendar

__all__ = [
    "HOLIDAY_NAMES",
    "NoticeResult",
    "Source",
    "WorkCalendar",
    "describe_year",
    "parse_notice",
    "render_calendar",
]
