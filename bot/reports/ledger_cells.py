"""A ledger row's cells: the columns, the names shown for each value, dates in the office's zone.

The CSV takes them as text (row_values), the workbook typed (typed_cells) with a row fill.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.domain import OPEN, Level, Source, Status, Supervision, Track
from bot.reports.paper import ILLEGAL as _ILLEGAL
from bot.reports.paper import Cell, Fill
from bot.services.problem import ProblemView
from bot.services.stats import FIXED

COLUMNS: tuple[str, ...] = (
    "序号", "问题编号", "责任单位", "问题来源", "层面", "问题类别", "问题描述", "整改措施",
    "整改目标", "整改类型", "责任领导", "责任人", "整改时限", "整改状态", "整改进展",
    "完成情况(佐证)", "销号时间", "审核人", "备注",
)

STATUS_NAMES: dict[Status, str] = {
    Status.PENDING: "待整改",
    Status.IN_PROGRESS: "整改中",
    Status.AWAITING_SIGNOFF: "已整改（待销号）",
    Status.SIGNED_OFF: "已销号",
}
TRACK_NAMES: dict[Track, str] = {
    Track.IMMEDIATE: "立行立改",
    Track.DEADLINE: "限期整改",
    Track.ONGOING: "长期坚持",
}
LEVEL_NAMES: dict[Level, str] = {
    Level.LEADERSHIP: "领导班子",
    Level.TEAM_MEMBER: "班子成员",
    Level.INDIVIDUAL: "干部个人",
    Level.UNIT: "单位（科室）",
    Level.SECTOR: "行业",
}
SOURCE_NAMES: dict[Source, str] = {
    Source.SELF: "自查自纠",
    Source.PUBLIC: "群众反映",
    Source.BUSINESS: "企业投诉",
    Source.INSPECTION: "暗访监督",
    Source.SUPERVISION: "上级督导",
    Source.PATROL: "巡视巡察反馈",
    Source.AUDIT: "审计发现",
    Source.HOTLINE: "12345热线",
}
SUPERVISION_NAMES: dict[Supervision, str] = {Supervision.YELLOW: "黄牌督办",
                                             Supervision.RED: "红牌督办"}

_TIME_FORMAT = "%Y-%m-%d %H:%M"
_OVERDUE_MARK = "（已超期）"

_DUE_SOON = dt.timedelta(days=3)

# -- cell values ------------------------------------------------------------------------------


def _when(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime(_TIME_FORMAT) if value is not None else ""


def _local(value: dt.datetime | None, tz: ZoneInfo) -> dt.datetime | None:
    # Excel has no time zones: a cell holds the wall-clock time in the deployment's zone.
    return value.astimezone(tz).replace(tzinfo=None) if value is not None else None


def _measures(measures: Sequence[str]) -> str:
    return "\n".join(f"{i}. {m}" for i, m in enumerate(measures, 1))


def _ongoing(row: ProblemView) -> str | None:
    # A date, when an ongoing item has one anyway, wins: it is what overdue() judges by.
    if row.deadline is None and row.track == Track.ONGOING:
        return f"长期坚持（每{row.checkin_days}天检查）" if row.checkin_days else "长期坚持"
    return None


def _status(row: ProblemView, overdue: bool) -> str:
    name = STATUS_NAMES[row.status]
    return name + _OVERDUE_MARK if overdue else name


def _completion(row: ProblemView) -> str:
    # A completion sent back (驳回) is not one: only an item awaiting or past sign-off shows it.
    if row.status not in FIXED:
        return ""
    text = row.completion or ""
    names = "、".join(f.name for f in row.evidence_files if f.name)  # files sent as documents
    return f"{text}（佐证 {len(row.evidence)} 件{'：' + names if names else ''}）" \
        if row.evidence else text


def _reviewer(row: ProblemView) -> str:
    # Whoever rejected an item did not sign it off; the name stands only under 已销号.
    return row.reviewer_name or "" if row.status == Status.SIGNED_OFF else ""


def _remarks(row: ProblemView) -> str:
    parts = [row.remarks] if row.remarks else []
    if row.rework_count > 0:
        parts.append(f"回炉{row.rework_count}次")
    if row.supervision is not None and row.status != Status.SIGNED_OFF:
        parts.append(SUPERVISION_NAMES[row.supervision])
    return "；".join(parts)


def _texts(row: ProblemView, overdue: bool) -> list[str]:
    """The row's text cells, 问题编号 to 整改状态 and 整改进展 to 备注, with dates left out."""
    texts = [text or "" for text in (
        row.number, row.unit_name, SOURCE_NAMES[row.source],
        LEVEL_NAMES[row.level] if row.level is not None else "", row.category, row.description,
        _measures(row.measures), row.goal, TRACK_NAMES[row.track], row.leader_name,
        row.owner_name, _status(row, overdue), row.progress, _completion(row), _reviewer(row),
        _remarks(row),
    )]
    # One search over the whole row: a character to drop is rare, a regex call per cell is not.
    if _ILLEGAL.search("".join(texts)):
        texts = [_ILLEGAL.sub("", text) for text in texts]
    return texts


def _cells(row: ProblemView, index: int, tz: ZoneInfo, overdue: bool) -> list[str | int]:
    t = _texts(row, overdue)
    deadline = _ongoing(row) or _when(row.deadline, tz)
    return [index, *t[:11], deadline, t[11], t[12], t[13], _when(row.signed_off_at, tz),
            t[14], t[15]]


def typed_cells(row: ProblemView, index: int, tz: ZoneInfo, overdue: bool, warning: str,
           ) -> list[Cell]:
    t = _texts(row, overdue)
    deadline = _ongoing(row) or _local(row.deadline, tz)
    return [index, *t[:11], deadline, t[11], warning, t[12], t[13],
            _local(row.signed_off_at, tz), t[14], t[15]]


def row_fill(row: ProblemView, now: dt.datetime, overdue: bool) -> Fill:
    if overdue:
        return Fill.OVERDUE
    if row.status == Status.SIGNED_OFF:
        return Fill.SIGNED
    if row.status in OPEN and row.deadline is not None and row.deadline <= now + _DUE_SOON:
        return Fill.DUE_SOON
    return Fill.NONE


def row_values(
    row: ProblemView, index: int, *, tz: ZoneInfo, now: dt.datetime | None = None,
) -> list[str | int]:
    """One ledger row's cells in COLUMNS order as text (the CSV); with `now`, an overdue row is
    marked 已超期."""
    return _cells(row, index, tz, now is not None and row.overdue(now))
