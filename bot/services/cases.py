"""The public's cases: submitted, triaged by the office (转办 / 合并 / 不予受理), followed by their
查询码, and rated when the item is signed off; a 不满意 reopens the item (复号)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import Config
from bot.domain import (
    SATISFIED,
    CaseState,
    DialogRef,
    EventKind,
    NoteKind,
    Rating,
    Role,
    Source,
    Status,
    Track,
)
from bot.errors import DomainError
from bot.images import image_type
from bot.services.case_data import (
    DUPLICATE_WINDOW,
    KINDS,
    PHONE,
    CaseView,
    PublicCase,
    Rated,
    Satisfaction,
    Submitted,
    case_digest,
    case_view,
    clean,
    code_of,
    normalize_code,
)
from bot.services.cases_ack import CaseAcks
from bot.services.cases_asks import CaseAsks
from bot.services.cases_board import CasesBoard
from bot.services.ledger import LedgerService, Replanner, notice_subject
from bot.services.membership import Identity, UnitView
from bot.services.notify import NotificationService, Planned
from bot.services.problem import Draft, ProblemView, view
from bot.workdays import WorkCalendar
from storage.cases import Case, CaseRating, satisfaction_query
from storage.db import Database
from storage.dialogs import end_dialog
from storage.ledger import Problem, ProblemEvent
from storage.models import Member, Unit, User


class CasesService:
    def __init__(self, db: Database, clock: Clock, config: Config, ledger: LedgerService,
                 notify: NotificationService, *, replan: Replanner | None = None,
                 calendar: WorkCalendar | None = None) -> None:
        self.db = db
        self.clock = clock
        self.config = config
        self.limits = config.cases
        self.ledger = ledger
        self.notify = notify
        self.replan = replan
        self.acks = CaseAcks(db, clock, config, notify, calendar)
        self._purged_on: dt.date | None = None
        self.board = CasesBoard(db, config, self.satisfaction)
        self.asks = CaseAsks(db, clock, notify, self)

    # -- the public side ---------------------------------------------------------------------

    def units(self) -> list[UnitView]:
        """The units a complaint may name (反映对象), by code."""
        with self.db.read() as conn:
            rows = conn.execute(select(Unit.id, Unit.code, Unit.name).order_by(Unit.code))
            return [UnitView(id=r.id, code=r.code, name=r.name) for r in rows]

    def submit(
        self, *, unit_id: int, kind: str, text: str, photo: bytes | None = None,
        contact_name: str | None = None, contact_phone: str | None = None,
        anonymous: bool = True, channel: str = "web", dialog: DialogRef | None = None,
    ) -> Submitted:
        """Register a case (挂号) and hand back its 查询码; the same case within a day is one."""
        text = clean(text)
        if not text:
            raise DomainError("cases.empty")
        if len(text) > self.limits.max_text:
            raise DomainError("cases.too_long", limit=self.limits.max_text)
        if kind not in {k.value for k in KINDS}:
            raise DomainError("cases.bad_kind")
        source = Source(kind)
        ptype = None
        if photo:
            if len(photo) > self.limits.max_photo_bytes:
                raise DomainError("cases.photo_too_big",
                                  limit=f"{self.limits.max_photo_bytes / 1e6:g}")
            ptype = image_type(photo)
            if ptype is None:
                raise DomainError("cases.photo_type")
        else:
            photo = None
        name = phone = None
        if not anonymous:
            name = clean(contact_name)[:100].strip() or None
            phone = clean(contact_phone) or None
            if phone is not None and not PHONE.match(phone):
                raise DomainError("cases.bad_phone")
            if name is None and phone is None:
                raise DomainError("cases.contact_needed")
        now = self.clock.now()
        digest = case_digest(unit_id, source, text, photo)
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            s = uow.session
            if s.get(Unit, unit_id) is None:
                raise DomainError("cases.unknown_unit")
            earlier = s.execute(select(Case.code).where(
                Case.digest == digest, Case.created_at > now - DUPLICATE_WINDOW)
                .order_by(Case.id).limit(1)).scalar()
            if earlier is not None:
                return Submitted(earlier, duplicate=True)
            code = code_of()
            s.add(Case(code=code, unit_id=unit_id, kind=source, text=text, photo=photo,
                       photo_type=ptype, contact_name=name, contact_phone=phone,
                       channel=channel[:32], digest=digest, state=CaseState.NEW,
                       created_at=now))
            return Submitted(code, duplicate=False)

    def track(self, code: str) -> PublicCase | None:
        """What the holder of a 查询码 may see; None for a code that names nothing."""
        with self.db.reading() as s:
            case = self._by_code(s, code)
            if case is None:
                return None
            unit = s.get(Unit, case.unit_id)
            assert unit is not None
            problem = s.get(Problem, case.problem_id) if case.problem_id else None
            ratings = tuple(s.execute(select(CaseRating.rating).where(
                CaseRating.case_id == case.id).order_by(CaseRating.id)).scalars())
            return PublicCase(
                code=case.code, unit_name=unit.name, kind=case.kind, state=case.state,
                created_at=case.created_at, reason=case.reason,
                number=problem.number if problem else None,
                item_status=problem.status if problem else None,
                deadline=problem.deadline if problem else None,
                signed_off_at=problem.signed_off_at if problem else None,
                can_rate=problem is not None and self._rateable(s, case, problem),
                ratings=ratings, acked_at=case.acked_at)

    def rate(self, code: str, rating: str, comment: str | None = None) -> Rated:
        """Record the complainant's verdict on a signed-off item; 不满意 reopens it (复号)."""
        try:
            verdict = Rating(rating)
        except ValueError:
            raise DomainError("cases.bad_rating") from None
        comment = clean(comment)[:self.limits.max_text].strip() or None
        now = self.clock.now()
        with self.db.unit() as uow:
            s = uow.session
            case = self._by_code(s, code, lock=True)
            problem = s.get(Problem, case.problem_id) if case and case.problem_id else None
            if case is None or problem is None or not self._rateable(s, case, problem):
                raise DomainError("cases.not_rateable")
            assert problem.signed_off_at is not None
            reopen = verdict not in SATISFIED and case.reopen_count < self.limits.max_reopen
            s.add(CaseRating(case_id=case.id, signed_off_at=problem.signed_off_at,
                             rating=verdict, comment=comment, reopened=reopen, created_at=now))
            if reopen:
                case.reopen_count += 1
                self._reopen(uow.session, problem, verdict, comment)
            return Rated(verdict, reopen)

    # -- the office --------------------------------------------------------------------------

    def pending(self, *, by: Identity, limit: int = 20) -> list[CaseView]:
        """New cases, oldest first, for the office."""
        _office(by)
        with self.db.reading() as s:
            rows = s.execute(select(Case, Unit.name).join(Unit, Unit.id == Case.unit_id)
                             .where(Case.state == CaseState.NEW)
                             .order_by(Case.created_at, Case.id).limit(limit)).all()
            return [case_view(case, name) for case, name in rows]

    def case(self, case_id: int, *, by: Identity) -> CaseView:
        _office(by)
        with self.db.reading() as s:
            row = s.execute(select(Case, Unit.name).join(Unit, Unit.id == Case.unit_id)
                            .where(Case.id == case_id)).first()
            if row is None:
                raise DomainError("cases.unknown")
            return case_view(*row)

    def transfer(self, case_id: int, *, by: Identity, by_name: str,
                 deadline: dt.datetime, unit_id: int | None = None,
                 category: str | None = None, dialog: DialogRef | None = None) -> ProblemView:
        """转办: the case becomes a ledger item of the unit (问题来源 its type), with a deadline.

        The item carries the case's text only: the complainant's contact stays with the office.
        """
        _office(by)
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            s = uow.session
            case = self._new_case(s, case_id)
            unit = s.get(Unit, unit_id or case.unit_id)
            if unit is None:
                raise DomainError("cases.unknown_unit")
            owner, leader = self._responsible(s, unit)
            draft = Draft(
                category=category or self._category(), source=case.kind.value,
                description=case.text,
                measures=(self.limits.measures,),
                track=Track.DEADLINE.value, owner_name=owner[1] if owner else unit.name,
                owner_user_id=owner[0] if owner else None,
                leader_name=leader[1] if leader else None,
                leader_user_id=leader[0] if leader else None,
                deadline=deadline.isoformat())
            filer = Identity(user_id=by.user_id, role=Role.OFFICE, lang=by.lang,
                             unit=UnitView(id=unit.id, code=unit.code, name=unit.name))
            problem = self.ledger.file(draft, by=filer, by_name=by_name, uow=uow)
            self._decide(case, by, CaseState.TRANSFERRED, problem_id=problem.id)
            case.unit_id = unit.id
            self.acks.plan(s, case, problem.id)
            return problem

    def merge(self, case_id: int, number: str, *, by: Identity) -> ProblemView:
        """合并: the case joins an item already in the ledger (its rating counts for that item)."""
        _office(by)
        with self.db.unit() as uow:
            s = uow.session
            case = self._new_case(s, case_id)
            problem = s.execute(select(Problem).where(
                Problem.number == number.strip().upper())).scalar()
            if problem is None:
                raise DomainError("cases.unknown_item", number=number.strip())
            self._decide(case, by, CaseState.MERGED, problem_id=problem.id)
            case.unit_id = problem.unit_id
            return view(problem)

    def refuse(self, case_id: int, reason: str, *, by: Identity,
               dialog: DialogRef | None = None) -> None:
        """不予受理, with the reason the complainant reads on the tracking page."""
        _office(by)
        reason = reason.strip()
        if not reason:
            raise DomainError("cases.reason_needed")
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            case = self._new_case(uow.session, case_id)
            self._decide(case, by, CaseState.REFUSED)
            case.reason = reason

    def satisfaction(self, unit_ids: Iterable[int] | None = None) -> dict[int, Satisfaction]:
        """满意率 per unit: of every rating given on its items, the share that was satisfied."""
        query = satisfaction_query(unit_ids)
        with self.db.read() as conn:
            return {u: Satisfaction(u, int(n), int(ok or 0)) for u, n, ok in conn.execute(query)}

    # -- personal data -----------------------------------------------------------------------

    def purge(self, code: str, *, by: Identity) -> bool:
        """Remove a case's personal data (contact, photo); the text stays, as the item's."""
        _office(by)
        with self.db.unit() as uow:
            case = self._by_code(uow.session, code, lock=True)
            if case is None:
                raise DomainError("cases.unknown")
            return _forget(case)

    def purge_expired(self) -> int:
        """Forget the personal data of cases closed more than `cases.retention_days` ago: refused,
        or their item signed off since then. Return how many were cleared."""
        cutoff = self.clock.now() - dt.timedelta(days=self.limits.retention_days)
        with self.db.unit() as uow:
            s = uow.session
            closed = (Case.state == CaseState.REFUSED) | Case.problem_id.in_(
                select(Problem.id).where(Problem.status == Status.SIGNED_OFF,
                                         Problem.signed_off_at < cutoff))
            rows = s.execute(select(Case).where(
                Case.decided_at < cutoff, closed,
                (Case.contact_name.is_not(None)) | (Case.contact_phone.is_not(None))
                | (Case.photo_type.is_not(None)) | Case.channel.startswith("chat:"))).scalars()
            return sum(_forget(case) for case in rows)

    def purge_daily(self) -> int:
        """purge_expired once a local day (the sender calls this every tick)."""
        today = self.clock.now().astimezone(self.config.tz).date()
        if self._purged_on == today:
            return 0
        self._purged_on = today
        return self.purge_expired()

    # -- helpers -----------------------------------------------------------------------------

    def _by_code(self, s: Session, code: str, *, lock: bool = False) -> Case | None:
        query = select(Case).where(Case.code == normalize_code(code))
        return s.execute(query.with_for_update() if lock else query).scalar()

    def _rateable(self, s: Session, case: Case, problem: Problem) -> bool:
        if problem.status != Status.SIGNED_OFF or problem.signed_off_at is None:
            return False
        done = s.execute(select(CaseRating.id).where(
            CaseRating.case_id == case.id,
            CaseRating.signed_off_at == problem.signed_off_at)).first()
        return done is None

    def _new_case(self, s: Session, case_id: int) -> Case:
        case = s.execute(select(Case).where(Case.id == case_id).with_for_update()).scalar()
        if case is None:
            raise DomainError("cases.unknown")
        if case.state != CaseState.NEW:
            raise DomainError("cases.decided", code=case.code)
        return case

    def _decide(self, case: Case, by: Identity, state: CaseState, *,
                problem_id: int | None = None) -> None:
        case.state = state
        case.problem_id = problem_id
        case.decided_by = by.user_id
        case.decided_at = self.clock.now()

    def _category(self) -> str:
        names = [c.name for c in self.config.categories]
        return next((n for n in names if "群众" in n), names[0] if names else "群众反映")

    def _responsible(self, s: Session, unit: Unit) -> tuple[tuple[int, str] | None,
                                                            tuple[int, str] | None]:
        """Who answers for a handed-over case: the liaison does the work (else the leader) and
        the leader signs it off (销号)."""
        found: dict[Role, tuple[int, str]] = {}
        for role in (Role.LEADER, Role.LIAISON):
            row = s.execute(select(User.id, User.display_name).join(
                Member, Member.user_id == User.id).where(
                Member.unit_id == unit.id, Member.role == role).order_by(Member.id)).first()
            if row is not None:
                found[role] = (row.id, row.display_name)
        return found.get(Role.LIAISON) or found.get(Role.LEADER), found.get(Role.LEADER)

    def _reopen(self, s: Session, problem: Problem, verdict: Rating,
                comment: str | None) -> None:
        """复号: back to 整改中 with a new deadline; the leaders and the office are told."""
        now = self.clock.now()
        before = problem.status
        problem.status = Status.IN_PROGRESS
        problem.signed_off_at = None
        problem.rework_count += 1
        problem.updated_at = now
        if problem.track != Track.ONGOING:
            problem.deadline = now + dt.timedelta(days=self.limits.reopen_days)
        s.add(ProblemEvent(
            problem=problem, at=now, actor_id=0, actor_name=self.limits.actor_name,
            kind=EventKind.REOPENED, from_status=before, to_status=Status.IN_PROGRESS,
            note=comment,
            details={"rating": verdict.value}))
        s.flush()
        current = view(problem)
        if self.replan is not None:
            self.replan(s.connection(), current)
        leaders = set(s.execute(select(Member.user_id).where(
            Member.unit_id == problem.unit_id, Member.role == Role.LEADER)).scalars())
        if problem.leader_user_id:
            leaders.add(problem.leader_user_id)
        chats = sorted(leaders | set(self.config.office_admins))
        self.notify.plan([
            Planned(key=f"p{problem.id}:{NoteKind.CASE_REOPENED}:{chat}:{now:%Y%m%d%H%M%S%f}",
                    chat_id=chat, kind=NoteKind.CASE_REOPENED, due_at=now,
                    payload={"problem_id": problem.id, "rating": verdict.value},
                    subject=notice_subject(problem.id))
            for chat in chats], conn=s.connection())


def _forget(case: Case) -> bool:
    had = any(v is not None for v in (case.contact_name, case.contact_phone, case.photo_type))
    had = had or case.channel.startswith("chat:")
    case.contact_name = case.contact_phone = None
    case.channel = case.channel.partition(":")[0]  # "chat:<user id>" names a person too
    case.photo = None
    case.photo_type = None
    return had


def _office(by: Identity) -> None:
    if by.role is not Role.OFFICE:
        raise DomainError("cases.office_only")
