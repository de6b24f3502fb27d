"""Deadline plans: which nudges, escalations and check-ins an item gets, and when."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select

from bot.clock import Clock
from bot.config import Config
from bot.domain import OPEN, NoteKind, Role, Track
from bot.services.notify import NotificationService, Planned
from bot.services.problem import ProblemView
from bot.workdays import WorkCalendar
from storage.models import Member


def subject_of(problem_id: int) -> str:
    return f"problem:{problem_id}"


def at_local(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(dt.UTC)


def morning(config: Config, day: dt.date) -> dt.datetime:
    """The nudge time (reminders.nudge_time, local) of a day, in UTC."""
    return at_local(day, dt.time.fromisoformat(config.reminders.nudge_time), config.tz)


def morning_after(config: Config, now: dt.datetime, days: int) -> dt.datetime:
    """The nudge time `days` local days after `now`."""
    return morning(config, now.astimezone(config.tz).date() + dt.timedelta(days=days))


def next_checkin(config: Config, now: dt.datetime, problem: ProblemView) -> Planned:
    """The next "still holding?" question of a 长期坚持 item, checkin_days from now."""
    return checkin(problem.id, problem.owner_user_id or problem.created_by,
                   morning_after(config, now, problem.checkin_days or 7))


# Built once: every filing and every change to an item replans it.
_ESCALATION = select(Member.user_id, Member.role).where(
    ((Member.unit_id == bindparam("unit")) & (Member.role == Role.LEADER))
    | (Member.role == Role.OFFICE))


class DeadlinePlanner:
    """Rebuild an item's reminders whenever it changes; an item no longer open gets none.

    With a calendar, nudges and escalations keep to working days: one that would fall on a day
    off moves to the working day before (a nudge is no use on a holiday, and one after it comes
    too late). An escalation is never moved to or before the deadline's day, though: it would
    then tell the leader of an item not yet overdue, so it moves to the next working day instead.
    Nudges moved onto one day become one, counting the days that are really left. The daily
    overdue nudges are the person's own and stay daily.
    """

    def __init__(self, config: Config, clock: Clock, notify: NotificationService,
                 calendar: WorkCalendar | None = None) -> None:
        self.config = config
        self.clock = clock
        self.notify = notify
        self.calendar = calendar

    def _before(self, day: dt.date) -> dt.date:
        """`day` if it is a working day, else the working day before it."""
        if self.calendar is None:
            return day
        return self.calendar.previous_workday(day, include_today=True)

    def _escalation_day(self, day: dt.date, deadline_day: dt.date) -> dt.date:
        if self.calendar is None or self.calendar.is_workday(day):
            return day
        moved = self._before(day)
        if moved > deadline_day:
            return moved
        return self.calendar.next_workday(deadline_day)

    def replan(self, conn: Connection, problem: ProblemView) -> int:
        """Replace the item's pending reminders, inside the caller's transaction."""
        return self.notify.plan(self.plan(conn, problem), replace_subject=subject_of(problem.id),
                                conn=conn)

    def plan(self, conn: Connection, problem: ProblemView) -> list[Planned]:
        if problem.status not in OPEN:
            return []
        if problem.track == Track.ONGOING:
            # An owner whose data was removed (id 0) gets no check-ins.
            if not (problem.owner_user_id or problem.created_by):
                return []
            return [next_checkin(self.config, self.clock.now(), problem)]
        if problem.deadline is None:
            return []
        return self._deadline(conn, problem)

    def _deadline(self, conn: Connection, p: ProblemView) -> list[Planned]:
        assert p.deadline is not None
        tz, now, r = self.config.tz, self.clock.now(), self.config.reminders
        day = p.deadline.astimezone(tz).date()
        owner = p.owner_user_id or p.created_by
        stamp = p.deadline.astimezone(dt.UTC).isoformat()
        base = {"problem_id": p.id, "deadline": stamp}
        items: list[Planned] = []

        def add(kind: str, chat: int, when: dt.datetime, **extra: object) -> None:
            if when > now and chat:  # chat 0: an owner whose data was removed
                items.append(Planned(
                    key=f"p{p.id}:{kind}:{chat}:{when:%Y%m%d%H%M}:{stamp}", chat_id=chat,
                    kind=kind, due_at=when, payload={**base, **extra}, subject=subject_of(p.id)))

        nudge_days = {self._before(day - dt.timedelta(days=days))
                      for days in r.deadline_days_before if days > 0}
        for nudge_day in sorted(nudge_days):
            if nudge_day < day:
                add(NoteKind.DEADLINE_BEFORE, owner, morning(self.config, nudge_day),
                    days=(day - nudge_day).days)
        today = self._before(day)
        on_the_day = morning(self.config, today)
        if today < day and today not in nudge_days:
            add(NoteKind.DEADLINE_BEFORE, owner, on_the_day, days=(day - today).days)
        elif today == day and on_the_day < p.deadline:
            add(NoteKind.DEADLINE_TODAY, owner, on_the_day)
        # The first overdue nudge; each one plans the next while the item stays open.
        add(NoteKind.DEADLINE_OVERDUE, owner, morning(self.config, day + dt.timedelta(days=1)))
        leaders, office_members = self._escalation(conn, p)
        escalate = morning(self.config, self._escalation_day(
            day + dt.timedelta(days=r.escalate_after_days), day))
        for leader in leaders:
            add(NoteKind.DEADLINE_ESCALATE, leader, escalate)
        office = morning(self.config, self._escalation_day(
            day + dt.timedelta(days=r.escalate_office_after_days), day))
        for admin in office_members:
            add(NoteKind.DEADLINE_ESCALATE_OFFICE, admin, office)
        return items

    def _escalation(self, conn: Connection, p: ProblemView) -> tuple[list[int], list[int]]:
        """Who hears of an overdue item: its leader (else the unit's leaders), then the office."""
        leaders: set[int] = set()
        office = set(self.config.office_admins)
        for user_id, role in conn.execute(_ESCALATION, {"unit": p.unit_id}):
            (leaders if role == Role.LEADER else office).add(user_id)
        return item_leaders(p.leader_user_id, leaders), sorted(office)


def item_leaders(preferred: int | None, unit_leaders: set[int]) -> list[int]:
    """Who leads on an item: its own 责任领导 when he is one of the unit's leaders, else all."""
    if preferred is not None and preferred in unit_leaders:
        return [preferred]
    return sorted(unit_leaders)


def checkin(problem_id: int, chat_id: int, when: dt.datetime) -> Planned:
    """The periodic "still holding?" question of a 长期坚持 item."""
    return Planned(key=f"p{problem_id}:ongoing.checkin:{chat_id}:{when:%Y%m%d%H%M}",
                   chat_id=chat_id, kind=NoteKind.ONGOING_CHECKIN, due_at=when,
                   payload={"problem_id": problem_id}, subject=subject_of(problem_id))


def overdue_nudge(problem: ProblemView, chat_id: int, when: dt.datetime) -> Planned:
    """The next daily nudge of an overdue item."""
    stamp = problem.deadline.astimezone(dt.UTC).isoformat() if problem.deadline else ""
    return Planned(key=f"p{problem.id}:deadline.overdue:{chat_id}:{when:%Y%m%d%H%M}:{stamp}",
                   chat_id=chat_id, kind=NoteKind.DEADLINE_OVERDUE, due_at=when,
                   payload={"problem_id": problem.id, "deadline": stamp},
                   subject=subject_of(problem.id))
