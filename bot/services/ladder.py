"""The colour ladder (蓝 / 黄 / 红) of open items, and the daily step that records each change
and tells, once per step, a wider audience: the owner, then the 责任领导, then the office."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, case, func, insert, select
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.config import Config
from bot.domain import (
    LADDER_EVENTS,
    OPEN,
    Colour,
    EventKind,
    NoteKind,
    Role,
    Track,
)
from bot.services.ledger_base import notice_subject
from bot.services.notify import NotificationService, Planned
from bot.services.plans import item_leaders, morning
from bot.services.problem import EventView, ProblemView
from bot.workdays import WorkCalendar
from storage.db import Database
from storage.ledger import Problem, ProblemEvent
from storage.models import Member
from storage.types import UTCDateTime

KIND = NoteKind.LADDER_STEP
# An item's colour now and the colour last recorded for it.
Shade = tuple[Colour | None, Colour | None]
# What counts as the item moving: a stagnant item is one with none of these for a while.
MOVEMENT = (EventKind.FILED, EventKind.PROGRESS, EventKind.REJECTED, EventKind.EXTENDED)
LADDER_KINDS = tuple(LADDER_EVENTS.values())
# Who is told at each step; each step tells everyone the step before told, and more.
AUDIENCE = {Colour.BLUE: ("owner",), Colour.YELLOW: ("owner", "leader"),
            Colour.RED: ("owner", "leader", "office")}
# The name the ladder's own events carry in the history.
ACTOR_ID = 0
ACTOR_NAME = "系统"

# One pass over each item's events, in the order of the (problem_id, kind, at) index, which
# holds every column it reads: when the item last moved, and its newest ladder event. Two
# grouped subqueries (one per question) cost each a temp B-tree and twice the time.
_EVENTS = (select(ProblemEvent.problem_id.label("problem_id"),
                  func.max(case((ProblemEvent.kind.in_(MOVEMENT), ProblemEvent.at))).label("at"),
                  func.max(case((ProblemEvent.kind.in_(LADDER_KINDS), ProblemEvent.id)))
                  .label("id"))
           .group_by(ProblemEvent.problem_id).subquery())
_STEP = aliased(ProblemEvent)
_AT = func.coalesce(_EVENTS.c.at, Problem.created_at, type_=UTCDateTime())
_NOW = bindparam("now", type_=UTCDateTime())
_BLUE = bindparam("blue", type_=UTCDateTime())
_STALE = bindparam("stale", type_=UTCDateTime())
_OVERDUE = Problem.deadline < _NOW
_NEAR = Problem.deadline <= _BLUE
# Ladder.pick as SQL, for the daily pass over every open item: the database compares the
# dates (decoding 300,000 datetimes would cost more than the whole rule) and hands back only
# the items whose colour changed, and every 长期坚持 item with its time (its window is its own).
_COLOUR = case((_OVERDUE, Colour.RED.value), (_AT <= _STALE, Colour.YELLOW.value),
               (_NEAR, Colour.BLUE.value))
_RECORDED = case(*((_STEP.kind == kind.value, colour.value)
                   for colour, kind in LADDER_EVENTS.items() if colour is not None))
_ONGOING = Problem.track == Track.ONGOING
_PASS = (select(Problem.id, _COLOUR, _RECORDED, case((_ONGOING, _AT)), Problem.checkin_days,
                _OVERDUE, _NEAR)
         .outerjoin(_EVENTS, _EVENTS.c.problem_id == Problem.id)
         .outerjoin(_STEP, _STEP.id == _EVENTS.c.id)
         .where(Problem.status.in_(OPEN),
                _ONGOING | (func.coalesce(_COLOUR, "") != func.coalesce(_RECORDED, ""))))
# For the few items that changed: each one's own events, through the index.
_MOVED_AT = (select(func.max(ProblemEvent.at))
             .where(ProblemEvent.problem_id == Problem.id, ProblemEvent.kind.in_(MOVEMENT))
             .correlate(Problem).scalar_subquery())
_DETAILS = select(Problem.id, Problem.unit_id, Problem.owner_user_id, Problem.created_by,
                  Problem.leader_user_id,
                  func.coalesce(_MOVED_AT, Problem.created_at, type_=UTCDateTime()),
                  Problem.deadline, Problem.track, Problem.checkin_days).where(
    Problem.id.in_(bindparam("ids", expanding=True)))
_PAGE_MOVED = (select(ProblemEvent.problem_id, func.max(ProblemEvent.at))
               .where(ProblemEvent.problem_id.in_(bindparam("ids", expanding=True)),
                      ProblemEvent.kind.in_(MOVEMENT))
               .group_by(ProblemEvent.problem_id))
_PEOPLE = select(Member.user_id, Member.unit_id, Member.role).where(
    Member.role.in_((Role.LEADER, Role.OFFICE)))
CHUNK = 500


class Ladder:
    """The rule, with its thresholds worked out once for `now`."""

    def __init__(self, config: Config, now: dt.datetime) -> None:
        self.now = now
        self.stale_before = now - dt.timedelta(days=config.ladder.stagnant_days)
        self.blue_before = now + dt.timedelta(days=config.ladder.blue_days)

    @staticmethod
    def pick(overdue: object, stale: object, near: object) -> Colour | None:
        """红 when overdue, else 黄 when nothing moved for stagnant_days, else 蓝 when due
        within blue_days, else no colour (the daily pass says the same in SQL: _COLOUR)."""
        if overdue:
            return Colour.RED
        if stale:
            return Colour.YELLOW
        return Colour.BLUE if near else None

    def stale(self, moved_at: dt.datetime, track: Track, checkin_days: int | None) -> bool:
        """Nothing moved for stagnant_days; a 长期坚持 item gets its check-in period on top."""
        if track is Track.ONGOING and checkin_days:
            return moved_at <= self.stale_before - dt.timedelta(days=checkin_days)
        return moved_at <= self.stale_before

    def colour(self, deadline: dt.datetime | None, moved_at: dt.datetime, track: Track,
               checkin_days: int | None) -> Colour | None:
        return self.pick(deadline is not None and deadline < self.now,
                         self.stale(moved_at, track, checkin_days),
                         deadline is not None and deadline <= self.blue_before)

    def params(self) -> dict[str, dt.datetime]:
        return {"now": self.now, "blue": self.blue_before, "stale": self.stale_before}


def last_moved(problem: ProblemView, history: Iterable[EventView]) -> dt.datetime:
    """When the item last moved: its newest progress-like event, else its filing."""
    return max((e.at for e in history if e.kind in MOVEMENT), default=problem.created_at)


@dataclass(frozen=True)
class Step:
    """One item's colour changing, and who is told of it."""

    problem_id: int
    before: Colour | None
    after: Colour | None
    told: tuple[int, ...]


