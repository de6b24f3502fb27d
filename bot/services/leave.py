"""Leave (请假): request, a leader's decision, then a 请销假 nudge each working day until back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select, true
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import DialogRef, LeaveKind, LeaveState, NoteKind, Role
from bot.errors import DomainError
from bot.services.approvers import approvers
from bot.services.membership import Identity
from bot.services.notify import NotificationService, Planned
from bot.workdays import WorkCalendar
from storage.db import Database
from storage.dialogs import end_dialog
from storage.leave import HALF_AM as HALF_AM  # re-exported for the handlers
from storage.leave import HALF_PM as HALF_PM
from storage.leave import NOON as NOON
from storage.leave import LeaveRequest
from storage.models import Unit

# The first nudge on the last day of leave, then one each working day until reported back.
LAST_DAY_AT = dt.time(17, 0)
WORKDAY_AT = dt.time(9, 0)
MAX_REASON = 500
# Sick leave may be asked after the fact (补假), up to this many days back.
SICK_BACK_DAYS = 30


def retroactive(kind: LeaveKind, first_day: dt.date, today: dt.date) -> bool:
    """补假: sick leave that began before today (allowed within SICK_BACK_DAYS)."""
    return kind == LeaveKind.SICK and first_day < today


@dataclass(frozen=True)
class LeaveView:
    id: int
    unit_id: int
    unit_name: str
    user_id: int
    user_name: str
    kind: LeaveKind
    first_day: dt.date
    last_day: dt.date
    reason: str
    state: LeaveState
    decided_by_name: str | None
    returned_at: dt.datetime | None
    answer: str | None = None  # why it was not approved
    decided_by: int | None = None
    created_at: dt.datetime | None = None
    half: str | None = None  # HALF_AM / HALF_PM: that day's morning or afternoon only

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def length(self) -> float | int:
        """Days of leave as said: 0.5 for a half day."""
        return 0.5 if self.half is not None else self.days


@dataclass(frozen=True)
class Submitted:
    request: LeaveView
    approvers: tuple[int, ...]


@dataclass(frozen=True)
class Roster:
    """Who is away today and who should have been back already (approved, not reported back)."""

    away: list[LeaveView]
    late: list[LeaveView]


def subject(request_id: int) -> str:
    return f"leave:{request_id}"


def _view(r: LeaveRequest, unit_name: str) -> LeaveView:
    return LeaveView(r.id, r.unit_id, unit_name, r.user_id, r.user_name, r.kind, r.first_day,
                     r.last_day, r.reason, r.state, r.decided_by_name, r.returned_at, r.answer,
                     r.decided_by, r.created_at, r.half)


class LeaveService:
    def __init__(self, db: Database, clock: Clock, notify: NotificationService,
                 calendar: WorkCalendar, tz: ZoneInfo, *, office_admins: Iterable[int] = ()
                 ) -> None:
        self.db = db
        self.clock = clock
        self.notify = notify
        self.calendar = calendar
        self.tz = tz
        self.office_admins = frozenset(office_admins)

    def today(self) -> dt.date:
        return self.clock.now().astimezone(self.tz).date()

    # -- the request -------------------------------------------------------------------------

    def submit(self, *, by: Identity, by_name: str, kind: LeaveKind, first_day: dt.date,
               last_day: dt.date, reason: str, dialog: DialogRef | None = None,
               half: str | None = None) -> Submitted:
        """Save a pending request and send it to the unit's leaders (else to the office);
        `half` (HALF_AM / HALF_PM) asks for one day's morning or afternoon only."""
        if by.unit is None:
            raise DomainError("leave.no_unit")
        today = self.today()
        if last_day < first_day:
            raise DomainError("leave.past")
        if half is not None and (half not in (HALF_AM, HALF_PM) or first_day != last_day):
            raise DomainError("leave.half_range")
        if kind == LeaveKind.SICK:
            if first_day < today - dt.timedelta(days=SICK_BACK_DAYS):
                raise DomainError("leave.too_far_back", days=SICK_BACK_DAYS)
        elif last_day < today:
            raise DomainError("leave.past")
        now = self.clock.now()
        with self.db.unit() as uow:
            s = uow.session
            end_dialog(uow, dialog)
            approvers = self._approvers(s, by.unit.id, by.user_id)
            if not approvers:
                raise DomainError("leave.no_approver")
            overlap = s.scalars(select(LeaveRequest).where(
                LeaveRequest.user_id == by.user_id,
                LeaveRequest.state.in_((LeaveState.PENDING, LeaveState.APPROVED)),
                LeaveRequest.first_day <= last_day, LeaveRequest.last_day >= first_day,
                # The morning and the afternoon of one day are two halves, not an overlap.
                true() if half is None else or_(LeaveRequest.half.is_(None),
                                                LeaveRequest.half == half),
            ).limit(1)).first()
            if overlap is not None:
                raise DomainError("leave.overlap", first=f"{overlap.first_day:%m-%d}",
                                  last=f"{overlap.last_day:%m-%d}")
            request = LeaveRequest(
                unit_id=by.unit.id, user_id=by.user_id, user_name=by_name[:200], kind=kind,
                first_day=first_day, last_day=last_day, half=half, reason=reason[:MAX_REASON],
                state=LeaveState.PENDING, created_at=now)
            s.add(request)
            s.flush()
            view = _view(request, by.unit.name)
            self.notify.plan((Planned(f"leave{view.id}:ask:{uid}", uid, NoteKind.LEAVE_REQUEST,
                                      now, {"leave": view.id}) for uid in approvers),
                             conn=uow.conn)
            return Submitted(view, approvers)

    def check_decider(self, request_id: int, *, by: Identity) -> LeaveView:
        """Refuse now (as decide would) whoever may not decide this request: asked before the
        reason for 不批准 is typed."""
        with self.db.uow() as s:
            request, unit_name = self._load(s, request_id)
            self._may_decide(request, by)
            return _view(request, unit_name)

    @staticmethod
    def _may_decide(request: LeaveRequest, by: Identity) -> None:
        if by.user_id == request.user_id:
            raise DomainError("leave.own")
        same_unit = by.unit is not None and by.unit.id == request.unit_id
        if not (by.role is Role.OFFICE or (by.role is Role.LEADER and same_unit)):
            raise DomainError("leave.denied")
        if request.state != LeaveState.PENDING:
            raise DomainError("leave.decided_already", who=request.decided_by_name or "")

    def decide(self, request_id: int, *, by: Identity, by_name: str, approve: bool,
               answer: str | None = None, dialog: DialogRef | None = None) -> LeaveView:
        """Approve or decline (with the reason, when given); the applicant hears the outcome,
        approved leave gets its nudges."""
        now = self.clock.now()
        with self.db.unit() as uow:
            s = uow.session
            request, unit_name = self._load(s, request_id)
            self._may_decide(request, by)
            end_dialog(uow, dialog)
            request.state = LeaveState.APPROVED if approve else LeaveState.DECLINED
            request.answer = None if approve else ((answer or "").strip()[:MAX_REASON] or None)
            request.decided_by, request.decided_by_name = by.user_id, by_name[:200]
            request.decided_at = now
            view = _view(request, unit_name)
            plans = [Planned(f"leave{view.id}:decided", view.user_id, NoteKind.LEAVE_DECIDED, now,
                             {"leave": view.id})]
            if approve:
                # Back from a morning off at noon; otherwise at the end of the last day.
                back = NOON if view.half == HALF_AM else LAST_DAY_AT
                first = dt.datetime.combine(view.last_day, back, tzinfo=self.tz)
                plans.append(self.nudge(view, max(first, now)))
            self.notify.plan(plans, conn=uow.conn)
            return view

    def report_back(self, request_id: int, *, by: Identity) -> LeaveView:
        """销假: record the return and stop the nudges."""
        with self.db.unit() as uow:
            s = uow.session
            request, unit_name = self._load(s, request_id)
            if by.user_id != request.user_id:
                raise DomainError("leave.not_yours")
            if request.state != LeaveState.APPROVED:
                raise DomainError("leave.not_approved")
            if request.returned_at is not None:
                raise DomainError("leave.back_already")
            now = self.clock.now()
            request.returned_at = now
            view = _view(request, unit_name)
            self.notify.cancel_subject(subject(view.id), conn=uow.conn)
            # Whoever approved it hears that the person is back.
            if request.decided_by and request.decided_by != request.user_id:
                self.notify.plan([Planned(f"leave{view.id}:returned", request.decided_by,
                                          NoteKind.LEAVE_RETURNED, now, {"leave": view.id})],
                                 conn=uow.conn)
            return view

    def withdraw(self, request_id: int, *, by: Identity) -> LeaveView:
        """撤回: the applicant takes back a request not yet decided, or leave not yet begun."""
        with self.db.unit() as uow:
            s = uow.session
            request, unit_name = self._load(s, request_id)
            if by.user_id != request.user_id:
                raise DomainError("leave.not_yours")
            started = request.state == LeaveState.APPROVED and request.first_day <= self.today()
            if request.state not in (LeaveState.PENDING, LeaveState.APPROVED) or started:
                raise DomainError("leave.not_withdrawable")
            request.state = LeaveState.WITHDRAWN
            view = _view(request, unit_name)
            self.notify.cancel_subject(subject(view.id), conn=uow.conn)
            return view

    # -- nudges ------------------------------------------------------------------------------

    def nudge(self, request: LeaveView, due: dt.datetime) -> Planned:
        day = due.astimezone(self.tz).date()
        return Planned(f"leave{request.id}:nudge:{day:%Y%m%d}", request.user_id,
                       NoteKind.LEAVE_NUDGE, due, {"leave": request.id},
                       subject=subject(request.id))

    def next_nudge(self, request: LeaveView) -> Planned:
        """Tomorrow's nudge: 09:00 on the next working day after today (holidays, 调休 included)."""
        day = self.calendar.next_workday(self.today())
        return self.nudge(request, dt.datetime.combine(day, WORKDAY_AT, tzinfo=self.tz))

    # -- reading -----------------------------------------------------------------------------

    def get(self, request_id: int) -> LeaveView | None:
        """Load a request without any permission check (the sender's renderers use this)."""
        with self.db.uow() as s:
            try:
                return _view(*self._load(s, request_id))
            except DomainError:
                return None

    def mine(self, by: Identity) -> list[LeaveView]:
        """My requests still waiting for a decision or not yet reported back."""
        query = self._query().where(LeaveRequest.user_id == by.user_id).where(or_(
            LeaveRequest.state == LeaveState.PENDING,
            (LeaveRequest.state == LeaveState.APPROVED) & LeaveRequest.returned_at.is_(None)))
        return self._list(query)

    def roster(self, by: Identity) -> Roster | None:
        """For leaders (their unit) and the office (every unit); None for anyone else."""
        if by.role is Role.OFFICE:
            unit_id = None
        elif by.role is Role.LEADER and by.unit is not None:
            unit_id = by.unit.id
        else:
            return None
        today = self.today()
        query = self._query().where(LeaveRequest.state == LeaveState.APPROVED,
                                    LeaveRequest.returned_at.is_(None),
                                    LeaveRequest.first_day <= today)
        if unit_id is not None:
            query = query.where(LeaveRequest.unit_id == unit_id)
        out = self._list(query)
        return Roster(away=[r for r in out if r.last_day >= today],
                      late=[r for r in out if r.last_day < today])

    def waiting_for(self, by: Identity) -> list[LeaveView]:
        """Requests still to be decided that `by` decides (or, a liaison, follows up)."""
        query = self._query().where(LeaveRequest.state == LeaveState.PENDING)
        if by.role is not Role.OFFICE:
            if by.unit is None:
                return []
            query = query.where(LeaveRequest.unit_id == by.unit.id)
        out = []
        with self.db.uow() as s:
            for r, name in s.execute(query.order_by(LeaveRequest.id).limit(100)):
                deciders = approvers(s, r.unit_id, excluded=(r.user_id,),
                                     office_admins=self.office_admins)
                if by.user_id in deciders or by.role is Role.LIAISON:
                    out.append(_view(r, name))
        return out

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _query() -> Select[LeaveRequest, str]:
        return select(LeaveRequest, Unit.name).join(Unit, Unit.id == LeaveRequest.unit_id)

    def _list(self, query: Select[LeaveRequest, str]) -> list[LeaveView]:
        with self.db.uow() as s:
            rows = s.execute(query.order_by(LeaveRequest.last_day, LeaveRequest.id).limit(100))
            return [_view(r, name) for r, name in rows]

    @staticmethod
    def _load(s: Session, request_id: int) -> tuple[LeaveRequest, str]:
        row = s.execute(LeaveService._query().where(LeaveRequest.id == request_id)).first()
        if row is None:
            raise DomainError("leave.unknown")
        return row[0], row[1]

    def _approvers(self, s: Session, unit_id: int, applicant: int) -> tuple[int, ...]:
        """The unit's leaders; a unit without one (or a lone leader asking) goes to the office."""
        return approvers(s, unit_id, excluded=(applicant,), office_admins=self.office_admins)
