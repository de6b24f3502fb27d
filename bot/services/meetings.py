"""Meetings: call one, collect 参加 / 请假, remind the day before and just before, move, cancel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from bot.clock import Clock
from bot.domain import Answer, DialogRef, LeaveKind, LeaveState, MeetingState, NoteKind, Role
from bot.errors import DomainError
from bot.services.membership import Identity
from bot.services.notify import NotificationService, Planned
from storage.db import Database
from storage.dialogs import end_dialog
from storage.leave import LeaveRequest
from storage.meetings import Attendee, Meeting
from storage.models import Member, User

# The "shortly before" reminder; there is no config key for it (yet).
REMIND_BEFORE = dt.timedelta(minutes=30)
# The day-before reminder goes out at this local time.
DAY_BEFORE_AT = dt.time(9, 0)
ORGANISERS = frozenset({Role.LEADER, Role.LIAISON, Role.OFFICE})
MAX_TEXT = 200


@dataclass(frozen=True)
class Invitee:
    user_id: int
    name: str
    answer: Answer
    reason: str | None


@dataclass(frozen=True)
class MeetingView:
    id: int
    unit_id: int
    title: str
    place: str
    starts_at: dt.datetime
    organiser_id: int
    organiser_name: str
    state: MeetingState
    version: int
    attendees: tuple[Invitee, ...]

    def attendee(self, user_id: int) -> Invitee | None:
        return next((a for a in self.attendees if a.user_id == user_id), None)

    def answered(self, answer: Answer) -> list[Invitee]:
        return [a for a in self.attendees if a.answer == answer]


@dataclass(frozen=True)
class Away:
    """An invitee on approved leave on the meeting's day."""

    user_id: int
    kind: LeaveKind
    first_day: dt.date
    last_day: dt.date


@dataclass(frozen=True)
class Chased:
    """催办: who had not answered, and how many of them got the notice again now."""

    meeting: MeetingView
    waiting: list[Invitee]
    sent: int


def _view(m: Meeting) -> MeetingView:
    return MeetingView(
        m.id, m.unit_id, m.title, m.place, m.starts_at, m.organiser_id, m.organiser_name,
        m.state, m.version,
        tuple(Invitee(a.user_id, a.name, a.answer, a.reason) for a in m.attendees),
    )


