"""Recurring times as offices write them for a round: 每周五16:00(前报进展), 每天17:00."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Final, NamedTuple

from bot.dates import extract_when, parse_when
from bot.dates.normalise import END_OF_DAY, WIDTH, check_aware

_DAILY: Final = re.compile(r"^\s*每(?:天|日|个?工作日)")
_WEEKLY: Final = re.compile(r"^\s*每(?:周|星期|礼拜)")
_DAY_NAME: Final = re.compile(r"^周(?:[一二三四五六日天]|[1-7](?!\d))")
_WEEKLY_EN: Final = re.compile(r"^\s*(?:every|each)\s+", re.IGNORECASE)
_DAILY_EN: Final = re.compile(r"^\s*(?:every\s*day|daily|every\s+working\s+day)\b",
                              re.IGNORECASE)


class Recurring(NamedTuple):
    weekday: int | None  # 0 Monday … 6 Sunday; None: every working day
    at: time  # local; END_OF_DAY when the phrase named no hour
    rest: str  # what followed the time (报进展), as typed


def parse_recurring(text: str, now: datetime) -> Recurring | None:
    """Read 每周X[time] or 每天/每个工作日[time] (every Friday 4pm, daily 17:00) with the
    one-off reader: the weekday and the hour are whatever 周X[time] / 今天[time] would be.
    None when it is not such a phrase, or any part cannot be read."""
    check_aware(now)
    src = text.translate(WIDTH).strip()
    if m := _DAILY.match(src):
        phrase, weekly = "今天" + src[m.end():], False
    elif m := _WEEKLY.match(src):
        phrase, weekly = "周" + src[m.end():], True
    elif m := _DAILY_EN.match(src):
        found = parse_when("today " + src[m.end():].strip(), now)
        return None if found is None else Recurring(None, found.time(), "")
    elif m := _WEEKLY_EN.match(src):
        found = parse_when(src[m.end():].strip(), now)
        return None if found is None else Recurring(found.weekday(), found.time(), "")
    else:
        return None
    hit = extract_when(phrase, now)
    if hit is None:
        return None
    when, rest = hit
    if weekly and not _DAY_NAME.match(phrase):
        return None  # 每周16:00 names no day: 周1 6:00 is not what was meant
    return Recurring(when.weekday() if weekly else None, when.time(), rest.strip())


__all__ = ["END_OF_DAY", "Recurring", "parse_recurring"]
