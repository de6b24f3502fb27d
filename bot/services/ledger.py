"""The unit ledger: filing problems, progress, completion, sign-off and rework, with history."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, Select, bindparam, case, func, insert, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import OPEN, EventKind, Level, Role, Source, Status, Track
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.services.membership import Identity
from storage.db import Database
from storage.ledger import Problem, ProblemEvent
from storage.models import Member, Unit, User


@dataclass(frozen=True)
class Draft:
    """Everything filing collects before the confirm button; JSON-safe for the dialog table."""

    category: str | None = None
    level: str | None = None
    source: str | None = None
    description: str | None = None
    measures: tuple[str, ...] = ()
    goal: str | None = None
    track: str | None = None
    leader_name: str | None = None
    leader_user_id: int | None = None
    owner_name: str | None = None
    owner_user_id: int | None = None
    deadline: str | None = None  # ISO 8601, aware
    checkin_days: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["measures"] = list(self.measures)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["measures"] = tuple(values.get("measures") or ())
        return cls(**values)

    @property
    def deadline_at(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.deadline) if self.deadline else None

    def missing(self) -> list[str]:
        """Name the fields still needed before the draft can be saved, in asking order."""
        need = ["category", "source", "description", "measures", "track", "owner_name"]
        gaps = [name for name in need if not getattr(self, name)]
        if self.track in (Track.DEADLINE, Track.IMMEDIATE) and not self.deadline:
            gaps.append("deadline")
        if self.track == Track.ONGOING and not self.checkin_days:
            gaps.append("checkin_days")
        return gaps


@dataclass(frozen=True)
class EventView:
    at: dt.datetime
    actor_name: str
    kind: EventKind
    from_status: Status | None
    to_status: Status | None
    note: str | None
    attachment: str | None


@dataclass(frozen=True)
class ProblemView:
    id: int
    number: str
    unit_id: int
    unit_code: str
    unit_name: str
    level: Level | None
    source: Source
    category: str
    description: str
    measures: tuple[str, ...]
    goal: str | None
    track: Track
    leader_name: str | None
    leader_user_id: int | None
    owner_name: str
    owner_user_id: int | None
    deadline: dt.datetime | None
    checkin_days: int | None
    status: Status
    progress: str | None
    completion: str | None
    evidence: tuple[str, ...]
    rework_count: int
    signed_off_at: dt.datetime | None
    reviewer_name: str | None
    remarks: str | None
    created_by: int
    created_at: dt.datetime
    updated_at: dt.datetime

    def overdue(self, now: dt.datetime) -> bool:
        return self.status in OPEN and self.deadline is not None and self.deadline < now


@dataclass(frozen=True)
class Page:
    items: tuple[ProblemView, ...]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    role: Role


@dataclass(frozen=True)
class DoneReport:
    problem: ProblemView
    reviewers: tuple[int, ...]


_RANK = {Role.LEADER: 0, Role.LIAISON: 1, Role.MEMBER: 2, Role.OFFICE: 3}
_ROLE_RANK = case(_RANK, value=Member.role)


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


_NEXT_SEQ = select(func.coalesce(func.max(Problem.seq), 0) + 1).where(
    Problem.unit_id == bindparam("unit"))
_INSERT_PROBLEM = insert(Problem).returning(Problem.id)
_INSERT_EVENT = insert(ProblemEvent)

_PEOPLE = (
    select(Member.user_id, User.display_name, Member.role)
    .join(User, User.id == Member.user_id).where(Member.unit_id == bindparam("unit"))
)


def view(p: Problem) -> ProblemView:
    return ProblemView(
        id=p.id, number=p.number, unit_id=p.unit_id, unit_code=p.unit.code,
        unit_name=p.unit.name, level=p.level, source=p.source, category=p.category,
        description=p.description, measures=tuple(p.measures), goal=p.goal, track=p.track,
        leader_name=p.leader_name, leader_user_id=p.leader_user_id, owner_name=p.owner_name,
        owner_user_id=p.owner_user_id, deadline=p.deadline, checkin_days=p.checkin_days,
        status=p.status, progress=p.progress, completion=p.completion,
        evidence=tuple(p.evidence or ()), rework_count=p.rework_count,
        signed_off_at=p.signed_off_at, reviewer_name=p.reviewer_name, remarks=p.remarks,
        created_by=p.created_by, created_at=p.created_at, updated_at=p.updated_at,
    )


# Called inside the transaction of every change that can alter an item's reminders.
Replanner = Callable[[Connection, "ProblemView"], object]


class LedgerService:
    def __init__(
        self, db: Database, clock: Clock, *, page_size: int = 8, replan: Replanner | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.page_size = page_size
        self.replan = replan

    def _replanned(self, s: Session, problem: Problem) -> ProblemView:
        s.flush()
        current = view(problem)
        if self.replan is not None:
            self.replan(s.connection(), current)
        return current

    def peek(self, problem_id: int) -> ProblemView | None:
        """Read an item without a permission check: for the system's own reminders."""
        with self.db.uow() as s:
            problem = s.get(Problem, problem_id)
            return view(problem) if problem else None

    # -- filing ------------------------------------------------------------------------------

    def file(self, draft: Draft, *, by: Identity, by_name: str) -> ProblemView:
        """Save a confirmed draft as a new ledger row of the filer's unit."""
        if by.unit is None or not can(by.role, Action.FILE):
            raise DomainError("file.no_unit")
        gaps = draft.missing()
        if gaps:
            raise DomainError("file.incomplete", fields=", ".join(gaps))
        assert draft.source is not None and draft.track is not None
        now = self.clock.now()
        deadline = draft.deadline_at
        if deadline is not None and deadline <= now:
            raise DomainError("deadline.past")
        unit = by.unit
        values: dict[str, Any] = {
            "unit_id": unit.id, "level": Level(draft.level) if draft.level else None,
            "source": Source(draft.source), "category": draft.category,
            "description": draft.description, "measures": list(draft.measures),
            "goal": draft.goal, "track": Track(draft.track), "leader_name": draft.leader_name,
            "leader_user_id": draft.leader_user_id, "owner_name": draft.owner_name,
            "owner_user_id": draft.owner_user_id, "deadline": deadline,
            "checkin_days": draft.checkin_days if draft.track == Track.ONGOING else None,
            "status": Status.PENDING, "progress": None, "completion": None, "evidence": [],
            "tags": [], "rework_count": 0, "signed_off_at": None, "reviewer_name": None,
            "remarks": None, "created_by": by.user_id, "created_at": now, "updated_at": now,
        }
        # Core statements, not the ORM: filing is the hottest write, and a new row needs no
        # identity map. The unique (unit, seq) index still guards the numbering.
        with self.db.write() as conn:
            seq = conn.execute(_NEXT_SEQ, {"unit": unit.id}).scalar_one()
            values.update(seq=seq, number=f"{unit.code}-{seq:04d}")
            problem_id = conn.execute(_INSERT_PROBLEM, values).scalar_one()
            conn.execute(_INSERT_EVENT, {
                "problem_id": problem_id, "at": now, "actor_id": by.user_id,
                "actor_name": by_name[:200], "kind": EventKind.FILED, "from_status": None,
                "to_status": Status.PENDING, "note": None, "attachment": None, "details": None,
            })
            values.pop("tags")
            values.pop("seq")
            current = ProblemView(
                id=problem_id, unit_code=unit.code, unit_name=unit.name,
                **{**values, "measures": tuple(draft.measures), "evidence": ()},
            )
            if self.replan is not None:
                self.replan(conn, current)
            return current

    # -- reading -----------------------------------------------------------------------------

    def get(self, problem_id: int, *, by: Identity) -> tuple[ProblemView, list[EventView]]:
        """Return an item and its full history, if `by` may see it."""
        with self.db.uow() as s:
            problem = self._visible(s, problem_id, by)
            history = [
                EventView(e.at, e.actor_name, e.kind, e.from_status, e.to_status, e.note,
                          e.attachment)
                for e in problem.events
            ]
            return view(problem), history

    def find_id(self, key: str, *, by: Identity) -> int:
        """Resolve an item number (EDU-0001) or id to an id `by` may see."""
        key = key.strip().upper()
        with self.db.uow() as s:
            found = s.scalar(select(Problem.id).where(Problem.number == key))
            # An id typed as digits: ASCII only (int() also takes "²" and "١") and small enough
            # for the database's integer.
            if found is None and key.isascii() and key.isdigit() and len(key) <= 18:
                found = int(key)
            if found is None:
                raise DomainError("item.unknown")
            return self._visible(s, found, by).id

    def browse(
        self, *, by: Identity, scope: str, status: Status | None = None, overdue: bool = False,
        page: int = 1,
    ) -> Page:
        """List items: scope "mine" (owned or filed by me), "unit", or "all" (office only)."""
        query = select(Problem)
        if scope == "mine":
            query = query.where(
                (Problem.owner_user_id == by.user_id) | (Problem.created_by == by.user_id))
        elif scope == "unit":
            if by.unit is None or not can(by.role, Action.VIEW_UNIT_LEDGER):
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
        with self.db.uow() as s:
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            pages = max(1, -(-total // self.page_size))
            page = min(max(1, page), pages)
            rows = s.scalars(
                query.order_by(Problem.deadline.is_(None), Problem.deadline, Problem.id)
                .offset((page - 1) * self.page_size).limit(self.page_size)
            )
            return Page(tuple(view(p) for p in rows), total, page, pages)

    def unit_people(
        self, unit_id: int, *, role: Role | None = None, limit: int | None = None,
        exclude: int | None = None,
    ) -> list[Person]:
        """List a unit's members, leaders first, for picking a leader or an owner."""
        params = {"unit": unit_id, "role": role, "limit": limit, "exclude": exclude}
        with self.db.read() as conn:
            rows = conn.execute(_people_query(role is not None, limit is not None,
                                              exclude is not None), params).all()
        people = [Person(uid, name, role) for uid, name, role in rows]
        # The database's collation may order names differently; show them one way everywhere.
        return sorted(people, key=lambda p: (_RANK[p.role], p.name))

    def unit_person(self, unit_id: int, user_id: int) -> Person | None:
        """Find one member of a unit (a button's choice, checked again when pressed)."""
        with self.db.read() as conn:
            row = conn.execute(_PEOPLE.where(Member.user_id == user_id),
                               {"unit": unit_id}).first()
        return Person(row[0], row[1], row[2]) if row else None

    # -- workflow ----------------------------------------------------------------------------

    def add_progress(
        self, problem_id: int, *, by: Identity, by_name: str, text: str,
        attachment: str | None = None,
    ) -> ProblemView:
        """Record progress; the first update moves 待整改 to 整改中."""
        with self.db.uow() as s:
            problem = self._note(s, problem_id, by, by_name, Status.IN_PROGRESS,
                                 EventKind.PROGRESS, text, attachment)
            problem.progress = text
            return view(problem)

    def report_done(
        self, problem_id: int, *, by: Identity, by_name: str, completion: str,
        attachment: str | None = None,
    ) -> DoneReport:
        """Move an item to 待销号 and name who should sign it off."""
        with self.db.uow() as s:
            problem = self._note(s, problem_id, by, by_name, Status.AWAITING_SIGNOFF,
                                 EventKind.DONE, completion, attachment)
            problem.completion = completion
            return DoneReport(self._replanned(s, problem), self._reviewers(s, problem))

    def _note(
        self, s: Session, problem_id: int, by: Identity, by_name: str, to: Status,
        kind: EventKind, text: str, attachment: str | None,
    ) -> Problem:
        """Move an open item to `to` with a note (and evidence), keeping the event."""
        problem = self._actionable(s, problem_id, by)
        if problem.status not in OPEN:
            raise DomainError("item.not_open", number=problem.number)
        before = problem.status
        problem.status = to
        if attachment:
            problem.evidence = [*problem.evidence, attachment]
        problem.updated_at = self.clock.now()
        self._event(s, problem, by.user_id, by_name, kind, before, to, note=text,
                    attachment=attachment)
        return problem

    def approve(self, problem_id: int, *, by: Identity, by_name: str) -> ProblemView:
        """Sign an item off (销号)."""
        with self.db.uow() as s:
            problem = self._signable(s, problem_id, by)
            now = self.clock.now()
            problem.status = Status.SIGNED_OFF
            problem.signed_off_at = now
            problem.reviewer_name = by_name
            problem.updated_at = now
            self._event(s, problem, by.user_id, by_name, EventKind.APPROVED,
                        Status.AWAITING_SIGNOFF, Status.SIGNED_OFF)
            return self._replanned(s, problem)

    def reject(
        self, problem_id: int, *, by: Identity, by_name: str, reason: str,
        new_deadline: dt.datetime | None,
    ) -> ProblemView:
        """Send an item back (驳回, 回炉) with a reason and, unless ongoing, a new deadline."""
        if not reason.strip():
            raise DomainError("reject.reason_needed")
        now = self.clock.now()
        with self.db.uow() as s:
            problem = self._signable(s, problem_id, by)
            if problem.track != Track.ONGOING:
                if new_deadline is None:
                    raise DomainError("reject.deadline_needed")
                if new_deadline <= now:
                    raise DomainError("deadline.past")
                problem.deadline = new_deadline
            problem.status = Status.IN_PROGRESS
            problem.rework_count += 1
            problem.reviewer_name = by_name
            problem.updated_at = now
            self._event(s, problem, by.user_id, by_name, EventKind.REJECTED,
                        Status.AWAITING_SIGNOFF, Status.IN_PROGRESS, note=reason,
                        details={"deadline": new_deadline.isoformat() if new_deadline else None})
            return self._replanned(s, problem)

    # -- export ------------------------------------------------------------------------------

    def count(self, *, unit_id: int | None = None) -> int:
        query = select(func.count()).select_from(Problem)
        if unit_id is not None:
            query = query.where(Problem.unit_id == unit_id)
        with self.db.read() as conn:
            return conn.execute(query).scalar_one()

    def rows(self, *, unit_id: int | None = None) -> list[ProblemView]:
        """Every ledger row of one unit, or of all units, in unit then number order."""
        return list(self.iter_rows(unit_id=unit_id))

    def iter_rows(self, *, unit_id: int | None = None, batch: int = 2000) -> Iterator[ProblemView]:
        """Stream ledger rows without building ORM objects: exports of 100k rows stay cheap."""
        columns = [c for c in Problem.__table__.c]
        query = (select(*columns, Unit.code, Unit.name).join(Unit, Unit.id == Problem.unit_id)
                 .order_by(Unit.code, Problem.seq))
        if unit_id is not None:
            query = query.where(Problem.unit_id == unit_id)
        names = [c.name for c in columns]
        wanted = {f.name for f in fields(ProblemView)}
        with self.db.read() as conn:
            for row in conn.execution_options(yield_per=batch).execute(query):
                values = dict(zip(names, row[:-2], strict=True))
                values["unit_code"], values["unit_name"] = row[-2], row[-1]
                values["measures"] = tuple(values["measures"] or ())
                values["evidence"] = tuple(values["evidence"] or ())
                yield ProblemView(**{k: v for k, v in values.items() if k in wanted})

    # -- helpers -----------------------------------------------------------------------------

    def _load(self, s: Session, problem_id: int) -> Problem:
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

    def _actionable(self, s: Session, problem_id: int, by: Identity) -> Problem:
        problem = self._visible(s, problem_id, by)
        mine = by.user_id in (problem.owner_user_id, problem.created_by)
        if not (mine or can(by.role, Action.UPDATE_UNIT_ITEMS)):
            raise DomainError("item.not_yours")
        if by.role is not Role.OFFICE and (by.unit is None or by.unit.id != problem.unit_id):
            raise DomainError("item.not_yours")
        return problem

    def _signable(self, s: Session, problem_id: int, by: Identity) -> Problem:
        problem = self._visible(s, problem_id, by)
        if not can(by.role, Action.SIGN_OFF):
            raise DomainError("signoff.denied")
        if by.role is not Role.OFFICE and (by.unit is None or by.unit.id != problem.unit_id):
            raise DomainError("signoff.denied")
        if problem.status != Status.AWAITING_SIGNOFF:
            raise DomainError("signoff.not_waiting", number=problem.number)
        return problem

    def _reviewers(self, s: Session, problem: Problem) -> tuple[int, ...]:
        leaders = list(s.scalars(select(Member.user_id).where(
            Member.unit_id == problem.unit_id, Member.role == Role.LEADER)))
        chosen = problem.leader_user_id
        return (chosen,) if chosen is not None and chosen in leaders else tuple(leaders)

    def _event(
        self, s: Session, problem: Problem, actor_id: int, actor_name: str, kind: EventKind,
        before: Status | None, after: Status | None, *, note: str | None = None,
        attachment: str | None = None, details: dict[str, Any] | None = None,
    ) -> None:
        s.add(ProblemEvent(
            problem=problem, at=self.clock.now(), actor_id=actor_id, actor_name=actor_name[:200],
            kind=kind, from_status=before, to_status=after, note=note, attachment=attachment,
            details=details,
        ))
