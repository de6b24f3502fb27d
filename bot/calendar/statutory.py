"""Statutory days off (法定节假日 with 补假) for any year, from the holidays package."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from typing import Final

# The holidays package names days in English; the first match wins, so 春节 goes before 元旦
# ("Chinese New Year's Eve" also contains "New Year").
_NAMES: Final = (
    ("Chinese New Year", "春节"),
    ("New Year's Day", "元旦"),
    ("Tomb-Sweeping", "清明节"),
    ("Labor Day", "劳动节"),
    ("Dragon Boat", "端午节"),
    ("Mid-Autumn", "中秋节"),
    ("National Day", "国庆节"),
)


def _name(part: str) -> str | None:
    return next((zh for en, zh in _NAMES if en in part), None)


@functools.lru_cache(maxsize=64)
def statutory_days(year: int) -> dict[dt.date, frozenset[str]]:
    """Days off that the law (全国年节及纪念日放假办法) gives in `year`, with holiday names.

    A weekend holiday's 补假 is included; the State Council's 调休 (swapped days) is not, since
    only its annual notice decides it. A day off the package cannot name maps to no name.
    """
    # Imported on first use: it costs a fifth of a second, and only years the chinesecalendar
    # package does not know need it.
    holidays = importlib.import_module("holidays")
    try:
        found = holidays.country_holidays("CN", years=year, language="en_US")
    except (NotImplementedError, ValueError, OverflowError):  # a year beyond its lunar tables
        return {}
    days: dict[dt.date, frozenset[str]] = {}
    for day, label in found.items():
        names = {_name(part) for part in str(label).split("; ")}
        days[day] = frozenset(n for n in names if n is not None)
    return days
