"""The colour ladder (蓝 / 黄 / 红) of open items, and the daily step that records each change
and tells, once per step, a wider audience: the owner, then the 责任领导, then the office."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

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
from bot.services.plans import item_leaders
from bot.services.problem import EventView, ProblemView
from bot.workdays import WorkCalendar
from storage.db import Database
from storage.ledger import Problem, ProblemEvent
from storage.models import Member

KIND = NoteKind.LADDER_STEP
# What counts as the item moving: a stagnant item is one with none of these for a while.
MOVEMENT = (EventKind.FILED, EventKind.PROGRESS, EventKind.REJECTED, EventKind.EXTENDED)
LADDER_KINDS = tuple(LADDER_EVENTS.values())
_COLOUR_OF = {kind: colour for colour, kind in LADDER_EVENTS.items()}
# Who is told at each step; each step tells everyone the step before told, and more.
AUDIENCE = {Colour.BLUE: ("owner",), Colour.YELLOW: ("owner", "leader"),
            Colour.RED: ("owner", "leader", "office")}
# The name the ladder's own events carry in the history.
ACTOR_ID = 0
ACTOR_NAME = "系统"

_OPEN_ITEMS = select(
    Problem.id, Problem.unit_id, Problem.deadline, Problem.track, Problem.checkin_days,
    Problem.created_at, Problem.owner_user_id, Problem.created_by, Problem.leader_user_id,
).where(Problem.status.in_(OPEN))
_MOVED = (select(ProblemEvent.problem_id, func.max(ProblemEvent.at))
          .join(Problem, Problem.id == ProblemEvent.problem_id)
          .where(Problem.status.in_(OPEN), ProblemEvent.kind.in_(MOVEMENT))
          .group_by(ProblemEvent.problem_id))
_LAST_STEP = select(ProblemEvent.problem_id, ProblemEvent.kind).where(
    ProblemEvent.id.in_(
        select(func.max(ProblemEvent.id))
        .join(Problem, Problem.id == ProblemEvent.problem_id)
        .where(Problem.status.in_(OPEN), ProblemEvent.kind.in_(LADDER_KINDS))
        .group_by(ProblemEvent.problem_id)))
_PEOPLE = select(Member.user_id, Member.unit_id, Member.role).where(
    Member.role.in_((Role.LEADER, Role.OFFICE)))


# An item's colour now, the colour last recorded, and when it last moved.
Shade = tuple[Colour | None, Colour | None, dt.datetime]


class Ladder:
    """The rule, with its thresholds worked out once for `now`: one call per item."""

    def __init__(self, config: Config, now: dt.datetime) -> None:
        self.now = now
        self.stagnant = dt.timedelta(days=config.ladder.stagnant_days)
        self.stale_before = now - self.stagnant
        self.blue_before = now + dt.timedelta(days=config.ladder.blue_days)

    def colour(self, deadline: dt.datetime | None, moved_at: dt.datetime, track: Track,
               checkin_days: int | None) -> Colour | None:
        """红 when overdue, else 黄 when nothing moved for stagnant_days (a 长期坚持 item gets
        its check-in period on top), else 蓝 when due within blue_days, else no colour."""
        if deadline is not None and deadline < self.now:
            return Colour.RED
        stale_before = self.stale_before
        if track is Track.ONGOING and checkin_days:
            stale_before -= dt.timedelta(days=checkin_days)
        if moved_at <= stale_before:
            return Colour.YELLOW
        if deadline is not None and deadline <= self.blue_before:
            return Colour.BLUE
        return None


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

    def still_days(self, problem: ProblemView, history: Sequence[EventView]) -> int:
        """Whole days since the item last moved."""
        return max(0, (self.clock.now() - last_moved(problem, history)).days)

    def colours(self, conn: Connection) -> dict[int, Shade]:
        """Every open item's colour now, the colour last recorded for it, when it last moved."""
        ladder = Ladder(self.config, self.clock.now())
        moved = dict(conn.execute(_MOVED).all())
        recorded = {pid: _COLOUR_OF[kind] for pid, kind in conn.execute(_LAST_STEP)}
        colour = ladder.colour
        out: dict[int, Shade] = {}
        for pid, _, deadline, track, checkin_days, created, *_ in conn.execute(_OPEN_ITEMS):
            at = moved.get(pid) or created
            out[pid] = (colour(deadline, at, track, checkin_days), recorded.get(pid), at)
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
        with self.db.write() as conn:
            changed = {pid: shade for pid, shade in self.colours(conn).items()
                       if shade[0] != shade[1]}
            if not changed:
                return []
            leaders, office = self._people(conn)
            steps: list[Step] = []
            notes: list[Planned] = []
            rows = conn.execute(_OPEN_ITEMS.where(Problem.id.in_(list(changed))))
            for pid, unit_id, _, _, _, _, owner, filer, leader in rows:
                after, before, moved = changed[pid]
                told: tuple[tuple[int, str], ...] = ()
                if after is not None and after.rank > (before.rank if before else 0):
                    told = _audience(after, owner or filer,
                                     item_leaders(leader, leaders.get(unit_id, set())), office)
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
