"""Digest statistics, aggregated in SQL: counts by status and track, time left, week, discipline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, case, distinct, func, literal, select

from bot.domain import (
    LADDER_EVENTS,
    OPEN,
    Answer,
    Colour,
    EventKind,
    LeaveState,
    MeetingState,
    Status,
    Supervision,
    Track,
)

# The city's weekly trend lives beside the figures; these names are where callers import them.
from bot.services.trend import TrendPoint as TrendPoint
from bot.services.trend import trend as trend
from storage.cases import satisfaction_query
from storage.dates import whole_days
from storage.leave import LeaveRequest
from storage.ledger import Problem, ProblemEvent
from storage.meetings import Attendee, Meeting
from storage.models import Unit
from storage.rounds import tally_query
from storage.types import UTCDateTime

FIXED = (Status.AWAITING_SIGNOFF, Status.SIGNED_OFF)
# Time left on open items with a deadline: 已超期 · ≤10天 · ≤20天 · >20天.
BUCKET_DAYS = (10, 20)


def rate_text(fixed: int, total: int) -> str:
    """整改率 with one decimal, rounded half up as offices do by hand; "—" with no problems."""
    if total == 0:
        return "—"
    tenths = (fixed * 1000 + total // 2) // total
    return f"{tenths // 10}.{tenths % 10}%"


@dataclass
class UnitStats:
    """One unit's figures for a digest; names of people are never part of it."""

    unit_id: int
    code: str
    name: str
    status: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))
    track: dict[Track, int] = field(default_factory=lambda: dict.fromkeys(Track, 0))
    # overdue, ≤10 days, ≤20 days, >20 days (open items with a deadline)
    buckets: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    filed_week: int = 0
    fixed_week: int = 0
    signed_week: int = 0
    meetings: int = 0
    invited: int = 0
    attended: int = 0
    declined: int = 0
    leaves_ended: int = 0
    leaves_late: int = 0
    # Open items by the colour the ladder last recorded, and items under a 督办 mark.
    colours: dict[Colour, int] = field(default_factory=lambda: dict.fromkeys(Colour, 0))
    marks: dict[Supervision, int] = field(default_factory=lambda: dict.fromkeys(Supervision, 0))
    # What the unit scores (考核) are made of: 回炉 times, days overdue of open items, and items
    # with a deadline, of which fixed by it or not yet due.
    rework: int = 0
    overdue_days: int = 0
    with_deadline: int = 0
    on_time: int = 0
    # 进展报送 reports never made (未报送), and the public's ratings of its items (满意率).
    missed_rounds: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def total(self) -> int:
        return sum(self.status.values())

    @property
    def fixed(self) -> int:
        return sum(self.status[s] for s in FIXED)

    @property
    def signed(self) -> int:
        return self.status[Status.SIGNED_OFF]

    @property
    def overdue(self) -> int:
        return self.buckets[0]

    @property
    def unanswered(self) -> int:
        return self.invited - self.attended - self.declined

    @property
    def rate(self) -> str:
        return rate_text(self.fixed, self.total)

    def rate_key(self) -> tuple[int, int, int]:
        """Sort key for ranking: 整改率 first (no problems last), then fewer overdue, more fixed."""
        if self.total == 0:
            return (1, 0, 0)
        # Exact comparison of fixed/total without floats: scaled to a common precision.
        return (0, -(self.fixed * 1_000_000 // self.total), self.overdue)


@dataclass(frozen=True)
class Window:
    """What a digest looks at: totals as of `now`, the week as [since, until)."""

    now: dt.datetime
    since: dt.datetime
    until: dt.datetime
    tz: ZoneInfo

    @property
    def first_day(self) -> dt.date:
        return self.since.astimezone(self.tz).date()

    @property
    def last_day(self) -> dt.date:
        return (self.until.astimezone(self.tz) - dt.timedelta(microseconds=1)).date()


def _where_units(column: Any, unit_ids: Sequence[int] | None) -> list[ColumnElement[bool]]:
    return [] if unit_ids is None else [column.in_(list(unit_ids))]


def collect(conn: Connection, window: Window, unit_ids: Sequence[int] | None = None, *,
            supervision: bool = True) -> list[UnitStats]:
    """Every requested unit's figures (all units when None), in unit code order; without
    `supervision`, no colour counts, 督办 marks or score components (the web's overview, which
    shows none of them, and ranks by 整改率 alone as the digest does)."""
    units: dict[int, UnitStats] = {}
    query = select(Unit.id, Unit.code, Unit.name).order_by(Unit.code)
    for uid, code, name in conn.execute(query.where(*_where_units(Unit.id, unit_ids))):
        units[uid] = UnitStats(uid, code, name)
    if not units:
        return []
    _counts(conn, units, unit_ids, window.now, supervision)
    _week(conn, units, unit_ids, window)
    _meetings(conn, units, unit_ids, window)
    _leave(conn, units, unit_ids, window)
    if supervision:
        _alerts(conn, units, unit_ids)
        _scoring(conn, units, unit_ids, window.now)
    return list(units.values())


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _counts(conn: Connection, units: dict[int, UnitStats], unit_ids: Sequence[int] | None,
            now: dt.datetime, supervision: bool) -> None:
    """What one pass over the items gives: counts by status and track, open items by time
    left and, with `supervision`, 回炉 times, items with a deadline or not yet due, 督办 marks."""
    is_open = Problem.status.in_(OPEN)
    columns = [func.count(), *(_count_if(and_(is_open, c)) for c in time_left(now))]
    if supervision:
        not_signed = Problem.status != Status.SIGNED_OFF
        columns += [func.sum(Problem.rework_count), func.count(Problem.deadline),
                    _count_if(and_(is_open, Problem.deadline >= now)),
                    *(_count_if(and_(Problem.supervision == mark, not_signed))
                      for mark in Supervision)]
    query = (select(Problem.unit_id, Problem.status, Problem.track, *columns)
             .where(*_where_units(Problem.unit_id, unit_ids))
             .group_by(Problem.unit_id, Problem.status, Problem.track))
    for uid, status, track, n, *sums in conn.execute(query):
        stats = units.get(uid)
        if stats is None:
            continue
        stats.status[Status(status)] += n
        stats.track[Track(track)] += n
        figures = [int(v or 0) for v in sums]
        for i in range(len(BUCKET_DAYS) + 2):
            stats.buckets[i] += figures[i]
        if supervision:
            rework, dated, not_due, *marks = figures[len(BUCKET_DAYS) + 2:]
            stats.rework += rework
            stats.with_deadline += dated
            stats.on_time += not_due
            for mark, marked in zip(Supervision, marks, strict=True):
                stats.marks[mark] += marked


def time_left(now: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    """The four time-left buckets as conditions on open items with a deadline; the web's
    lists filter by the same conditions, so a bucket's count equals the list it opens."""
    near, far = (now + dt.timedelta(days=d) for d in BUCKET_DAYS)
    deadline = Problem.deadline
    return (deadline < now, and_(deadline >= now, deadline <= near),
            and_(deadline > near, deadline <= far), deadline > far)


def _items(unit_ids: Sequence[int] | None, *where: ColumnElement[bool]) -> Any:
    """The ids of the requested units' items that match `where`, to narrow an event query: a
    unit's digest reads only its own items' history, through the index led by the item."""
    return select(Problem.id).where(*where, *_where_units(Problem.unit_id, unit_ids))


def _week(conn: Connection, units: dict[int, UnitStats], unit_ids: Sequence[int] | None,
          window: Window) -> None:
    kinds = (EventKind.FILED, EventKind.DONE, EventKind.APPROVED)
    # 新整改 and 新销号 count what still stands at the week's end: a 完成 or 销号 that a 驳回 or
    # 复号 followed before then is no 整改 of the week, as it is none in 已整改. (A 驳回 after a
    # 销号 comes only after a 复号 and a new 完成.)
    later = ProblemEvent.__table__.alias("later")
    standing = (ProblemEvent.kind == EventKind.FILED) | ~select(later.c.id).where(
        later.c.problem_id == ProblemEvent.problem_id, later.c.id > ProblemEvent.id,
        later.c.at < window.until,
        later.c.kind.in_((EventKind.REJECTED, EventKind.REOPENED))).exists()
    query = (select(Problem.unit_id, ProblemEvent.kind, func.count(distinct(Problem.id)))
             .join(Problem, Problem.id == ProblemEvent.problem_id)
             .where(ProblemEvent.kind.in_(kinds), ProblemEvent.at >= window.since,
                    ProblemEvent.at < window.until, *_where_units(Problem.unit_id, unit_ids),
                    # A unit's week: its own items' events, not the whole city's week.
                    *([] if unit_ids is None else [ProblemEvent.problem_id.in_(_items(unit_ids))]))
             .group_by(Problem.unit_id, ProblemEvent.kind))
    query = query.where(standing)
    for uid, kind, n in conn.execute(query):
        stats = units.get(uid)
        if stats is None:
            continue
        if kind == EventKind.FILED:
            stats.filed_week = n
        elif kind == EventKind.DONE:
            stats.fixed_week = n
        else:
            stats.signed_week = n


def _meetings(conn: Connection, units: dict[int, UnitStats], unit_ids: Sequence[int] | None,
              window: Window) -> None:
    held = and_(Meeting.state == MeetingState.SCHEDULED, Meeting.starts_at >= window.since,
                Meeting.starts_at < window.until, *_where_units(Meeting.unit_id, unit_ids))
    for uid, n in conn.execute(select(Meeting.unit_id, func.count()).where(held)
                               .group_by(Meeting.unit_id)):
        if uid in units:
            units[uid].meetings = n
    query = (select(Meeting.unit_id, Attendee.answer, func.count())
             .join(Meeting, Meeting.id == Attendee.meeting_id).where(held)
             .group_by(Meeting.unit_id, Attendee.answer))
    for uid, answer, n in conn.execute(query):
        stats = units.get(uid)
        if stats is None:
            continue
        stats.invited += n
        if answer == Answer.ATTEND:
            stats.attended += n
        elif answer == Answer.DECLINE:
            stats.declined += n


def _leave(conn: Connection, units: dict[int, UnitStats], unit_ids: Sequence[int] | None,
           window: Window) -> None:
    """Leave that ended in the week, and how much of it was not reported back by its last day."""
    query = (select(LeaveRequest.unit_id, LeaveRequest.last_day, LeaveRequest.returned_at)
             .where(LeaveRequest.state == LeaveState.APPROVED,
                    LeaveRequest.last_day >= window.first_day,
                    LeaveRequest.last_day <= window.last_day,
                    *_where_units(LeaveRequest.unit_id, unit_ids)))
    # Few rows (a week's leave); the "by the end of the last local day" test needs the zone.
    for uid, last_day, returned_at in conn.execute(query):
        stats = units.get(uid)
        if stats is None:
            continue
        stats.leaves_ended += 1
        if returned_at is None or returned_at.astimezone(window.tz).date() > last_day:
            stats.leaves_late += 1


_COLOUR_OF = {kind: colour for colour, kind in LADDER_EVENTS.items()}


def _alerts(conn: Connection, units: dict[int, UnitStats],
            unit_ids: Sequence[int] | None) -> None:
    """Open items by their last recorded colour (the 督办 marks come with the counts)."""
    # Each item's newest ladder event, for all of them in one grouped pass: city-wide from the
    # ladder's events (far fewer than items), for some units from their open items'.
    mine = [] if unit_ids is None else [
        ProblemEvent.problem_id.in_(_items(unit_ids, Problem.status.in_(OPEN)))]
    newest = (select(func.max(ProblemEvent.id).label("id"))
              .where(ProblemEvent.kind.in_(list(_COLOUR_OF)), *mine)
              .group_by(ProblemEvent.problem_id).subquery())
    query = (select(Problem.unit_id, ProblemEvent.kind, func.count())
             .join_from(newest, ProblemEvent, ProblemEvent.id == newest.c.id)
             .join(Problem, Problem.id == ProblemEvent.problem_id)
             .where(Problem.status.in_(OPEN), *_where_units(Problem.unit_id, unit_ids))
             .group_by(Problem.unit_id, ProblemEvent.kind))
    for uid, kind, n in conn.execute(query):
        colour = _COLOUR_OF.get(kind)
        if uid in units and colour is not None:
            units[uid].colours[colour] += n


def _scoring(conn: Connection, units: dict[int, UnitStats], unit_ids: Sequence[int] | None,
             now: dt.datetime) -> None:
    """Fixed items whose last 完成 came by their deadline (on time, as are open items not yet
    due, counted with the counts); days overdue, summed from the overdue deadlines."""
    # Each fixed item's last 完成 through the (problem_id, kind, at) index, one seek an item,
    # walking the items in unit order: no grouped subquery to sort, no sort for the count.
    done = (select(func.max(ProblemEvent.at)).where(ProblemEvent.problem_id == Problem.id,
                                                    ProblemEvent.kind == EventKind.DONE)
            .correlate(Problem).scalar_subquery())
    in_time = (select(Problem.unit_id, func.count())
               .where(Problem.status.in_(FIXED), Problem.deadline.is_not(None),
                      done <= Problem.deadline, *_where_units(Problem.unit_id, unit_ids))
               .group_by(Problem.unit_id))
    for uid, n in conn.execute(in_time):
        if uid in units:
            units[uid].on_time += n
    # An overdue item counts its whole days past the deadline, the day it fell due as the
    # first: `(now - deadline).days + 1`, summed by the database.
    now_ = literal(now, UTCDateTime())
    overdue = (select(Problem.unit_id, func.sum(whole_days(now_, Problem.deadline) + 1))
               .where(Problem.status.in_(OPEN), Problem.deadline < now,
                      *_where_units(Problem.unit_id, unit_ids))
               .group_by(Problem.unit_id))
    for uid, days in conn.execute(overdue):
        if uid in units:
            units[uid].overdue_days += int(days or 0)
    for uid, *_made, missing in conn.execute(tally_query(now, unit_ids)):
        if uid in units:
            units[uid].missed_rounds += int(missing or 0)
    for uid, rated, satisfied in conn.execute(satisfaction_query(unit_ids)):
        if uid in units:
            units[uid].rated, units[uid].satisfied = int(rated), int(satisfied or 0)


_SUMMED = ("filed_week", "fixed_week", "signed_week", "rework", "missed_rounds", "rated",
           "satisfied")


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
        for name in _SUMMED:
            setattr(total, name, getattr(total, name) + getattr(s, name))
        for colour, n in s.colours.items():
            total.colours[colour] += n
        for mark, n in s.marks.items():
            total.marks[mark] += n
    return total
