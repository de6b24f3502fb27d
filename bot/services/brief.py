"""The 工作简报's figures: the digest's, plus overdue ages and what falls due next period."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select

from bot.domain import OPEN
from bot.errors import DomainError
from bot.services.digest import TREND_WEEKS, DigestService, Ranked, rank
from bot.services.stats import TrendPoint, UnitStats, trend
from storage.ledger import Problem

PERIOD = dt.timedelta(days=7)
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Outlook:
    """Aggregates only: how long open items have been overdue, and how many fall due soon."""

    overdue_week: int  # at most 7 days past the deadline
    overdue_month: int  # 8 to 30 days
    overdue_longer: int  # more than 30 days
    due_next: int  # deadline within the next period (7 days)

    @property
    def overdue(self) -> int:
        return self.overdue_week + self.overdue_month + self.overdue_longer


@dataclass(frozen=True)
class BriefFigures:
    """Everything one 简报 prints; `units` and `ranked` only for the city's."""

    at: dt.datetime | None  # the period's end (None: now), as the digest reads it
    issue: int  # 第N期 within the campaign
    year: int
    week: int
    stats: UnitStats  # the unit's, or the city's totals
    outlook: Outlook
    units: tuple[UnitStats, ...] = ()
    ranked: tuple[Ranked, ...] = ()
    trend: tuple[TrendPoint, ...] = ()

    @property
    def city(self) -> bool:
        return self.stats.unit_id == 0


def week_end(service: DigestService, week: str) -> dt.datetime | None:
    """The end of ISO week `2026-W49` (Monday 00:00 after it, local); None if it is not over."""
    found = _WEEK.match(week.strip())
    if found is None:
        raise DomainError("brief.bad_week", week=week[:20])
    try:
        monday = dt.date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise DomainError("brief.bad_week", week=week[:20]) from None
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0), tzinfo=service.tz)
    return None if end >= service.clock.now() else end


def _last_day(service: DigestService, at: dt.datetime | None) -> dt.date:
    # A period's end `at` is the first instant after it: its last day is the day before.
    moment = at - dt.timedelta(microseconds=1) if at is not None else service.clock.now()
    return moment.astimezone(service.tz).date()


def issue_number(service: DigestService, at: dt.datetime | None) -> int:
    """第N期: the ISO weeks since the one the campaign started in, that week being 第1期."""
    day = _last_day(service, at)
    phases = service.campaign.phases
    if not phases:
        return 1
    start = phases[0].start
    monday = day - dt.timedelta(days=day.weekday())
    first = start - dt.timedelta(days=start.weekday())
    return max(1, (monday - first).days // 7 + 1)


def outlook(service: DigestService, unit_id: int | None) -> Outlook:
    """Overdue open items by how long past due, and those due in the next period; no names."""
    now = service.clock.now()
    deadline = Problem.deadline
    week, month = now - dt.timedelta(days=7), now - dt.timedelta(days=30)

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = select(
        count((deadline < now) & (deadline >= week)),
        count((deadline < week) & (deadline >= month)),
        count(deadline < month),
        count((deadline >= now) & (deadline < now + PERIOD)),
    ).where(Problem.status.in_(OPEN), deadline.is_not(None))
    if unit_id is not None:
        query = query.where(Problem.unit_id == unit_id)
    with service.db.read() as conn:
        row = conn.execute(query).one()
    return Outlook(*(int(v) for v in row))


def city_totals(units: Sequence[UnitStats]) -> UnitStats:
    """The city as one UnitStats (unit_id 0), summed as the digest's city headline sums it."""
    total = UnitStats(0, "", "")
    for s in units:
        for status, n in s.status.items():
            total.status[status] += n
        for track, n in s.track.items():
            total.track[track] += n
        for i, n in enumerate(s.buckets):
            total.buckets[i] += n
        total.filed_week += s.filed_week
        total.fixed_week += s.fixed_week
        total.signed_week += s.signed_week
    return total


def figures(service: DigestService, *, unit_id: int | None,
            at: dt.datetime | None = None) -> BriefFigures:
    """The 简报's figures for a unit (or the city, unit_id None) for the period ending `at`."""
    year, week, _ = _last_day(service, at).isocalendar()
    issue = issue_number(service, at)
    if unit_id is not None:
        stats = service.unit_stats(unit_id, at)
        return BriefFigures(at, issue, year, week, stats, outlook(service, unit_id))
    units = service.city_stats(at)
    return BriefFigures(at, issue, year, week, city_totals(units), outlook(service, None),
                        units=tuple(units), ranked=tuple(rank(units)),
                        trend=tuple(service.city_trend(at)))


def weekly_trend(service: DigestService, at: dt.datetime | None = None,
                 weeks: int = TREND_WEEKS) -> list[TrendPoint]:
    """The city by ISO week (Monday to Sunday, local), the last week up to `at` (or now);
    no week that ended before the campaign started."""
    end = at or service.clock.now()
    tz = service.tz
    last = (end - dt.timedelta(microseconds=1)).astimezone(tz).date()
    monday = last - dt.timedelta(days=last.weekday())
    ends = [dt.datetime.combine(monday - dt.timedelta(weeks=k), dt.time(0), tzinfo=tz)
            for k in range(weeks - 2, -1, -1)] + [end]
    phases = service.campaign.phases
    if phases:
        opened = dt.datetime.combine(phases[0].start, dt.time(0), tzinfo=tz)
        ends = [e for e in ends if e > opened]
    with service.db.read() as conn:
        return trend(conn, ends)
