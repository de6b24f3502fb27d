"""督办: the office marks an item 黄牌督办 or 红牌督办 with a note; the unit's leader is told."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select

from bot.domain import OPEN, DialogRef, EventKind, NoteKind, Role, Status, Supervision
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.quickfile import MAX_TEXT
from bot.services.ledger_base import LedgerBase
from bot.services.membership import Identity
from bot.services.plans import item_leaders
from bot.services.problem import ProblemView, view
from storage.dialogs import end_dialog
from storage.ledger import Problem
from storage.models import Member

KIND = NoteKind.SUPERVISION_MARK
# Change control: what of a signed-off or 督办-marked item changes only through an approved
# request (申请延期, decided by a leader or the office), never by a plain edit or a re-import.
CONTROLLED = frozenset({"deadline", "track", "owner", "owner_name", "owner_user_id"})


class Controlled(Protocol):
    @property
    def status(self) -> Status: ...
    @property
    def supervision(self) -> Supervision | None: ...


def requires_approval(problem: Controlled, field: str) -> bool:
    """Whether changing `field` of the item needs an approved request: its deadline, track and
    owner, once it is signed off (已销号) or under a 督办 mark."""
    return field in CONTROLLED and (problem.status is Status.SIGNED_OFF
                                    or problem.supervision is not None)


def check_plain_edit(problem: Controlled, fields: Iterable[str], number: str) -> None:
    """Refuse a plain edit that touches what only an approved request may change (see
    requires_approval); the refusal points to 申请延期."""
    if any(requires_approval(problem, f) for f in fields):
        raise DomainError("change.needs_approval", number=number)


@dataclass(frozen=True)
class Marked:
    problem: ProblemView
    chats: tuple[int, ...]  # told at once


class SupervisionService(LedgerBase):
    def mark(self, problem_id: int, *, by: Identity, by_name: str, mark: Supervision,
             note: str, dialog: DialogRef | None = None) -> Marked:
        """Mark an item not yet signed off 黄牌督办 or 红牌督办, with a note as typed; the
        history keeps it and the item's 责任领导 (else the unit's leaders) hears of it."""
        if not can(by.role, Action.SUPERVISE):
            raise DomainError("supervision.denied")
        note = note.strip()
        if not note or len(note) > MAX_TEXT:
            raise DomainError("supervision.note_needed")
        now = self.clock.now()
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            s = uow.session
            problem = self._visible(s, problem_id, by)
            if problem.status is Status.SIGNED_OFF:
                raise DomainError("supervision.closed", number=problem.number)
            problem.supervision = mark
            problem.supervision_note = note
            problem.supervised_at = now
            problem.updated_at = now
            self._event(s, problem, by.user_id, by_name, EventKind.SUPERVISED, problem.status,
                        problem.status, note=note, details={"mark": mark.value})
            s.flush()
            leaders = set(s.scalars(select(Member.user_id).where(
                Member.unit_id == problem.unit_id, Member.role == Role.LEADER)))
            chats = tuple(item_leaders(problem.leader_user_id, leaders))
            current = view(problem)
            self._tell(uow, current, KIND, chats, mark=mark.value, by=by_name[:200])
            return Marked(current, chats)

    def unmark(self, problem_id: int, *, by: Identity, by_name: str,
               note: str | None = None) -> ProblemView:
        """Lift an item's 督办 mark (the office's alone); the history keeps the mark lifted."""
        if not can(by.role, Action.SUPERVISE):
            raise DomainError("supervision.denied")
        note = (note or "").strip() or None
        if note is not None and len(note) > MAX_TEXT:
            raise DomainError("supervision.note_needed")
        now = self.clock.now()
        with self.db.unit() as uow:
            s = uow.session
            problem = self._visible(s, problem_id, by)
            if problem.supervision is None:
                raise DomainError("supervision.not_marked", number=problem.number)
            mark = problem.supervision
            problem.supervision = None
            problem.supervision_note = None
            problem.supervised_at = None
            problem.updated_at = now
            self._event(s, problem, by.user_id, by_name, EventKind.UNSUPERVISED, problem.status,
                        problem.status, note=note, details={"mark": mark.value})
            s.flush()
            return view(problem)

    def marked_counts(self, unit_id: int | None = None) -> dict[int, dict[Supervision, int]]:
        """Items under each mark per unit (not signed off), for the office and the digests."""
        query = (select(Problem.unit_id, Problem.supervision, func.count())
                 .where(Problem.supervision.is_not(None),
                        Problem.status != Status.SIGNED_OFF)
                 .group_by(Problem.unit_id, Problem.supervision))
        if unit_id is not None:
            query = query.where(Problem.unit_id == unit_id)
        out: dict[int, dict[Supervision, int]] = {}
        with self.db.read() as conn:
            for unit, mark, n in conn.execute(query):
                if mark is not None:
                    out.setdefault(unit, {})[mark] = int(n)
        return out

    def marked(self, by: Identity, limit: int = 50) -> tuple[ProblemView, ...]:
        """The open items of the person's unit (the office: every unit) under a 督办 mark,
        红牌 first, then the oldest mark."""
        if by.role is not Role.OFFICE and by.unit is None:
            return ()
        with self.db.reading() as s:
            query = select(Problem).where(Problem.supervision.is_not(None),
                                          Problem.status.in_(OPEN))
            if by.role is not Role.OFFICE and by.unit is not None:
                query = query.where(Problem.unit_id == by.unit.id)
            rows = s.scalars(query.order_by(Problem.supervised_at, Problem.id).limit(limit))
            items = [view(p) for p in rows]
        return tuple(sorted(items, key=lambda p: p.supervision is not Supervision.RED))
