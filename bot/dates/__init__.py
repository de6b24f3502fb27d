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
# - Deadlines as offices write them: 于/最晚/最迟/到 before and 为止 after a day are read as
#   前 is; a year may stand before a month part (2027年1月底前, 明年1月下旬). 上旬/中旬/下旬
#   end on the 10th, the 20th and the month's last day; a bare month part already over this
#   year means next year's (as a month-day does), 本月/下月 ones are never moved. 旬 needs its
#   month: 上旬 alone and 下下旬 are refused.
# - Working days and holidays (N个工作日内, 春节前, 国庆节后, 节后) need the calendar passed
#   in; without one they are refused. festivals.py has their rules and refusals.
# - English goes to dateparser, but only after a strict shape check: dateparser reads "a" as a
#   date, "tomorrow 25pm" as 15:00, and "9am" on some days as a date a month back. Its result is
#   used for the day only; the hour and minute are read here.
# - A month-day without a year (12月31日) is the next such day. Callers that read the past too
#   (补假: sick leave asked after the fact) pass prefer="past": a month-day whose next such day
#   is more than half a year ahead is then last time's, the recent past, which is nearer.

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from bot.dates.describe import describe_when
from bot.dates.en import dateparser_day, parse_en
from bot.dates.festivals import WorkdayCalendar
from bot.dates.normalise import (
    END_OF_DAY,
    MIDNIGHT,
    NUM,
    WIDTH,
    Refuse,
    check_aware,
    is_english,
    normalise,
    num,
    on_day,
)
from bot.dates.zh import Hit, parse_zh
from bot.errors import DomainError

Prefer = Literal["future", "past"]
# With prefer="past", a month-day read further ahead than this is taken a year back.
_HALF_YEAR: Final = timedelta(days=183)


def _year_back(when: datetime) -> datetime:
    try:
        return when.replace(year=when.year - 1)
    except ValueError:  # 29 February
        return when.replace(year=when.year - 1, day=28)


def _lean(hit: Hit | None, now: datetime, prefer: Prefer) -> Hit | None:
    """Read a year-less month-day as the recent past when asked to and that is nearer."""
    if hit is None or prefer != "past" or hit.kind != "cal" or hit.when - now <= _HALF_YEAR:
        return hit
    return hit._replace(when=_year_back(hit.when))

__all__ = [
    "END_OF_DAY",
    "Prefer",
    "WorkdayCalendar",
    "describe_when",
    "extract_when",
    "future_when",
    "parse_interval",
    "parse_range",
    "parse_when",
    "warm_up",
]


def parse_when(
    text: str, now: datetime, *, calendar: WorkdayCalendar | None = None,
    prefer: Prefer = "future",
) -> datetime | None:
    """Read a deadline or moment; aware in now's zone, or None if any part cannot be read.

    Days are counted in now's zone, so pass now in the users' zone (Clock.now() is UTC).
    Phrases that need the working-day calendar (3个工作日内, 春节前, 节后) are refused unless
    `calendar` is given. prefer="past" reads a month-day just gone as this time's (see above).
    """
    check_aware(now)
    s = normalise(text)
    if not s:
        return None
    if is_english(s):
        try:
            return parse_en(s, now)
        except (ValueError, OverflowError):
            return None
    hit = _lean(parse_zh(s, now, calendar), now, prefer)
    return None if hit is None else hit.when


def future_when(text: str, now: datetime, *, calendar: WorkdayCalendar | None, lang: str,
                ) -> datetime:
    """A deadline that must lie ahead of now (in the users' zone): read as parse_when reads
    it, or refused with what the person can fix (unreadable, or already past, and when)."""
    when = parse_when(text, now, calendar=calendar)
    if when is None:
        raise DomainError("deadline.unreadable")
    if when <= now:
        raise DomainError("deadline.past_with", when=describe_when(when, lang))
    return when


def warm_up() -> None:
    """Import dateparser and run one parse, so the first English phrase from a user is fast."""
    dateparser_day("tomorrow", datetime(2026, 1, 1, tzinfo=UTC))


# Longer than any time phrase people type; bounds the work spent on pasted paragraphs.
_MAX_PHRASE: Final = 40
_AFTER_PHRASE: Final = " \t\r\n,，:：;；、"


def extract_when(
    text: str, now: datetime, *, calendar: WorkdayCalendar | None = None
) -> tuple[datetime, str] | None:
    """Split the longest leading Chinese/ISO time phrase off text: (when, rest) or None."""
    check_aware(now)
    src = text.strip()
    wide = src.translate(WIDTH)
    for end in range(min(len(src), _MAX_PHRASE), 0, -1):
        if end < len(src) and wide[end - 1].isdigit() and wide[end].isdigit():
            continue  # never cut a number in two: 12/31 is not 12/3 plus "1"
        hit = parse_zh(normalise(src[:end]), now, calendar)
        if hit is not None:
            return hit.when, src[end:].lstrip(_AFTER_PHRASE)
    return None


_RANGE_SEP_RE: Final = re.compile(r" ?(?:至|到|~|-|—|–) ?")


def _range_at(left: str, right: str, now: datetime,
              prefer: Prefer) -> tuple[datetime, datetime] | None:
    first = _lean(parse_zh(left, now), now, prefer)
    if first is None or first.timed:  # leave is whole days
        return None
    start = on_day(first.when.date(), MIDNIGHT, now)
    last = parse_zh(right, now)
    if last is not None and last.kind in ("cal", "dom"):
        last = parse_zh(right, start)  # 12月3日-5日, 12月28日至1月3日: counted from the first day
    if last is None or last.timed:
        return None
    if last.kind == "dom" and last.when.month != start.month:
        return None  # 12月5日至3日 is far likelier a typo than a month of leave
    end = on_day(last.when.date(), END_OF_DAY, now)
    return (start, end) if end >= start else None


def parse_range(text: str, now: datetime,
                prefer: Prefer = "future") -> tuple[datetime, datetime] | None:
    """Read a day range (leave): (first day 00:00, last day 23:59), or None.

    The last day, when a month-day, is counted from the first, so prefer="past" (see above)
    moves a range that began in the recent past as a whole (12月28日至1月3日 in January)."""
    check_aware(now)
    s = normalise(text)
    if len(s) > 2 * _MAX_PHRASE:
        return None
    found = {
        span
        for sep in _RANGE_SEP_RE.finditer(s)
        if (span := _range_at(s[: sep.start()], s[sep.end() :], now, prefer)) is not None
    }
    # "-" also sits inside dates; two different readings of one text is a question, not a guess.
    return found.pop() if len(found) == 1 else None


_INTERVAL_RE: Final = re.compile(
    rf"(?P<every>每)? ?(?:(?P<n>{NUM}) ?)?(?P<ge>个)? ?(?P<unit>天|日|周|星期|礼拜|月)"
)


def parse_interval(text: str) -> timedelta | None:
    """Read a check-in period (每天, 每两周, 每月 = 30 days, 3天); None for anything else."""
    m = _INTERVAL_RE.fullmatch(normalise(text))
    if m is None:
        return None
    every, counted, unit = bool(m["every"]), bool(m["ge"]), m["unit"]
    try:
        n = num(m["n"]) if m["n"] else None
    except Refuse:
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
