"""Reading the ledger: an item with its history, pages of items, the unit's people, all rows."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import fields

from sqlalchemy import Connection, Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import OPEN, Role, Status, problem_number
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.services.membership import Identity
from bot.services.problem import (
    EventView,
    Page,
    Person,
    ProblemView,
    event_deadline,
    evidence_files,
    view,
)
from storage.db import Database
from storage.ledger import Problem, WithdrawnProblem, deadline_key, deadline_page
from storage.models import Member, Unit, User

_RANK = {Role.LEADER: 0, Role.LIAISON: 1, Role.MEMBER: 2, Role.OFFICE: 3, Role.INSPECTOR: 4}
_ROLE_RANK = case(_RANK, value=Member.role)

_PEOPLE = (
    select(Member.user_id, User.display_name, Member.role)
    .join(User, User.id == Member.user_id).where(Member.unit_id == bindparam("unit"))
)


_UNIT_SIZE = select(func.count()).select_from(Member).where(Member.unit_id == bindparam("unit"))
# See LedgerReads.unit_people: how many people make a unit large, how long its short list lasts.
LARGE_UNIT = 500
PEOPLE_FRESH = dt.timedelta(seconds=30)


# The fields of a ledger row, every one a column of the problem or of its unit (_rows).
_VIEW_FIELDS = frozenset(f.name for f in fields(ProblemView))


@functools.cache
def _people_query(by_role: bool, limited: bool, excluding: bool) -> Select[int, str, Role]:
    """Build each shape of the people query once: it runs on two steps of every filing."""
    query = _PEOPLE.order_by(_ROLE_RANK, User.display_name, Member.user_id)
    if by_role:
        query = query.where(Member.role == bindparam("role"))
    if excluding:
        query = query.where(Member.user_id != bindparam("exclude"))
    if limited:
        query = query.limit(bindparam("limit"))
    return query


# A number as people type it: EDU-1, edu-0001, EDU-01 (the unit code, a dash, the sequence).
_NUMBER = re.compile(r"([A-Z0-9_]+)\s*-\s*0*(\d{1,9})")


class LedgerReads:
    """The read side of the ledger; LedgerService adds the changes."""

    def __init__(self, db: Database, clock: Clock, *, page_size: int = 8) -> None:
        self.db = db
        self.clock = clock
        self.page_size = page_size
        self._people: dict[tuple[int, Role | None, int], tuple[dt.datetime, list[Person]]] = {}

    def peek(self, problem_id: int) -> ProblemView | None:
        """Read an item without a permission check: for the system's own reminders."""
        with self.db.reading() as s:
            problem = s.get(Problem, problem_id)
            return view(problem) if problem else None

    def get(self, problem_id: int, *, by: Identity) -> tuple[ProblemView, list[EventView]]:
        """Return an item and its full history, if `by` may see it."""
        with self.db.reading() as s:
            problem = self._visible(s, problem_id, by)
            history = [
                EventView(e.at, e.actor_name, e.kind, e.from_status, e.to_status, e.note,
                          e.attachment, event_deadline(e.details), e.details)
                for e in problem.events
            ]
            return view(problem), history

    def find_id(self, key: str, *, by: Identity) -> int:
        """Resolve an item number to an id `by` may see: EDU-0001, edu-1, or 1 (the first of
        the person's own unit; else the id)."""
        key = key.strip().upper()
        if (written := _NUMBER.fullmatch(key)) is not None:
            key = problem_number(written[1], int(written[2]))
        # Digits: ASCII only (int() also takes "²" and "١") and small enough for an integer.
        digits = key.isascii() and key.isdigit() and len(key) <= 18
        with self.db.reading() as s:
            found = s.scalar(select(Problem.id).where(Problem.number == key))
            if found is None and digits and by.unit is not None and len(key) <= 9:
                own = problem_number(by.unit.code.upper(), int(key))
                found = s.scalar(select(Problem.id).where(Problem.number == own))
            if found is None:
                self._withdrawn(s, key, by)
            if found is None and digits:
                found = int(key)
            if found is None:
                raise DomainError("item.unknown")
            return self._visible(s, found, by).id

    @staticmethod
    def _withdrawn(s: Session, number: str, by: Identity) -> None:
        """Say so when the number is of an item withdrawn (撤回) that `by` could have seen."""
        row = s.execute(select(WithdrawnProblem.withdrawn_name, WithdrawnProblem.unit_id)
                        .where(WithdrawnProblem.number == number)).first()
        if row is not None and (can(by.role, Action.VIEW_ALL_UNITS) or (
                by.unit is not None and by.unit.id == row[1])):
            raise DomainError("item.withdrawn", number=number, who=row[0])

    def filed_between(self, unit_id: int, start: dt.datetime, end: dt.datetime,
                      ) -> list[ProblemView]:
        """A unit's items filed in [start, end), in the order they were filed."""
        with self.db.reading() as s:
            rows = s.scalars(select(Problem).where(
                Problem.unit_id == unit_id, Problem.created_at >= start,
                Problem.created_at < end).order_by(Problem.id).limit(500))
            return [view(p) for p in rows]

    def browse(
        self, *, by: Identity, scope: str, status: Status | None = None, overdue: bool = False,
        page: int = 1, after: int | None = None, before: int | None = None, last: bool = False,
        unit_id: int | None = None,
    ) -> Page:
        """List items: scope "mine" (owned or filed by me), "unit" (`unit_id`, another unit's
        for the office only; else one's own), or "all" (office only).

        Pages by keyset: the first page, the one `after` an item (the previous page's last),
        the one `before` an item (the next page's first) or the `last`; `page` is the number
        the caller counted to, shown as is and corrected at either end.
        """
        query = select(Problem)
        if scope == "mine":
            query = query.where(
                (Problem.owner_user_id == by.user_id) | (Problem.created_by == by.user_id))
        elif scope == "unit" and unit_id is not None and can(by.role, Action.VIEW_ALL_UNITS):
            query = query.where(Problem.unit_id == unit_id)
        elif scope == "unit":
            if by.unit is None or not can(by.role, Action.VIEW_UNIT_LEDGER) or \
                    unit_id not in (None, by.unit.id):
                raise DomainError("ledger.denied")
            query = query.where(Problem.unit_id == by.unit.id)
        elif scope == "all":
            if not can(by.role, Action.VIEW_ALL_UNITS):
                raise DomainError("ledger.denied")
        else:
            raise ValueError(scope)
        if status is not None:
            query = query.where(Problem.status == status)
        if overdue:
            query = query.where(Problem.status.in_(OPEN), Problem.deadline < self.clock.now())
        size = self.page_size
        with self.db.reading() as s:
            named = None
            if unit_id is not None and scope == "unit":
                found = s.get(Unit, unit_id) if 0 < unit_id < 2**31 else None
                if found is None:
                    raise DomainError("button.stale")
                named = found.name
            total = s.scalar(query.with_only_columns(func.count(), maintain_column_froms=True)) or 0
            pages = max(1, -(-total // size))
            backward = last or before is not None
            mark = after if after is not None else before
            cursor = deadline_key(s, mark) if mark is not None else None
            rows = deadline_page(s, query, size + 1, cursor=cursor, backward=backward)
            if backward:
                more_before, more_after = len(rows) > size, not last and bool(rows)
                rows = rows[-size:]
            else:
                more_before, more_after = cursor is not None, len(rows) > size
                rows = rows[:size]
            if not rows and total and not last:  # the cursor fell off an end: show the last
                return self.browse(by=by, scope=scope, status=status, overdue=overdue, last=True,
                                   unit_id=unit_id)
            page = 1 if not more_before else pages if not more_after else min(max(2, page),
                                                                               pages - 1)
            return Page(tuple(view(p) for p in rows), total, page, pages,
                        after=rows[-1].id if more_after else None,
                        before=rows[0].id if more_before else None, unit_name=named)

    def unit_people(
        self, unit_id: int, *, role: Role | None = None, limit: int | None = None,
        exclude: int | None = None,
    ) -> list[Person]:
        """List a unit's members, leaders first, for picking a leader or an owner.

        A short list (`limit`) of a unit of LARGE_UNIT people or more is read once per
        PEOPLE_FRESH and shared by everyone filing meanwhile: its first names by role and name
        are a sort of all its people, ten thousand in a city office, at every filing's question.
        """
        if limit is None:
            return self._unit_people(unit_id, role, limit, exclude)
        key = (unit_id, role, limit)
        now = self.clock.now()
        cached = self._people.get(key)
        if cached is None or not now - PEOPLE_FRESH <= cached[0] <= now:
            # One more than asked, so that leaving out `exclude` still leaves `limit`.
            people = self._unit_people(unit_id, role, limit + 1, None)
            cached = (now, people)
            if len(people) > limit and self._size(unit_id) >= LARGE_UNIT:
                self._people[key] = cached
        return [p for p in cached[1] if p.user_id != exclude][:limit]

    def _unit_people(self, unit_id: int, role: Role | None, limit: int | None,
                     exclude: int | None) -> list[Person]:
        params = {"unit": unit_id, "role": role, "limit": limit, "exclude": exclude}
        with self.db.read() as conn:
            rows = conn.execute(_people_query(role is not None, limit is not None,
                                              exclude is not None), params).all()
        people = [Person(uid, name, role) for uid, name, role in rows]
        # The database's collation may order names differently; show them one way everywhere.
        return sorted(people, key=lambda p: (_RANK[p.role], p.name))

    def _size(self, unit_id: int) -> int:
        with self.db.read() as conn:
            return int(conn.execute(_UNIT_SIZE, {"unit": unit_id}).scalar_one())

    def unit_person(self, unit_id: int, user_id: int) -> Person | None:
        """Find one member of a unit (a button's choice, checked again when pressed)."""
        with self.db.read() as conn:
            row = conn.execute(_PEOPLE.where(Member.user_id == user_id),
                               {"unit": unit_id}).first()
        return Person(row[0], row[1], row[2]) if row else None

    def named_member(self, unit_id: int, name: str) -> Person | None:
        """The one member of a unit with this name as typed, to link a typed 责任人 to; None
        when nobody or several people have it."""
        with self.db.read() as conn:
            rows = conn.execute(_PEOPLE.where(User.display_name == name.strip()).limit(2),
                                {"unit": unit_id}).all()
        return Person(rows[0][0], rows[0][1], rows[0][2]) if len(rows) == 1 else None

    # -- every row, for exports and reports ---------------------------------------------------

    def count(self, *, unit_id: int | None = None) -> int:
        query = select(func.count()).select_from(Problem)
        if unit_id is not None:
            query = query.where(Problem.unit_id == unit_id)
        with self.db.read() as conn:
            return conn.execute(query).scalar_one()

    def unit_sizes(self) -> list[tuple[int, str, str, int]]:
        """(id, code, name, rows) of every unit with rows, in the order iter_rows gives them."""
        query = (select(Unit.id, Unit.code, Unit.name, func.count())
                 .join(Problem, Problem.unit_id == Unit.id)
                 .group_by(Unit.id, Unit.code, Unit.name).order_by(Unit.code))
        with self.db.read() as conn:
            return [(i, code, name, n) for i, code, name, n in conn.execute(query)]

    def rows(self, *, unit_id: int | None = None) -> list[ProblemView]:
        """Every ledger row of one unit, or of all units, in unit then number order."""
        return list(self.iter_rows(unit_id=unit_id))

    def iter_rows(self, *, unit_id: int | None = None, batch: int = 2000,
                  conn: Connection | None = None) -> Iterator[ProblemView]:
        """Stream ledger rows without building ORM objects: exports of 100k rows stay cheap.

        With `conn`, read inside the caller's transaction."""
        if conn is not None:
            yield from self._rows(conn, unit_id, batch)
            return
        with self.db.read() as own:
            yield from self._rows(own, unit_id, batch)

    @staticmethod
    def _rows(conn: Connection, unit_id: int | None, batch: int) -> Iterator[ProblemView]:
        # Only the view's columns: a column read and dropped costs its decoding on every row.
        columns = [c for c in Problem.__table__.c if c.name in _VIEW_FIELDS]
        query = (select(*columns, Unit.code.label("unit_code"), Unit.name.label("unit_name"))
                 .join(Unit, Unit.id == Problem.unit_id).order_by(Unit.code, Problem.seq))
        if unit_id is not None:
            query = query.where(Problem.unit_id == unit_id)
        names = [*(c.name for c in columns), "unit_code", "unit_name"]
        if _VIEW_FIELDS.difference(names):
            raise AssertionError(f"no column for {sorted(_VIEW_FIELDS.difference(names))}")
        new, files = object.__new__, evidence_files
        # On the statement: Connection.execution_options would change the caller's connection.
        for row in conn.execute(query.execution_options(yield_per=batch)):
            values = dict(zip(names, row, strict=True))
            values["measures"] = tuple(values["measures"] or ())
            values["evidence_files"] = files(values["evidence_files"], values["evidence"])
            values["evidence"] = tuple(values["evidence"] or ())
            # Every field is here, as ProblemView(**values) would set it, without a frozen
            # dataclass's object.__setattr__ per field (a third of an export's own time).
            item = new(ProblemView)
            item.__dict__.update(values)
            yield item

    # -- who may see what ---------------------------------------------------------------------

    @staticmethod
    def _load(s: Session, problem_id: int) -> Problem:
        problem = s.get(Problem, problem_id)
        if problem is None:
            raise DomainError("item.unknown")
        return problem

    def _visible(self, s: Session, problem_id: int, by: Identity) -> Problem:
        problem = self._load(s, problem_id)
        same_unit = by.unit is not None and by.unit.id == problem.unit_id
        if not (same_unit or can(by.role, Action.VIEW_ALL_UNITS)):
            # Same answer as for a missing item: ids of other units' problems are not revealed.
            raise DomainError("item.unknown")
        return problem
