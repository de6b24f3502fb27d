"""Phrases that need the working-day calendar: N个工作日内, 春节前, 国庆节后, 节后."""

# Decisions (DOMAIN.md "Time phrases"; the calendar is passed in, never looked up here):
# - Without a calendar these phrases are refused, so callers that pass none keep their answers.
# - N个工作日内 is the end of the N-th working day after today, today not counted (1 to 250).
#   N个工作日 alone and N个工作日后 are refused: a span without 内 says neither "by" nor "after
#   which day" (the N-th, or the one after it).
# - X前 (春节前, 五一前 …) is the last day before the first day off of the next such holiday
#   from today; while that holiday is under way it is refused (this one, already begun, or next
#   year's?).
# - X后 is the first working day after the holiday in progress or, failing that, the next one;
#   refused within a week after such a holiday ended, when "after the holiday" may mean now.
# - 节后 alone: the holiday in progress, else the next one; refused within a week after any
#   holiday ended, and when another holiday begins within a week after the next one ends
#   (2026: 中秋 ends 27 Sep, 国庆 begins 1 Oct), since then it does not say which.
# - A holiday without 前 or 后 (春节, 国庆) names a week, not a day: refused.

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Final, Protocol

from bot.dates.days import Day
from bot.dates.normalise import NUM, Refuse, num


class WorkdayCalendar(Protocol):
    """What the reader needs of a calendar; bot.calendar.WorkCalendar is one."""

    def is_workday(self, day: date, /) -> bool: ...

    def next_workday(self, day: date, /) -> date: ...

    def holiday_period(self, name: str, year: int, /) -> tuple[date, date] | None:
        """First and last day off of `year`'s holiday `name` (元旦 … 国庆节), or None."""
        ...


Period = tuple[date, date]
CalendarRule = tuple[re.Pattern[str], Callable[[re.Match[str], datetime, WorkdayCalendar], Day]]

_MOST_WORKDAYS: Final = 250  # a year of working days; more is a typo, and costly to count
_NEAR: Final = timedelta(days=7)
_ONE_DAY: Final = timedelta(days=1)
# The names people write before 前/后, to the calendar's names.
_HOLIDAYS: Final = {
    "元旦": "元旦", "元旦节": "元旦", "春节": "春节", "清明": "清明节", "清明节": "清明节",
    "劳动节": "劳动节", "五一": "劳动节", "五一劳动节": "劳动节", "端午": "端午节",
    "端午节": "端午节", "中秋": "中秋节", "中秋节": "中秋节", "国庆": "国庆节",
    "国庆节": "国庆节", "十一": "国庆节",
}  # fmt: skip
HOLIDAY_NAMES: Final = tuple(dict.fromkeys(_HOLIDAYS.values()))
_BEFORE: Final = ("前", "之前", "以前")


def _workdays(m: re.Match[str], now: datetime, calendar: WorkdayCalendar) -> Day:
    n = num(m["n"])
    if not m["within"] or not 1 <= n <= _MOST_WORKDAYS:
        raise Refuse(m[0])
    day = now.date()
    for _ in range(n):
        day = calendar.next_workday(day)
    return Day(day, "rel", closed=True)


def _periods(name: str, today: date, calendar: WorkdayCalendar) -> list[Period]:
    """The holiday's periods of last year, this year and next year, in order."""
    found = (calendar.holiday_period(name, y) for y in (today.year - 1, today.year, today.year + 1))
    return sorted(p for p in found if p is not None)


def _recently_over(periods: list[Period], today: date) -> bool:
    return any(last < today <= last + _NEAR for _, last in periods)


def _holiday(m: re.Match[str], now: datetime, calendar: WorkdayCalendar) -> Day:
    today = now.date()
    periods = _periods(_HOLIDAYS[m["name"]], today, calendar)
    upcoming = next(((first, last) for first, last in periods if last >= today), None)
    if upcoming is None:
        raise Refuse(m[0])
    first, last = upcoming
    if m["dir"] in _BEFORE:
        if first <= today:  # under way
            raise Refuse(m[0])
        return Day(first - _ONE_DAY, "rel", closed=True)
    if first > today and _recently_over(periods, today):
        raise Refuse(m[0])
    return Day(calendar.next_workday(last), "rel", closed=True)


def _after_any(m: re.Match[str], now: datetime, calendar: WorkdayCalendar) -> Day:
    today = now.date()
    periods = sorted({p for name in HOLIDAY_NAMES for p in _periods(name, today, calendar)})
    current = [p for p in periods if p[0] <= today <= p[1]]
    if current:
        return Day(calendar.next_workday(current[0][1]), "rel", closed=True)
    if _recently_over(periods, today):
        raise Refuse(m[0])
    upcoming = [p for p in periods if p[0] > today]
    if not upcoming:
        raise Refuse(m[0])
    if len(upcoming) > 1 and upcoming[1][0] - upcoming[0][1] <= _NEAR:
        raise Refuse(m[0])
    return Day(calendar.next_workday(upcoming[0][1]), "rel", closed=True)


_NAME_RE: Final = "|".join(sorted(_HOLIDAYS, key=len, reverse=True))
CALENDAR_RULES: Final[tuple[CalendarRule, ...]] = (
    (
        re.compile(rf"(?P<n>{NUM}) ?个? ?工作日(?P<within>之内|以内|内)?"),
        _workdays,
    ),
    (re.compile(rf"(?P<name>{_NAME_RE})(?P<dir>之前|以前|前|之后|以后|后)"), _holiday),
    (re.compile(r"节后"), _after_any),
)
