"""The unit ledger's changes: filing, progress, completion, sign-off and rework, with history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Integer,
    bindparam,
    case,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from bot.domain import (
    OPEN,
    DialogRef,
    EventKind,
    Level,
    NoteKind,
    Role,
    Source,
    Status,
    Track,
    problem_number,
)
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.services.extensions import Extension, LedgerExtensions
from bot.services.ledger_base import LedgerBase, Replanner, notice_subject, owners
from bot.services.ledger_edits import LedgerEdits
from bot.services.membership import Identity
from bot.services.notify import Planned
from bot.services.problem import Draft, EvidenceFile, ProblemView, evidence_files, view
from storage.dialogs import end_dialog, take_dialog
from storage.ledger import Problem, ProblemEvent
from storage.models import Member, Unit
from storage.uow import UnitOfWork

__all__ = ["DoneReport", "Extension", "LedgerBase", "LedgerService", "Replanner",
           "notice_subject", "owners"]

# The next number of a unit, taken with the unit's row locked until the filing commits: two
# confirms at once (two instances) wait for each other instead of one failing on the unique
# index. Rows put in without the counter (a bulk load) are never numbered over. An import
# takes a block of `count` numbers in the same statement.
_HIGHEST = (select(func.coalesce(func.max(Problem.seq), 0))
            .where(Problem.unit_id == bindparam("unit")).scalar_subquery())
_COUNT: BindParameter[int] = bindparam("count", type_=Integer)
_NEXT_SEQ = (update(Unit).where(Unit.id == bindparam("unit"))
             .values(problem_seq=case((Unit.problem_seq >= _HIGHEST, Unit.problem_seq + _COUNT),
                                      else_=_HIGHEST + _COUNT))
             .returning(Unit.problem_seq))
_INSERT_PROBLEM = insert(Problem).returning(Problem.id)
_INSERT_EVENT = insert(ProblemEvent)


# New items are announced to the unit's leaders at most this often.
ANNOUNCE_EVERY = dt.timedelta(minutes=30)


def _files(attachment: str | None, files: Sequence[EvidenceFile]) -> tuple[EvidenceFile, ...]:
    """A note's evidence: the files with their kinds and names, or one photo's file id."""
    return tuple(files) or ((EvidenceFile(attachment),) if attachment else ())


def reserve_numbers(conn: Connection, unit_id: int, count: int) -> int:
    """Take the unit's next `count` problem numbers from its counter; return the first."""
    last: int = conn.execute(_NEXT_SEQ, {"unit": unit_id, "count": count}).scalar_one()
    return last - count + 1


@dataclass(frozen=True)
class DoneReport:
    problem: ProblemView
    reviewers: tuple[int, ...]


