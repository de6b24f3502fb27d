"""Working days: config overrides, then chinesecalendar, then the statutory holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal, Protocol

import chinese_calendar

from bot.calendar.names import HOLIDAY_NAMES, canonical
from bot.calendar.statutory import statutory_days

if TYPE_CHECKING:
    from bot.config import CalendarConfig

# Where a day's status comes from: a config override; the chinesecalendar package (the State
# Council's notice, 调休 included); the statutory holidays computed for a year nobody published
# (no 调休: a swapped working Saturday is missed); or the plain weekday rule (Mon–Fri work).
Source = Literal["config", "package", "statutory", "weekday"]

# A holiday's days off never run longer than this (春节 with its weekends is about ten).
_LONGEST_BREAK = 21
_ONE_DAY = dt.timedelta(days=1)

_PACKAGE_NAMES = {
    chinese_calendar.Holiday.new_years_day.value: "元旦",
    chinese_calendar.Holiday.spring_festival.value: "春节",
    chinese_calendar.Holiday.tomb_sweeping_day.value: "清明节",
    chinese_calendar.Holiday.labour_day.value: "劳动节",
    chinese_calendar.Holiday.dragon_boat_festival.value: "端午节",
    chinese_calendar.Holiday.mid_autumn_festival.value: "中秋节",
    chinese_calendar.Holiday.national_day.value: "国庆节",
}


class OfficialCalendar(Protocol):
    """The published calendar for the years it covers: the chinesecalendar package, or a fake."""

    def covers(self, year: int) -> bool: ...

    def is_workday(self, day: dt.date) -> bool: ...

    def holiday_name(self, day: dt.date) -> str | None: ...


class ChineseCalendarPackage:
    """The chinesecalendar package, which ships a year once the State Council publishes it."""

    def covers(self, year: int) -> bool:
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: dt.date) -> bool:
        return bool(chinese_calendar.is_workday(day))

    def holiday_name(self, day: dt.date) -> str | None:
        """The holiday a day off (or a swapped working day) belongs to, in Chinese."""
        _, name = chinese_calendar.get_holiday_detail(day)
        return None if name is None else _PACKAGE_NAMES.get(name)


class WorkCalendar:
    """Tell working days apart, and say for each day where its status comes from.

    A year is known when the package covers it or the config lists it in complete_years; one
    override no longer makes a year known. For an unknown year the statutory holidays still
    count as days off, so 元旦 is never a working day for lack of data.
    """

    def __init__(
        self,
        *,
        workdays: Iterable[dt.date] = (),
        holidays: Iterable[dt.date] = (),
        complete_years: Iterable[int] = (),
        official: OfficialCalendar | None = None,
    ) -> None:
        self.extra_workdays = frozenset(workdays)
        self.extra_holidays = frozenset(holidays)
        both = self.extra_workdays & self.extra_holidays
        if both:
            raise ValueError(f"both a working day and a day off: {min(both)}")
        self.complete_years = frozenset(complete_years)
        self.official: OfficialCalendar = official or ChineseCalendarPackage()
        self._covers: dict[int, bool] = {}
        self._periods: dict[tuple[str, int], tuple[dt.date, dt.date] | None] = {}

    @classmethod
    def from_config(
        cls, config: CalendarConfig, *, official: OfficialCalendar | None = None
    ) -> WorkCalendar:
        return cls(
            workdays=config.workdays,
            holidays=config.holidays,
            complete_years=config.complete_years,
            official=official,
        )

    def package_covers(self, year: int) -> bool:
        """Whether the package (the published notices) has `year`."""
        covered = self._covers.get(year)
        if covered is None:
            covered = self._covers[year] = self.official.covers(year)
        return covered

    def knows(self, year: int) -> bool:
        """Whether `year` is fully known: the package covers it or complete_years lists it."""
        return (
            self.package_covers(year)
            or year in self.complete_years
        )

    def source(self, day: dt.date) -> Source:
        """Where the day's status (working or not) comes from."""
        if day in self.extra_workdays or day in self.extra_holidays:
            return "config"
        if self.package_covers(day.year):
            return "package"
        if day.year not in self.complete_years and day in statutory_days(day.year):
            return "statutory"
        return "weekday"

    def is_workday(self, day: dt.date) -> bool:
        source = self.source(day)
        if source == "config":
            return day in self.extra_workdays
        if source == "package":
            return self.official.is_workday(day)
        if source == "statutory":
            return False
        return day.weekday() < 5

    def next_workday(self, day: dt.date, *, include_today: bool = False) -> dt.date:
        """Return the first working day after `day` (or `day` itself when allowed)."""
        candidate = day if include_today else day + _ONE_DAY
        while not self.is_workday(candidate):
            candidate += _ONE_DAY
        return candidate

    def previous_workday(self, day: dt.date, *, include_today: bool = False) -> dt.date:
        """Return the last working day before `day` (or `day` itself when allowed)."""
        candidate = day if include_today else day - _ONE_DAY
        while not self.is_workday(candidate):
            candidate -= _ONE_DAY
        return candidate

    def holiday_name(self, day: dt.date) -> str | None:
        """The statutory holiday a day belongs to by the package or the law, if any."""
        if self.package_covers(day.year):
            return self.official.holiday_name(day)
        names = statutory_days(day.year).get(day, frozenset())
        return next((n for n in HOLIDAY_NAMES if n in names), None)

    def holiday_period(self, name: str, year: int) -> tuple[dt.date, dt.date] | None:
        """The first and last day off of `year`'s holiday `name` (元旦, 春节, 五一 …), or None.

        The holiday's own days (named by the package, or by the law for other years) that are
        days off here anchor it; the period is the run of days off around them, weekends
        included, as the notice counts them (元旦 2023 began on 2022-12-31). None when no such
        day is off, or when its days off fall apart into separate runs: ambiguous, not guessed.
        """
        key = (canonical(name), year)
        if key not in self._periods:
            self._periods[key] = self._period(*key)
        return self._periods[key]

    def _period(self, name: str, year: int) -> tuple[dt.date, dt.date] | None:
        if not 1 < year < 9999:
            return None
        anchors: list[dt.date] = []
        if self.package_covers(year):
            anchors = [d for d in _days_of(year) if self.official.holiday_name(d) == name]
            if name == "元旦":  # late December days may already be next year's 元旦 (2023-12-30)
                anchors = [d for d in anchors if d.month == 1]
        if not anchors:  # the package names a merged break after one holiday (2020 中秋 in 国庆)
            anchors = [d for d, names in statutory_days(year).items() if name in names]
        runs = {self._run(d) for d in anchors if not self.is_workday(d)}
        if len(runs) != 1:
            return None
        return runs.pop()

    def _run(self, day: dt.date) -> tuple[dt.date, dt.date] | None:
        """The days off around `day`; None if longer than any holiday (an override gone wrong)."""
        first = last = day
        while not self.is_workday(first - _ONE_DAY):
            first -= _ONE_DAY
            if (day - first).days > _LONGEST_BREAK:
                return None
        while not self.is_workday(last + _ONE_DAY):
            last += _ONE_DAY
            if (last - day).days > _LONGEST_BREAK:
                return None
        return first, last


def _days_of(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]
