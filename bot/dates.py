"""Turn typed time phrases (mostly Chinese) into aware datetimes, refusing what cannot be read."""

# Decisions that callers and reviewers should know (DOMAIN.md "Time phrases" is the source):
# - Refuse, never guess: a phrase must be consumed completely and name a real date and hour,
#   otherwise the answer is None and the bot asks back. A wrong deadline in a ledger costs more
#   than one more question.
# - No time of day means the end of that day, 23:59:00.
# - An hour without a part of day is literal 24-hour time: 3点 is 03:00, not 15:00. Guessing
#   "afternoon" for small hours would be right more often and wrong silently the rest of the time.
# - Parts of day accept only hours that make sense in them: 凌晨 0-6, 上午/早上 1-12,
#   中午 11-13 and 1 (=13:00), 下午 1-11, 傍晚 4-8, 晚上/今晚 5-11. 下午15点, 晚上12点 and
#   晚上2点 are refused: each has two readings. 中午 alone is 12:00; 晚上/今晚 alone is the end
#   of that day; other parts of day without an hour are refused.
# - Minutes written without 分 need two digits or a 十 (3点05, 三点十五); 3点5 is refused.
# - Past handling is per kind of phrase: a bare time of day already past means tomorrow; a named
#   day (今天, 本周五, 15号, 周五 on a Friday) is returned even if its hour is past, because the
#   echo-back and the callers' "in the past" check catch it, while rolling on would move a deadline
#   by a week, month or year without telling anyone.
# - English goes to dateparser, but only after a strict shape check: dateparser reads "a" as a
#   date, "tomorrow 25pm" as 15:00, and "9am" on some days as a date a month back. Its result is
#   used for the day only; the hour and minute are read here.

from __future__ import annotations

import calendar
import functools
import importlib
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from types import ModuleType
from typing import Final, Literal, NamedTuple

__all__ = [
    "END_OF_DAY",
    "describe_when",
    "extract_when",
    "parse_interval",
    "parse_range",
    "parse_when",
    "warm_up",
]

END_OF_DAY: Final = time(23, 59)
_MIDNIGHT: Final = time(0, 0)
_NOON: Final = time(12, 0)

# ---------------------------------------------------------------------------------------------
# Normalisation. The width map is 1:1 per character so prefixes keep their meaning in extract_when.

_WIDTH: Final = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SPACES: Final = re.compile(r"\s+")
_TRAILING: Final = "。.! "


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", text.translate(_WIDTH)).strip().rstrip(_TRAILING)


def _is_english(s: str) -> bool:
    return s.isascii() and any(c.isalpha() for c in s)


def _check_aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def _at(day: date, clock: time, now: datetime) -> datetime:
    return datetime.combine(day, clock, tzinfo=now.tzinfo)


# ---------------------------------------------------------------------------------------------
# Chinese numerals. Four characters at most: enough for years, small enough that int() is cheap.

_NUM: Final = r"(?:[0-9]{1,4}|[零〇一二两俩三四五六七八九十]{1,4})"
_YEAR: Final = r"(?:[0-9]{4}|[〇零一二三四五六七八九]{4})"
_CN_DIGITS: Final = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3,
    "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip


class _Refuse(ValueError):
    """The text has the grammar's shape but names something impossible or ambiguous."""


def _num(tok: str) -> int:
    if tok.isascii():
        return int(tok)
    head, ten, tail = tok.partition("十")
    if not ten:
        if len(tok) != 1:  # 一二 is not a number people write outside years
            raise _Refuse(tok)
        return _CN_DIGITS[tok]
    if len(head) > 1 or len(tail) > 1 or tail == "十":
        raise _Refuse(tok)
    tens = _CN_DIGITS[head] if head else 1
    ones = _CN_DIGITS[tail] if tail else 0
    if tens == 0 or (tail and ones == 0):  # 零十, 十零
        raise _Refuse(tok)
    return tens * 10 + ones


def _year(tok: str, now: datetime) -> int:
    if tok == "今":
        return now.year
    if tok == "明":
        return now.year + 1
    return int(tok) if tok.isascii() else int("".join(str(_CN_DIGITS[c]) for c in tok))


