"""What every change to the ledger shares: the notices it plans, who may act on an item, who
reviews it, and the event it leaves in the history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import (
    EventKind,
    NoteKind,
    Role,
    Status,
)
from bot.errors import DomainError
from bot.metrics import Metrics
from bot.permissions import Action, can
from bot.services.approvers import approvers
from bot.services.ledger_reads import LedgerReads
from bot.services.membership import Identity
from bot.services.notify import NotificationService, Planned
from bot.services.problem import ProblemView, view
from storage.db import Database
from storage.ledger import Problem, ProblemEvent
from storage.uow import UnitOfWork

# Called inside the transaction of every change that can alter an item's reminders.
Replanner = Callable[[Connection, ProblemView], object]


def notice_subject(problem_id: int) -> str:
    """The subject of an item's notices (sign-off cards, outcomes): not dropped by a replan."""
    return f"problem-notice:{problem_id}"


class LedgerBase(LedgerReads):
    def __init__(
        self, db: Database, clock: Clock, *, page_size: int = 8, replan: Replanner | None = None,
        notify: NotificationService | None = None, office_admins: Iterable[int] = (),
        metrics: Metrics | None = None, signoff_remind_days: int = 0,
    ) -> None:
        super().__init__(db, clock, page_size=page_size)
        self.replan = replan
        self.notify = notify
        self.office_admins = frozenset(office_admins)
        self.metrics = metrics
        self.signoff_remind = dt.timedelta(days=signoff_remind_days)

    def _replanned(self, s: Session, problem: Problem) -> ProblemView:
        s.flush()
        current = view(problem)
        if self.replan is not None:
            self.replan(s.connection(), current)
        return current

    # -- helpers -----------------------------------------------------------------------------

    def _tell(self, uow: UnitOfWork, problem: ProblemView, kind: NoteKind,
              chats: tuple[int, ...], **payload: Any) -> None:
        """Plan a notice about the item in this transaction; the sender delivers it."""
        if self.notify is None or not chats:
            return
        now = self.clock.now()
        self.notify.plan([
            Planned(key=f"p{problem.id}:{kind}:{chat}:{now:%Y%m%d%H%M%S%f}", chat_id=chat,
                    kind=kind, due_at=now, payload={"problem_id": problem.id, **payload},
                    subject=notice_subject(problem.id))
            for chat in chats
        ], conn=uow.conn)

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
        if by.user_id in owners(problem):
            raise DomainError("signoff.own_item", number=problem.number)
        return problem

    def _reviewers(self, s: Session, problem: Problem) -> tuple[int, ...]:
        """The item's 责任领导, else the unit's leaders, else the office; never its owner or
        whoever filed it: nobody signs off his own item."""
        return approvers(s, problem.unit_id, excluded=owners(problem),
                         preferred=problem.leader_user_id, office_admins=self.office_admins)

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


def owners(problem: Problem | ProblemView) -> tuple[int, ...]:
    """Whose item it is, who hears of its outcome and who may not sign it off himself: its
    owner and whoever filed it (0: data removed)."""
    return tuple(sorted({u for u in (problem.owner_user_id, problem.created_by) if u}))
