"""A member's own data: export everything stored about them, or remove it but keep the ledger."""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import Config
from bot.domain import EventKind
from bot.errors import DomainError
from bot.services.ledger import Replanner
from bot.services.problem import view
from bot.services.reminders import subject_of as reminder_subject
from storage.db import Database
from storage.leave import LeaveRequest
from storage.ledger import Problem, ProblemEvent, WithdrawnProblem
from storage.meetings import Attendee, Meeting
from storage.models import Dialog, GroupChat, Invite, Member, Unit, User
from storage.notify import Notification

# Ids in NOT NULL columns of a removed person become this: no Telegram account has it.
REMOVED_ID = 0
SYSTEM_ACTOR = "系统管理员"


@dataclass(frozen=True)
class RemovalReport:
    user_id: int
    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    office_admin: bool = False


def _plain(value: Any, tz: dt.tzinfo) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _rows(s: Session, table: Table, where: Any, tz: dt.tzinfo,
          order: Iterable[Any] = ()) -> list[dict[str, Any]]:
    query = select(table).where(where).order_by(*(order or table.primary_key.columns))
    return [{k: _plain(v, tz) for k, v in row._mapping.items()} for row in s.execute(query)]


def _names(withdrawn: WithdrawnProblem, user_id: int) -> bool:
    """Whether a withdrawn item's kept copy names the person (who withdrew, owned, filed, led
    or acted on it)."""
    kept = withdrawn.snapshot
    people = {withdrawn.withdrawn_by, kept.get("owner_user_id"), kept.get("created_by"),
              kept.get("leader_user_id"), *(e.get("actor_id") for e in kept.get("events", ()))}
    return user_id in people


