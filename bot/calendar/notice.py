"""Read the State Council's annual holiday notice into dates, refusing any line not read fully."""

# The notice (国务院办公厅关于YYYY年部分节假日安排的通知) has one numbered line per holiday:
#   二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。
#   1月26日（周日）、2月8日（周六）上班。
# Each line is read sentence by sentence, and every piece of it must be understood: a weekday
# in brackets must be that date's weekday, 共N天 must be the length of the range, working days
# need 调休 and 不调休 forbids them. A line that fails any of this is refused with its text,
# never half-read: a calendar with one wrong day is worse than one the office completes by hand.

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Final

from bot.calendar.names import HOLIDAY_NAMES, canonical
from bot.config import CalendarConfig
from bot.dates.normalise import WIDTH

_YEAR_RES: Final = (
    re.compile(r"关于 ?([0-9]{4}) ?年部分节假日安排的通知"),
    re.compile(r"现将 ?([0-9]{4}) ?年"),
)
# Matched after all whitespace is removed from the line.
_LINE_RE: Final = re.compile(r"[一二三四五六七八九十]{1,2}、(?P<names>[^:]{1,20}):(?P<body>.+)")
_NOTE: Final = r"(?:\((?P<{}>[^)]*)\))?"
_DATE_RE: Final = re.compile(
    r"(?:(?P<y>[0-9]{4})年)?(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日" + _NOTE.format("note")
)
_END_RE: Final = re.compile(
    r"至(?:(?:(?P<y>[0-9]{4})年)?(?P<m>[0-9]{1,2})月)?(?P<d>[0-9]{1,2})日" + _NOTE.format("note")
)
_OFF_RE: Final = re.compile(r"放假(?P<swap>调休)?(?:(?P<days>[0-9]{1,2})天)?")
_COUNT_RE: Final = re.compile(r"共(?P<days>[0-9]{1,2})天")
_WEEKDAY_RE: Final = re.compile(r"(?:周|星期)([一二三四五六日天])")
_WEEKDAYS: Final = {c: i for i, c in enumerate("一二三四五六日")} | {"天": 6}


class _Unread(ValueError):
    """A piece of a line that is not in the notice's known wording."""


@dataclass(frozen=True)
class Festival:
    """One numbered line: the holidays it names, its days off and its swapped working days."""

    names: tuple[str, ...]
    first: dt.date
    last: dt.date
    workdays: tuple[dt.date, ...]


@dataclass(frozen=True)
class NoticeResult:
    year: int
    festivals: tuple[Festival, ...]
    refused: tuple[str, ...] = ()  # holiday lines not read fully, as written
    notes: tuple[str, ...] = field(default=())  # advice without dates (鼓励…安排职工在除夕休息)

    @property
    def days_off(self) -> tuple[dt.date, ...]:
        days = {
            f.first + dt.timedelta(days=i)
            for f in self.festivals
            for i in range((f.last - f.first).days + 1)
        }
        return tuple(sorted(days))

    @property
    def holidays(self) -> tuple[dt.date, ...]:
        """Days off that would otherwise be working days (Monday to Friday)."""
        return tuple(d for d in self.days_off if d.weekday() < 5)

    @property
    def workdays(self) -> tuple[dt.date, ...]:
        return tuple(sorted({d for f in self.festivals for d in f.workdays}))

    @property
    def missing(self) -> tuple[str, ...]:
        named = {n for f in self.festivals for n in f.names}
        return tuple(n for n in HOLIDAY_NAMES if n not in named)

    @property
    def complete(self) -> bool:
        """Every line read and all seven holidays found: the year can be marked known."""
        return not self.refused and not self.missing


def _year_of(text: str) -> int | None:
    for pattern in _YEAR_RES:
        m = pattern.search(text)
        if m:
            return int(m[1])
    return None


def _check_note(note: str | None, day: dt.date) -> None:
    for part in (note or "").split("、"):
        part = part.strip()
        weekday = _WEEKDAY_RE.fullmatch(part)
        if weekday:
            if _WEEKDAYS[weekday[1]] != day.weekday():
                raise _Unread(f"{day} is not {part}")
        elif part and not part.startswith("农历"):
            raise _Unread(part)


def _date(m: re.Match[str], year: int, like: dt.date | None = None) -> dt.date:
    y = int(m["y"]) if m["y"] else (like.year if like else year)
    month = int(m["m"]) if m["m"] else (like.month if like else 0)
    try:
        day = dt.date(y, month, int(m["d"]))
    except ValueError as exc:
        raise _Unread(m[0]) from exc
    _check_note(m["note"], day)
    return day