class LedgerService(LedgerExtensions, LedgerEdits):
    """Filing and the workflow of an item: progress, completion, sign-off or 驳回, 延期."""

    # -- filing ------------------------------------------------------------------------------

    def confirm(self, dialog: DialogRef, *, by: Identity, by_name: str) -> ProblemView:
        """File the draft a conversation holds, and end the conversation, in one transaction.

        The conversation is taken first: a second tap on 确认 (a double tap, a redelivered
        update, another instance) finds it gone and files nothing.
        """
        with self.db.unit() as uow:
            taken = take_dialog(uow, dialog)
            if taken is None:
                raise DomainError("button.stale")
            return self.file(Draft.from_json(taken.data["draft"]), by=by, by_name=by_name,
                             uow=uow)

    def file(self, draft: Draft, *, by: Identity, by_name: str,
             uow: UnitOfWork | None = None) -> ProblemView:
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
        with self.db.joined(uow) as own:
            conn = own.conn
            seq = reserve_numbers(conn, unit.id, 1)
            values.update(seq=seq, number=problem_number(unit.code, seq))
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
            self._announce(conn, current, by.user_id)
        if self.metrics is not None:  # counted once committed
            self.metrics.filings.inc()
        return current

    def _announce(self, conn: Connection, problem: ProblemView, filer: int) -> None:
        """Tell the unit's leaders of a new item, batched: one note each per filing, due at the
        end of its ANNOUNCE_EVERY window; the first of a window lists them all, the rest go
        unsent (handlers.ledger.render_new). Distinct keys: filings never contend."""
        if self.notify is None:
            return
        leaders = conn.execute(select(Member.user_id).where(
            Member.unit_id == problem.unit_id, Member.role == Role.LEADER)).scalars()
        step = ANNOUNCE_EVERY.total_seconds()
        due = dt.datetime.fromtimestamp((problem.created_at.timestamp() // step + 1) * step,
                                        dt.UTC)
        self.notify.plan([
            Planned(key=f"p{problem.id}:new:{leader}", chat_id=leader,
                    kind=NoteKind.NEW_PROBLEMS, due_at=due,
                    payload={"problem_id": problem.id, "unit_id": problem.unit_id})
            for leader in leaders if leader != filer], conn=conn)

    # -- workflow ----------------------------------------------------------------------------

    def add_progress(
        self, problem_id: int, *, by: Identity, by_name: str, text: str,
        attachment: str | None = None, dialog: DialogRef | None = None,
        track: Track | None = None, files: Sequence[EvidenceFile] = (),
    ) -> ProblemView:
        """Record progress; the first update moves 待整改 to 整改中. With `track`, only on an
        item of that track (坚持中 answers a 长期坚持 check-in; any other item refuses it)."""
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            # Visibility first: another unit's id is refused as unknown, never as stale.
            if track is not None and self._visible(uow.session, problem_id, by).track != track:
                raise DomainError("button.stale")
            problem = self._note(uow.session, problem_id, by, by_name, Status.IN_PROGRESS,
                                 EventKind.PROGRESS, text, _files(attachment, files))
            problem.progress = text
            return view(problem)

    def report_done(
        self, problem_id: int, *, by: Identity, by_name: str, completion: str,
        attachment: str | None = None, dialog: DialogRef | None = None,
        files: Sequence[EvidenceFile] = (),
    ) -> DoneReport:
        """Move an item to 待销号 and send the sign-off card to who should sign it off."""
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            s = uow.session
            problem = self._note(s, problem_id, by, by_name, Status.AWAITING_SIGNOFF,
                                 EventKind.DONE, completion, _files(attachment, files))
            problem.completion = completion
            current = self._replanned(s, problem)
            reviewers = self._reviewers(s, problem)
            self._tell(uow, current, NoteKind.SIGNOFF_REQUEST, reviewers, by=by_name)
            if self.signoff_remind and self.notify is not None and reviewers:
                # Still 待销号 then: the reviewers are reminded once (the renderer checks).
                due = self.clock.now() + self.signoff_remind
                self.notify.plan([
                    Planned(key=f"p{current.id}:signoff.remind:{chat}:{due:%Y%m%d%H%M%S%f}",
                            chat_id=chat, kind=NoteKind.SIGNOFF_REMIND, due_at=due,
                            payload={"problem_id": current.id, "by": by_name,
                                     "since": self.clock.now().isoformat()},
                            subject=notice_subject(current.id))
                    for chat in reviewers], conn=uow.conn)
            return DoneReport(current, reviewers)

    def _note(
        self, s: Session, problem_id: int, by: Identity, by_name: str, to: Status,
        kind: EventKind, text: str, files: tuple[EvidenceFile, ...],
    ) -> Problem:
        """Move an open item to `to` with a note (and evidence), keeping the event."""
        problem = self._actionable(s, problem_id, by)
        if problem.status not in OPEN:
            raise DomainError("item.not_open", number=problem.number)
        before = problem.status
        problem.status = to
        details = None
        if files:
            kept = evidence_files(problem.evidence_files, problem.evidence)
            problem.evidence = [*problem.evidence, *(f.file_id for f in files)]
            problem.evidence_files = [f.to_json() for f in (*kept, *files)]
            details = {"evidence": [f.to_json() for f in files]}
        problem.updated_at = self.clock.now()
        self._event(s, problem, by.user_id, by_name, kind, before, to, note=text,
                    attachment=files[0].file_id[:255] if files else None, details=details)
        return problem

    def approve(self, problem_id: int, *, by: Identity, by_name: str) -> ProblemView:
        """Sign an item off (销号) and tell its owner."""
        with self.db.unit() as uow:
            s = uow.session
            problem = self._signable(s, problem_id, by)
            now = self.clock.now()
            problem.status = Status.SIGNED_OFF
            problem.signed_off_at = now
            problem.reviewer_name = by_name
            problem.updated_at = now
            self._event(s, problem, by.user_id, by_name, EventKind.APPROVED,
                        Status.AWAITING_SIGNOFF, Status.SIGNED_OFF)
            current = self._replanned(s, problem)
            self._tell(uow, current, NoteKind.SIGNOFF_APPROVED, owners(current), by=by_name)
            return current

    def reject(
        self, problem_id: int, *, by: Identity, by_name: str, reason: str,
        new_deadline: dt.datetime | None, dialog: DialogRef | None = None,
    ) -> ProblemView:
        """Send an item back (驳回, 回炉) with a reason and, unless ongoing, a new deadline."""
        if not reason.strip():
            raise DomainError("reject.reason_needed")
        now = self.clock.now()
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            s = uow.session
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
            current = self._replanned(s, problem)
            self._tell(uow, current, NoteKind.SIGNOFF_REJECTED, owners(current), by=by_name,
                       reason=reason)
            return current
