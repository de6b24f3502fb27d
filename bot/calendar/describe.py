"""Print the working-day calendar the bot will use for a year: every day that is not ordinary."""

from __future__ import annotations

import datetime as dt
from typing import Final

from bot.calendar.names import ENGLISH, HOLIDAY_NAMES
from bot.calendar.work import Source, WorkCalendar

_SOURCES: Final[dict[str, dict[Source, str]]] = {
    "zh": {
        "config": "配置", "package": "chinesecalendar", "statutory": "法定推算",
        "weekday": "周一至周五",
    },
    "en": {
        "config": "config", "package": "chinesecalendar", "statutory": "statutory",
        "weekday": "weekday rule",
    },
}  # fmt: skip
_WEEKDAYS: Final = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_TEXT: Final = {
    "zh": {
        "package": "{year}年：chinesecalendar 已收录国务院的安排（含调休）。",
        "complete": "{year}年：配置 calendar.complete_years 列为完整，以配置的放假和上班日为准。",
        "unknown": (
            "{year}年：尚无国务院的安排。法定节假日（含补假）按《全国年节及纪念日放假办法》推算；"
            "调休上班日无从推算，通知发布后请写入配置（holidays、workdays、complete_years）。"
        ),
        "off": "放假的工作日：",
        "on": "上班的周末：",
        "none": "  （无）",
        "total": "全年工作日 {n} 天。",
    },
    "en": {
        "package": "{year}: chinesecalendar carries the State Council's schedule (with swaps).",
        "complete": "{year}: in calendar.complete_years; the configured days are the schedule.",
        "unknown": (
            "{year}: no State Council schedule yet. Statutory holidays (with make-up days) are "
            "computed from the law; swapped working days cannot be: add them to the config "
            "(holidays, workdays, complete_years) once the notice is out."
        ),
        "off": "Weekdays off:",
        "on": "Weekend days worked:",
        "none": "  (none)",
        "total": "{n} working days in the year.",
    },
}


def _names(calendar: WorkCalendar, year: int) -> dict[dt.date, str]:
    """Each day inside a holiday's days off, by that holiday (next year's 元旦 may start here)."""
    names: dict[dt.date, str] = {}
    for name in HOLIDAY_NAMES:
        for of_year in (year, year + 1):
            period = calendar.holiday_period(name, of_year)
            if period is None:
                continue
            day = period[0]
            while day <= period[1]:
                names.setdefault(day, name)
                day += dt.timedelta(days=1)
    return names


def describe_year(calendar: WorkCalendar, year: int, lang: str = "zh") -> str:
    """The calendar for `year`: how it is known, then each weekday off and weekend day worked."""
    key = "zh" if lang.lower().startswith("zh") else "en"
    text, sources, weekdays = _TEXT[key], _SOURCES[key], _WEEKDAYS[key]
    if calendar.package_covers(year):
        head = text["package"]
    elif year in calendar.complete_years:
        head = text["complete"]
    else:
        head = text["unknown"]
    names = _names(calendar, year)
    off: list[str] = []
    on: list[str] = []
    working = 0
    day = dt.date(year, 1, 1)
    while day.year == year:
        workday, weekend = calendar.is_workday(day), day.weekday() >= 5
        working += workday
        if workday == weekend:  # a weekday off or a weekend day worked
            name = names.get(day) or calendar.holiday_name(day) or ""
            if key == "en" and name:
                name = ENGLISH[name]
            line = f"  {day.isoformat()} {weekdays[day.weekday()]}  {name or '-'}"
            (on if workday else off).append(f"{line}  [{sources[calendar.source(day)]}]")
        day += dt.timedelta(days=1)
    lines = [head.format(year=year), text["off"], *(off or [text["none"]])]
    lines += [text["on"], *(on or [text["none"]]), text["total"].format(n=working)]
    return "\n".join(lines)
