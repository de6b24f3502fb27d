"""Calendars the tests share, fixed so that a new release of either package changes nothing."""

from __future__ import annotations

import datetime as dt

from bot.calendar import WorkCalendar
from bot.calendar.work import ChineseCalendarPackage


class Through2026(ChineseCalendarPackage):
    """chinesecalendar as released today (1.11: up to 2026), even once it ships 2027."""

    def covers(self, year: int) -> bool:
        return year <= 2026 and super().covers(year)


class NoPackage:
    """An official calendar that knows no year: what the bot sees for a year not yet published."""

    def covers(self, year: int) -> bool:
        return False

    def is_workday(self, day: dt.date) -> bool:
        raise AssertionError(f"asked about {day}, a year it does not cover")

    def holiday_name(self, day: dt.date) -> str | None:
        raise AssertionError(f"asked about {day}, a year it does not cover")


def today_package() -> WorkCalendar:
    """The calendar as the bot builds it with no config, 2027 unknown."""
    return WorkCalendar(official=Through2026(), complete_years=())


# A 2027 as the office would enter it: the statutory days off, swapped Saturdays 2-20 and 9-25.
HOLIDAYS_2027 = tuple(
    dt.date(2027, m, d)
    for m, d in [(1, 1), (2, 5), (2, 8), (2, 9), (2, 10), (2, 11), (4, 5), (5, 3), (5, 4),
                 (6, 9), (9, 15), (10, 1), (10, 4), (10, 5), (10, 6), (10, 7)]
)  # fmt: skip
WORKDAYS_2027 = (dt.date(2027, 2, 20), dt.date(2027, 9, 25))


def office_calendar() -> WorkCalendar:
    """2026 from the package, 2027 entered in full by the office (complete_years)."""
    return WorkCalendar(
        official=Through2026(),
        holidays=HOLIDAYS_2027,
        workdays=WORKDAYS_2027,
        complete_years=(2027,),
    )
