"""Office-hours (上下班) reminders on working days, per-unit times, opt-out, calendar warnings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import exists, or_, select

from bot.clock import Clock
from bot.config import Config
from bot.domain import LeaveState, NoteKind, Role
from bot.errors import DomainError
from bot.services.membership import Identity
from bot.services.notify import NotificationService, Planned
from bot.workdays import WorkCalendar
from storage.db import Database
from storage.leave import HALF_AM, HALF_PM, NOON, LeaveRequest
from storage.models import Member, Unit, User

KIND = NoteKind.OFFICE_HOURS
CALENDAR_KIND = NoteKind.CALENDAR_MISSING
MAX_TIMES = 4
# Who may change a unit's times. Belongs in bot.permissions once that table grows an action.
SETTERS = frozenset({Role.OFFICE, Role.LEADER, Role.LIAISON})
# When on the day the missing-calendar warning goes out (quiet hours would hold it anyway).
WARN_AT = dt.time(9, 0)
# People planned per transaction (two reminders each by default).
PLAN_BATCH = 2000
_TIME = re.compile(r"([01]?\d|2[0-3])[:：]([0-5]\d)")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass(frozen=True)
class OfficeSetting:
    """One person's view: reminders on or off, and their unit's times."""

    enabled: bool
    unit_name: str
    times: tuple[str, ...]
    default: bool  # the unit uses the configured times


def parse_times(text: str) -> tuple[str, ...]:
    """Read 1–4 times of day written HH:MM ("8:30 17:30"), sorted, as "08:30"-style strings."""
    parts = [p for p in _SEPARATORS.split(text.strip()) if p]
    times = set()
    for part in parts:
        m = _TIME.fullmatch(part)
        if m is None:
            raise DomainError("office.bad_times")
        times.add(f"{int(m[1]):02d}:{m[2]}")
    if not 1 <= len(times) <= MAX_TIMES:
        raise DomainError("office.bad_times")
    return tuple(sorted(times))


def moment(time: str, times: Sequence[str]) -> str:
    """Name what a reminder time is for by its place in the day's times, never by the clock.

    Times alternate arriving and leaving (上班, 午休, 下午上班, 下班): the first is 上班, the last
    下班, a leaving with an arrival after it 午休, an arrival after a leaving 下午上班. A lone
    time (or one no longer among the times) falls back to before or after noon.
    """
    ordered = sorted(times)
    if len(ordered) < 2 or time not in ordered:
        return "on_duty" if dt.time.fromisoformat(time) < dt.time(12, 0) else "off_duty"
    index = ordered.index(time)
    if index == len(ordered) - 1:
        return "off_duty"
    if index % 2:
        return "lunch"
    return "on_duty" if index == 0 else "afternoon"


class OfficeHoursService:
    def __init__(self, db: Database, clock: Clock, calendar: WorkCalendar,
                 notify: NotificationService, config: Config) -> None:
        self.db = db
        self.clock = clock
        self.calendar = calendar
        self.notify = notify
        self.config = config
        self.tz = config.tz
        self._planned_on: dt.date | None = None

    def _times(self, unit_hours: Iterable[str] | None) -> tuple[str, ...]:
        return tuple(unit_hours) if unit_hours else self.config.reminders.office_hours

    def today(self) -> dt.date:
        return self.clock.now().astimezone(self.tz).date()

    # -- planning ----------------------------------------------------------------------------

    def plan_day(self, day: dt.date) -> int:
        """Plan the day's reminders for everyone who wants them; idempotent; return how many new.

        Times already past are left out, so planning late never sends a burst of stale reminders.
        People are read and planned PLAN_BATCH at a time, each batch in its own transaction: the
        write lock is held for a moment at a time, never for the whole of 20,000 people (keys
        make a batch planned twice harmless).
        """
        planned = self._warn_missing_calendar(day)
        if not self.calendar.is_workday(day):
            return planned
        now = self.clock.now()
        after = None
        while True:
            query = (select(Member.user_id, Unit.office_hours)
                     .join(User, User.id == Member.user_id)
                     .join(Unit, Unit.id == Member.unit_id)
                     .where(User.office_reminders.is_(True), User.reachable.is_(True))
                     .order_by(Member.user_id).limit(PLAN_BATCH))
            if after is not None:
                query = query.where(Member.user_id > after)
            with self.db.read() as conn:
                rows = conn.execute(query).all()
            if not rows:
                return planned
            after = rows[-1][0]
            items = []
            for user_id, hours in rows:
                for time in self._times(hours):
                    due = dt.datetime.combine(day, dt.time.fromisoformat(time), tzinfo=self.tz)
                    if due <= now:
                        continue
                    items.append(Planned(
                        key=f"office:{day}:{time}:{user_id}", chat_id=user_id, kind=KIND,
                        due_at=due, payload={"day": day.isoformat(), "time": time},
                        subject=f"office:{day}"))
            planned += self.notify.plan(items)

    def plan_daily(self) -> int:
        """Plan today and tomorrow once per local date (the sender calls this every tick);
        a restart plans again, which the notification keys make harmless."""
        today = self.today()
        if self._planned_on == today:
            return 0
        planned = self.plan_upcoming()
        self._planned_on = today
        return planned

    def plan_upcoming(self) -> int:
        """Plan today and tomorrow (local dates); what the daily tick hook and settings call."""
        today = self.today()
        return self.plan_day(today) + self.plan_day(today + dt.timedelta(days=1))

    def _warn_missing_calendar(self, day: dt.date) -> int:
        """Warn the office admins and the admin chat, once a week, while a year is unknown.

        Next year counts from 1 December, this year all year round. One key per ISO week: the
        first planning in December warns at once, then each Monday while the year stays unknown.
        """
        years = [day.year] if not self.calendar.knows(day.year) else []
        if day.month == 12 and not self.calendar.knows(day.year + 1):
            years.append(day.year + 1)
        if not years:
            return 0
        iso_year, week, _ = day.isocalendar()
        due = max(self.clock.now(), dt.datetime.combine(day, WARN_AT, tzinfo=self.tz))
        chats = self.office_admins()
        admin_chat = self.config.telegram.admin_chat
        if admin_chat is not None and admin_chat not in chats:
            chats.append(admin_chat)
        return self.notify.plan(
            Planned(key=f"calendar:{year}:{chat}:{iso_year}W{week:02d}", chat_id=chat,
                    kind=CALENDAR_KIND, due_at=due, payload={"year": year},
                    subject=f"calendar:{year}")
            for year in years for chat in chats
        )

    def office_admins(self) -> list[int]:
        """Config office admins and everyone who joined with the office role."""
        with self.db.read() as conn:
            members = conn.execute(select(Member.user_id).where(Member.role == Role.OFFICE))
            return sorted(set(self.config.office_admins) | set(members.scalars()))

    # -- at send time ------------------------------------------------------------------------

    def reminder_for(self, user_id: int, day: dt.date, time: str) -> str | None:
        """What a planned reminder is for (see moment), or None once it no longer applies:
        opted out, other times, not a working day, or on approved leave that day.

        Whole days of leave silence every reminder of the day, a half day (半天) those of its
        half (before noon, or from noon on); reporting back (销假) early brings back the
        reminders after it.
        """
        at = dt.time.fromisoformat(time)
        due = dt.datetime.combine(day, at, tzinfo=self.tz)
        away = exists().where(
            LeaveRequest.user_id == User.id, LeaveRequest.state == LeaveState.APPROVED,
            LeaveRequest.first_day <= day, LeaveRequest.last_day >= day,
            or_(LeaveRequest.half.is_(None),
                LeaveRequest.half == (HALF_PM if at >= NOON else HALF_AM)),
            or_(LeaveRequest.returned_at.is_(None), LeaveRequest.returned_at > due))
        with self.db.read() as conn:
            row = conn.execute(
                select(User.office_reminders, Unit.office_hours, away)
                .join(Member, Member.user_id == User.id)
                .join(Unit, Unit.id == Member.unit_id)
                .where(User.id == user_id)
            ).first()
        if row is None or not row[0] or row[2]:
            return None
        times = self._times(row[1])
        if time not in times or not self.calendar.is_workday(day):
            return None
        return moment(time, times)

    def still_wanted(self, user_id: int, day: dt.date, time: str) -> bool:
        """Tell whether a planned reminder still applies (see reminder_for)."""
        return self.reminder_for(user_id, day, time) is not None

    def calendar_missing(self, year: int) -> bool:
        return not self.calendar.knows(year)

    # -- settings ----------------------------------------------------------------------------

    def setting(self, user_id: int) -> OfficeSetting:
        """The person's switch and their unit's times."""
        with self.db.uow() as s:
            member = s.scalar(select(Member).where(Member.user_id == user_id))
            if member is None:
                raise DomainError("office.no_unit")
            hours = member.unit.office_hours
            return OfficeSetting(member.user.office_reminders, member.unit.name,
                                 self._times(hours), not hours)

    def set_enabled(self, user_id: int, enabled: bool) -> OfficeSetting:
        """Turn the person's office-hours reminders on or off."""
        with self.db.uow() as s:
            member = s.scalar(select(Member).where(Member.user_id == user_id))
            if member is None:
                raise DomainError("office.no_unit")
            member.user.office_reminders = enabled
        return self.setting(user_id)

    def set_unit_times(self, by: Identity, text: str | None) -> OfficeSetting:
        """Set the times of the person's unit from "08:30 17:30" (None: the configured default)."""
        if by.unit is None:
            raise DomainError("office.no_unit")
        if by.role not in SETTERS:
            raise DomainError("office.denied")
        times = parse_times(text) if text is not None else None
        with self.db.uow() as s:
            s.get_one(Unit, by.unit.id).office_hours = list(times) if times else None
        return self.setting(by.user_id)
