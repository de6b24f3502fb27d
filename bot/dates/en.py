"""English phrases: a strict shape check here, day arithmetic by dateparser, hours read here."""

from __future__ import annotations

import functools
import importlib
import re
from datetime import datetime, time, timedelta
from types import ModuleType
from typing import Final

from bot.dates.normalise import END_OF_DAY, NOON, on_day

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


def dateparser_day(text: str, now: datetime) -> datetime | None:
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
        return NOON
    if m["ap"]:
        hour, minute = int(m["h"]), int(m["mi"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return None
        return time(hour % 12 + (12 if m["ap"] == "p" else 0), minute)
    hour, minute = int(m["h24"]), int(m["mi24"])
    return time(hour, minute) if hour < 24 and minute < 60 else None


def parse_en(s: str, now: datetime) -> datetime | None:
    m = _EN_RE.fullmatch(s.lower())
    if m is None:
        return None
    if m["span"]:
        got = dateparser_day(m["span"], now)
        if got is None:
            return None
        return on_day(got.date(), got.time().replace(second=0, microsecond=0), now)
    day_text, time_text = m["day"] or m["day2"], m["time"] or m["time2"]
    clock = _en_clock(time_text) if time_text else END_OF_DAY
    if clock is None:
        return None
    today = now.date()
    if day_text is None:
        at = on_day(today, clock, now)
        return at if at >= now else on_day(today + timedelta(days=1), clock, now)
    got = dateparser_day(day_text, now)
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
    return on_day(day, clock, now)
