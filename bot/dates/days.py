"""Chinese day phrases: each rule is a regex tried at the cursor and a handler building the day."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Final, Literal, NamedTuple

from bot.dates.normalise import (
    NUM,
    YEAR,
    Refuse,
    month_end,
    month_start,
    num,
    year_of,
)

# rel: counted from now (明天, 下周五); cal: the next such month-day (12月31日, 12/31) and dom:
# the next such day of a month (15号), both recounted by parse_range from the first day;
# abs: fixed by an explicit year or month.
Kind = Literal["rel", "cal", "dom", "abs"]


class Day(NamedTuple):
    day: date
    kind: Kind
    period: str | None = None  # 今晚 and 明早 carry their part of day
    closed: bool = False  # N天内, 本周内: already a deadline, nothing may follow


Rule = tuple[re.Pattern[str], Callable[[re.Match[str], datetime], Day]]

_RELATIVE_DAYS: Final[dict[str, tuple[int, str | None]]] = {
    "今天": (0, None), "今日": (0, None), "明天": (1, None), "明日": (1, None),
    "后天": (2, None), "大后天": (3, None), "今晚": (0, "晚上"), "明晚": (1, "晚上"),
    "今早": (0, "上午"), "明早": (1, "上午"), "明晨": (1, "上午"),
    # Past days: callers that need a future time refuse them ("in the past"), `audit --since`
    # reads them.
    "昨天": (-1, None), "昨日": (-1, None), "前天": (-2, None),
}  # fmt: skip
SHIFTS: Final[dict[str | None, int]] = {
    None: 0, "本": 0, "这": 0, "这个": 0, "下": 1, "下个": 1, "下下": 2, "下下个": 2,
    "上": -1, "上个": -1, "上上": -2, "上上个": -2,
}  # fmt: skip
_WEEKDAYS: Final = (
    {c: i for i, c in enumerate("一二三四五六日")} | {"天": 6} | {str(i + 1): i for i in range(7)}
)
WITHIN: Final = r"(?P<within>之内|以内|内)"


def _relative_day(m: re.Match[str], now: datetime) -> Day:
    offset, period = _RELATIVE_DAYS[m[0]]
    return Day(now.date() + timedelta(days=offset), "rel", period)


def _week(m: re.Match[str], now: datetime) -> Day:
    today = now.date()
    if m["within"]:
        if m["wk"] is None:  # 周内 names no week
            raise Refuse(m[0])
        sunday = today + timedelta(days=6 - today.weekday() + 7 * SHIFTS[m["wk"]])
        return Day(sunday, "rel", closed=True)
    weekday = _WEEKDAYS[m["wd"]]
    if m["wk"] is None:  # bare 周五: the next Friday from today on, today included
        return Day(today + timedelta(days=(weekday - today.weekday()) % 7), "rel")
    monday = today - timedelta(days=today.weekday())
    return Day(monday + timedelta(days=7 * SHIFTS[m["wk"]] + weekday), "rel")


# 上旬 ends on the 10th, 中旬 on the 20th, 下旬 with the month.
_PART_ENDS: Final = {"上": 10, "中": 20}


def _part_end(first: date, part: str | None) -> date:
    end = _PART_ENDS.get(part or "")
    return first.replace(day=end) if end else month_end(first)


def _month_part(m: re.Match[str], now: datetime) -> Day:
    """月底 / 12月底 / 2027年1月底 / 12月上旬 / 下月中旬 / 月内: the last day of that month or part.

    A bare month (12月底, 11月上旬) is the next such part from today on: one already over this
    year means next year's, as for a month-day. 本月/下月 and an explicit year are never moved.
    """
    closed, part = bool(m["within"]), m["xun"]
    if m["yr"] is not None:
        if m["mn"] is None:  # 2027年月底, 2027年下月底
            raise Refuse(m[0])
        first = date(year_of(m["yr"], now), num(m["mn"]), 1)
        return Day(_part_end(first, part), "abs", closed=closed)
    if m["mn"] is None:
        return Day(_part_end(month_start(now, SHIFTS[m["mo"]]), part), "rel", closed=closed)
    month, today = num(m["mn"]), now.date()
    end = _part_end(date(today.year, month, 1), part)
    if end < today:
        end = _part_end(date(today.year + 1, month, 1), part)
    return Day(end, "cal", closed=closed)


def _year_last(m: re.Match[str], now: datetime) -> Day:
    return Day(date(year_of(m["yr"] or "今", now), 12, 31), "abs", closed=bool(m["within"]))


def _full_date(m: re.Match[str], now: datetime) -> Day:
    return Day(date(year_of(m["y"], now), num(m["m"]), num(m["d"])), "abs")


def _month_day(m: re.Match[str], now: datetime) -> Day:
    month, dom = num(m["m"]), num(m["d"])
    today = now.date()
    passed = (month, dom) < (today.month, today.day)
    return Day(date(today.year + (1 if passed else 0), month, dom), "cal")


def _day_of_month(m: re.Match[str], now: datetime) -> Day:
    dom = num(m["d"])
    if m["mo"] is not None:  # 本月15号 / 下月15号: the month is explicit, never rolled on
        return Day(month_start(now, SHIFTS[m["mo"]]).replace(day=dom), "abs")
    # A month without that day (31号 in November) raises here: refused, not moved.
    first = month_start(now, 1 if dom < now.day else 0)
    return Day(first.replace(day=dom), "dom")


DAY_RULES: Final[tuple[Rule, ...]] = (
    (re.compile("|".join(sorted(_RELATIVE_DAYS, key=len, reverse=True))), _relative_day),
    (
        re.compile(
            r"(?P<wk>上上个?|上个?|下下个?|下个?|本|这个?)?(?:周|星期|礼拜)"
            rf"(?:(?P<wd>[一二三四五六日天1-7])|{WITHIN})"
        ),
        _week,
    ),
    (
        re.compile(
            rf"(?:(?P<yr>{YEAR}|今|明)年 ?)?(?:(?P<mo>本|这个?|下下个?|下个?)|(?P<mn>{NUM}) ?)?"
            rf"月(?:底|末|(?P<xun>[上中下])旬|{WITHIN})"
        ),
        _month_part,
    ),
    (re.compile(rf"(?:(?P<yr>{YEAR}|今|明)年年?|年)(?:底|末|{WITHIN})"), _year_last),
    (
        re.compile(
            rf"(?P<y>{YEAR}|今|明)年 ?(?P<m>{NUM}) ?月"
            rf" ?(?P<d>{NUM}) ?[日号]?"
        ),
        _full_date,
    ),
    (
        re.compile(
            r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?![0-9])"
        ),
        _full_date,
    ),
    (re.compile(rf"(?P<m>{NUM}) ?月 ?(?P<d>{NUM}) ?[日号]?"), _month_day),
    (re.compile(r"(?P<m>[0-9]{1,2})[/-](?P<d>[0-9]{1,2})(?![0-9/.-])"), _month_day),
    (re.compile(rf"(?:(?P<mo>本|这个?|下个?)月)?(?P<d>{NUM}) ?[日号]"), _day_of_month),
)
