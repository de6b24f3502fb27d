"""申请延期: an owner asks for a later deadline with a reason; a leader of the unit (never the
asker or the item's owner), else the office, grants it or declines it with a reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain import (
    OPEN,
    DialogRef,
    EventKind,
    ExtensionState,
    NoteKind,
    Role,
    Track,
)
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.services.approvers import approvers
from bot.services.ledger_base import LedgerBase, owners
from bot.services.membership import Identity
from bot.services.problem import ProblemView, view
from storage.dialogs import end_dialog
from storage.ledger import ExtensionRequest, Problem


@dataclass(frozen=True)
class Extension:
    """A 申请延期 and who hears of it next (its deciders, or once decided its asker and owner)."""

    id: int
    problem: ProblemView
    deadline: dt.datetime
    reason: str
    asked_name: str
    chats: tuple[int, ...]
    state: ExtensionState = ExtensionState.PENDING
    answer: str | None = None


class LedgerExtensions(LedgerBase):
    def ask_extension(
        self, problem_id: int, *, by: Identity, by_name: str, deadline: dt.datetime,
        reason: str, dialog: DialogRef | None = None,
    ) -> Extension:
        """Ask for a later deadline, with a reason; the item's leaders decide (never the
        asker or the item's owner)."""
        reason = reason.strip()
        if not reason:
            raise DomainError("extension.reason_needed")
        now = self.clock.now()
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            s = uow.session
            problem = self._extendable(s, problem_id, by)
            if problem.deadline is not None and deadline <= problem.deadline:
                raise DomainError("extension.not_later", number=problem.number)
            if deadline <= now:
                raise DomainError("deadline.past")
            request = ExtensionRequest(problem=problem, asked_by=by.user_id,
                                       asked_name=by_name[:200], deadline=deadline,
                                       reason=reason, state=ExtensionState.PENDING,
                                       created_at=now)
            s.add(request)
            problem.updated_at = now
            self._event(s, problem, by.user_id, by_name, EventKind.EXTENSION_ASKED,
                        problem.status, problem.status, note=reason,
                        details={"asked": deadline.isoformat()})
            s.flush()
            deciders = approvers(s, problem.unit_id, excluded={by.user_id, *owners(problem)},
                                 preferred=problem.leader_user_id,
                                 office_admins=self.office_admins)
            current = view(problem)
            self._tell(uow, current, NoteKind.EXTENSION_REQUEST, deciders,
                       request_id=request.id)
            return Extension(request.id, current, deadline, reason, by_name, deciders)

    def decide_extension(
        self, request_id: int, *, by: Identity, by_name: str, approve: bool,
        answer: str | None = None, dialog: DialogRef | None = None,
    ) -> Extension:
        """Grant (the deadline moves, the original is kept, the count goes up) or decline (with
        a reason) a pending request; the asker and the owner are told."""
        if not approve and not (answer or "").strip():
            raise DomainError("extension.answer_needed")
        now = self.clock.now()
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            s = uow.session
            request = s.get(ExtensionRequest, request_id)
            if request is None:
                raise DomainError("extension.unknown")
            problem = self._visible(s, request.problem_id, by)
            if not can(by.role, Action.SIGN_OFF) or (
                    by.role is not Role.OFFICE and (by.unit is None
                                                    or by.unit.id != problem.unit_id)):
                raise DomainError("extension.denied")
            if by.user_id in {request.asked_by, *owners(problem)}:
                raise DomainError("extension.own", number=problem.number)
            if request.state != ExtensionState.PENDING:
                raise DomainError("extension.decided", number=problem.number)
            request.decided_by, request.decided_name, request.decided_at = (
                by.user_id, by_name[:200], now)
            if approve:
                request.state = ExtensionState.APPROVED
                previous = problem.deadline
                if problem.original_deadline is None:
                    problem.original_deadline = previous
                problem.deadline = request.deadline
                problem.extension_count = (problem.extension_count or 0) + 1
                self._event(s, problem, by.user_id, by_name, EventKind.EXTENDED,
                            problem.status, problem.status, note=request.reason,
                            details={"deadline": request.deadline.isoformat(),
                                     "from": previous.isoformat() if previous else None})
            else:
                request.state = ExtensionState.DECLINED
                request.answer = (answer or "").strip()
                self._event(s, problem, by.user_id, by_name, EventKind.EXTENSION_DECLINED,
                            problem.status, problem.status, note=request.answer)
            problem.updated_at = now
            current = self._replanned(s, problem)
            told = tuple(sorted({request.asked_by, *owners(current)} - {0}))
            self._tell(uow, current, NoteKind.EXTENSION_DECIDED, told, request_id=request.id,
                       by=by_name)
            return Extension(request.id, current, request.deadline, request.reason,
                             request.asked_name, told, request.state, request.answer)

    def extension(self, request_id: int) -> Extension | None:
        """A request as it stands (for rendering its notices)."""
        with self.db.reading() as s:
            request = s.get(ExtensionRequest, request_id)
            if request is None:
                return None
            return Extension(request.id, view(request.problem), request.deadline,
                             request.reason, request.asked_name, (), request.state,
                             request.answer)

    def _extendable(self, s: Session, problem_id: int, by: Identity) -> Problem:
        problem = self._actionable(s, problem_id, by)
        if problem.status not in OPEN:
            raise DomainError("item.not_open", number=problem.number)
        if problem.track == Track.ONGOING:
            raise DomainError("extension.ongoing", number=problem.number)
        waiting = s.scalar(select(func.count()).select_from(ExtensionRequest).where(
            ExtensionRequest.problem_id == problem.id,
            ExtensionRequest.state == ExtensionState.PENDING))
        if waiting:
            raise DomainError("extension.pending", number=problem.number)
        return problem
