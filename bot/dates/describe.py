"""The echo of a parsed moment, in full, so a person can check it before it is saved."""

from __future__ import annotations

from datetime import datetime
from typing import Final

_ZH_WEEKDAYS: Final = "一二三四五六日"
_EN_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def describe_when(dt: datetime, lang: str) -> str:
    """Echo a datetime in full: "zh*" → 2026年12月4日 周五 23:59, else Fri 4 Dec 2026 23:59."""
    clock = f"{dt.hour:02d}:{dt.minute:02d}"
    if lang.lower().startswith("zh"):
        return f"{dt.year}年{dt.month}月{dt.day}日 周{_ZH_WEEKDAYS[dt.weekday()]} {clock}"
    return f"{_EN_WEEKDAYS[dt.weekday()]} {dt.day} {_EN_MONTHS[dt.month - 1]} {dt.year} {clock}"