def subject(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


class MeetingService:
    def __init__(self, db: Database, clock: Clock, notify: NotificationService,
                 tz: ZoneInfo) -> None:
        self.db = db
        self.clock = clock
        self.notify = notify
        self.tz = tz

    # -- calling a meeting -------------------------------------------------------------------

    @staticmethod
    def may_organise(by: Identity) -> bool:
        """Leaders, liaisons and the office call meetings; members answer them."""
        return by.role in ORGANISERS

    def check_organiser(self, by: Identity) -> None:
        """Refuse people who may not call a meeting (members, or anyone without a unit)."""
        if not self.may_organise(by):
            raise DomainError("meeting.denied")
        if by.unit is None:
            raise DomainError("meeting.no_unit")

    def candidates(self, by: Identity) -> list[tuple[int, str]]:
        """The people of the organiser's unit who can be invited (everyone but the organiser)."""
        self.check_organiser(by)
        assert by.unit is not None
        with self.db.uow() as s:
            return [p for p in self._people(s, by.unit.id) if p[0] != by.user_id]

    def create(self, *, by: Identity, by_name: str, title: str, place: str,
               starts_at: dt.datetime, invite: Iterable[int] | None,
               dialog: DialogRef | None = None) -> MeetingView:
        """Save a meeting and plan its notices and reminders; invite None means the whole unit."""
        self.check_organiser(by)
        assert by.unit is not None
        now = self.clock.now()
        if starts_at <= now:
            raise DomainError("meeting.past")
        with self.db.unit() as uow:
            s = uow.session
            end_dialog(uow, dialog)
            people = [p for p in self._people(s, by.unit.id) if p[0] != by.user_id]
            if invite is not None:
                wanted = set(invite)
                people = [p for p in people if p[0] in wanted]
            if not people:
                raise DomainError("meeting.nobody")
            meeting = Meeting(
                unit_id=by.unit.id, title=title[:MAX_TEXT], place=place[:MAX_TEXT],
                starts_at=starts_at, organiser_id=by.user_id, organiser_name=by_name[:200],
                state=MeetingState.SCHEDULED, version=0, created_at=now,
                attendees=[Attendee(user_id=uid, name=name, answer=Answer.PENDING)
                           for uid, name in people],
            )
            s.add(meeting)
            s.flush()
            view = _view(meeting)
            notices = [Planned(f"meet{view.id}:notice:{a.user_id}", a.user_id,
                               NoteKind.MEETING_NOTICE, now, {"meeting": view.id})
                       for a in view.attendees]
            self.notify.plan([*notices, *self._reminders(view, view.attendees)],
                             conn=uow.conn)
            return view

    # -- reading -----------------------------------------------------------------------------

    def get(self, meeting_id: int) -> MeetingView | None:
        """Load a meeting without any permission check (the sender's renderers use this)."""
        with self.db.uow() as s:
            meeting = self._load(s, meeting_id)
            return _view(meeting) if meeting else None

    def organised(self, by: Identity) -> list[MeetingView]:
        """The organiser's meetings still to come, soonest first."""
        query = select(Meeting).where(
            Meeting.organiser_id == by.user_id, Meeting.state == MeetingState.SCHEDULED,
            Meeting.starts_at > self.clock.now())
        return self._list(query)

    def invited(self, by: Identity) -> list[MeetingView]:
        """Meetings still to come that this person is invited to."""
        query = select(Meeting).join(Attendee).where(
            Attendee.user_id == by.user_id, Meeting.state == MeetingState.SCHEDULED,
            Meeting.starts_at > self.clock.now())
        return self._list(query)

    def managed(self, meeting_id: int, by: Identity) -> MeetingView:
        """A meeting the organiser (or the office) may look into, move or cancel."""
        with self.db.uow() as s:
            return _view(self._manageable(s, meeting_id, by))

    def away(self, user_ids: Iterable[int], starts_at: dt.datetime) -> list[Away]:
        """Those of `user_ids` on approved leave, not yet reported back, on the meeting's day."""
        day = starts_at.astimezone(self.tz).date()
        ids = sorted(set(user_ids))
        if not ids:
            return []
        with self.db.read() as conn:
            rows = conn.execute(
                select(LeaveRequest.user_id, LeaveRequest.kind, LeaveRequest.first_day,
                       LeaveRequest.last_day)
                .where(LeaveRequest.user_id.in_(ids), LeaveRequest.state == LeaveState.APPROVED,
                       LeaveRequest.returned_at.is_(None), LeaveRequest.first_day <= day,
                       LeaveRequest.last_day >= day)
                .order_by(LeaveRequest.first_day, LeaveRequest.id))
            return [Away(*row) for row in rows]

    # -- answers -----------------------------------------------------------------------------

    def invitation(self, meeting_id: int, *, by: Identity) -> MeetingView:
        """A meeting this person is invited to and may still answer."""
        with self.db.uow() as s:
            meeting = self._load(s, meeting_id)
            if meeting is None or all(a.user_id != by.user_id for a in meeting.attendees):
                raise DomainError("meeting.not_invited")
            self._still_on(meeting)
            return _view(meeting)

    def answer(self, meeting_id: int, *, by: Identity, attend: bool,
               reason: str | None = None, dialog: DialogRef | None = None) -> MeetingView:
        """Record 参加 or 请假 (with a reason); someone who comes back to 参加 is reminded again."""
        now = self.clock.now()
        with self.db.unit() as uow:
            s = uow.session
            end_dialog(uow, dialog)
            meeting = self._load(s, meeting_id)
            attendees = meeting.attendees if meeting else []
            mine = next((a for a in attendees if a.user_id == by.user_id), None)
            if meeting is None or mine is None:
                raise DomainError("meeting.not_invited")
            self._still_on(meeting)
            mine.answer = Answer.ATTEND if attend else Answer.DECLINE
            mine.reason = None if attend else (reason or "")[:MAX_TEXT]
            mine.answered_at = now
            view = _view(meeting)
            if attend:
                self.notify.plan(self._reminders(view, [view.attendee(by.user_id)]),
                                 conn=uow.conn)
            return view

    # -- the organiser's changes -------------------------------------------------------------

    def reschedule(self, meeting_id: int, *, by: Identity, starts_at: dt.datetime,
                   dialog: DialogRef | None = None) -> MeetingView:
        """Move the meeting, tell every attendee (with the old time) and plan reminders anew."""
        now = self.clock.now()
        if starts_at <= now:
            raise DomainError("meeting.past")
        with self.db.unit() as uow:
            s = uow.session
            end_dialog(uow, dialog)
            meeting = self._manageable(s, meeting_id, by)
            self._still_on(meeting)
            before = meeting.starts_at
            meeting.starts_at, meeting.version = starts_at, meeting.version + 1
            view = _view(meeting)
            payload = {"meeting": view.id, "version": view.version, "before": before.isoformat()}
            moved = [Planned(f"meet{view.id}v{view.version}:moved:{a.user_id}", a.user_id,
                             NoteKind.MEETING_MOVED, now, payload) for a in view.attendees]
            coming = [a for a in view.attendees if a.answer != Answer.DECLINE]
            self.notify.plan([*moved, *self._reminders(view, coming)],
                             replace_subject=subject(view.id), conn=uow.conn)
            return view

    def chase(self, meeting_id: int, *, by: Identity) -> Chased:
        """催办: send the notice again to whoever has not answered, at most once an hour."""
        now = self.clock.now()
        with self.db.unit() as uow:
            s = uow.session
            meeting = self._manageable(s, meeting_id, by)
            self._still_on(meeting)
            view = _view(meeting)
            waiting = view.answered(Answer.PENDING)
            if not waiting:
                raise DomainError("meeting.none_waiting", title=view.title)
            hour = f"{now.astimezone(self.tz):%Y%m%d%H}"
            payload = {"meeting": view.id, "version": view.version, "chase": True}
            sent = self.notify.plan(
                [Planned(f"meet{view.id}v{view.version}:chase{hour}:{a.user_id}", a.user_id,
                         NoteKind.MEETING_NOTICE, now, payload) for a in waiting],
                conn=uow.conn)
            return Chased(view, waiting, sent)

    def cancel(self, meeting_id: int, *, by: Identity) -> MeetingView:
        """Call the meeting off: drop its reminders and tell every attendee."""
        now = self.clock.now()
        with self.db.unit() as uow:
            s = uow.session
            meeting = self._manageable(s, meeting_id, by)
            self._still_on(meeting)
            meeting.state, meeting.cancelled_at = MeetingState.CANCELLED, now
            view = _view(meeting)
            notes = [Planned(f"meet{view.id}:cancelled:{a.user_id}", a.user_id,
                             NoteKind.MEETING_CANCELLED, now, {"meeting": view.id})
                     for a in view.attendees]
            self.notify.plan(notes, replace_subject=subject(view.id), conn=uow.conn)
            return view

    # -- helpers -----------------------------------------------------------------------------

    def _reminders(self, m: MeetingView, people: Iterable[Invitee | None]) -> list[Planned]:
        """The day before at 09:00 and REMIND_BEFORE the start; times already past are skipped."""
        now = self.clock.now()
        day = m.starts_at.astimezone(self.tz).date() - dt.timedelta(days=1)
        times = {"day": dt.datetime.combine(day, DAY_BEFORE_AT, tzinfo=self.tz),
                 "soon": m.starts_at - REMIND_BEFORE}
        return [
            # The last-minute one is urgent: a 07:45 meeting's reminder must not wait for 07:30.
            Planned(f"meet{m.id}v{m.version}:remind_{lead}:{p.user_id}", p.user_id,
                    NoteKind.MEETING_REMINDER, due,
                    {"meeting": m.id, "version": m.version, "lead": lead},
                    subject=subject(m.id), urgent=lead == "soon")
            for p in people if p is not None
            for lead, due in times.items() if due > now
        ]

    def _still_on(self, meeting: Meeting) -> None:
        if meeting.state == MeetingState.CANCELLED:
            raise DomainError(NoteKind.MEETING_CANCELLED, title=meeting.title)
        if meeting.starts_at <= self.clock.now():
            raise DomainError("meeting.started", title=meeting.title)

    def _manageable(self, s: Session, meeting_id: int, by: Identity) -> Meeting:
        meeting = self._load(s, meeting_id)
        if meeting is None:
            raise DomainError("meeting.unknown")
        if by.user_id != meeting.organiser_id and by.role is not Role.OFFICE:
            raise DomainError("meeting.not_organiser")
        return meeting

    @staticmethod
    def _load(s: Session, meeting_id: int) -> Meeting | None:
        return s.get(Meeting, meeting_id, options=[selectinload(Meeting.attendees)])

    def _list(self, query: Select[Meeting]) -> list[MeetingView]:
        with self.db.uow() as s:
            rows = s.scalars(query.options(selectinload(Meeting.attendees))
                             .order_by(Meeting.starts_at).limit(20))
            return [_view(m) for m in rows]

    @staticmethod
    def _people(s: Session, unit_id: int) -> list[tuple[int, str]]:
        rows = s.execute(select(Member.user_id, User.display_name).join(User)
                         .where(Member.unit_id == unit_id).order_by(Member.id))
        return [(uid, name) for uid, name in rows]
