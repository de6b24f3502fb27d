"""The fixed moments and helpers the bot.dates tests share."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
NOWS = {
    "SAT": datetime(2026, 11, 28, 15, 0, tzinfo=SH),  # Saturday afternoon; week is 23-29 Nov
    "MON": datetime(2026, 11, 30, 10, 0, tzinfo=SH),  # Monday, last day of the month
    "NYE": datetime(2026, 12, 31, 22, 0, tzinfo=SH),  # Thursday night, last day of the year
    "DEC1": datetime(2026, 12, 1, 9, 0, tzinfo=SH),  # Tuesday morning, first day of a month
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)
