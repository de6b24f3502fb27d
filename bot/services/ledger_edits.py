"""Changes to an item after 确认: its description, measures or owner edited, or the item withdrawn
(撤回) while 待整改; each kept in the history with the old and the new value."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import delete, select

from bot.domain import OPEN, DialogRef, EventKind, Status
from bot.errors import DomainError
from bot.quickfile import MAX_MEASURES, MAX_NAME, MAX_TEXT
from bot.services.ledger_base import LedgerBase, notice_subject
from bot.services.membership import Identity
from bot.services.plans import subject_of
from bot.services.problem import ProblemView
from bot.services.supervision import check_plain_edit
from storage.cases import Case
from storage.dialogs import end_dialog
from storage.ledger import ExtensionRequest, Problem, ProblemEvent, WithdrawnProblem

EDITABLE = ("description", "measures", "owner")


def _plain(value: Any) -> Any:
    """A column value as JSON keeps it."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


class LedgerEdits(LedgerBase):
    def edit(
        self, problem_id: int, *, by: Identity, by_name: str, field: str,
        text: str = "", measures: tuple[str, ...] = (), owner_user_id: int | None = None,
        dialog: DialogRef | None = None,
    ) -> ProblemView:
        """Change the description, the measures or the owner (`text` his name, linked to
        `owner_user_id` when a member) of an open item, keeping old and new in the history."""
        if field not in EDITABLE:
            raise ValueError(field)
        text = text.strip()
        new: Any
        if field == "measures":
            new = [m.strip() for m in measures if m.strip()]
            if not new or len(new) > MAX_MEASURES or any(len(m) > MAX_TEXT for m in new):
                raise DomainError("edit.bad_measures", max=MAX_MEASURES)
        elif not text or len(text) > (MAX_NAME if field == "owner" else MAX_TEXT):
            raise DomainError("file.bad_length", max=MAX_NAME if field == "owner" else MAX_TEXT)
        else:
            new = text
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            s = uow.session
            problem = self._actionable(s, problem_id, by)
            # The one change-control rule (督办 or 已销号: owner only by an approved request).
            check_plain_edit(problem, ("owner",) if field == "owner" else (), problem.number)
            if problem.status not in OPEN:
                raise DomainError("item.not_open", number=problem.number)
            details: dict[str, Any] = {"field": field}
            if field == "description":
                details.update(old=problem.description, new=new)
                problem.description = new
            elif field == "measures":
                details.update(old=list(problem.measures), new=new)
                problem.measures = new
            else:
                details.update(old=problem.owner_name, old_id=problem.owner_user_id, new=new,
                               new_id=owner_user_id)
                problem.owner_name, problem.owner_user_id = new, owner_user_id
            if details["old"] == details["new"] and details.get("old_id") == owner_user_id:
                raise DomainError("edit.unchanged", number=problem.number)
            problem.updated_at = self.clock.now()
            self._event(s, problem, by.user_id, by_name, EventKind.EDITED, problem.status,
                        problem.status, details=details)
            # A new owner gets the item's reminders from now on.
            return self._replanned(s, problem)

    def withdraw(self, problem_id: int, *, by: Identity, by_name: str) -> str:
        """Withdraw (撤回) an item filed by mistake, while still 待整改: it leaves the ledger and
        every count, and is kept apart with its history; return its number."""
        with self.db.unit() as uow:
            s = uow.session
            problem = self._actionable(s, problem_id, by)
            if problem.status != Status.PENDING:
                raise DomainError("withdraw.not_pending", number=problem.number)
            if s.scalar(select(Case.id).where(Case.problem_id == problem.id).limit(1)):
                # A complainant follows it by its 查询码: it is closed, never taken back.
                raise DomainError("withdraw.from_case", number=problem.number)
            now = self.clock.now()
            snapshot = {c.name: _plain(getattr(problem, c.key))
                        for c in Problem.__table__.c}
            snapshot["events"] = [
                {c.name: _plain(getattr(e, c.key)) for c in ProblemEvent.__table__.c}
                for e in problem.events]
            s.add(WithdrawnProblem(number=problem.number, unit_id=problem.unit_id,
                                   withdrawn_by=by.user_id, withdrawn_name=by_name[:200],
                                   withdrawn_at=now, snapshot=snapshot))
            if self.notify is not None:
                for subject in (subject_of(problem.id), notice_subject(problem.id)):
                    self.notify.cancel_subject(subject, conn=uow.conn)
            number = problem.number
            s.execute(delete(ExtensionRequest).where(ExtensionRequest.problem_id == problem.id))
            for event in problem.events:
                s.delete(event)
            s.flush()
            s.delete(problem)
            return number

    def withdrawn(self, number: str) -> tuple[str, str] | None:
        """(number, who withdrew it) of a withdrawn item, for an /item that names it."""
        with self.db.reading() as s:
            row = s.execute(select(WithdrawnProblem.number, WithdrawnProblem.withdrawn_name)
                            .where(WithdrawnProblem.number == number)).first()
            return None if row is None else (row[0], row[1])
