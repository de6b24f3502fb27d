"""The private digest note: overdue items with their owners, and who has filed nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, exists, func, select

from bot.domain import OPEN, Role
from storage.ledger import Problem
from storage.models import Member, Unit, User

PRIVATE_ITEMS = 30


@dataclass(frozen=True)
class OverdueItem:
    number: str
    owner: str
    what: str
    days: int  # days past the deadline, at least 1


@dataclass(frozen=True)
class PrivateNote:
    """What only a unit's leaders and liaisons see: overdue owners and who filed nothing."""

    unit_name: str
    overdue: tuple[OverdueItem, ...]  # the oldest PRIVATE_ITEMS
    overdue_total: int
    silent: tuple[str, ...]
    since: dt.date

    @property
    def empty(self) -> bool:
        return not self.overdue and not self.silent


# Built once with bind parameters: one unit's note (/stats) runs these three.
_UNIT_NAME = select(Unit.name).where(Unit.id == bindparam("unit"))
_OVERDUE = (
    select(Problem.number, Problem.owner_name, Problem.description, Problem.deadline,
           func.count().over())
    .where(Problem.unit_id == bindparam("unit"), Problem.status.in_(OPEN),
           Problem.deadline < bindparam("now", type_=Problem.deadline.type))
    .order_by(Problem.deadline, Problem.id)
    .limit(PRIVATE_ITEMS)
)
_FILED_SINCE = exists().where(
    Problem.created_by == Member.user_id, Problem.unit_id == Member.unit_id,
    Problem.created_at >= bindparam("since", type_=Problem.created_at.type))
_SILENT = (
    select(Member.unit_id, User.display_name).select_from(Member)
    .join(User, User.id == Member.user_id)
    .where(Member.role != Role.OFFICE, ~_FILED_SINCE)
)
_NON_FILERS = _SILENT.where(Member.unit_id == bindparam("unit")).order_by(
    Member.role, User.display_name)
# Every unit's at once (the weekly digests): the first PRIVATE_ITEMS of each, each row
# carrying its unit's total, and every unit's non-filers in the same order as one unit's.
_ranked = (
    select(Problem.unit_id, Problem.number, Problem.owner_name, Problem.description,
           Problem.deadline, func.count().over(partition_by=Problem.unit_id).label("total"),
           func.row_number().over(partition_by=Problem.unit_id,
                                  order_by=(Problem.deadline, Problem.id)).label("place"))
    .where(Problem.status.in_(OPEN),
           Problem.deadline < bindparam("now", type_=Problem.deadline.type))
    .subquery())
_EVERY_OVERDUE = (
    select(_ranked.c.unit_id, _ranked.c.number, _ranked.c.owner_name, _ranked.c.description,
           _ranked.c.deadline, _ranked.c.total)
    .where(_ranked.c.place <= PRIVATE_ITEMS).order_by(_ranked.c.unit_id, _ranked.c.place))
_EVERY_SILENT = _SILENT.order_by(Member.unit_id, Member.role, User.display_name)


def _note(name: str, rows: Sequence[Sequence[Any]], silent: list[str], since: dt.date,
          today: dt.date, tz: ZoneInfo) -> PrivateNote:
    # The queries ask for deadline < now: every row has one.
    overdue = tuple(
        OverdueItem(number, owner, what, max(1, (today - deadline.astimezone(tz).date()).days))
        for number, owner, what, deadline, _ in rows if deadline is not None)
    return PrivateNote(name, overdue, rows[0][4] if rows else 0, tuple(silent), since)


def one_note(conn: Connection, unit_id: int, now: dt.datetime, tz: ZoneInfo,
             filing_since: dt.datetime | None, since_day: dt.date) -> PrivateNote:
    """One unit's note; non-filers only with `filing_since` (the phase's first moment)."""
    name = conn.execute(_UNIT_NAME, {"unit": unit_id}).scalar_one()
    rows = conn.execute(_OVERDUE, {"unit": unit_id, "now": now}).all()
    silent = ([] if filing_since is None else [str(name) for _, name in conn.execute(
        _NON_FILERS, {"unit": unit_id, "since": filing_since})])
    return _note(name, rows, silent, since_day, now.astimezone(tz).date(), tz)


def every_note(conn: Connection, now: dt.datetime, tz: ZoneInfo,
               filing_since: dt.datetime | None, since_day: dt.date) -> dict[int, PrivateNote]:
    """Every unit's note, by unit id, in three queries whatever the number of units."""
    names: dict[int, str] = {uid: name for uid, name in conn.execute(select(Unit.id, Unit.name))}
    rows: dict[int, list[Sequence[Any]]] = {}
    for unit_id, *row in conn.execute(_EVERY_OVERDUE, {"now": now}):
        rows.setdefault(unit_id, []).append(row)
    silent: dict[int, list[str]] = {}
    if filing_since is not None:
        for unit_id, name in conn.execute(_EVERY_SILENT, {"since": filing_since}):
            silent.setdefault(unit_id, []).append(str(name))
    today = now.astimezone(tz).date()
    return {unit_id: _note(name, rows.get(unit_id, []), silent.get(unit_id, []), since_day,
                           today, tz) for unit_id, name in names.items()}
