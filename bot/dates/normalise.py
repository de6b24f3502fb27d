"""Text normalisation, Chinese numerals and month arithmetic shared by the readers."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time
from typing import Final

END_OF_DAY: Final = time(23, 59)
MIDNIGHT: Final = time(0, 0)
NOON: Final = time(12, 0)

# ---------------------------------------------------------------------------------------------
# Normalisation. The width map is 1:1 per character so prefixes keep their meaning in extract_when.

WIDTH: Final = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SPACES: Final = re.compile(r"\s+")
_TRAILING: Final = "。.! "


def normalise(text: str) -> str:
    return _SPACES.sub(" ", text.translate(WIDTH)).strip().rstrip(_TRAILING)


def is_english(s: str) -> bool:
    return s.isascii() and any(c.isalpha() for c in s)


def check_aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def on_day(day: date, clock: time, now: datetime) -> datetime:
    return datetime.combine(day, clock, tzinfo=now.tzinfo)


# ---------------------------------------------------------------------------------------------
# Chinese numerals. Four characters at most: enough for years, small enough that int() is cheap.

NUM: Final = r"(?:[0-9]{1,4}|[零〇一二两俩三四五六七八九十]{1,4})"
YEAR: Final = r"(?:[0-9]{4}|[〇零一二三四五六七八九]{4})"
CN_DIGITS: Final = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3,
    "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip


class Refuse(ValueError):
    """The text has the grammar's shape but names something impossible or ambiguous."""


def num(tok: str) -> int:
    if tok.isascii():
        return int(tok)
    head, ten, tail = tok.partition("十")
    if not ten:
        if len(tok) != 1:  # 一二 is not a number people write outside years
            raise Refuse(tok)
        return CN_DIGITS[tok]
    if len(head) > 1 or len(tail) > 1 or tail == "十":
        raise Refuse(tok)
    tens = CN_DIGITS[head] if head else 1
    ones = CN_DIGITS[tail] if tail else 0
    if tens == 0 or (tail and ones == 0):  # 零十, 十零
        raise Refuse(tok)
    return tens * 10 + ones


def year_of(tok: str, now: datetime) -> int:
    if tok == "今":
        return now.year
    if tok == "明":
        return now.year + 1
    return int(tok) if tok.isascii() else int("".join(str(CN_DIGITS[c]) for c in tok))


def add_months(day: date, months: int) -> date:
    years, month0 = divmod(day.month - 1 + months, 12)
    year = day.year + years
    last = calendar.monthrange(year, month0 + 1)[1] if 1 <= year <= 9999 else 28
    return date(year, month0 + 1, min(day.day, last))


def month_start(now: datetime, shift: int) -> date:
    return add_months(now.date().replace(day=1), shift)


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])
