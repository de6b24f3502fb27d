"""Working days from the official Chinese holiday calendar (with 调休), overridable in config."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import chinese_calendar


class WorkCalendar:
    """Tell working days apart; config overrides win, then the package, then Mon–Fri."""

    def __init__(
        self, *, workdays: Iterable[dt.date] = (), holidays: Iterable[dt.date] = ()
    ) -> None:
        self.extra_workdays = frozenset(workdays)
        self.extra_holidays = frozenset(holidays)

    def knows(self, year: int) -> bool:
        """Tell whether the official calendar (or an override) covers `year`."""
        if any(d.year == year for d in self.extra_workdays | self.extra_holidays):
            return True
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            # The package ships a year's data only once the State Council publishes it.
            return day.weekday() < 5

    def next_workday(self, day: dt.date, *, include_today: bool = False) -> dt.date:
        """Return the first working day after `day` (or `day` itself when allowed)."""
        candidate = day if include_today else day + dt.timedelta(days=1)
        while not self.is_workday(candidate):
            candidate += dt.timedelta(days=1)
        return candidate
