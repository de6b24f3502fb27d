"""The working-day calendar under its first import path; it lives in bot.calendar now."""

from __future__ import annotations

from bot.calendar.work import Source, WorkCalendar

__all__ = ["Source", "WorkCalendar"]