def _add_months(day: date, months: int) -> date:
    years, month0 = divmod(day.month - 1 + months, 12)
    year = day.year + years
    last = calendar.monthrange(year, month0 + 1)[1] if 1 <= year <= 9999 else 28
    return date(year, month0 + 1, min(day.day, last))


def _month_start(now: datetime, shift: int) -> date:
    return _add_months(now.date().replace(day=1), shift)


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


# ---------------------------------------------------------------------------------------------
# Results.

# rel: counted from now (明天, 下周五); cal: the next such month-day (12月31日, 12/31) and dom:
# the next such day of a month (15号), both recounted by parse_range from the first day;
# abs: fixed by an explicit year or month.
_Kind = Literal["rel", "cal", "dom", "abs"]


class _Day(NamedTuple):
    day: date
    kind: _Kind
    period: str | None = None  # 今晚 and 明早 carry their part of day
    closed: bool = False  # N天内, 本周内: already a deadline, nothing may follow


class _Hit(NamedTuple):
    when: datetime
    timed: bool  # the phrase named a time of day (or a span in hours/minutes)
    kind: _Kind


# ---------------------------------------------------------------------------------------------
# Day phrases: each rule is a regex tried at the cursor and a handler building the day.

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str], datetime], _Day]]

_RELATIVE_DAYS: Final[dict[str, tuple[int, str | None]]] = {
    "今天": (0, None), "今日": (0, None), "明天": (1, None), "明日": (1, None),
    "后天": (2, None), "大后天": (3, None), "今晚": (0, "晚上"), "明晚": (1, "晚上"),
    "今早": (0, "上午"), "明早": (1, "上午"), "明晨": (1, "上午"),
    # Past days: callers that need a future time refuse them ("in the past"), `audit --since`
    # reads them.
    "昨天": (-1, None), "昨日": (-1, None), "前天": (-2, None),
}  # fmt: skip
_SHIFTS: Final[dict[str | None, int]] = {
    None: 0, "本": 0, "这": 0, "这个": 0, "下": 1, "下个": 1, "下下": 2, "下下个": 2,
    "上": -1, "上个": -1, "上上": -2, "上上个": -2,
}  # fmt: skip
_WEEKDAYS: Final = (
    {c: i for i, c in enumerate("一二三四五六日")} | {"天": 6} | {str(i + 1): i for i in range(7)}
)
_WITHIN: Final = r"(?P<within>之内|以内|内)"


def _relative_day(m: re.Match[str], now: datetime) -> _Day:
    offset, period = _RELATIVE_DAYS[m[0]]
    return _Day(now.date() + timedelta(days=offset), "rel", period)


def _week(m: re.Match[str], now: datetime) -> _Day:
    today = now.date()
    if m["within"]:
        if m["wk"] is None:  # 周内 names no week
            raise _Refuse(m[0])
        sunday = today + timedelta(days=6 - today.weekday() + 7 * _SHIFTS[m["wk"]])
        return _Day(sunday, "rel", closed=True)
    weekday = _WEEKDAYS[m["wd"]]
    if m["wk"] is None:  # bare 周五: the next Friday from today on, today included
        return _Day(today + timedelta(days=(weekday - today.weekday()) % 7), "rel")
    monday = today - timedelta(days=today.weekday())
    return _Day(monday + timedelta(days=7 * _SHIFTS[m["wk"]] + weekday), "rel")


def _month_last(m: re.Match[str], now: datetime) -> _Day:
    closed = bool(m["within"])
    if m["mn"] is None:
        return _Day(_month_end(_month_start(now, _SHIFTS[m["mo"]])), "rel", closed=closed)
    month, today = _num(m["mn"]), now.date()  # 12月底: the next such month, this one included
    year = today.year + (1 if month < today.month else 0)
    return _Day(_month_end(date(year, month, 1)), "cal", closed=closed)


def _year_last(m: re.Match[str], now: datetime) -> _Day:
    return _Day(date(_year(m["yr"] or "今", now), 12, 31), "abs", closed=bool(m["within"]))


def _full_date(m: re.Match[str], now: datetime) -> _Day:
    return _Day(date(_year(m["y"], now), _num(m["m"]), _num(m["d"])), "abs")


