"""The Chinese phrase grammar: [截止] (span | day [time] | time) [前], then nothing else."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Final, NamedTuple

from bot.dates.days import DAY_RULES, Day, Kind
from bot.dates.festivals import CALENDAR_RULES, WorkdayCalendar
from bot.dates.normalise import (
    CN_DIGITS,
    END_OF_DAY,
    NOON,
    NUM,
    Refuse,
    add_months,
    num,
    on_day,
)


class Hit(NamedTuple):
    when: datetime
    timed: bool  # the phrase named a time of day (or a span in hours/minutes)
    kind: Kind


# ---------------------------------------------------------------------------------------------
# Time of day.


def _hours(hours: range, add: int) -> dict[int, int]:
    return {h: h + add for h in hours}


_MORNING: Final = _hours(range(1, 13), 0)
_PERIOD_HOURS: Final[dict[str | None, dict[int, int]]] = {
    None: _hours(range(24), 0),
    "凌晨": _hours(range(7), 0),
    "上午": _MORNING, "早上": _MORNING, "早晨": _MORNING, "清晨": _MORNING,
    "中午": {11: 11, 12: 12, 13: 13, 1: 13},
    "下午": _hours(range(1, 12), 12),
    "傍晚": _hours(range(4, 9), 12),
    "晚上": _hours(range(5, 12), 12),
}  # fmt: skip
_PERIOD_RE: Final = re.compile("|".join(p for p in _PERIOD_HOURS if p))
_CLOCK_RE: Final = re.compile(r"(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?![0-9])")
_HOUR_RE: Final = re.compile(
    rf"(?P<h>{NUM}) ?(?:点钟|点|时)"
    rf"(?:(?P<half>半)|(?P<q>[一1三3])刻|(?P<mi>{NUM})(?P<fen>分)?|整)?"
)


def _minute(m: re.Match[str]) -> int:
    if m["half"]:
        return 30
    if m["q"]:
        return 15 if m["q"] in "一1" else 45
    tok = m["mi"]
    if tok is None:
        return 0
    if len(tok) == 2 and tok[0] in "零〇":  # 三点零五
        value, precise = CN_DIGITS.get(tok[1], 99), True
    else:
        value = num(tok)
        precise = bool(m["fen"]) or "十" in tok or (tok.isascii() and len(tok) == 2)
    if not precise or value > 59:
        raise Refuse(tok)
    return value


def _time_of_day(s: str, pos: int, period: str | None) -> tuple[time | None, str | None, int]:
    """Read [part of day][hour[minute]] at pos: (clock or None, part of day, end position)."""
    m = _PERIOD_RE.match(s, pos)
    if m:
        if period is not None:  # 今晚下午3点
            raise Refuse(m[0])
        period, pos = m[0], skip_space(s, m.end())
    clock = _CLOCK_RE.match(s, pos)
    if clock:
        hour, minute, end = int(clock["h"]), int(clock["mi"]), clock.end()
        if minute > 59:
            raise Refuse(clock[0])
    else:
        spoken = _HOUR_RE.match(s, pos)
        if spoken is None:
            return None, period, pos
        hour, minute, end = num(spoken["h"]), _minute(spoken), spoken.end()
    hour24 = _PERIOD_HOURS[period].get(hour)
    if hour24 is None:
        raise Refuse(f"{period}{hour}")
    return time(hour24, minute), period, end


def _period_alone(period: str) -> time | None:
    """A part of day with no hour: noon is a time, the evening ends the day, the rest is vague."""
    if period == "中午":
        return NOON
    if period == "晚上":
        return None
    raise Refuse(period)


# ---------------------------------------------------------------------------------------------
# The phrase grammar: [截止/于/最晚] (span | day [time] | time) [前/为止], then nothing else.

# 于, 最晚/最迟 and 到 lead a deadline as offices write it (于12月31日前, 到12月31日为止).
_LEAD_RE: Final = re.compile(
    r"(?:截止到|截止于|截至到|截至于|截止|截至|最晚于|最迟于|最晚|最迟|到|于)[: ]*"
)
_TRAIL_RE: Final = re.compile(r" ?(?:之前|以前|前|截止|截至|为止)")
_SPAN_RE: Final = re.compile(
    r"(?=[0-9零〇一二两俩三四五六七八九十半])"  # a count first: 月内 is a day phrase, not a span
    rf"(?:(?P<n>{NUM}) ?(?P<ge>个)?)?(?P<half>半)?(?P<ge2>个)? ?"
    r"(?P<unit>小时|钟头|分钟|天|日|周|星期|礼拜|月)(?P<dir>以后|之后|后|以内|之内|内)"
)
_WEEK_UNITS: Final = ("周", "星期", "礼拜")


def skip_space(s: str, pos: int) -> int:
    return pos + 1 if s.startswith(" ", pos) else pos


def _with_time(day: Day, s: str, pos: int, now: datetime) -> tuple[Hit, int, bool]:
    if day.closed:
        return Hit(on_day(day.day, END_OF_DAY, now), False, day.kind), pos, True
    clock, period, end = _time_of_day(s, pos, day.period)
    if clock is None and period is not None:
        clock = _period_alone(period)
    if clock is None:
        return Hit(on_day(day.day, END_OF_DAY, now), False, day.kind), end, False
    return Hit(on_day(day.day, clock, now), True, day.kind), end, False


def _span(m: re.Match[str], s: str, now: datetime) -> tuple[Hit, int, bool]:
    n = num(m["n"]) if m["n"] else None
    half, counted, unit = bool(m["half"]), bool(m["ge"] or m["ge2"]), m["unit"]
    today = now.date()
    if unit in ("小时", "钟头", "分钟"):
        if unit == "分钟" and (half or counted):
            raise Refuse(m[0])
        minutes = (n or 0) * (1 if unit == "分钟" else 60) + (30 if half else 0)
        if minutes == 0:
            raise Refuse(m[0])
        at = now.replace(second=0, microsecond=0) + timedelta(minutes=minutes)
        return Hit(at, True, "rel"), m.end(), True
    if unit == "月":
        if not counted or (half and n is not None):  # 3月后 reads as "after March"; 一个半月
            raise Refuse(m[0])
        day = today + timedelta(days=15) if half else add_months(today, n or 0)
    else:
        if half or (counted and unit not in _WEEK_UNITS):  # 半天, 三个天
            raise Refuse(m[0])
        day = today + timedelta(days=(n or 0) * (7 if unit in _WEEK_UNITS else 1))
    within = m["dir"].endswith("内")
    return _with_time(Day(day, "rel", closed=within), s, skip_space(s, m.end()), now)


def _core(
    s: str, pos: int, now: datetime, calendar: WorkdayCalendar | None
) -> tuple[Hit, int, bool] | None:
    span = _SPAN_RE.match(s, pos)
    if span:
        return _span(span, s, now)
    for pattern, handler in DAY_RULES:
        m = pattern.match(s, pos)
        if m:
            return _with_time(handler(m, now), s, skip_space(s, m.end()), now)
    for pattern, needs_calendar in CALENDAR_RULES:
        m = pattern.match(s, pos)
        if m:
            if calendar is None:  # callers that pass no calendar keep their old answers
                raise Refuse(m[0])
            return _with_time(needs_calendar(m, now, calendar), s, m.end(), now)
    clock, period, end = _time_of_day(s, pos, None)
    if clock is None:
        if period is None:
            return None
        clock = _period_alone(period)
    if clock is None:  # 晚上 alone
        return Hit(on_day(now.date(), END_OF_DAY, now), False, "rel"), end, False
    at = on_day(now.date(), clock, now)
    if at < now:  # a bare time of day already past means tomorrow
        at = on_day(now.date() + timedelta(days=1), clock, now)
    return Hit(at, True, "rel"), end, False


def parse_zh(s: str, now: datetime, calendar: WorkdayCalendar | None = None) -> Hit | None:
    """Parse a normalised phrase with the Chinese grammar; None unless all of it is read."""
    try:
        lead = _LEAD_RE.match(s)
        found = _core(s, lead.end() if lead else 0, now, calendar)
        if found is None:
            return None
        hit, pos, closed = found
        if not closed:
            trail = _TRAIL_RE.match(s, pos)
            pos = trail.end() if trail else pos
        return hit if pos == len(s) else None
    except (ValueError, OverflowError):  # impossible dates/hours, or beyond year 1..9999
        return None
