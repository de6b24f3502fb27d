"""Weekly digests: the unit's 公文-style summary, private overdue notes, the city table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import select

from bot.clock import Clock
from bot.config import Config, Phase
from bot.domain import NoteKind, Role, Status, Track
from bot.errors import DomainError
from bot.services.campaign import END_KIND, PHASE_KIND, Campaign
from bot.services.membership import Identity
from bot.services.notify import LATE_AFTER, NotificationService, Planned
from bot.services.private_note import PrivateNote, every_note, one_note
from bot.services.problem import ProblemView, view
from bot.services.stats import TrendPoint, UnitStats, Window, collect, trend
from bot.strings import shorten
from bot.workdays import WorkCalendar
from storage.db import Database
from storage.ledger import Problem
from storage.models import GroupChat, Member, Unit
from storage.notify import Notification

UNIT_KIND = NoteKind.DIGEST_UNIT
PRIVATE_KIND = NoteKind.DIGEST_PRIVATE
CITY_KIND = NoteKind.DIGEST_CITY
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The city table in a chat message: longer lists keep the head and the tail (4096 characters).
CITY_ROWS = 30
TREND_WEEKS = 6
PRIVATE_NAMES = 60

# The sender renders a week's digests one by one; within this long they share one city-wide
# pass over the ledger instead of a handful of queries each (1,000 units: 0.4 s, not 15 s):
# every unit's figures and private note, the city table and its chart.
SHARED_FOR = dt.timedelta(seconds=60)
T = TypeVar("T")


class Recent(Generic[T]):
    """A value computed for one key (a digest's time), reused while it is SHARED_FOR old."""

    def __init__(self) -> None:
        self._held: tuple[object, dt.datetime, T] | None = None

    def get(self, key: object, now: dt.datetime, make: Callable[[], T]) -> T:
        held = self._held
        if held is None or held[0] != key or not now - SHARED_FOR <= held[1] <= now:
            held = self._held = (key, now, make())
        return held[2]
_STATUS_KEYS = {Status.PENDING: "pending", Status.IN_PROGRESS: "in_progress",
                Status.AWAITING_SIGNOFF: "awaiting", Status.SIGNED_OFF: "signed"}
_TRACK_KEYS = {Track.IMMEDIATE: "immediate", Track.DEADLINE: "deadline", Track.ONGOING: "ongoing"}


@dataclass(frozen=True)
class Slot:
    """One ISO week's digest: its label and local send time."""

    year: int
    week: int
    at: dt.datetime

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"


@dataclass(frozen=True)
class Scope:
    """What a /stats request shows: one unit (None: the city), its private note, the chart."""

    unit_id: int | None
    private: bool = False
    chart: bool = False


@dataclass(frozen=True)
class Ranked:
    rank: int | None
    stats: UnitStats


def rank(units: Sequence[UnitStats]) -> list[Ranked]:
    """Order by 整改率 (then fewer overdue); equal keys share a rank; no problems: no rank."""
    ordered = sorted(units, key=lambda s: (*s.rate_key(), s.code))
    out: list[Ranked] = []
    for i, s in enumerate(ordered):
        if s.total == 0:
            out.append(Ranked(None, s))
        elif out and out[-1].rank is not None and out[-1].stats.rate_key() == s.rate_key():
            out.append(Ranked(out[-1].rank, s))
        else:
            out.append(Ranked(i + 1, s))
    return out


class DigestService:
    def __init__(self, db: Database, clock: Clock, notify: NotificationService, config: Config,
                 calendar: WorkCalendar | None = None) -> None:
        self.db = db
        self.clock = clock
        self.notify = notify
        self.config = config
        self.calendar = calendar
        self.tz = config.tz
        self.campaign = Campaign(config.campaign, config.tz)
        self._planned: set[str] = set()
        self._city: Recent[dict[int, UnitStats]] = Recent()
        self._notes: Recent[dict[int, PrivateNote]] = Recent()

    # -- time ----------------------------------------------------------------------------------

    def slot(self, now: dt.datetime | None = None) -> Slot:
        """This ISO week's digest time (Monday-start weeks, in the deployment's zone)."""
        local = (now or self.clock.now()).astimezone(self.tz)
        year, week, weekday = local.isocalendar()
        day = local.date() + dt.timedelta(days=WEEKDAYS.index(self.config.digest.weekday)
                                          - (weekday - 1))
        at = dt.datetime.combine(day, dt.time.fromisoformat(self.config.digest.time),
                                 tzinfo=self.tz)
        return Slot(year, week, at)

    def window(self, at: dt.datetime | None = None) -> Window:
        """Totals as of now; "this week" is the seven days up to the digest time `at`."""
        now = self.clock.now()
        until = at or now
        return Window(now=now, since=until - dt.timedelta(days=7), until=until, tz=self.tz)

    # -- figures -------------------------------------------------------------------------------

    def unit_stats(self, unit_id: int, at: dt.datetime | None = None, *,
                   shared: bool = False) -> UnitStats:
        """One unit's figures; shared=True reads them from a recent city-wide pass (the sender)."""
        if shared:
            found_shared = self._shared_city(at).get(unit_id)
            if found_shared is not None:
                return found_shared
        with self.db.read() as conn:
            found = collect(conn, self.window(at), [unit_id])
        if not found:
            raise DomainError("stats.unknown_unit")
        return found[0]

    def city_stats(self, at: dt.datetime | None = None, *, supervision: bool = True,
                   shared: bool = False) -> list[UnitStats]:
        """Every unit's figures; shared=True reads them from a recent city-wide pass (the
        sender's digests of one week: the unit texts, the city table and its chart)."""
        if shared and supervision:
            return list(self._shared_city(at).values())
        with self.db.read() as conn:
            return collect(conn, self.window(at), supervision=supervision)

    def _shared_city(self, at: dt.datetime | None) -> dict[int, UnitStats]:
        return self._city.get(at, self.clock.now(),
                              lambda: {s.unit_id: s for s in self.city_stats(at)})

    def city_trend(self, at: dt.datetime | None = None) -> list[TrendPoint]:
        end = at or self.clock.now()
        ends = [end - dt.timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]
        with self.db.read() as conn:
            return trend(conn, ends)

    def find_unit(self, key: str) -> tuple[int, str]:
        """(id, code) of a unit by code or name."""
        key = key.strip()
        with self.db.read() as conn:
            row = conn.execute(select(Unit.id, Unit.code).where(
                (Unit.code == key.upper()) | (Unit.name == key))).first()
        if row is None:
            raise DomainError("unit.unknown", code=shorten(key, 40))
        return row[0], row[1]

    def group_unit(self, chat_id: int) -> int | None:
        with self.db.read() as conn:
            return conn.execute(select(GroupChat.unit_id).where(
                GroupChat.chat_id == chat_id, GroupChat.active.is_(True))).scalar()

    # -- what the texts are made of -----------------------------------------------------------

    def today(self) -> dt.date:
        return self.clock.now().astimezone(self.tz).date()

    def private_note(self, unit_id: int, *, shared: bool = False) -> PrivateNote:
        """Overdue items with their owners, and who has filed nothing this phase; shared=True
        reads it from a recent pass over every unit (the sender's private digests)."""
        now = self.clock.now()
        if shared:
            found = self._notes.get(None, now, self._every_note).get(unit_id)
            if found is not None:
                return found
        with self.db.read() as conn:
            return one_note(conn, unit_id, now, self.tz, *self._filing_since(now))

    def _every_note(self) -> dict[int, PrivateNote]:
        now = self.clock.now()
        with self.db.read() as conn:
            return every_note(conn, now, self.tz, *self._filing_since(now))

    def _filing_since(self, now: dt.datetime) -> tuple[dt.datetime | None, dt.date]:
        """Since when a member who filed nothing is named, and that day; None: name nobody."""
        today = now.astimezone(self.tz).date()
        window = self.campaign.filing_window(today)
        if window is None:  # no phases configured: no phase anyone could be behind in
            return None, today
        first = window[0]
        if first > today:  # the campaign has not started: nobody is behind yet
            return None, first
        return dt.datetime.combine(first, dt.time(0), tzinfo=self.tz), first

    def ongoing_items(self) -> list[ProblemView]:
        """Every 长期坚持 item, for the closing workbook (handed over to routine supervision)."""
        with self.db.reading() as s:
            return [view(p) for p in s.scalars(
                select(Problem).join(Unit, Unit.id == Problem.unit_id)
                .where(Problem.track == Track.ONGOING).order_by(Unit.code, Problem.seq))]

    def scope(self, by: Identity, *, unit: str | None = None,
              group: int | None = None) -> Scope:
        """/stats: what `by` may see; names only in a private chat, to leaders and the office."""
        if by.role is None:
            raise DomainError("stats.no_unit")
        if group is not None:
            unit_id = self.group_unit(group) or (by.unit.id if by.unit else None)
            if unit_id is None:
                if by.role is Role.OFFICE:
                    return Scope(None)
                raise DomainError("stats.no_unit")
            return Scope(unit_id)
        if unit is not None:
            unit_id, _ = self.find_unit(unit)
            if by.role is not Role.OFFICE and (by.unit is None or by.unit.id != unit_id):
                raise DomainError("stats.denied")
        elif by.role is Role.OFFICE:
            return Scope(None, chart=True)
        elif by.unit is not None:
            unit_id = by.unit.id
        else:
            raise DomainError("stats.no_unit")
        return Scope(unit_id, private=by.role in (Role.OFFICE, Role.LEADER, Role.LIAISON))

    # -- planning ------------------------------------------------------------------------------

    def _due(self, at: dt.datetime, now: dt.datetime) -> dt.datetime:
        # Planned after downtime: due now, so the sender sends it in full instead of folding
        # it into a "while the bot was stopped" summary. The payload keeps the real time.
        return at if now - at <= LATE_AFTER else now

    def office_chats(self) -> list[int]:
        """Office admins (config and Role.OFFICE members) and the groups of the office's units."""
        with self.db.read() as conn:
            people = set(conn.execute(select(Member.user_id).where(
                Member.role == Role.OFFICE)).scalars())
            office_units = select(Member.unit_id).where(Member.role == Role.OFFICE)
            groups = conn.execute(select(GroupChat.chat_id).where(
                GroupChat.active.is_(True), GroupChat.unit_id.in_(office_units))).scalars()
            return sorted(people | set(self.config.office_admins)) + sorted(groups)

    def _unit_groups(self) -> list[tuple[int, int, str]]:
        with self.db.read() as conn:
            return [(c, u, code) for c, u, code in conn.execute(
                select(GroupChat.chat_id, Unit.id, Unit.code)
                .join(Unit, Unit.id == GroupChat.unit_id).where(GroupChat.active.is_(True))
                .order_by(Unit.code, GroupChat.chat_id))]

    def _overseers(self, roles: tuple[Role, ...] = (Role.LEADER, Role.LIAISON),
                   ) -> list[tuple[int, int, str]]:
        with self.db.read() as conn:
            return [(p, u, code) for p, u, code in conn.execute(
                select(Member.user_id, Unit.id, Unit.code).join(Unit, Unit.id == Member.unit_id)
                .where(Member.role.in_(roles))
                .order_by(Unit.code, Member.user_id))]

    def week_plan(self, slot: Slot, now: dt.datetime) -> list[Planned]:
        """This week's digests: each bound group, each unit's leaders and liaisons, the office."""
        due, at, label = self._due(slot.at, now), slot.at.isoformat(), slot.label
        subject = f"digest:{label}"
        groups = self._unit_groups()
        with_group = {unit_id for _, unit_id, _ in groups}
        # A unit with no group chat bound still gets its digest: to its leaders, privately.
        leaders = [(person, unit_id, code) for person, unit_id, code
                   in self._overseers((Role.LEADER,)) if unit_id not in with_group]
        plans = [Planned(key=f"digest:{code}:{label}:{chat}", chat_id=chat, kind=UNIT_KIND,
                         due_at=due, payload={"unit_id": unit_id, "at": at}, subject=subject)
                 for chat, unit_id, code in [*groups, *leaders]]
        plans += [Planned(key=f"digest.private:{code}:{label}:{person}", chat_id=person,
                          kind=PRIVATE_KIND, due_at=due, payload={"unit_id": unit_id, "at": at},
                          subject=subject)
                  for person, unit_id, code in self._overseers()]
        plans += [Planned(key=f"digest.city:{label}:{chat}", chat_id=chat, kind=CITY_KIND,
                          due_at=due, payload={"at": at}, subject=subject)
                  for chat in self.office_chats()]
        return plans

    def _sent_before(self, at: dt.datetime) -> bool:
        with self.db.read() as conn:
            return conn.execute(select(Notification.id).where(
                Notification.kind.in_((UNIT_KIND, PRIVATE_KIND, CITY_KIND)),
                Notification.due_at < at).limit(1)).first() is not None

    def phase_plan(self, phase: Phase, now: dt.datetime) -> list[Planned]:
        due = self._due(self.campaign.at(phase.start), now)
        chats = [c for c, _, _ in self._unit_groups()] + self.office_chats()
        payload = {"phase": phase.name, "start": phase.start.isoformat()}
        return [Planned(key=f"phase:{phase.name}:{phase.start.isoformat()}:{chat}",
                        chat_id=chat, kind=PHASE_KIND, due_at=due, payload=payload,
                        subject="campaign") for chat in dict.fromkeys(chats)]

    def end_plan(self, now: dt.datetime) -> list[Planned]:
        end = self.campaign.end
        assert end is not None
        due = self._due(self.campaign.at(end + dt.timedelta(days=1)), now)
        return [Planned(key=f"campaign.end:{end.isoformat()}:{chat}", chat_id=chat,
                        kind=END_KIND, due_at=due, payload={"end": end.isoformat()},
                        subject="campaign") for chat in self.office_chats() if chat > 0]

    def plan_due(self) -> int:
        """Plan whatever digest, announcement or closing book has come due; idempotent by key.

        Runs at every tick; each plan is made once per process (and once ever, by its keys).
        """
        now = self.clock.now()
        planned = 0
        slot = self.slot(now)
        if now >= slot.at and slot.label not in self._planned:
            # Late: downtime if the bot sent digests before, else a fresh start mid-week, which
            # waits for the next regular digest rather than posting one out of the blue.
            if now - slot.at <= LATE_AFTER or self._sent_before(slot.at):
                planned += self.notify.plan(self.week_plan(slot, now))
            self._planned.add(slot.label)
        for phase in self.campaign.announcements_due(now):
            marker = f"phase:{phase.name}:{phase.start}"
            if marker not in self._planned:
                planned += self.notify.plan(self.phase_plan(phase, now))
                self._planned.add(marker)
        if self.campaign.end_due(now) and "end" not in self._planned:
            planned += self.notify.plan(self.end_plan(now))
            self._planned.add("end")
        return planned

    def phase(self, name: str, start: str) -> Phase | None:
        """The configured phase an announcement was planned for, if it is still configured."""
        return next((p for p in self.campaign.phases
                     if p.name == name and p.start.isoformat() == start), None)

    # -- by hand ----------------------------------------------------------------------------

    def send_now(self, unit_code: str | None) -> int:
        """`digest --send`: plan this week's digests due now under one-off keys (of one unit, or
        all); the running bot's sender delivers them. Return how many were planned."""
        unit = self.find_unit(unit_code) if unit_code else None
        now = self.clock.now()
        year, week, _ = now.astimezone(self.tz).isocalendar()
        slot = Slot(year, week, now)
        stamp = f"manual{now.astimezone(self.tz):%Y%m%dT%H%M%S}"
        # Group and city digests go again under one-off keys; a person's private note keeps its
        # week's key, so one already planned or sent this week is not sent twice.
        plans = [Planned(key=p.key if p.kind == PRIVATE_KIND else p.key.replace(slot.label, stamp),
                         chat_id=p.chat_id, kind=p.kind, due_at=now, payload=p.payload,
                         subject=p.subject)
                 for p in self.week_plan(slot, now)
                 if unit is None or p.payload.get("unit_id") in (None, unit[0])]
        if unit is not None:
            plans = [p for p in plans if p.kind != CITY_KIND]
        return self.notify.plan(plans)