class PrivacyService:
    def __init__(
        self, db: Database, clock: Clock, config: Config, *, replan: Replanner | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.config = config
        self.replan = replan

    # -- export ------------------------------------------------------------------------------

    def export(self, user_id: int) -> dict[str, Any]:
        """Everything stored about a person, as JSON-ready data; refuses a person never seen."""
        tz = self.config.tz
        with self.db.uow() as s:
            def rows(table: Any, where: Any, order: Iterable[Any] = ()) -> list[dict[str, Any]]:
                return _rows(s, table.__table__, where, tz, order)

            user = rows(User, User.id == user_id)
            memberships = rows(Member, Member.user_id == user_id)
            for m in memberships:
                unit = s.get_one(Unit, m["unit_id"])
                m["unit_code"], m["unit_name"] = unit.code, unit.name
            problems = rows(Problem, or_(Problem.owner_user_id == user_id,
                                         Problem.created_by == user_id,
                                         Problem.leader_user_id == user_id))
            for p in problems:
                p["relation"] = [name for name, column in (
                    ("owner", "owner_user_id"), ("filer", "created_by"),
                    ("leader", "leader_user_id")) if p[column] == user_id]
            events = rows(ProblemEvent, ProblemEvent.actor_id == user_id,
                          (ProblemEvent.at, ProblemEvent.id))
            numbers = {pid: number for pid, number in s.execute(
                select(Problem.id, Problem.number).where(
                    Problem.id.in_({e["problem_id"] for e in events})))}
            for e in events:
                e["problem_number"] = numbers.get(e["problem_id"])
            answers = rows(Attendee, Attendee.user_id == user_id)
            for a in answers:
                meeting = s.get_one(Meeting, a["meeting_id"])
                a["meeting_title"] = meeting.title
                a["meeting_starts_at"] = _plain(meeting.starts_at, tz)
            reminders = rows(Notification, Notification.subject == reminder_subject(user_id),
                             (Notification.due_at, Notification.id))
            data: dict[str, Any] = {
                "user_id": user_id,
                "exported_at": _plain(self.clock.now(), tz),
                "timezone": self.config.timezone,
                "user": user[0] if user else None,
                "memberships": memberships,
                "problems": problems,
                "events": events,
                "leave_requests": rows(LeaveRequest, LeaveRequest.user_id == user_id),
                "leave_decided": rows(LeaveRequest, LeaveRequest.decided_by == user_id),
                "meeting_answers": answers,
                "meetings_organised": rows(Meeting, Meeting.organiser_id == user_id),
                "reminders": reminders,
                "notifications": rows(
                    Notification,
                    (Notification.chat_id == user_id)
                    & or_(Notification.subject.is_(None),
                          Notification.subject != reminder_subject(user_id)),
                    (Notification.due_at, Notification.id)),
                "dialogs": rows(Dialog, or_(Dialog.user_id == user_id,
                                            Dialog.chat_id == user_id)),
                "invites": rows(Invite, or_(Invite.created_by == user_id,
                                            Invite.used_by == user_id)),
                "groups_bound": rows(GroupChat, GroupChat.bound_by == user_id),
            }
        if not any(v for k, v in data.items()
                   if k not in ("user_id", "exported_at", "timezone")):
            raise DomainError("privacy.nothing", user_id=user_id)
        return data

    def export_json(self, user_id: int) -> bytes:
        return json.dumps(self.export(user_id), ensure_ascii=False, indent=1,
                          sort_keys=False).encode("utf-8")

    # -- removal -----------------------------------------------------------------------------

    def remove(self, user_id: int, *, by_name: str = SYSTEM_ACTOR,
               note: str | None = None) -> RemovalReport:
        """Delete a person's own rows in one transaction; ledger rows stay, renamed as configured.

        Each ledger item that named the person gets an `edited` event by the operator, with
        `note` (worded by the caller), so the change shows in its history and in `audit`.
        """
        if user_id == REMOVED_ID:
            raise DomainError("privacy.nothing", user_id=user_id)
        self.export(user_id)  # refuses someone never seen
        privacy = self.config.privacy
        placeholder = privacy.removed_member_name
        rename = privacy.ledger_names == "placeholder"
        now = self.clock.now()
        deleted: dict[str, int] = {}
        changed: dict[str, int] = {}

        def renamed(column: Any) -> Any:
            return placeholder if rename else column

        with self.db.uow() as s:
            display = s.scalar(select(User.display_name).where(User.id == user_id))
            affected = list(s.scalars(select(Problem).where(or_(
                Problem.owner_user_id == user_id, Problem.created_by == user_id,
                Problem.leader_user_id == user_id,
            )).order_by(Problem.id)))
            reviewed = set(s.scalars(select(ProblemEvent.problem_id).where(
                ProblemEvent.actor_id == user_id,
                ProblemEvent.kind.in_([EventKind.APPROVED, EventKind.REJECTED]))))
            reviewed_names = set(s.scalars(select(ProblemEvent.actor_name).where(
                ProblemEvent.actor_id == user_id)))
            if display:
                reviewed_names.add(display[:100])
            reviewed_items = list(s.scalars(select(Problem).where(
                Problem.id.in_(reviewed), Problem.reviewer_name.in_(reviewed_names))))
            items = {p.id: p for p in [*affected, *reviewed_items]}
            for problem in items.values():
                fields = []
                if problem.owner_user_id == user_id:
                    problem.owner_user_id = None
                    problem.owner_name = renamed(problem.owner_name)
                    fields.append("owner")
                if problem.leader_user_id == user_id:
                    problem.leader_user_id = None
                    problem.leader_name = renamed(problem.leader_name)
                    fields.append("leader")
                if problem.created_by == user_id:
                    problem.created_by = REMOVED_ID
                    fields.append("filer")
                if problem.id in reviewed and problem.reviewer_name in reviewed_names:
                    problem.reviewer_name = renamed(problem.reviewer_name)
                    fields.append("reviewer")
                problem.updated_at = now
                s.add(ProblemEvent(
                    problem=problem, at=now, actor_id=REMOVED_ID, actor_name=by_name[:200],
                    kind=EventKind.EDITED, from_status=None, to_status=None,
                    note=note,
                    details={"privacy": "member_removed", "fields": fields,
                             "names": privacy.ledger_names},
                ))
            changed["problems"] = len(items)
            s.flush()

            def run(statement: Any) -> int:
                return int(s.connection().execute(statement).rowcount)

            changed["problem_events"] = run(
                update(ProblemEvent).where(ProblemEvent.actor_id == user_id).values(
                    actor_id=REMOVED_ID, actor_name=renamed(ProblemEvent.actor_name)))
            changed["leave_requests"] = run(
                update(LeaveRequest).where(LeaveRequest.decided_by == user_id).values(
                    decided_by=None,
                    decided_by_name=renamed(LeaveRequest.decided_by_name)))
            changed["meetings"] = run(
                update(Meeting).where(Meeting.organiser_id == user_id).values(
                    organiser_id=REMOVED_ID,
                    organiser_name=renamed(Meeting.organiser_name)))
            changed["invites"] = run(
                update(Invite).where(Invite.created_by == user_id).values(created_by=None)
            ) + run(
                update(Invite).where(Invite.used_by == user_id).values(used_by=None))
            changed["group_chats"] = run(
                update(GroupChat).where(GroupChat.bound_by == user_id).values(
                    bound_by=REMOVED_ID))

            leave_ids = list(s.scalars(select(LeaveRequest.id).where(
                LeaveRequest.user_id == user_id)))
            leave_subjects = [f"leave:{i}" for i in leave_ids]
            deleted["notifications"] = run(delete(Notification).where(or_(
                Notification.chat_id == user_id,
                Notification.subject == reminder_subject(user_id),
                Notification.subject.in_(leave_subjects),
                # Requests to leaders about their leave carry the request in the key only.
                *(Notification.key.startswith(f"leave{i}:") for i in leave_ids),
            )))
            deleted["leave_requests"] = run(
                delete(LeaveRequest).where(LeaveRequest.user_id == user_id))
            deleted["meeting_attendees"] = run(
                delete(Attendee).where(Attendee.user_id == user_id))
            deleted["dialogs"] = run(delete(Dialog).where(
                or_(Dialog.user_id == user_id, Dialog.chat_id == user_id)))
            # Items withdrawn (撤回) that name the person are gone from the ledger already:
            # their kept copies go with him.
            gone = [w.id for w in s.scalars(select(WithdrawnProblem))
                    if _names(w, user_id)]
            deleted["withdrawn_problems"] = run(
                delete(WithdrawnProblem).where(WithdrawnProblem.id.in_(gone))) if gone else 0
            deleted["members"] = run(
                delete(Member).where(Member.user_id == user_id))
            deleted["users"] = run(delete(User).where(User.id == user_id))
            s.flush()
            # Open items lose the person's nudges and escalations; others' plans are rebuilt.
            if self.replan is not None:
                for problem in items.values():
                    self.replan(s.connection(), view(problem))
        return RemovalReport(user_id, {k: v for k, v in deleted.items() if v},
                             {k: v for k, v in changed.items() if v},
                             office_admin=user_id in self.config.office_admins)