def _month_day(m: re.Match[str], now: datetime) -> _Day:
    month, dom = _num(m["m"]), _num(m["d"])
    today = now.date()
    passed = (month, dom) < (today.month, today.day)
    return _Day(date(today.year + (1 if passed else 0), month, dom), "cal")


def _day_of_month(m: re.Match[str], now: datetime) -> _Day:
    dom = _num(m["d"])
    if m["mo"] is not None:  # 本月15号 / 下月15号: the month is explicit, never rolled on
        return _Day(_month_start(now, _SHIFTS[m["mo"]]).replace(day=dom), "abs")
    # A month without that day (31号 in November) raises here: refused, not moved.
    first = _month_start(now, 1 if dom < now.day else 0)
    return _Day(first.replace(day=dom), "dom")


_DAY_RULES: Final[tuple[_Rule, ...]] = (
    (re.compile("|".join(sorted(_RELATIVE_DAYS, key=len, reverse=True))), _relative_day),
    (
        re.compile(
            r"(?P<wk>上上个?|上个?|下下个?|下个?|本|这个?)?(?:周|星期|礼拜)"
            rf"(?:(?P<wd>[一二三四五六日天1-7])|{_WITHIN})"
        ),
        _week,
    ),
    (
        re.compile(rf"(?:(?P<mo>本|这个?|下下个?|下个?)|(?P<mn>{_NUM}) ?)?月(?:底|末|{_WITHIN})"),
        _month_last,
    ),
    (re.compile(rf"(?:(?P<yr>{_YEAR}|今|明)年年?|年)(?:底|末|{_WITHIN})"), _year_last),
    (
        re.compile(
            rf"(?P<y>{_YEAR}|今|明)年 ?(?P<m>{_NUM}) ?月"
            rf" ?(?P<d>{_NUM}) ?[日号]?"
        ),
        _full_date,
    ),
    (
        re.compile(
            r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?![0-9])"
        ),
        _full_date,
    ),
    (re.compile(rf"(?P<m>{_NUM}) ?月 ?(?P<d>{_NUM}) ?[日号]?"), _month_day),
    (re.compile(r"(?P<m>[0-9]{1,2})[/-](?P<d>[0-9]{1,2})(?![0-9/.-])"), _month_day),
    (re.compile(rf"(?:(?P<mo>本|这个?|下个?)月)?(?P<d>{_NUM}) ?[日号]"), _day_of_month),
)

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
    rf"(?P<h>{_NUM}) ?(?:点钟|点|时)"
    rf"(?:(?P<half>半)|(?P<q>[一1三3])刻|(?P<mi>{_NUM})(?P<fen>分)?|整)?"
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
        value, precise = _CN_DIGITS.get(tok[1], 99), True
    else:
        value = _num(tok)
        precise = bool(m["fen"]) or "十" in tok or (tok.isascii() and len(tok) == 2)
    if not precise or value > 59:
        raise _Refuse(tok)
    return value


def _time_of_day(s: str, pos: int, period: str | None) -> tuple[time | None, str | None, int]:
    """Read [part of day][hour[minute]] at pos: (clock or None, part of day, end position)."""
    m = _PERIOD_RE.match(s, pos)
    if m:
        if period is not None:  # 今晚下午3点
            raise _Refuse(m[0])
        period, pos = m[0], _space(s, m.end())
    clock = _CLOCK_RE.match(s, pos)
    if clock:
        hour, minute, end = int(clock["h"]), int(clock["mi"]), clock.end()
        if minute > 59:
            raise _Refuse(clock[0])
    else:
        spoken = _HOUR_RE.match(s, pos)
        if spoken is None:
            return None, period, pos
        hour, minute, end = _num(spoken["h"]), _minute(spoken), spoken.end()
    hour24 = _PERIOD_HOURS[period].get(hour)
    if hour24 is None:
        raise _Refuse(f"{period}{hour}")
    return time(hour24, minute), period, end


def _period_alone(period: str) -> time | None:
    """A part of day with no hour: noon is a time, the evening ends the day, the rest is vague."""
    if period == "中午":
        return _NOON
    if period == "晚上":
        return None
    raise _Refuse(period)


# ---------------------------------------------------------------------------------------------
# The phrase grammar: [截止] (span | day [time] | time) [前], then nothing else.