class LadderService:
    def __init__(self, db: Database, clock: Clock, config: Config, calendar: WorkCalendar,
                 notify: NotificationService) -> None:
        self.db = db
        self.clock = clock
        self.config = config
        self.calendar = calendar
        self.notify = notify
        self._stepped_on: dt.date | None = None

    def colour_of(self, problem: ProblemView, history: Sequence[EventView]) -> Colour | None:
        """The item's colour now (None: none, or not open); what its card shows."""
        if problem.status not in OPEN:
            return None
        return Ladder(self.config, self.clock.now()).colour(
            problem.deadline, last_moved(problem, history), problem.track, problem.checkin_days)

    def colours(self, problems: Sequence[ProblemView]) -> dict[int, Colour]:
        """The colour now of each open item of a list page (the card's rule), in one read."""
        open_ = [p for p in problems if p.status in OPEN]
        if not open_:
            return {}
        with self.db.read() as conn:
            rows = conn.execute(_PAGE_MOVED, {"ids": [p.id for p in open_]})
            moved = {pid: at for pid, at in rows}
        ladder = Ladder(self.config, self.clock.now())
        out = {}
        for p in open_:
            colour = ladder.colour(p.deadline, moved.get(p.id) or p.created_at, p.track,
                                   p.checkin_days)
            if colour is not None:
                out[p.id] = colour
        return out

    def still_days(self, problem: ProblemView, history: Sequence[EventView]) -> int:
        """Whole days since the item last moved."""
        return max(0, (self.clock.now() - last_moved(problem, history)).days)

    def changes(self, conn: Connection) -> dict[int, Shade]:
        """Colour every open item; return those whose colour is not the one last recorded,
        with both colours."""
        ladder = Ladder(self.config, self.clock.now())
        out: dict[int, Shade] = {}
        rows = conn.execute(_PASS, ladder.params()).all()
        for pid, colour, recorded, ongoing_at, days, overdue, near in rows:
            shade = (Colour(colour) if colour else None, Colour(recorded) if recorded else None)
            if ongoing_at is not None:
                shade = (ladder.pick(overdue, ladder.stale(ongoing_at, Track.ONGOING, days),
                                     near), shade[1])
            if shade[0] != shade[1]:
                out[pid] = shade
        return out

    def plan_daily(self) -> int:
        """Step the ladder once a working day, at the nudge time (the sender calls this every
        tick); a restart steps again, which finds nothing new to record."""
        local = self.clock.now().astimezone(self.config.tz)
        today = local.date()
        if self._stepped_on == today:
            return 0
        if not self.calendar.is_workday(today):
            self._stepped_on = today
            return 0
        if local.time() < dt.time.fromisoformat(self.config.reminders.nudge_time):
            return 0
        steps = self.step()
        self._stepped_on = today
        return len(steps)

    def step(self) -> list[Step]:
        """Record every colour change as an event and plan its notices, in one transaction."""
        now = self.clock.now()
        day = now.astimezone(self.config.tz).date()
        earlier = Ladder(self.config, self._last_pass(day))
        with self.db.write() as conn:
            changed = self.changes(conn)
            if not changed:
                return []
            leaders, office = self._people(conn)
            steps: list[Step] = []
            notes: list[Planned] = []
            ids = sorted(changed)
            for first in range(0, len(ids), CHUNK):
                rows = conn.execute(_DETAILS, {"ids": ids[first:first + CHUNK]})
                for pid, unit_id, owner, filer, leader, moved, deadline, track, days in rows:
                    after, before = changed[pid]
                    told: tuple[tuple[int, str], ...] = ()
                    # An item's first colour that it had at the last working day's pass too:
                    # the ladder was not running then (an upgrade); recorded, told to nobody.
                    baseline = before is None and after is not None and moved <= earlier.now \
                        and after is earlier.colour(deadline, moved, Track(track), days)
                    if after is not None and after.rank > (before.rank if before else 0) \
                            and not baseline:
                        told = _audience(after, owner or filer,
                                         item_leaders(leader, leaders.get(unit_id, set())),
                                         office)
                        still = max(0, (now - moved).days)
                        notes += [_notice(pid, after, chat, role, now, day, still)
                                  for chat, role in told]
                    steps.append(Step(pid, before, after, tuple(chat for chat, _ in told)))
            conn.execute(insert(ProblemEvent), [
                {"problem_id": s.problem_id, "at": now, "actor_id": ACTOR_ID,
                 "actor_name": ACTOR_NAME, "kind": LADDER_EVENTS[s.after],
                 "details": {"from": s.before, "to": s.after}} for s in steps])
            self.notify.plan(notes, conn=conn)
        return steps

    def _last_pass(self, today: dt.date) -> dt.datetime:
        """When the daily pass ran on the working day before `today`."""
        return morning(self.config, self.calendar.previous_workday(today))

    def _people(self, conn: Connection) -> tuple[dict[int, set[int]], list[int]]:
        leaders: dict[int, set[int]] = {}
        office = set(self.config.office_admins)
        for user_id, unit_id, role in conn.execute(_PEOPLE):
            if role == Role.LEADER:
                leaders.setdefault(unit_id, set()).add(user_id)
            else:
                office.add(user_id)
        return leaders, sorted(office)


def _audience(colour: Colour, owner: int | None, leaders: list[int], office: list[int],
              ) -> tuple[tuple[int, str], ...]:
    """Each person once, under the first role the step reaches him by."""
    groups = {"owner": [owner] if owner else [], "leader": leaders, "office": office}
    seen: dict[int, str] = {}
    for role in AUDIENCE[colour]:
        for chat in groups[role]:
            seen.setdefault(chat, role)
    return tuple(seen.items())


def _notice(problem_id: int, colour: Colour, chat: int, role: str, now: dt.datetime,
            day: dt.date, still: int) -> Planned:
    return Planned(key=f"ladder:{problem_id}:{colour}:{chat}:{day:%Y%m%d}", chat_id=chat,
                   kind=KIND, due_at=now,
                   payload={"problem_id": problem_id, "colour": colour.value, "role": role,
                            "still_days": still},
                   subject=notice_subject(problem_id))