def _days_off(sentence: str, year: int) -> tuple[dt.date, dt.date, bool, bool]:
    """Read '1月1日（周四）至3日（周六）放假调休，共3天': first, last, 调休, 不调休."""
    start = _DATE_RE.match(sentence)
    if start is None:
        raise _Unread(sentence)
    first = last = _date(start, year)
    pos = start.end()
    end = _END_RE.match(sentence, pos)
    if end:
        last, pos = _date(end, year, like=first), end.end()
    if last < first:
        raise _Unread(sentence)
    off = _OFF_RE.match(sentence, pos)
    if off is None:
        raise _Unread(sentence)
    counts = [int(off["days"])] if off["days"] else []
    no_swap = False
    for part in filter(None, sentence[off.end() :].split(",")):
        count = _COUNT_RE.fullmatch(part)
        if count:
            counts.append(int(count["days"]))
        elif part == "不调休":
            no_swap = True
        elif part != "与周末连休":
            raise _Unread(part)
    if any(n != (last - first).days + 1 for n in counts):
        raise _Unread(f"{sentence}: the count does not match the dates")
    return first, last, bool(off["swap"]), no_swap


def _workdays(sentence: str, year: int) -> list[dt.date]:
    """Read '1月26日（周日）、2月8日（周六）上班'."""
    body = sentence.removesuffix("上班")
    days = []
    for part in body.split("、"):
        m = _DATE_RE.fullmatch(part)
        if m is None:
            raise _Unread(part)
        day = _date(m, year)
        if day.weekday() < 5:  # a weekday is worked anyway; the line means something else
            raise _Unread(part)
        days.append(day)
    return days


def _festival(names: str, body: str, year: int) -> tuple[Festival, list[str]]:
    try:
        holidays = tuple(canonical(n.strip()) for n in names.split("、"))
    except ValueError as exc:
        raise _Unread(names) from exc
    sentences = [s.strip() for s in body.split("。") if s.strip()]
    if not sentences:
        raise _Unread(body)
    first, last, swap, no_swap = _days_off(sentences[0], year)
    workdays: list[dt.date] = []
    notes = []
    for sentence in sentences[1:]:
        if sentence.endswith("上班") and not workdays:
            workdays = _workdays(sentence, year)
        elif sentence.startswith("鼓励"):  # advice to employers, no change to the calendar
            notes.append(sentence)
        else:
            raise _Unread(sentence)
    # 放假调休 may come without a working day (元旦 2023 only moved a weekend's holiday to Monday),
    # but working days need 调休, and 不调休 rules them out.
    if workdays and (not swap or no_swap):
        raise _Unread(f"{body}: 调休 and the working days disagree")
    if any(first <= d <= last for d in workdays):
        raise _Unread(f"{body}: a working day inside the days off")
    return Festival(holidays, first, last, tuple(workdays)), notes


def parse_notice(text: str, *, year: int | None = None) -> NoticeResult:
    """Read the notice's text; the year comes from its title unless given. ValueError: no year."""
    wide = text.translate(WIDTH)
    year = year or _year_of(re.sub(r"\s+", "", wide))
    if year is None:
        raise ValueError("no year: the notice's title (关于YYYY年部分节假日安排的通知) is missing")
    festivals, refused, notes = [], [], []
    for raw, line in zip(text.splitlines(), wide.splitlines(), strict=True):
        m = _LINE_RE.fullmatch(re.sub(r"\s+", "", line))
        if m is None:
            continue  # the greeting, the preamble, the closing words: no dates in them
        try:
            festival, advice = _festival(m["names"], m["body"], year)
        except _Unread:
            refused.append(raw.strip())
            continue
        festivals.append(festival)
        notes += advice
    return NoticeResult(year, tuple(festivals), tuple(refused), tuple(notes))


def _flow(key: str, days: list[dt.date]) -> list[str]:
    """A YAML flow list of dates, wrapped to stay readable."""
    items = [d.isoformat() for d in days]
    lines, line = [], f"  {key}: ["
    for i, item in enumerate(items):
        piece = item + (", " if i < len(items) - 1 else "")
        if len(line) + len(piece) > 96:
            lines.append(line.rstrip())
            line = "    "
        line += piece
    lines.append(line + "]")
    return lines


def render_calendar(result: NoticeResult, existing: CalendarConfig | None = None) -> str:
    """The calendar: block to paste into the config, merged with the existing one.

    A notice read whole replaces that year's entries and adds the year to complete_years; one
    read in part only replaces the dates it names, and lists what it could not read as comments
    for the office to enter by hand.
    """
    existing = existing or CalendarConfig()
    touched = set(result.days_off) | set(result.workdays)

    def kept(days: tuple[dt.date, ...]) -> set[dt.date]:
        if result.complete:
            return {d for d in days if d not in touched and d.year != result.year}
        return {d for d in days if d not in touched}

    holidays = sorted(kept(existing.holidays) | set(result.holidays))
    workdays = sorted(kept(existing.workdays) | set(result.workdays))
    years = set(existing.complete_years) - {result.year}
    lines = ["calendar:", f"  # 国务院办公厅关于{result.year}年部分节假日安排的通知"]
    if result.complete:
        years.add(result.year)
    else:
        lines.append(f"  # 未读全，{result.year}年不列入 complete_years；请核对原文手工补充：")
        lines += [f"  #   {line}" for line in result.refused]
        lines += [f"  #   缺少：{name}" for name in result.missing]
    lines += _flow("holidays", holidays) + _flow("workdays", workdays)
    lines.append(f"  complete_years: [{', '.join(str(y) for y in sorted(years))}]")
    return "\n".join(lines) + "\n"
