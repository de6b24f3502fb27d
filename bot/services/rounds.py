"""Progress rounds (进展报送): the office (every unit) or a unit sets a round such as
每周五16:00前报进展; before each close on a working day every owner of an open item is asked
for a line, and at the close the unit's leaders and liaisons hear, privately, who did not report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Select, func, insert, select, update

from bot.clock import Clock
from bot.config import Config
from bot.dates.recurring import END_OF_DAY, parse_recurring
from bot.domain import OPEN, DialogRef, EventKind, NoteKind, Role, Status
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.services.ledger_base import LedgerBase
from bot.services.membership import Identity, UnitView
from bot.services.notify import NotificationService, Planned
from bot.services.plans import at_local
from bot.workdays import WorkCalendar
from storage.db import Database
from storage.dialogs import end_dialog
from storage.ledger import Problem
from storage.models import Member, Unit
from storage.rounds import ProgressRound, RoundReport, tally_query

ASK = NoteKind.ROUND_ASK
MISSING = NoteKind.ROUND_MISSING
ANSWERS = ("progress", "unchanged", "extension")  # 有进展 / 无变化 / 申请延期
# Whoever hears of a unit's 未报送 list at the close.
LISTENERS = (Role.LEADER, Role.LIAISON)
# An owner is asked at the nudge time of the close's day, unless that leaves less than this;
# then at the nudge time of the working day before.
LEAST_NOTICE = dt.timedelta(hours=2)
CHUNK = 1000


@dataclass(frozen=True)
class RoundView:
    id: int
    unit_id: int | None  # None: every unit without a round of its own
    unit_name: str | None
    weekday: int | None  # None: every working day
    close_time: str
    phrase: str
    set_name: str
    next_close: dt.datetime | None  # local


@dataclass(frozen=True)
class Report:
    """One item asked at one close, and the answer so far."""

    id: int
    round_id: int
    close_at: dt.datetime
    problem_id: int
    number: str
    description: str
    owner_name: str
    user_id: int
    answer: str | None
    answered_at: dt.datetime | None

    @property
    def late(self) -> bool:
        return self.answered_at is not None and self.answered_at > self.close_at


@dataclass(frozen=True)
class Tally:
    """A unit's reports over its closed rounds: on time, late, and never made (未报送)."""

    asked: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0


def _view(r: ProgressRound, unit_name: str | None, next_close: dt.datetime | None,
          ) -> RoundView:
    return RoundView(r.id, r.unit_id, unit_name, r.weekday, r.close_time, r.phrase, r.set_name,
                     next_close)


