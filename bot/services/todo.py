"""What waits for a leader, a liaison or the office: items to sign off, extension and leave
requests to decide, meetings they called that people have not answered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import Answer, ExtensionState, Role, Status
from bot.errors import DomainError
from bot.services.approvers import approvers
from bot.services.extensions import Extension
from bot.services.leave import LeaveService, LeaveView
from bot.services.ledger import LedgerService
from bot.services.ledger_base import owners
from bot.services.meetings import MeetingService, MeetingView
from bot.services.membership import Identity
from bot.services.problem import ProblemView, view
from bot.services.supervision import SupervisionService
from storage.db import Database
from storage.ledger import ExtensionRequest, Problem

# Who has a to-do list: those who decide or follow up for a unit.
KEEPERS = frozenset({Role.LEADER, Role.LIAISON, Role.OFFICE})


@dataclass(frozen=True)
class Todo:
    signoffs: tuple[ProblemView, ...]  # 待销号
    extensions: tuple[Extension, ...]  # 延期申请
    leave: tuple[LeaveView, ...]  # 请假待批
    meetings: tuple[MeetingView, ...]  # 会议有人未确认
    decides: bool  # False for a liaison: the list is to follow up, not to decide
    supervised: tuple[ProblemView, ...] = ()  # 督办 marks, 红牌 first: listed before the rest

    @property
    def empty(self) -> bool:
        return not (self.signoffs or self.extensions or self.leave or self.meetings
                    or self.supervised)


class TodoService:
    def __init__(self, db: Database, ledger: LedgerService, leave: LeaveService,
                 meetings: MeetingService, *, office_admins: Iterable[int] = (),
                 supervision: SupervisionService | None = None) -> None:
        self.db = db
        self.supervision = supervision
        self.ledger = ledger
        self.leave = leave
        self.meetings = meetings
        self.office_admins = frozenset(office_admins)

    def for_person(self, by: Identity) -> Todo:
        if by.role not in KEEPERS:
            raise DomainError("todo.denied")
        signoffs, extensions = self._ledger(by)
        meetings = tuple(m for m in self.meetings.organised(by) if m.answered(Answer.PENDING))
        marked = self.supervision.marked(by) if self.supervision is not None else ()
        return Todo(signoffs, extensions, tuple(self.leave.waiting_for(by)), meetings,
                    decides=by.role is not Role.LIAISON, supervised=marked)

    def _ledger(self, by: Identity) -> tuple[tuple[ProblemView, ...], tuple[Extension, ...]]:
        """Items waiting for 销号 and pending extension requests in `by`'s scope that `by`
        decides (a liaison: all of the unit's, to follow up)."""
        unit = None if by.role is Role.OFFICE else by.unit
        if by.role is not Role.OFFICE and unit is None:
            return (), ()

        def mine(s: Session, problem: Problem, excluded: Iterable[int]) -> bool:
            if by.role is Role.LIAISON:
                return True
            deciders = approvers(s, problem.unit_id, excluded=excluded,
                                 preferred=problem.leader_user_id,
                                 office_admins=self.office_admins)
            return by.user_id in deciders or (by.role is Role.LEADER
                                               and by.user_id not in excluded)

        with self.db.reading() as s:
            waiting = select(Problem).where(Problem.status == Status.AWAITING_SIGNOFF)
            asked = select(ExtensionRequest).join(Problem).where(
                ExtensionRequest.state == ExtensionState.PENDING)
            if unit is not None:
                waiting = waiting.where(Problem.unit_id == unit.id)
                asked = asked.where(Problem.unit_id == unit.id)
            signoffs = tuple(view(p) for p in s.scalars(waiting.order_by(Problem.updated_at)
                                                         .limit(200))
                             if mine(s, p, owners(p)))
            extensions = tuple(
                Extension(r.id, view(r.problem), r.deadline, r.reason, r.asked_name, ())
                for r in s.scalars(asked.order_by(ExtensionRequest.id).limit(200))
                if mine(s, r.problem, {r.asked_by, *owners(r.problem)}))
        return signoffs, extensions
