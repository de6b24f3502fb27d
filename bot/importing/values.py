"""One cell's value as the ledger stores it: deadlines, statuses, tracks, sources, measures."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.dates import WorkdayCalendar, parse_when
from bot.domain import Level, Source, Status, Track
from bot.importing.layout import text_of
from bot.importing.sheets import Cell


class CellError(Exception):
    """A cell the import cannot read; `key` names the reason in the catalogues."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Deadline:
    at: dt.datetime | None
    track: Track | None  # what the cell itself says (长期坚持, 立行立改), else None
    checkin_days: int | None = None


# Excel's day 0 (its 1900 leap-year bug included), and a sane range of serials for deadlines.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIALS = range(36526, 73051)  # 2000-01-01 … 2099-12-31
_END_OF_DAY = dt.time(23, 59)
_CHECKIN = re.compile(r"每\s*(\d{1,3})\s*天")
_OVERDUE_MARK = re.compile(r"[（(]已超期[)）]$")


def _serial(value: float) -> dt.date | None:
    return _EXCEL_EPOCH + dt.timedelta(days=int(value)) if int(value) in _SERIALS else None


def read_day(cell: Cell, now: dt.datetime) -> dt.date | None:
    """A date such as 填报日期: a date cell, a serial, or text the time-phrase reader takes."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return _serial(cell)
    text = text_of(cell)
    if not text:
        return None
    if text.isdigit():
        return _serial(int(text))
    when = parse_when(text, now)
    return when.date() if when else None


def read_deadline(
    cell: Cell, now: dt.datetime, tz: ZoneInfo, calendar: WorkdayCalendar,
) -> Deadline:
    """A 整改时限 cell: a date cell or serial (end of that day), a phrase read relative to
    `now` (the sheet's 填报日期, or the import time), 长期坚持 or 立行立改."""
    if cell is None or text_of(cell) == "":
        return Deadline(None, None)
    if isinstance(cell, dt.datetime):
        moment = cell if cell.time() != dt.time() else dt.datetime.combine(cell.date(), _END_OF_DAY)
        return Deadline(moment.replace(tzinfo=tz) if moment.tzinfo is None else moment, None)
    if isinstance(cell, dt.date):
        return Deadline(dt.datetime.combine(cell, _END_OF_DAY, tzinfo=tz), None)
    text = text_of(cell)
    if isinstance(cell, int | float) or text.isdigit():
        day = _serial(float(text))
        if day is None:
            raise CellError("ledger_import.bad_deadline", value=text)
        return Deadline(dt.datetime.combine(day, _END_OF_DAY, tzinfo=tz), None)
    if "长期" in text:
        m = _CHECKIN.search(text)
        return Deadline(None, Track.ONGOING, int(m.group(1)) if m else None)
    if text.startswith("立行立改"):
        rest = text.removeprefix("立行立改").strip(" ，,（()）")
        if rest:
            return Deadline(_phrase(rest, now, calendar), Track.IMMEDIATE)
        # As filing does: 立行立改 is due by the end of the next working day.
        day = calendar.next_workday(now.date())
        return Deadline(dt.datetime.combine(day, _END_OF_DAY, tzinfo=now.tzinfo), Track.IMMEDIATE)
    return Deadline(_phrase(text, now, calendar), None)


def _phrase(text: str, now: dt.datetime, calendar: WorkdayCalendar) -> dt.datetime:
    when = parse_when(text, now, calendar=calendar)
    if when is None:
        raise CellError("ledger_import.bad_deadline", value=text)
    return when


TRACKS = {"立行立改": Track.IMMEDIATE, "限期整改": Track.DEADLINE, "长期坚持": Track.ONGOING}


def read_track(cell: Cell) -> Track | None:
    text = text_of(cell)
    if not text:
        return None
    for word, track in TRACKS.items():
        if word in text or (word[:2] in text and len(text) <= 4):
            return track
    raise CellError("ledger_import.bad_track", value=text)


# Negative words first: 未完成 is not 完成.
_STATUS_WORDS: tuple[tuple[tuple[str, ...], Status], ...] = (
    (("待销号",), Status.AWAITING_SIGNOFF),
    (("已销号", "销号"), Status.SIGNED_OFF),
    (("未整改", "未完成", "待整改", "未开始", "尚未"), Status.PENDING),
    (("整改中", "正在", "推进中", "进行中", "持续整改", "部分完成", "未完全"), Status.IN_PROGRESS),
    (("已完成", "已整改", "整改完成", "完成", "办结", "已落实"), Status.AWAITING_SIGNOFF),
)


def read_status(cell: Cell) -> Status | None:
    """整改状态 / 完成情况 / 进展情况 as the workflow's status; None when the cell is empty."""
    text = _OVERDUE_MARK.sub("", text_of(cell)).strip()
    if not text:
        return None
    for words, status in _STATUS_WORDS:
        if any(word in text for word in words):
            return status
    raise CellError("ledger_import.bad_status", value=text)


# First match wins: 12345热线 before 群众 (a hotline sheet says 群众诉求), 巡视巡察 before 督查.
SOURCE_WORDS: tuple[tuple[str, Source], ...] = (
    ("自查", Source.SELF), ("12345", Source.HOTLINE), ("热线", Source.HOTLINE),
    ("巡视", Source.PATROL), ("巡察", Source.PATROL), ("审计", Source.AUDIT),
    ("群众", Source.PUBLIC), ("信访", Source.PUBLIC),
    ("企业", Source.BUSINESS), ("暗访", Source.INSPECTION), ("督导", Source.SUPERVISION),
    ("督查", Source.SUPERVISION), ("上级", Source.SUPERVISION),
)
# 班子成员 before 领导班子 (领导班子成员 is one member), both before 单位 and 个人.
LEVEL_WORDS = {"班子成员": Level.TEAM_MEMBER, "领导班子": Level.LEADERSHIP,
               "个人": Level.INDIVIDUAL, "科室": Level.UNIT, "单位": Level.UNIT,
               "行业": Level.SECTOR}


def read_source(cell: Cell) -> tuple[Level | None, Source | None]:
    """问题来源 as the export writes it (单位 · 自查自纠) or as offices do (群众反映)."""
    text = text_of(cell)
    if not text:
        return None, None
    level_text, _, source_text = text.rpartition("·")
    level = read_level(level_text.strip()) if level_text.strip() else None
    for word, source in SOURCE_WORDS:
        if word in source_text:
            return level, source
    raise CellError("ledger_import.bad_source", value=text)


def read_level(cell: Cell) -> Level | None:
    text = text_of(cell)
    if not text:
        return None
    for word, level in LEVEL_WORDS.items():
        if word in text:
            return level
    raise CellError("ledger_import.bad_level", value=text)


# A numbered list in one cell: 1. 1、 1） at the start of the cell or of a line or clause;
# （1） and ① anywhere.
_MARK = re.compile(
    r"(?:(?:^|(?<=[\n；;。\s]))\d{1,2}\s*[.、．)）]|[（(]\d{1,2}[)）]|[①-⑳])\s*")


def split_measures(cell: Cell) -> tuple[str, ...]:
    """整改措施 as a list: a numbered cell becomes several measures, any other cell one."""
    text = text_of(cell)
    if not text:
        return ()
    if not _MARK.match(text):
        return (text,)
    parts = [part.strip().rstrip("；;").strip() for part in _MARK.split(text)]
    return tuple(part for part in parts if part)