_LEAD_RE: Final = re.compile(r"(?:截止到|截止于|截至到|截至于|截止|截至)[: ]*")
_TRAIL_RE: Final = re.compile(r" ?(?:之前|以前|前|截止|截至)")
_SPAN_RE: Final = re.compile(
    r"(?=[0-9零〇一二两俩三四五六七八九十半])"  # a count first: 月内 is a day phrase, not a span
    rf"(?:(?P<n>{_NUM}) ?(?P<ge>个)?)?(?P<half>半)?(?P<ge2>个)? ?"
    r"(?P<unit>小时|钟头|分钟|天|日|周|星期|礼拜|月)(?P<dir>以后|之后|后|以内|之内|内)"
)
_WEEK_UNITS: Final = ("周", "星期", "礼拜")


def _space(s: str, pos: int) -> int:
    return pos + 1 if s.startswith(" ", pos) else pos


def _with_time(day: _Day, s: str, pos: int, now: datetime) -> tuple[_Hit, int, bool]:
    if day.closed:
        return _Hit(_at(day.day, END_OF_DAY, now), False, day.kind), pos, True
    clock, period, end = _time_of_day(s, pos, day.period)
    if clock is None and period is not None:
        clock = _period_alone(period)
    if clock is None:
        return _Hit(_at(day.day, END_OF_DAY, now), False, day.kind), end, False
    return _Hit(_at(day.day, clock, now), True, day.kind), end, False


def _span(m: re.Match[str], s: str, now: datetime) -> tuple[_Hit, int, bool]:
    n = _num(m["n"]) if m["n"] else None
    half, counted, unit = bool(m["half"]), bool(m["ge"] or m["ge2"]), m["unit"]
    today = now.date()
    if unit in ("小时", "钟头", "分钟"):
        if unit == "分钟" and (half or counted):
            raise _Refuse(m[0])
        minutes = (n or 0) * (1 if unit == "分钟" else 60) + (30 if half else 0)
        if minutes == 0:
            raise _Refuse(m[0])
        at = now.replace(second=0, microsecond=0) + timedelta(minutes=minutes)
        return _Hit(at, True, "rel"), m.end(), True
    if unit == "月":
        if not counted or (half and n is not None):  # 3月后 reads as "after March"; 一个半月
            raise _Refuse(m[0])
        day = today + timedelta(days=15) if half else _add_months(today, n or 0)
    else:
        if half or (counted and unit not in _WEEK_UNITS):  # 半天, 三个天
            raise _Refuse(m[0])
        day = today + timedelta(days=(n or 0) * (7 if unit in _WEEK_UNITS else 1))
    within = m["dir"].endswith("内")
    return _with_time(_Day(day, "rel", closed=within), s, _space(s, m.end()), now)


def _core(s: str, pos: int, now: datetime) -> tuple[_Hit, int, bool] | None:
    span = _SPAN_RE.match(s, pos)
    if span:
        return _span(span, s, now)
    for pattern, handler in _DAY_RULES:
        m = pattern.match(s, pos)
        if m:
            return _with_time(handler(m, now), s, _space(s, m.end()), now)
    clock, period, end = _time_of_day(s, pos, None)
    if clock is None:
        if period is None:
            return None
        clock = _period_alone(period)
    if clock is None:  # 晚上 alone
        return _Hit(_at(now.date(), END_OF_DAY, now), False, "rel"), end, False
    at = _at(now.date(), clock, now)
    if at < now:  # a bare time of day already past means tomorrow
        at = _at(now.date() + timedelta(days=1), clock, now)
    return _Hit(at, True, "rel"), end, False


def _parse_zh(s: str, now: datetime) -> _Hit | None:
    """Parse a normalised phrase with the Chinese grammar; None unless all of it is read."""
    try:
        lead = _LEAD_RE.match(s)
        found = _core(s, lead.end() if lead else 0, now)
        if found is None:
            return None
        hit, pos, closed = found
        if not closed:
            trail = _TRAIL_RE.match(s, pos)
            pos = trail.end() if trail else pos
        return hit if pos == len(s) else None
    except (ValueError, OverflowError):  # impossible dates/hours, or beyond year 1..9999
        return None