class RoundService(LedgerBase):
    def __init__(self, db: Database, clock: Clock, config: Config, calendar: WorkCalendar,
                 notify: NotificationService) -> None:
        super().__init__(db, clock, notify=notify, office_admins=config.office_admins)
        self.notify_service = notify
        self.config = config
        self.tz = config.tz
        self.calendar = calendar
        self._opened: set[tuple[int, dt.datetime]] = set()

    # -- when --------------------------------------------------------------------------------

    def next_close(self, weekday: int | None, close_time: str, after: dt.datetime,
                   ) -> dt.datetime | None:
        """The first close after `after` on a working day (UTC); None when a year of days
        holds none (a weekday the calendar never works)."""
        at = dt.time.fromisoformat(close_time)
        day = after.astimezone(self.tz).date()
        for _ in range(400):
            if (weekday is None or day.weekday() == weekday) and self.calendar.is_workday(day):
                close = at_local(day, at, self.tz)
                if close > after:
                    return close
            day += dt.timedelta(days=1)
        return None

    def prompt_at(self, close: dt.datetime) -> dt.datetime:
        """When the owners are asked for a close: that day's nudge time, or the working day
        before's when that would leave less than LEAST_NOTICE."""
        nudge = dt.time.fromisoformat(self.config.reminders.nudge_time)
        day = close.astimezone(self.tz).date()
        prompt = at_local(day, nudge, self.tz)
        if close - prompt < LEAST_NOTICE:
            prompt = at_local(self.calendar.previous_workday(day), nudge, self.tz)
        return prompt

    # -- setting -----------------------------------------------------------------------------

    def set(self, by: Identity, by_name: str, text: str, unit: UnitView | None = None,
            ) -> RoundView:
        """Set the round of the person's unit (the office: of every unit, or of `unit`) from a
        phrase such as 每周五16:00前报进展, replacing the one before."""
        unit_id, unit_name = self._scope(by, unit)
        phrase = text.strip()
        now = self.clock.now()
        found = parse_recurring(phrase, now.astimezone(self.tz))
        if found is None:
            raise DomainError("rounds.unreadable")
        if found.at == END_OF_DAY:
            raise DomainError("rounds.no_clock")
        close_time = found.at.strftime("%H:%M")
        if self.next_close(found.weekday, close_time, now) is None:
            raise DomainError("rounds.no_workday")
        with self.db.unit() as uow:
            s = uow.session
            self._stop(s.connection(), unit_id, now)
            r = ProgressRound(unit_id=unit_id, weekday=found.weekday, close_time=close_time,
                              phrase=phrase, set_by=by.user_id, set_name=by_name[:200],
                              created_at=now)
            s.add(r)
            s.flush()
            return _view(r, unit_name, self._local_next(r, now))

    def stop(self, by: Identity, unit: UnitView | None = None) -> RoundView | None:
        """Stop the round of the person's unit (the office: the city's, or `unit`'s); None when
        none ran."""
        unit_id, unit_name = self._scope(by, unit)
        now = self.clock.now()
        with self.db.unit() as uow:
            s = uow.session
            r = s.scalars(self._active().where(_unit_is(unit_id))).first()
            if r is None:
                return None
            self._stop(s.connection(), unit_id, now)
            return _view(r, unit_name, None)

    def current(self, by: Identity) -> tuple[RoundView, ...]:
        """The rounds that apply to the person: the office sees every one; a unit its own,
        else the city's."""
        now = self.clock.now()
        with self.db.reading() as s:
            query = select(ProgressRound, Unit.name).outerjoin(
                Unit, Unit.id == ProgressRound.unit_id).where(ProgressRound.stopped_at.is_(None))
            if by.role is not Role.OFFICE:
                if by.unit is None:
                    return ()
                query = query.where((ProgressRound.unit_id == by.unit.id)
                                    | ProgressRound.unit_id.is_(None))
            rows = s.execute(query.order_by(ProgressRound.unit_id.is_not(None),
                                            ProgressRound.id)).all()
            views = [_view(r, name, self._local_next(r, now)) for r, name in rows]
        if by.role is not Role.OFFICE and any(v.unit_id is not None for v in views):
            views = [v for v in views if v.unit_id is not None]
        return tuple(views)

    def _scope(self, by: Identity, unit: UnitView | None) -> tuple[int | None, str | None]:
        """The unit a round is set for (None: the city's) and its name."""
        if not can(by.role, Action.SET_ROUNDS):
            raise DomainError("rounds.denied")
        if by.role is Role.OFFICE:
            return (unit.id, unit.name) if unit else (None, None)
        if by.unit is None or (unit is not None and unit.id != by.unit.id):
            raise DomainError("rounds.denied")
        return by.unit.id, by.unit.name

    def _local_next(self, r: ProgressRound, now: dt.datetime) -> dt.datetime | None:
        close = self.next_close(r.weekday, r.close_time, now)
        return close.astimezone(self.tz) if close else None

    @staticmethod
    def _active() -> Select[ProgressRound]:
        return select(ProgressRound).where(ProgressRound.stopped_at.is_(None))

    def _stop(self, conn: Connection, unit_id: int | None, now: dt.datetime) -> None:
        """Stop the scope's round; its questions and 未报送 lists not yet sent go with it."""
        ids = conn.execute(select(ProgressRound.id).where(
            ProgressRound.stopped_at.is_(None), _unit_is(unit_id))).scalars().all()
        for rid in ids:
            self.notify_service.cancel_subject(f"round:{rid}", conn=conn)
        conn.execute(update(ProgressRound).where(ProgressRound.id.in_(ids))
                     .values(stopped_at=now))

    # -- the tick ----------------------------------------------------------------------------

    def plan_due(self) -> int:
        """Open each round's next close once its owners are due to be asked (the sender calls
        this every tick); a restart opens it again, which finds it open already."""
        now = self.clock.now()
        with self.db.read() as conn:
            rounds = conn.execute(select(ProgressRound.id, ProgressRound.unit_id,
                                         ProgressRound.weekday, ProgressRound.close_time)
                                  .where(ProgressRound.stopped_at.is_(None))).all()
        asked = 0
        for rid, unit_id, weekday, close_time in rounds:
            close = self.next_close(weekday, close_time, now)
            if close is None or (rid, close) in self._opened or now < self.prompt_at(close):
                continue
            asked += self.open(rid, unit_id, close)
            self._opened.add((rid, close))
        return asked

    def open(self, round_id: int, unit_id: int | None, close: dt.datetime) -> int:
        """Ask every owner of an open item in the round's units for a line, once per close,
        and plan the 未报送 list to the units' leaders and liaisons at the close."""
        now = self.clock.now()
        stamp = f"{round_id}:{close:%Y%m%d%H%M}"
        payload = {"round_id": round_id, "close": close.isoformat()}
        with self.db.write() as conn:
            if conn.execute(select(RoundReport.id).where(
                    RoundReport.round_id == round_id, RoundReport.close_at == close).limit(1)
                            ).first() is not None:
                return 0
            items = select(Problem.id, Problem.unit_id,
                           func.coalesce(func.nullif(Problem.owner_user_id, 0),
                                         Problem.created_by)).where(Problem.status.in_(OPEN))
            if unit_id is not None:
                items = items.where(Problem.unit_id == unit_id)
            else:  # units with a round of their own keep to it
                own = select(ProgressRound.unit_id).where(ProgressRound.stopped_at.is_(None),
                                                          ProgressRound.unit_id.is_not(None))
                items = items.where(Problem.unit_id.not_in(own))
            rows = [(pid, unit, user) for pid, unit, user in conn.execute(items.order_by(
                Problem.id)) if user]
            for first in range(0, len(rows), CHUNK):
                conn.execute(insert(RoundReport), [
                    {"round_id": round_id, "close_at": close, "unit_id": unit,
                     "problem_id": pid, "user_id": user}
                    for pid, unit, user in rows[first:first + CHUNK]])
            units = sorted({unit for _, unit, _ in rows})
            users = sorted({user for _, _, user in rows})
            notes = [Planned(key=f"round:{stamp}:ask:{user}", chat_id=user, kind=ASK,
                             due_at=now, payload=payload, subject=f"round:{round_id}")
                     for user in users]
            listeners = conn.execute(select(Member.unit_id, Member.user_id, Unit.name)
                                     .join(Unit, Unit.id == Member.unit_id).where(
                Member.unit_id.in_(units), Member.role.in_(LISTENERS))).all() if units else []
            notes += [Planned(key=f"round:{stamp}:missing:{unit}:{chat}", chat_id=chat,
                              kind=MISSING, due_at=close,
                              payload={**payload, "unit_id": unit, "unit": name},
                              subject=f"round:{round_id}")
                      for unit, chat, name in listeners]
            self.notify_service.plan(notes, conn=conn)
        return len(users)

    # -- answering ---------------------------------------------------------------------------

    def answer(self, report_id: int, *, by: Identity, by_name: str, answer: str,
               text: str | None = None, dialog: DialogRef | None = None) -> Report:
        """Record an owner's answer for one item; 有进展 keeps its line as the item's
        progress, as typed. An answer after the close counts as late."""
        if answer not in ANSWERS:
            raise DomainError("button.stale")
        line = (text or "").strip()
        if answer == "progress" and not line:
            raise DomainError("rounds.line_needed")
        now = self.clock.now()
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            s = uow.session
            report = s.get(RoundReport, report_id)
            if report is None:
                raise DomainError("button.stale")
            problem = self._actionable(s, report.problem_id, by)
            if problem.status not in OPEN:
                raise DomainError("item.not_open", number=problem.number)
            if answer == "progress":
                before = problem.status
                problem.status = Status.IN_PROGRESS
                problem.progress = line
                problem.updated_at = now
                self._event(s, problem, by.user_id, by_name, EventKind.PROGRESS, before,
                            Status.IN_PROGRESS, note=line, details={"round": report.round_id})
            report.answer = answer
            if report.answered_at is None:
                report.answered_at = now
            s.flush()
            return Report(report.id, report.round_id, report.close_at, problem.id,
                          problem.number, problem.description, problem.owner_name,
                          report.user_id, report.answer, report.answered_at)

    # -- reading back ------------------------------------------------------------------------

    def reports(self, round_id: int, close: dt.datetime, *, user_id: int | None = None,
                unit_id: int | None = None, missing_only: bool = False) -> list[Report]:
        """The reports of one close: one person's (what he is asked), or one unit's."""
        query = (select(RoundReport, Problem.number, Problem.description, Problem.owner_name,
                        Problem.status)
                 .join(Problem, Problem.id == RoundReport.problem_id)
                 .where(RoundReport.round_id == round_id, RoundReport.close_at == close))
        if user_id is not None:
            query = query.where(RoundReport.user_id == user_id)
        if unit_id is not None:
            query = query.where(RoundReport.unit_id == unit_id)
        if missing_only:
            query = query.where(RoundReport.answer.is_(None), Problem.status.in_(OPEN))
        with self.db.reading() as s:
            return [Report(r.id, r.round_id, r.close_at, r.problem_id, number, text, owner,
                           r.user_id, r.answer, r.answered_at)
                    for r, number, text, owner, _ in s.execute(query.order_by(Problem.id))]

    def report(self, report_id: int) -> Report | None:
        """One report as it stands (what a 有进展 button is about)."""
        with self.db.reading() as s:
            row = s.execute(select(RoundReport, Problem.number, Problem.description,
                                   Problem.owner_name)
                            .join(Problem, Problem.id == RoundReport.problem_id)
                            .where(RoundReport.id == report_id)).first()
            if row is None:
                return None
            r, number, text, owner = row
            return Report(r.id, r.round_id, r.close_at, r.problem_id, number, text, owner,
                          r.user_id, r.answer, r.answered_at)

    def round(self, round_id: int) -> RoundView | None:
        with self.db.reading() as s:
            row = s.execute(select(ProgressRound, Unit.name).outerjoin(
                Unit, Unit.id == ProgressRound.unit_id).where(ProgressRound.id == round_id)
                            ).first()
            return None if row is None else _view(row[0], row[1], None)

    def tally(self, unit_ids: Sequence[int] | None = None) -> dict[int, Tally]:
        """Per unit, over the closes already past: reports made on time, late, and missing
        (an item signed off or sent for sign-off before its close is not counted missing)."""
        query = tally_query(self.clock.now(), unit_ids)
        with self.db.read() as conn:
            return {unit: Tally(int(n), int(on or 0), int(late or 0), int(miss or 0))
                    for unit, n, on, late, miss in conn.execute(query)}


def _unit_is(unit_id: int | None) -> ColumnElement[bool]:
    return ProgressRound.unit_id.is_(None) if unit_id is None \
        else ProgressRound.unit_id == unit_id
