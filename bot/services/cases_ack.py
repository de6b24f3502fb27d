"""签收: a case handed to a unit is acknowledged by its liaison or leader within
`cases.ack_hours` working hours; a reminder before that, the office told after."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import Config
from bot.domain import NoteKind, Role
from bot.errors import DomainError
from bot.services.membership import Identity
from bot.services.notify import NotificationService, Planned
from bot.workdays import WorkCalendar
from storage.cases import Case
from storage.db import Database
from storage.ledger import Problem
from storage.models import Member, Unit

ACKERS = (Role.LIAISON, Role.LEADER)


def ack_subject(case_id: int) -> str:
    return f"case-ack:{case_id}"


def add_working_hours(start: dt.datetime, hours: float, *, tz: ZoneInfo,
                      day: tuple[dt.time, dt.time],
                      calendar: WorkCalendar | None = None) -> dt.datetime:
    """The moment `hours` of working time after `start`: only working days count, and of
    them only the office day (`day`: its first and last hour, local)."""
    left = dt.timedelta(hours=hours)
    at = start.astimezone(tz)
    opens, closes = day
    while True:
        today = at.date()
        workday = calendar.is_workday(today) if calendar is not None else today.weekday() < 5
        start_of = dt.datetime.combine(today, opens, tzinfo=tz)
        end_of = dt.datetime.combine(today, closes, tzinfo=tz)
        if workday and at < end_of:
            at = max(at, start_of)
            if at + left <= end_of:
                return (at + left).astimezone(dt.UTC)
            left -= end_of - at
        at = dt.datetime.combine(today + dt.timedelta(days=1), opens, tzinfo=tz)


@dataclass(frozen=True)
class AckView:
    """A handed-over case as its unit sees it for 签收: no contact, no complainant."""

    case_id: int
    code: str
    problem_id: int
    number: str
    unit_id: int
    unit_name: str
    description: str
    due_at: dt.datetime
    acked_at: dt.datetime | None


class CaseAcks:
    def __init__(self, db: Database, clock: Clock, config: Config, notify: NotificationService,
                 calendar: WorkCalendar | None = None) -> None:
        self.db = db
        self.clock = clock
        self.config = config
        self.notify = notify
        self.calendar = calendar

    def _after(self, start: dt.datetime, hours: float) -> dt.datetime:
        times = self.config.reminders.office_hours
        day = (dt.time.fromisoformat(times[0]), dt.time.fromisoformat(times[-1]))
        if day[1] <= day[0]:  # one time only, or a night shift: a plain working day
            day = (dt.time(9, 0), dt.time(17, 30))
        return add_working_hours(start, hours, tz=self.config.tz, day=day,
                                 calendar=self.calendar)

    def plan(self, s: Session, case: Case, problem_id: int) -> None:
        """At 转办: set the 签收 time and plan the notice, the reminder and the escalation."""
        now = self.clock.now()
        hours = self.config.cases.ack_hours
        case.ack_due_at = due = self._after(now, hours)
        remind_at = self._after(now, max(hours - self.config.cases.ack_remind_hours, hours / 2))
        ackers = sorted(set(s.execute(select(Member.user_id).where(
            Member.unit_id == case.unit_id, Member.role.in_(ACKERS))).scalars()))
        payload = {"case_id": case.id, "problem_id": problem_id}
        subject = ack_subject(case.id)
        notes = [Planned(key=f"c{case.id}:{kind}:{chat}", chat_id=chat, kind=kind, due_at=at,
                         payload=payload, subject=subject)
                 for chat in ackers
                 for kind, at in ((NoteKind.CASE_HANDED, now),
                                  (NoteKind.CASE_ACK_REMIND, remind_at))]
        notes += [Planned(key=f"c{case.id}:{NoteKind.CASE_ACK_OVERDUE}:{chat}", chat_id=chat,
                          kind=NoteKind.CASE_ACK_OVERDUE, due_at=due, payload=payload,
                          subject=subject, urgent=True)
                  for chat in sorted(self.config.office_admins)]
        self.notify.plan(notes, conn=s.connection())

    def acknowledge(self, case_id: int, *, by: Identity) -> AckView:
        """签收 by the unit's liaison or leader; what was planned for it is cancelled."""
        with self.db.unit() as uow:
            s = uow.session
            case = s.execute(select(Case).where(Case.id == case_id).with_for_update()).scalar()
            if (case is None or case.ack_due_at is None or by.unit is None
                    or by.unit.id != case.unit_id):
                raise DomainError("cases.unknown")
            if by.role not in ACKERS:
                raise DomainError("cases.ack_denied")
            if case.acked_at is None:
                case.acked_at = self.clock.now()
                case.acked_by = by.user_id
                self.notify.cancel_subject(ack_subject(case.id), conn=s.connection())
            return _view(s, case)

    def get(self, case_id: int) -> AckView | None:
        """A handed-over case for the notices about its 签收; None for any other case."""
        with self.db.reading() as s:
            case = s.get(Case, case_id)
            return _view(s, case) if case is not None and case.ack_due_at else None

    def awaiting(self, by: Identity) -> list[AckView]:
        """The cases of one's unit still waiting for 签收 (for /todo); none for other roles."""
        if by.unit is None or by.role not in ACKERS:
            return []
        with self.db.reading() as s:
            rows = s.execute(select(Case).where(
                Case.unit_id == by.unit.id, Case.ack_due_at.is_not(None),
                Case.acked_at.is_(None)).order_by(Case.ack_due_at, Case.id)).scalars()
            return [_view(s, case) for case in rows]


def _view(s: Session, case: Case) -> AckView:
    assert case.problem_id is not None and case.ack_due_at is not None
    problem = s.get_one(Problem, case.problem_id)
    unit = s.get_one(Unit, case.unit_id)
    return AckView(case_id=case.id, code=case.code, problem_id=problem.id,
                   number=problem.number, unit_id=unit.id, unit_name=unit.name,
                   description=problem.description, due_at=case.ack_due_at,
                   acked_at=case.acked_at)