# ---------------------------------------------------------------------------------------------
# English: a strict shape check here, day arithmetic by dateparser, hours and minutes read here.

_EN_WEEKDAY: Final = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rsday)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?)"
)
_EN_MONTH: Final = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_EN_DOM: Final = r"[0-9]{1,2}(?:st|nd|rd|th)?"
_EN_MONTH_DAY: Final = rf"(?:{_EN_MONTH} ?{_EN_DOM}|{_EN_DOM} (?:of )?{_EN_MONTH})"
_EN_DAY: Final = (
    rf"today|tomorrow|(?:next |this )?{_EN_WEEKDAY}|{_EN_MONTH_DAY}(?:,? [0-9]{{4}})?"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|in (?:[0-9]{1,3}|an?|one) (?:days?|weeks?|months?)"
)
_EN_TIME: Final = r"[0-9]{1,2}(?::[0-9]{2})? ?[ap]\.?m\.?|[0-9]{1,2}:[0-9]{2}|noon"
_EN_RE: Final = re.compile(
    r"(?:by |before |due |until |on )?"
    rf"(?:(?P<day>{_EN_DAY})(?:,? (?:at |by )?(?P<time>{_EN_TIME}))?"
    rf"|(?P<time2>{_EN_TIME})(?:,? (?:on |by )?(?P<day2>{_EN_DAY}))?"
    r"|(?P<span>in (?:[0-9]{1,4}|an?|one) (?:hours?|hrs?|minutes?|mins?)))"
)
_EN_CLOCK_RE: Final = re.compile(
    r"(?P<h>[0-9]{1,2})(?::(?P<mi>[0-9]{2}))? ?(?P<ap>[ap])\.?m\.?"
    r"|(?P<h24>[0-9]{1,2}):(?P<mi24>[0-9]{2})|(?P<noon>noon)"
)
_EN_BARE_WEEKDAY_RE: Final = re.compile(_EN_WEEKDAY)
_EN_BARE_MONTH_DAY_RE: Final = re.compile(_EN_MONTH_DAY)


@functools.cache
def _dateparser() -> ModuleType:
    # Imported on first English phrase (or by warm_up): it costs a noticeable fraction of a
    # second, and most phrases are Chinese and never need it.
    return importlib.import_module("dateparser")


def _dateparser_day(text: str, now: datetime) -> datetime | None:
    settings = {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        got = _dateparser().parse(text, languages=["en"], settings=settings)
    except Exception:  # a third-party parser fed user text: a crash must become a refusal
        return None
    if not isinstance(got, datetime):
        return None
    if got.tzinfo is not None:
        got = got.astimezone(now.tzinfo).replace(tzinfo=None)
    return got


def _en_clock(text: str) -> time | None:
    m = _EN_CLOCK_RE.fullmatch(text)
    if m is None:
        return None
    if m["noon"]:
        return _NOON
    if m["ap"]:
        hour, minute = int(m["h"]), int(m["mi"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return None
        return time(hour % 12 + (12 if m["ap"] == "p" else 0), minute)
    hour, minute = int(m["h24"]), int(m["mi24"])
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _parse_en(s: str, now: datetime) -> datetime | None:
    m = _EN_RE.fullmatch(s.lower())
    if m is None:
        return None
    if m["span"]:
        got = _dateparser_day(m["span"], now)
        if got is None:
            return None
        return _at(got.date(), got.time().replace(second=0, microsecond=0), now)
    day_text, time_text = m["day"] or m["day2"], m["time"] or m["time2"]
    clock = _en_clock(time_text) if time_text else END_OF_DAY
    if clock is None:
        return None
    today = now.date()
    if day_text is None:
        at = _at(today, clock, now)
        return at if at >= now else _at(today + timedelta(days=1), clock, now)
    got = _dateparser_day(day_text, now)
    if got is None:
        return None
    day = got.date()
    # dateparser skips today for "friday" on a Friday and "nov 28" on 28 November; the domain
    # rule is "from today on".
    if _EN_BARE_WEEKDAY_RE.fullmatch(day_text) and day - timedelta(days=7) == today:
        day = today
    same_month_day = (day.month, day.day) == (today.month, today.day)
    if _EN_BARE_MONTH_DAY_RE.fullmatch(day_text) and same_month_day:
        day = today
    return _at(day, clock, now)


# ---------------------------------------------------------------------------------------------
# Public API.


def parse_when(text: str, now: datetime) -> datetime | None:
    """Read a deadline or moment; aware in now's zone, or None if any part cannot be read.

    Days are counted in now's zone, so pass now in the users' zone (Clock.now() is UTC).
    """
    _check_aware(now)
    s = _normalise(text)
    if not s:
        return None
    if _is_english(s):
        try:
            return _parse_en(s, now)
        except (ValueError, OverflowError):
            return None
    hit = _parse_zh(s, now)
    return None if hit is None else hit.when


def warm_up() -> None:
    """Import dateparser and run one parse, so the first English phrase from a user is fast."""
    _dateparser_day("tomorrow", datetime(2026, 1, 1, tzinfo=UTC))


# Longer than any time phrase people type; bounds the work spent on pasted paragraphs.
_MAX_PHRASE: Final = 40
_AFTER_PHRASE: Final = " \t\r\n,，:：;；、"


def extract_when(text: str, now: datetime) -> tuple[datetime, str] | None:
    """Split the longest leading Chinese/ISO time phrase off text: (when, rest) or None."""
    _check_aware(now)
    src = text.strip()
    wide = src.translate(_WIDTH)
    for end in range(min(len(src), _MAX_PHRASE), 0, -1):
        if end < len(src) and wide[end - 1].isdigit() and wide[end].isdigit():
            continue  # never cut a number in two: 12/31 is not 12/3 plus "1"
        hit = _parse_zh(_normalise(src[:end]), now)
        if hit is not None:
            return hit.when, src[end:].lstrip(_AFTER_PHRASE)
    return None


_RANGE_SEP_RE: Final = re.compile(r" ?(?:至|到|~|-|—|–) ?")


def _range_at(left: str, right: str, now: datetime) -> tuple[datetime, datetime] | None:
    first = _parse_zh(left, now)
    if first is None or first.timed:  # leave is whole days
        return None
    start = _at(first.when.date(), _MIDNIGHT, now)
    last = _parse_zh(right, now)
    if last is not None and last.kind in ("cal", "dom"):
        last = _parse_zh(right, start)  # 12月3日-5日, 12月28日至1月3日: counted from the first day
    if last is None or last.timed:
        return None
    if last.kind == "dom" and last.when.month != start.month:
        return None  # 12月5日至3日 is far likelier a typo than a month of leave
    end = _at(last.when.date(), END_OF_DAY, now)
    return (start, end) if end >= start else None


def parse_range(text: str, now: datetime) -> tuple[datetime, datetime] | None:
    """Read a day range (leave): (first day 00:00, last day 23:59), or None."""
    _check_aware(now)
    s = _normalise(text)
    if len(s) > 2 * _MAX_PHRASE:
        return None
    found = {
        span
        for sep in _RANGE_SEP_RE.finditer(s)
        if (span := _range_at(s[: sep.start()], s[sep.end() :], now)) is not None
    }
    # "-" also sits inside dates; two different readings of one text is a question, not a guess.
    return found.pop() if len(found) == 1 else None


_INTERVAL_RE: Final = re.compile(
    rf"(?P<every>每)? ?(?:(?P<n>{_NUM}) ?)?(?P<ge>个)? ?(?P<unit>天|日|周|星期|礼拜|月)"
)


def parse_interval(text: str) -> timedelta | None:
    """Read a check-in period (每天, 每两周, 每月 = 30 days, 3天); None for anything else."""
    m = _INTERVAL_RE.fullmatch(_normalise(text))
    if m is None:
        return None
    every, counted, unit = bool(m["every"]), bool(m["ge"]), m["unit"]
    try:
        n = _num(m["n"]) if m["n"] else None
    except _Refuse:
        return None
    if n is None and not every:  # a bare 周 or 天 is no period
        return None
    n = 1 if n is None else n
    if n == 0:
        return None
    if unit in ("天", "日"):
        if counted or (unit == "日" and not every):  # 3日 is a day of the month
            return None
        return timedelta(days=n)
    if unit == "月":
        if not (every or counted):  # 3月 is March
            return None
        return timedelta(days=30 * n)
    return timedelta(days=7 * n)


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
